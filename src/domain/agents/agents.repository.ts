// Agents as the read tools see them: each with its live voice, model and greeting, and the phone
// line assigned to it.
import { sql } from 'kysely';
import type { TenantTx } from '../../shared/db.js';
import type { AgentDetail, AgentRecord } from './agents.types.js';

export interface AgentInsert {
  name: string;
  firstMessage: string;
  firstMessageMode: AgentDetail['firstMessageMode'];
  instructions: string;
  voice: string;
  model: string;
  transcriber: string;
  language: string;
  maxCallDurationSeconds: number;
  officeHours: AgentDetail['officeHours'];
}

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

    async insert(businessId: string, agent: AgentInsert): Promise<string> {
      const row = await tx
        .insertInto('agents')
        .values({
          business_id: businessId,
          name: agent.name,
          status: 'active',
          first_message: agent.firstMessage,
          first_message_mode: agent.firstMessageMode,
          inbound_prompt: agent.instructions,
          voice: agent.voice,
          model: agent.model,
          transcriber: agent.transcriber,
          language: agent.language,
          max_call_duration_seconds: agent.maxCallDurationSeconds,
          office_hours: agent.officeHours ? JSON.stringify(agent.officeHours) : null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return row.id;
    },

    /** The whole configuration, with the attached tools and the business's office hours. */
    async detail(businessId: string, agentId: string): Promise<AgentDetail | undefined> {
      const a = await tx.selectFrom('agents').selectAll().where('business_id', '=', businessId).where('id', '=', agentId).executeTakeFirst();
      if (!a) return undefined;
      const tools = await tx
        .selectFrom('agent_tool_links as l')
        .innerJoin('agent_tools as t', (j) => j.onRef('t.id', '=', 'l.tool_id').onRef('t.business_id', '=', 'l.business_id'))
        .select(['t.id', 't.name', 't.type'])
        .where('l.business_id', '=', businessId)
        .where('l.agent_id', '=', agentId)
        .orderBy('l.position')
        .execute();
      const numbers = await tx
        .selectFrom('phone_numbers')
        .select(['id', 'e164'])
        .where('business_id', '=', businessId)
        .where('agent_id', '=', agentId)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      const copies = await tx
        .selectFrom('provider_agent_links')
        .select(['provider', 'assistant_id', 'synced_version', 'synced_at', 'last_error'])
        .where('business_id', '=', businessId)
        .where('agent_id', '=', agentId)
        .orderBy('provider')
        .execute();
      const business = a.office_hours ? undefined : await tx.selectFrom('business_hours').select('office_hours').where('business_id', '=', businessId).executeTakeFirst();
      return {
        id: a.id,
        name: a.name,
        status: a.status,
        firstMessage: a.first_message,
        firstMessageMode: a.first_message_mode,
        instructions: a.inbound_prompt,
        smsPrompt: a.sms_prompt,
        voice: a.voice,
        model: a.model,
        transcriber: a.transcriber,
        language: a.language,
        maxCallDurationSeconds: a.max_call_duration_seconds,
        transferSettings: a.transfer_settings,
        officeHours: a.office_hours,
        effectiveOfficeHours: a.office_hours
          ? { source: 'agent', hours: a.office_hours }
          : business
            ? { source: 'business', hours: business.office_hours }
            : { source: 'none', hours: null },
        tools,
        phoneNumbers: numbers.map((n) => ({ id: n.id, number: n.e164 })),
        configVersion: a.config_version,
        createdAt: a.created_at,
        updatedAt: a.updated_at,
        providerCopies: copies.map((c) => ({
          provider: c.provider,
          assistantId: c.assistant_id,
          inStep: c.assistant_id !== null && c.synced_version !== null && c.synced_version >= a.updated_at,
          syncedAt: c.synced_at,
          lastError: c.last_error,
        })),
      };
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
