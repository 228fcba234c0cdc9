// Phone numbers: each belongs to one business (e164 is unique across all of them), and points at one
// of its agents or none. Pointing a number elsewhere changes who answers real callers, so it needs the
// admin role (updates/authority.ts) and is audited with the number masked.
import type { Db, TenantTx } from '../../shared/db.js';
import { invalidArgument, notFound } from '../../shared/errors.js';
import { isUuid } from '../../shared/ids.js';
import { maskPhone } from '../../shared/log.js';
import { createAgentsRepository } from '../agents/agents.repository.js';
import type { Actor } from '../audit/actor.js';
import { createAuditRepository } from '../audit/audit.repository.js';
import { requireAdmin } from '../updates/authority.js';
import { createNumbersRepository } from './numbers.repository.js';
import type { PhoneNumber } from './numbers.types.js';

export interface AssignNumberInput {
  businessId: string;
  actor: Actor;
  phoneNumberId: string;
  /** The agent to answer it, or null for none. */
  agentId: string | null;
}

export interface NumbersService {
  /** Newest first; `limit` rows plus one to tell whether more follow. An agent filter naming no agent of this business is not_found. */
  list(tx: TenantTx, businessId: string, filters: { agentId?: string | undefined }, page: { limit: number; offset: number }): Promise<PhoneNumber[]>;
  get(tx: TenantTx, businessId: string, phoneNumberId: string): Promise<PhoneNumber>;
  /** Points the number at the agent (or none); returns it with the agent it had before. */
  assign(input: AssignNumberInput): Promise<{ number: PhoneNumber; previousAgentId: string | null }>;
  /** The same, inside a unit of work the caller holds (create_agent assigns its number with it). */
  assignInTx(tx: TenantTx, input: AssignNumberInput): Promise<{ number: PhoneNumber; previousAgentId: string | null }>;
}

export function createNumbersService(deps: { db: Db }): NumbersService {
  async function assignInTx(tx: TenantTx, input: AssignNumberInput) {
    const { businessId } = input;
    await requireAdmin(tx, businessId, input.actor, 'assigning a phone number');
    const repo = createNumbersRepository(tx, businessId);
    const current = isUuid(input.phoneNumberId) ? await repo.find(input.phoneNumberId, { lock: true }) : undefined;
    if (!current) throw notFound('Phone number');
    if (input.agentId !== null) {
      if (!isUuid(input.agentId) || !(await createAgentsRepository(tx).exists(businessId, input.agentId))) throw notFound('Agent');
      if (!current.capabilities.voice) throw invalidArgument(`${maskPhone(current.number)} has no voice capability, so no agent can answer it`, { field: 'phone_number_id' });
    }
    if (current.agentId !== input.agentId) await repo.assign(current.id, input.agentId);
    await createAuditRepository(tx).recordAction(businessId, input.actor, 'phone_number.assigned', {
      phone_number_id: current.id,
      phone_number: maskPhone(current.number),
      agent_id: input.agentId,
      previous_agent_id: current.agentId,
    });
    return { number: (await repo.find(current.id))!, previousAgentId: current.agentId };
  }

  return {
    async list(tx, businessId, filters, page) {
      if (filters.agentId && !(isUuid(filters.agentId) && (await createAgentsRepository(tx).exists(businessId, filters.agentId)))) throw notFound('Agent');
      return createNumbersRepository(tx, businessId).list(filters, page);
    },

    async get(tx, businessId, phoneNumberId) {
      const found = isUuid(phoneNumberId) ? await createNumbersRepository(tx, businessId).find(phoneNumberId) : undefined;
      if (!found) throw notFound('Phone number');
      return found;
    },

    assign: (input) => deps.db.forBusiness(input.businessId, (tx) => assignInTx(tx, input)),
    assignInTx,
  };
}
