// Agents as the read tools see them: each with its live voice, model and greeting, and the phone
// line assigned to it.
import { sql } from 'kysely';
import type { TenantTx } from '../../shared/db.js';
import type { AgentRecord } from './agents.types.js';

/** An agent's phone number (its first, when it has several), for queries over `agents as a`. */
const agentPhoneNumber = sql<string | null>`(select p.e164 from phone_numbers p where p.business_id = a.business_id and p.agent_id = a.id order by p.created_at, p.id limit 1)`.as(
  'phone_number',
);

export function createAgentsRepository(tx: TenantTx) {
  return {
    /** Whether the agent is one of this business's (an id filter naming anything else is "not found"). */
    async exists(businessId: string, agentId: string): Promise<boolean> {
      const row = await tx.selectFrom('agents').select('id').where('business_id', '=', businessId).where('id', '=', agentId).executeTakeFirst();
      return row !== undefined;
    },

    /** Newest first, ties broken by id; `limit` rows plus one to tell whether more follow. */
    async listPage(businessId: string, page: { limit: number; offset: number }): Promise<AgentRecord[]> {
      const rows = await tx
        .selectFrom('agents as a')
        .select([
          'a.id',
          'a.name',
          'a.status',
          'a.voice',
          'a.model',
          'a.language',
          'a.first_message',
          'a.max_call_duration_seconds',
          'a.transfer_settings',
          'a.config_version',
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
        language: r.language,
        greeting: r.first_message,
        phoneNumber: r.phone_number,
        maxCallDurationSeconds: r.max_call_duration_seconds,
        transferEnabled: r.transfer_settings?.enabled === true,
        configVersion: r.config_version,
        createdAt: r.created_at,
      }));
    },
  };
}
