// Agents as every surface reads them, their creation, and the business-level operational setup
// around them: who gets staff alerts and how, the escalation rules, the links agents can text, and
// each agent's live voice, model and greeting. Changes to an agent go through the update broker
// (updates/agent-config.service.ts); creating one needs the admin role, because a new agent can be
// given a phone number that real callers reach and tools that act during calls.
import type { Db, TenantTx } from '../../shared/db.js';
import { AppError, invalidArgument, invalidArgumentFrom, notFound } from '../../shared/errors.js';
import { isUuid } from '../../shared/ids.js';
import { createAgentToolsRepository } from '../agent-tools/agent-tools.repository.js';
import { actorLabel, type Actor } from '../audit/actor.js';
import { createAuditRepository } from '../audit/audit.repository.js';
import { createBusinessService } from '../business/business.service.js';
import { WeeklyHoursSchema } from '../business/hours.js';
import type { NumbersService } from '../numbers/numbers.service.js';
import { createSettingsRepository } from '../settings/settings.repository.js';
import { requireAdmin } from '../updates/authority.js';
import { createUpdatesRepository } from '../updates/updates.repository.js';
import { createAgentsRepository } from './agents.repository.js';
import { AGENT_DEFAULTS, type AgentDetail, type AgentRecord, type NewAgent, type OperationalSettings } from './agents.types.js';

export interface AgentsService {
  /** Newest first, ties broken by id; `limit` rows plus one to tell whether more follow. */
  list(tx: TenantTx, businessId: string, page: { limit: number; offset: number }): Promise<AgentRecord[]>;
  /** The whole configuration of one agent. */
  get(tx: TenantTx, businessId: string, agentId: string): Promise<AgentDetail>;
  /** Creates an active agent (admin role), with its tools and number; its first config version is recorded. */
  create(input: { businessId: string; actor: Actor; agent: NewAgent }): Promise<AgentDetail>;
  /** The operational setup, with the newest `maxAgents` agents (a business with more is told so). */
  operationalSettings(tx: TenantTx, businessId: string, maxAgents: number): Promise<OperationalSettings>;
}

const languageTag = (v: string) => {
  try {
    return Intl.getCanonicalLocales(v).length === 1;
  } catch {
    return false;
  }
};

function text(value: string | undefined, fallback: string, field: string, max: number, min = 0): string {
  const v = value === undefined ? fallback : value.trim();
  if (v.length < min || v.length > max) throw invalidArgument(`${field} must be ${min}–${max} characters`, { field });
  return v;
}

export function createAgentsService(deps: { db: Db; numbers: NumbersService }): AgentsService {
  const business = createBusinessService();

  async function get(tx: TenantTx, businessId: string, agentId: string): Promise<AgentDetail> {
    const found = isUuid(agentId) ? await createAgentsRepository(tx).detail(businessId, agentId) : undefined;
    if (!found) throw notFound('Agent');
    return found;
  }

  return {
    list: (tx, businessId, page) => createAgentsRepository(tx).listPage(businessId, page),
    get,

    create: ({ businessId, actor, agent }) =>
      deps.db.forBusiness(businessId, async (tx) => {
        await requireAdmin(tx, businessId, actor, 'creating an agent');
        const values = {
          name: text(agent.name, '', 'name', 200, 1),
          firstMessage: text(agent.firstMessage, AGENT_DEFAULTS.firstMessage, 'first_message', 2000),
          firstMessageMode: agent.firstMessageMode ?? AGENT_DEFAULTS.firstMessageMode,
          instructions: text(agent.instructions, AGENT_DEFAULTS.instructions, 'instructions', 50_000),
          voice: text(agent.voice, AGENT_DEFAULTS.voice, 'voice', 100, 1),
          model: text(agent.model, AGENT_DEFAULTS.model, 'model', 100, 1),
          transcriber: text(agent.transcriber, AGENT_DEFAULTS.transcriber, 'transcriber', 100, 1),
          language: agent.language ?? AGENT_DEFAULTS.language,
          maxCallDurationSeconds: agent.maxCallDurationSeconds ?? AGENT_DEFAULTS.maxCallDurationSeconds,
          officeHours: agent.officeHours ?? null,
        };
        if (!languageTag(values.language)) throw invalidArgument('language must be a BCP 47 language tag such as en-US', { field: 'language' });
        if (!Number.isInteger(values.maxCallDurationSeconds) || values.maxCallDurationSeconds < 30 || values.maxCallDurationSeconds > 7200) {
          throw invalidArgument('max_call_duration_seconds must be a whole number from 30 to 7200', { field: 'max_call_duration_seconds' });
        }
        if (values.officeHours) {
          const hours = WeeklyHoursSchema.safeParse(values.officeHours);
          if (!hours.success) throw invalidArgumentFrom(hours.error, ['office_hours']);
        }
        const toolIds = [...(agent.toolIds ?? [])];
        const tools = createAgentToolsRepository(tx, businessId);
        const known = await tools.existing(toolIds.filter(isUuid));
        const unknown = toolIds.findIndex((id) => !known.has(id));
        if (unknown >= 0) throw notFoundField(`tool_ids[${unknown}]`, 'agent tool');
        const repeated = toolIds.findIndex((id, i) => toolIds.indexOf(id) !== i);
        if (repeated >= 0) throw invalidArgument(`tool_ids[${repeated}]: an agent tool may be attached once`, { field: `tool_ids[${repeated}]` });

        const agentId = await createAgentsRepository(tx).insert(businessId, values);
        await tools.setForAgent(agentId, toolIds);
        if (agent.phoneNumberId) {
          if (!isUuid(agent.phoneNumberId)) throw notFoundField('phone_number_id', 'phone number');
          await deps.numbers.assignInTx(tx, { businessId, actor, phoneNumberId: agent.phoneNumberId, agentId });
        }
        // Version 1 is restorable from the start (the broker records a baseline only for agents made before this).
        const updates = createUpdatesRepository(tx, businessId);
        const state = await updates.agent(agentId);
        await updates.insertVersion(agentId, 1, state!.config, actorLabel(actor));
        await createAuditRepository(tx).recordAction(businessId, actor, 'agent.created', {
          agent_id: agentId,
          name: values.name,
          tool_ids: toolIds,
          phone_number_id: agent.phoneNumberId ?? null,
        });
        return get(tx, businessId, agentId);
      }),

    async operationalSettings(tx, businessId, maxAgents) {
      const summary = await business.summary(tx, businessId);
      const settings = createSettingsRepository(tx, businessId);
      const staffAlerts = await settings.staffAlerts();
      const links = await settings.links();
      const agents = await createAgentsRepository(tx).listPage(businessId, { limit: maxAgents, offset: 0 });
      return { business: summary, staffAlerts, links, agents: agents.slice(0, maxAgents), agentsTruncated: agents.length > maxAgents };
    },
  };
}

const notFoundField = (field: string, what: string) => new AppError('not_found', `${field}: ${what} not found`, { field });
