// Agents as the read tools list them, each with the phone line assigned to it.
import { sql } from 'kysely';
import type { AgentStatus } from '../../../db/schema.js';
import type { TenantTx } from '../../shared/db.js';

/** An agent's phone number (its first, when it has several), for queries over `agents as a`. */
export const agentPhoneNumber = sql<string | null>`(select p.e164 from phone_numbers p where p.business_id = a.business_id and p.agent_id = a.id order by p.created_at, p.id limit 1)`.as(
  'phone_number',
);

export interface AgentListing {
  id: string;
  name: string;
  status: AgentStatus;
  voice: string;
  model: string;
  /** The agent's first assigned number (E.164), or null. */
  phoneNumber: string | null;
  createdAt: Date;
}

export function createAgentsRepository(tx: TenantTx) {
  return {
    /** Whether the agent is one of this business's (an id filter naming anything else is "not found"). */
    async exists(businessId: string, agentId: string): Promise<boolean> {
      const row = await tx.selectFrom('agents').select('id').where('business_id', '=', businessId).where('id', '=', agentId).executeTakeFirst();
      return row !== undefined;
    },

    /** Newest first, ties broken by id; `limit` rows plus one to tell whether more follow. */
    async listPage(businessId: string, page: { limit: number; offset: number }): Promise<AgentListing[]> {
      const rows = await tx
        .selectFrom('agents as a')
        .select([
          'a.id',
          'a.name',
          'a.status',
          'a.voice',
          'a.model',
          'a.created_at',
          agentPhoneNumber,
        ])
        .where('a.business_id', '=', businessId)
        .orderBy('a.created_at', 'desc')
        .orderBy('a.id', 'desc')
        .limit(page.limit + 1)
        .offset(page.offset)
        .execute();
      return rows.map((r) => ({
        id: r.id,
        name: r.name,
        status: r.status,
        voice: r.voice,
        model: r.model,
        phoneNumber: r.phone_number,
        createdAt: r.created_at,
      }));
    },
  };
}
