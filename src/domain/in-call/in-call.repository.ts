// The in-call surface's SQL: the call a runtime names (with everything is_office_open needs, in one
// query, because a runtime opens a new session for every tool call), the caller's lead and its cases,
// the transfers recorded on a call, and a call's in-call tool calls as the audit log holds them.
import { sql } from 'kysely';
import type { CallTransfer } from '../../../db/schema.js';
import type { TenantTx } from '../../shared/db.js';
import { isUuid } from '../../shared/ids.js';
import type { CallToolCall, CaseClassification, InCallContext, LeadCase } from './in-call.types.js';

/** The audit actions of in-call tool calls: `in_call.<tool>`. */
export const IN_CALL_ACTION_PREFIX = 'in_call.';

interface CaseRow {
  id: string;
  lead_id: string;
  call_id: string | null;
  agent_id: string | null;
  intent: string;
  classification: CaseClassification;
  summary: string | null;
  notes: string | null;
  created_at: Date;
}

const toCase = (r: CaseRow): LeadCase => ({
  id: r.id,
  leadId: r.lead_id,
  callId: r.call_id,
  agentId: r.agent_id,
  intent: r.intent,
  classification: r.classification,
  summary: r.summary,
  notes: r.notes,
  createdAt: r.created_at,
});

export function createInCallRepository(tx: TenantTx, businessId: string) {
  return {
    /**
     * The agent (persona) and, when it is one of that agent's, the call: by our id or the
     * provider's. `agent` undefined: no such agent in this business; `call` undefined: no such call
     * of that agent. Another business's ids read exactly as ids that do not exist.
     */
    async context(personaId: string, callRef: string): Promise<{ agent?: InCallContext['agent']; context?: Omit<InCallContext, 'callerNumber'> }> {
      const row = await tx
        .selectFrom('agents as a')
        .innerJoin('businesses as b', 'b.id', 'a.business_id')
        .leftJoin('business_hours as h', 'h.business_id', 'a.business_id')
        .leftJoin('calls as c', (join) =>
          join
            .onRef('c.business_id', '=', 'a.business_id')
            .onRef('c.agent_id', '=', 'a.id')
            .on((eb) => (isUuid(callRef) ? eb.or([eb('c.id', '=', callRef), eb('c.provider_call_id', '=', callRef)]) : eb('c.provider_call_id', '=', callRef))),
        )
        .select(['a.id as agent_id', 'a.name as agent_name', 'a.office_hours', 'a.transfer_settings', 'b.timezone', 'h.office_hours as business_hours'])
        .select(['c.id as call_id', 'c.status', 'c.direction', 'c.provider', 'c.provider_call_id', 'c.lead_id', 'c.to_number', 'c.from_number'])
        .where('a.business_id', '=', businessId)
        .where('a.id', '=', personaId)
        .limit(1)
        .executeTakeFirst();
      if (!row) return {};
      const transfer = row.transfer_settings;
      const agent: InCallContext['agent'] = {
        id: row.agent_id,
        name: row.agent_name,
        officeHours: row.office_hours,
        transferNumber: transfer?.enabled && transfer.number ? transfer.number : null,
      };
      if (!row.call_id || !row.status || !row.direction || !row.to_number || !row.from_number) return { agent };
      return {
        agent,
        context: {
          businessId,
          timeZone: row.timezone,
          agent,
          businessHours: row.business_hours,
          call: {
            id: row.call_id,
            status: row.status,
            direction: row.direction,
            provider: row.provider,
            providerCallId: row.provider_call_id,
            leadId: row.lead_id,
            counterpart: row.direction === 'inbound' ? row.from_number : row.to_number,
          },
        },
      };
    },

    /** Serializes, until the unit of work ends, everyone finding-or-making the lead of this number. */
    async lockPhone(phone: string): Promise<void> {
      await sql`select pg_advisory_xact_lock(hashtext(${`lead:${businessId}:${phone}`}))`.execute(tx);
    },

    /** The business's newest lead with this number, if any. */
    async leadByPhone(phone: string): Promise<{ id: string; name: string | null } | undefined> {
      return tx
        .selectFrom('leads')
        .select(['id', 'name'])
        .where('business_id', '=', businessId)
        .where('phone', '=', phone)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst();
    },

    /** Leads with this number, newest first, for lookup_contact. */
    async leadsByPhone(phone: string, limit: number) {
      return tx
        .selectFrom('leads')
        .select(['id', 'name', 'phone', 'email', 'source'])
        .where('business_id', '=', businessId)
        .where('phone', '=', phone)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
    },

    async insertLead(values: { name: string; phone: string; agentId: string; notes: string | null }): Promise<{ id: string; name: string | null }> {
      return tx
        .insertInto('leads')
        .values({ business_id: businessId, name: values.name, phone: values.phone, agent_id: values.agentId, source: 'inbound_call', notes: values.notes })
        .returning(['id', 'name'])
        .executeTakeFirstOrThrow();
    },

    /** Links the call to its caller's lead when the call has none yet. */
    async linkCallToLead(callId: string, leadId: string): Promise<void> {
      await tx
        .updateTable('calls')
        .set({ lead_id: leadId, updated_at: sql`now()` })
        .where('business_id', '=', businessId)
        .where('id', '=', callId)
        .where('lead_id', 'is', null)
        .execute();
    },

    async insertCase(values: Omit<LeadCase, 'id' | 'createdAt'>): Promise<LeadCase> {
      const row = await tx
        .insertInto('lead_cases')
        .values({
          business_id: businessId,
          lead_id: values.leadId,
          call_id: values.callId,
          agent_id: values.agentId,
          intent: values.intent,
          classification: values.classification,
          summary: values.summary,
          notes: values.notes,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toCase(row);
    },

    async caseCount(leadId: string): Promise<number> {
      const row = await tx
        .selectFrom('lead_cases')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('business_id', '=', businessId)
        .where('lead_id', '=', leadId)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    /** A lead's cases, newest first. */
    async casesOfLead(leadId: string, limit: number): Promise<LeadCase[]> {
      const rows = await tx
        .selectFrom('lead_cases')
        .selectAll()
        .where('business_id', '=', businessId)
        .where('lead_id', '=', leadId)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rows.map(toCase);
    },

    /** The cases opened during a call, oldest first. */
    async casesOfCall(callId: string): Promise<LeadCase[]> {
      const rows = await tx.selectFrom('lead_cases').selectAll().where('business_id', '=', businessId).where('call_id', '=', callId).orderBy('created_at').orderBy('id').execute();
      return rows.map(toCase);
    },

    /** Appends a transfer to a call still in progress; false when the call is no longer live. */
    async appendTransfer(callId: string, transfer: CallTransfer): Promise<boolean> {
      const row = await tx
        .updateTable('calls')
        .set({ transfers: sql`transfers || ${JSON.stringify([transfer])}::jsonb`, updated_at: sql`now()` })
        .where('business_id', '=', businessId)
        .where('id', '=', callId)
        .where('status', '=', 'in-progress')
        .returning('id')
        .executeTakeFirst();
      return row !== undefined;
    },

    /** Marks the latest transfer to `destination` completed or failed (what the provider answered). */
    async settleTransfer(callId: string, at: string, status: CallTransfer['status']): Promise<void> {
      await tx
        .updateTable('calls')
        .set({
          transfers: sql`(select coalesce(jsonb_agg(case when t->>'at' = ${at} then jsonb_set(t, '{status}', to_jsonb(${status}::text)) else t end order by n), '[]'::jsonb)
                          from jsonb_array_elements(transfers) with ordinality as e(t, n))`,
          updated_at: sql`now()`,
        })
        .where('business_id', '=', businessId)
        .where('id', '=', callId)
        .execute();
    },

    /** A call's in-call tool calls, oldest first. */
    async toolCalls(callId: string, limit: number): Promise<CallToolCall[]> {
      const rows = await tx
        .selectFrom('audit_log')
        .select(['action', 'outcome', 'error_code', 'duration_ms', 'created_at'])
        .where('business_id', '=', businessId)
        .where(sql`details ->> 'call_id'`, '=', callId)
        .where('action', 'like', `${IN_CALL_ACTION_PREFIX}%`)
        .orderBy('created_at')
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map((r) => ({
        tool: r.action.slice(IN_CALL_ACTION_PREFIX.length),
        outcome: r.outcome,
        errorCode: r.error_code,
        durationMs: r.duration_ms,
        at: r.created_at,
      }));
    },
  };
}
