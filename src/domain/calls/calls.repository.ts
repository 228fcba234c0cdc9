// Calls: recorded before the provider is asked, advanced by provider events, closed by recovery,
// and read by every surface. Tenant functions take the RLS-bound unit of work; the few
// cross-business scans (due work, stale calls) are system work on the owner connection.
import { sql, type ExpressionBuilder, type Selectable } from 'kysely';
import type { CallsTable, Database } from '../../../db/schema.js';
import type { OwnerDb, TenantTx } from '../../shared/db.js';
import { IN_FLIGHT_STATUSES, type Call, type CallFilters, type CallStatus, type TerminalCallStatus } from './calls.types.js';

/** Every column of a call but its transcript (see Call). */
const CALL_COLUMNS = [
  'id',
  'business_id',
  'agent_id',
  'lead_id',
  'campaign_id',
  'direction',
  'status',
  'to_number',
  'from_number',
  'duration_seconds',
  'summary',
  'recording_url',
  'outcome',
  'failure_reason',
  'provider',
  'provider_call_id',
  'context',
  'first_message',
  'scheduled_at',
  'dialed_at',
  'started_at',
  'ended_at',
  'created_at',
  'updated_at',
  'variable_values',
  'ended_reason',
  'transfers',
  'cost_usd',
] as const;

/**
 * The handling agent's name, as a scalar subquery rather than a join: it also fits the RETURNING of
 * an insert or update, and it locks nothing when the call row is taken FOR UPDATE.
 */
const agentName = (eb: ExpressionBuilder<Database, 'calls'>) =>
  eb.selectFrom('agents as a').select('a.name').whereRef('a.id', '=', 'calls.agent_id').whereRef('a.business_id', '=', 'calls.business_id').as('agent_name');

type CallRow = Pick<Selectable<CallsTable>, (typeof CALL_COLUMNS)[number]> & { agent_name: string | null };

function toCall(r: CallRow): Call {
  return {
    id: r.id,
    businessId: r.business_id,
    agentId: r.agent_id,
    agentName: r.agent_name,
    leadId: r.lead_id,
    campaignId: r.campaign_id,
    direction: r.direction,
    status: r.status,
    to: r.to_number,
    from: r.from_number,
    durationSeconds: r.duration_seconds,
    summary: r.summary,
    recordingUrl: r.recording_url,
    outcome: r.outcome,
    failureReason: r.failure_reason,
    provider: r.provider,
    providerCallId: r.provider_call_id,
    context: r.context,
    firstMessage: r.first_message,
    scheduledAt: r.scheduled_at,
    dialedAt: r.dialed_at,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    variableValues: r.variable_values,
    endedReason: r.ended_reason,
    transfers: r.transfers,
    costUsd: r.cost_usd,
  };
}

export interface DialableAgent {
  id: string;
  name: string;
  status: 'active' | 'paused' | 'draft';
  firstMessage: string;
  /** The system prompt for calls (inbound_prompt). */
  instructions: string;
  /** The agent's own line, else the business's main number. */
  fromNumber: string | null;
}

export interface NewOutboundCall {
  agentId: string;
  leadId: string | null;
  campaignId: string | null;
  to: string;
  from: string;
  provider: string;
  context: string | null;
  firstMessage: string | null;
  /** The {{name}} values for this call (stored so a scheduled call is dialled with them too). */
  variableValues: Record<string, string> | null;
  scheduledAt: Date | null;
  /** The call is handed to the provider right after this transaction (dialed_at is set now). */
  dialNow: boolean;
}

/**
 * dialed_at is the database's time at the statement that marks the call dialed, not the caller's
 * clock: the outbound rate limit counts calls by it (compliance.repository.ts) on the same clock
 * from every node, and the statement runs after the per-business outbound lock was taken, so a
 * call marked later never carries an earlier time than one the count already saw.
 */
const DIALED_NOW = sql<Date>`statement_timestamp()`;

/** Fields a provider event or recovery writes when a call ends. */
export interface CallEnding {
  durationSeconds?: number | null;
  transcript?: string | null;
  summary?: string | null;
  outcome?: string | null;
  recordingUrl?: string | null;
  failureReason?: string | null;
  /** Why it ended, in the voice platform's words (`assistant-ended-call`…). */
  endedReason?: string | null;
  /** What the provider charged, in US dollars. */
  costUsd?: number | null;
}

export function createCallsRepository(tx: TenantTx, businessId: string) {
  const calls = () => tx.selectFrom('calls').select(CALL_COLUMNS).select(agentName).where('business_id', '=', businessId);

  return {
    async agentForDial(agentId: string): Promise<DialableAgent | undefined> {
      const row = await tx
        .selectFrom('agents as a')
        .innerJoin('businesses as b', 'b.id', 'a.business_id')
        .select(['a.id', 'a.name', 'a.status', 'a.first_message', 'a.inbound_prompt', 'b.phone as business_phone'])
        .select((eb) =>
          eb
            .selectFrom('phone_numbers as p')
            .select('p.e164')
            .whereRef('p.agent_id', '=', 'a.id')
            .where('p.business_id', '=', businessId)
            .orderBy('p.created_at')
            .orderBy('p.id')
            .limit(1)
            .as('agent_phone'),
        )
        .where('a.business_id', '=', businessId)
        .where('a.id', '=', agentId)
        .executeTakeFirst();
      if (!row) return undefined;
      return {
        id: row.id,
        name: row.name,
        status: row.status,
        firstMessage: row.first_message,
        instructions: row.inbound_prompt,
        fromNumber: row.agent_phone ?? row.business_phone,
      };
    },

    /** The provider's id of one of the business's numbers (null: the provider does not hold it, or it is not ours). */
    async providerNumberId(e164: string, provider: string): Promise<string | null> {
      const row = await tx
        .selectFrom('phone_numbers')
        .select('provider_number_id')
        .where('business_id', '=', businessId)
        .where('e164', '=', e164)
        .where('provider', '=', provider)
        .executeTakeFirst();
      return row?.provider_number_id ?? null;
    },

    /**
     * Records an inbound call the provider announced (it is ringing at one of our numbers), once:
     * a repeated announcement of the same provider call finds the first row.
     */
    async insertInbound(call: { agentId: string; to: string; from: string; provider: string; providerCallId: string }): Promise<Call> {
      const inserted = await tx
        .insertInto('calls')
        .values({
          business_id: businessId,
          agent_id: call.agentId,
          direction: 'inbound',
          status: 'ringing',
          to_number: call.to,
          from_number: call.from,
          provider: call.provider,
          provider_call_id: call.providerCallId,
          dialed_at: DIALED_NOW,
        })
        .onConflict((oc) => oc.columns(['provider', 'provider_call_id']).where('provider_call_id', 'is not', null).doNothing())
        .returning(CALL_COLUMNS)
        .returning(agentName)
        .executeTakeFirst();
      if (inserted) return toCall(inserted);
      const existing = await calls().where('provider', '=', call.provider).where('provider_call_id', '=', call.providerCallId).executeTakeFirstOrThrow();
      return toCall(existing);
    },

    async leadName(leadId: string): Promise<string | null | undefined> {
      const row = await tx.selectFrom('leads').select('name').where('business_id', '=', businessId).where('id', '=', leadId).executeTakeFirst();
      return row ? row.name : undefined;
    },

    async insertOutbound(call: NewOutboundCall): Promise<Call> {
      const row = await tx
        .insertInto('calls')
        .values({
          business_id: businessId,
          agent_id: call.agentId,
          lead_id: call.leadId,
          campaign_id: call.campaignId,
          direction: 'outbound',
          status: 'queued',
          to_number: call.to,
          from_number: call.from,
          provider: call.provider,
          context: call.context,
          first_message: call.firstMessage,
          variable_values: call.variableValues ? JSON.stringify(call.variableValues) : null,
          scheduled_at: call.scheduledAt,
          dialed_at: call.dialNow ? DIALED_NOW : null,
        })
        .returning(CALL_COLUMNS)
        .returning(agentName)
        .executeTakeFirstOrThrow();
      return toCall(row);
    },

    async find(callId: string): Promise<Call | undefined> {
      const row = await calls().where('id', '=', callId).executeTakeFirst();
      return row && toCall(row);
    },

    async findWithTranscript(callId: string): Promise<{ call: Call; transcript: string | null } | undefined> {
      const row = await calls().select('transcript').where('id', '=', callId).executeTakeFirst();
      return row && { call: toCall(row), transcript: row.transcript };
    },

    /** Newest first, ties broken by id; `limit` rows plus one to tell whether more follow. */
    async list(filters: CallFilters, page: { limit: number; offset: number }): Promise<Call[]> {
      let q = calls();
      if (filters.agentId) q = q.where('agent_id', '=', filters.agentId);
      if (filters.status) q = q.where('status', '=', filters.status);
      if (filters.direction) q = q.where('direction', '=', filters.direction);
      if (filters.leadId) q = q.where('lead_id', '=', filters.leadId);
      const rows = await q
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(page.limit + 1)
        .offset(page.offset)
        .execute();
      return rows.map(toCall);
    },

    /** Locks a scheduled call that nobody has dialled yet; undefined when taken or not due. */
    async lockDueScheduled(callId: string, now: Date): Promise<Call | undefined> {
      const row = await calls()
        .where('id', '=', callId)
        .where('status', '=', 'queued')
        .where('dialed_at', 'is', null)
        .where('scheduled_at', '<=', now)
        .forUpdate()
        .skipLocked()
        .executeTakeFirst();
      return row && toCall(row);
    },

    async markDialed(callId: string): Promise<void> {
      await tx.updateTable('calls').set({ dialed_at: DIALED_NOW, updated_at: sql`now()` }).where('business_id', '=', businessId).where('id', '=', callId).execute();
    },

    async reschedule(callId: string, at: Date): Promise<void> {
      await tx.updateTable('calls').set({ scheduled_at: at, updated_at: sql`now()` }).where('business_id', '=', businessId).where('id', '=', callId).execute();
    },

    async setProviderCallId(callId: string, providerCallId: string): Promise<void> {
      await tx
        .updateTable('calls')
        .set({ provider_call_id: providerCallId, updated_at: sql`now()` })
        .where('business_id', '=', businessId)
        .where('id', '=', callId)
        .where('provider_call_id', 'is', null)
        .execute();
    },

    /** Moves a live call forward (ringing, in-progress); a stale or repeated event changes nothing. */
    async advance(callId: string, status: 'ringing' | 'in-progress', at: Date): Promise<Call | undefined> {
      const from: CallStatus[] = status === 'ringing' ? ['queued'] : ['queued', 'ringing'];
      const row = await tx
        .updateTable('calls')
        // A call a provider kept scheduled (dialed_at unset) is placed once it moves: it counts from then.
        .set({ status, updated_at: sql`now()`, dialed_at: sql<Date>`coalesce(dialed_at, statement_timestamp())`, ...(status === 'in-progress' ? { started_at: at } : {}) })
        .where('business_id', '=', businessId)
        .where('id', '=', callId)
        .where('status', 'in', from)
        .returning(CALL_COLUMNS)
        .returning(agentName)
        .executeTakeFirst();
      return row && toCall(row);
    },

    /**
     * The provider's end-of-call report on a call that has ended: what the report carries fills in
     * (transcript, summary, recording, duration, cost, why it ended); the status is never changed.
     */
    async attachReport(callId: string, report: CallEnding & { costUsd?: number | null }): Promise<Call | undefined> {
      const row = await tx
        .updateTable('calls')
        .set((eb) => ({
          updated_at: sql`now()`,
          duration_seconds: eb.fn.coalesce(eb.val(report.durationSeconds ?? null), eb.ref('duration_seconds')),
          transcript: eb.fn.coalesce(eb.val(report.transcript ?? null), eb.ref('transcript')),
          summary: eb.fn.coalesce(eb.val(report.summary ?? null), eb.ref('summary')),
          recording_url: eb.fn.coalesce(eb.val(report.recordingUrl ?? null), eb.ref('recording_url')),
          ended_reason: eb.fn.coalesce(eb.ref('ended_reason'), eb.val(report.endedReason ?? null)),
          cost_usd: eb.fn.coalesce(eb.val(report.costUsd ?? null), eb.ref('cost_usd')),
        }))
        .where('business_id', '=', businessId)
        .where('id', '=', callId)
        .where('status', 'not in', IN_FLIGHT_STATUSES)
        .returning(CALL_COLUMNS)
        .returning(agentName)
        .executeTakeFirst();
      return row && toCall(row);
    },

    /** Ends a call that is still in flight; an ended call is never rewritten. */
    async end(callId: string, status: TerminalCallStatus, at: Date, ending: CallEnding): Promise<Call | undefined> {
      const row = await tx
        .updateTable('calls')
        .set({
          status,
          ended_at: at,
          updated_at: sql`now()`,
          duration_seconds: ending.durationSeconds ?? null,
          transcript: ending.transcript ?? null,
          summary: ending.summary ?? null,
          outcome: ending.outcome ?? null,
          recording_url: ending.recordingUrl ?? null,
          failure_reason: ending.failureReason ?? null,
          ended_reason: ending.endedReason ?? null,
          cost_usd: ending.costUsd ?? null,
        })
        .where('business_id', '=', businessId)
        .where('id', '=', callId)
        .where('status', 'in', IN_FLIGHT_STATUSES)
        .returning(CALL_COLUMNS)
        .returning(agentName)
        .executeTakeFirst();
      return row && toCall(row);
    },
  };
}

/** System scans across businesses (owner connection): they find work, never change it. */
export function createCallScansRepository(db: OwnerDb) {
  return {
    /** Calls handed to a provider, still in flight, not touched for `olderThanSeconds`. */
    async staleInFlight(olderThanSeconds: number, limit = 500): Promise<Array<{ businessId: string; callId: string; provider: string | null; providerCallId: string | null }>> {
      const rows = await db
        .selectFrom('calls')
        .select(['business_id', 'id', 'provider', 'provider_call_id'])
        .where('status', 'in', IN_FLIGHT_STATUSES)
        .where('dialed_at', 'is not', null)
        .where('updated_at', '<=', sql<Date>`now() - make_interval(secs => ${olderThanSeconds})`)
        .orderBy('updated_at')
        .limit(limit)
        .execute();
      return rows.map((r) => ({ businessId: r.business_id, callId: r.id, provider: r.provider, providerCallId: r.provider_call_id }));
    },

    async dueScheduled(now: Date, limit: number): Promise<Array<{ businessId: string; callId: string }>> {
      const rows = await db
        .selectFrom('calls')
        .select(['business_id', 'id'])
        .where('status', '=', 'queued')
        .where('dialed_at', 'is', null)
        .where('scheduled_at', '<=', now)
        .orderBy('scheduled_at')
        .limit(limit)
        .execute();
      return rows.map((r) => ({ businessId: r.business_id, callId: r.id }));
    },

    /**
     * The call a provider event names: by the provider's call id, else by our own id as the provider
     * echoes it back (the metadata we gave it when placing the call; an event can overtake the answer
     * that told us the provider's id). The echoed id counts only for a call of this provider that has
     * no other provider id.
     */
    async forProviderEvent(
      provider: string,
      providerCallId: string,
      echoed: { businessId?: string | undefined; callId?: string | undefined },
    ): Promise<
      { businessId: string; callId: string; agentId: string | null; providerCallId: string | null; direction: 'inbound' | 'outbound'; from: string; to: string } | undefined
    > {
      const base = () =>
        db.selectFrom('calls').select(['business_id', 'id', 'agent_id', 'provider_call_id', 'direction', 'from_number', 'to_number']).where('provider', '=', provider);
      let row = await base().where('provider_call_id', '=', providerCallId).executeTakeFirst();
      if (!row && echoed.businessId && echoed.callId) {
        row = await base()
          .where('business_id', '=', echoed.businessId)
          .where('id', '=', echoed.callId)
          .where((eb) => eb.or([eb('provider_call_id', 'is', null), eb('provider_call_id', '=', providerCallId)]))
          .executeTakeFirst();
      }
      return (
        row && {
          businessId: row.business_id,
          callId: row.id,
          agentId: row.agent_id,
          providerCallId: row.provider_call_id,
          direction: row.direction,
          from: row.from_number,
          to: row.to_number,
        }
      );
    },

    /** A completed call by its provider id (the recordings endpoint knows nothing else). */
    async byProviderCallId(
      provider: string,
      providerCallId: string,
    ): Promise<{ businessId: string; callId: string; durationSeconds: number | null; status: CallStatus } | undefined> {
      const row = await db
        .selectFrom('calls')
        .select(['business_id', 'id', 'duration_seconds', 'status'])
        .where('provider', '=', provider)
        .where('provider_call_id', '=', providerCallId)
        .executeTakeFirst();
      return row && { businessId: row.business_id, callId: row.id, durationSeconds: row.duration_seconds, status: row.status };
    },
  };
}
