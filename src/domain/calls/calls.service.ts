// Calls: the reads every surface shows, and outbound calls from request to hang-up. For the
// latter the order is the point:
//
//   1. one transaction: load the agent, pass the compliance gates, INSERT the call (queued)
//   2. commit — the call now exists whatever happens next
//   3. ask the provider; save its call id, or record the refusal as a failed call
//   4. provider events move the call on (ringing → in-progress → ended) and are audited
//
// A crash between 2 and 3, or a provider that forgets a call, leaves a call row in flight;
// recoverInterruptedCalls marks it failed with the reason, so no call is ever unaccounted for.
import { createAuditRepository } from '../audit/audit.repository.js';
import type { Db, TenantTx } from '../../shared/db.js';
import { isUuid } from '../../shared/ids.js';
import { invalidArgument, notFound } from '../../shared/errors.js';
import { maskPhone, type Logger } from '../../shared/log.js';
import { gateError, TRANSIENT_GATES, type OutboundGates, type OutboundVerdict } from '../compliance/index.js';
import { auditActor, SYSTEM_ACTOR, type Actor } from '../audit/actor.js';
import { createAgentsRepository } from '../agents/agents.repository.js';
import { createCallScansRepository, createCallsRepository, type CallEnding, type DialableAgent } from './calls.repository.js';
import { checkVariableValues, fillVariables } from './variables.js';
import type { Call, CallFilters, CallStatus, TerminalCallStatus } from './calls.types.js';
import { createCampaignsRepository } from '../campaigns/campaigns.repository.js';
import type { DialRequest, ProviderAgentRef, ProviderCallEvent, ProviderWebhookEvent, TelephonyProvider } from '../../providers/telephony.js';

export interface PlaceCallInput {
  businessId: string;
  actor: Actor;
  agentId: string;
  /** Recipient, E.164. */
  to: string;
  leadId?: string | null;
  /** Name of the person called, for the agent's greeting. */
  name?: string | null;
  /** What the call is about, handed to the agent. */
  context?: string | null;
  /** Overrides the agent's first message for this call. */
  firstMessage?: string | null;
  /** Fill {{name}} placeholders of the first message and prompt for this call (seed 000's variableValues). */
  variableValues?: Record<string, string> | null;
  /** Dial later; the gates are checked now (quiet hours at this time) and again at dial time. */
  scheduledAt?: Date | null;
}

/** What recordCall needs besides the request: the campaign and the clock's reading. */
export interface RecordCallInput extends PlaceCallInput {
  campaignId?: string | null;
  now: Date;
}

/**
 * Asks the person placing the call to confirm it, given the name of the agent that will call (the
 * name is what they recognize). Resolves to go ahead; throws (an AppError) to place nothing.
 */
export type ConfirmCall = (details: { agentName: string }) => Promise<void>;

export type RecordCallResult = { recorded: true; call: Call; dial: DialRequest | null } | { recorded: false; verdict: Extract<OutboundVerdict, { allowed: false }> };

export interface CallServiceDeps {
  db: Db;
  provider: TelephonyProvider;
  gates: OutboundGates;
  log: Logger;
  clock: () => Date;
  /** A provider that keeps agents and numbers itself (syncAgent, listNumbers) gets them in step before a call. */
  providerSync?: {
    ensure(businessId: string, agentId: string): Promise<ProviderAgentRef | null>;
    syncNumbers(): Promise<unknown>;
  };
}

/** The change a provider event makes to a call (ProviderWebhookEvent['change']). */
type ProviderChange = ProviderWebhookEvent['change'];

const MAX_SCHEDULE_AHEAD_MS = 30 * 24 * 3600 * 1000;

export function createCallService(deps: CallServiceDeps) {
  const { db, provider, gates, log, clock } = deps;
  const telephonyActor = SYSTEM_ACTOR(`telephony:${provider.name}`);

  /**
   * Step 1 inside the caller's unit of work: agent, gates, insert. Returns the refusal instead of
   * throwing it, so the dialer can decide to retry or skip without aborting its transaction.
   */
  async function recordCall(tx: TenantTx, input: RecordCallInput): Promise<RecordCallResult> {
    const { businessId } = input;
    const repo = createCallsRepository(tx, businessId);
    if (!isUuid(input.agentId)) throw notFound('Agent');
    const agent = await repo.agentForDial(input.agentId);
    if (!agent) throw notFound('Agent');
    if (agent.status !== 'active') throw invalidArgument(`Agent "${agent.name}" is ${agent.status}; only active agents place calls`, { field: 'agent_id' });
    if (!agent.fromNumber) throw invalidArgument(`Agent "${agent.name}" has no phone number to call from, and the business has no main number`, { field: 'agent_id' });
    if (input.leadId && !isUuid(input.leadId)) throw notFound('Lead');
    const variableValues = checkVariableValues(input.variableValues);

    const dialAt = input.scheduledAt && input.scheduledAt > input.now ? input.scheduledAt : null;
    const verdict = await gates.checkOutboundContact({
      tx,
      businessId,
      to: input.to,
      channel: 'call',
      leadId: input.leadId ?? null,
      now: dialAt ?? input.now,
      placesNow: !dialAt,
    });
    if (!verdict.allowed) return { recorded: false, verdict };

    const contactName = input.name ?? (input.leadId ? ((await repo.leadName(input.leadId)) ?? null) : null);
    const call = await repo.insertOutbound({
      agentId: agent.id,
      leadId: input.leadId ?? null,
      campaignId: input.campaignId ?? null,
      to: verdict.to,
      from: agent.fromNumber,
      provider: provider.name,
      context: input.context ?? null,
      firstMessage: input.firstMessage ?? null,
      variableValues,
      scheduledAt: dialAt,
      dialNow: !dialAt,
    });
    await createAuditRepository(tx).append({
      businessId,
      ...auditActor(input.actor),
      action: dialAt ? 'call.scheduled' : 'call.queued',
      outcome: 'success',
      details: { call_id: call.id, to: maskPhone(call.to), agent_id: agent.id, campaign_id: call.campaignId, time_zones: verdict.timeZones },
    });
    const dial: DialRequest = {
      businessId,
      callId: call.id,
      to: call.to,
      from: call.from,
      agent: dialAgent(agent, call.variableValues),
      contactName,
      context: call.context,
      firstMessage: call.firstMessage === null ? null : fillVariables(call.firstMessage, call.variableValues),
      variableValues: call.variableValues,
    };
    // A provider that keeps scheduled calls gets this one now, with its time; else the dialer hands
    // it over when it is due.
    if (dialAt && !provider.schedulesCalls) return { recorded: true, call, dial: null };
    return { recorded: true, call, dial: dialAt ? { ...dial, scheduledAt: dialAt } : dial };
  }

  /**
   * What a provider that keeps agents and numbers needs besides the call: its copy of the agent, up
   * to date, and its id of the number called from (its numbers are read again once if it is unknown).
   */
  async function forProvider(businessId: string, request: DialRequest): Promise<DialRequest> {
    const sync = deps.providerSync;
    if (!sync) return request;
    const providerAgent = provider.syncAgent ? await sync.ensure(businessId, request.agent.id) : null;
    let fromNumberId: string | null = null;
    if (provider.listNumbers) {
      const lookup = () => db.forBusiness(businessId, (tx) => createCallsRepository(tx, businessId).providerNumberId(request.from, provider.name));
      fromNumberId = await lookup();
      if (!fromNumberId) {
        await sync.syncNumbers();
        fromNumberId = await lookup();
      }
      if (!fromNumberId) {
        throw new Error(`the line ${maskPhone(request.from)} is not among ${provider.name}'s phone numbers; import it there first`);
      }
    }
    return { ...request, providerAgent, fromNumberId };
  }

  /** Steps 3–4: hand a committed call to the provider. Never throws: a refusal is a failed call. */
  async function dial(businessId: string, request: DialRequest): Promise<Call> {
    try {
      const { providerCallId } = await provider.dial(await forProvider(businessId, request));
      await db.forBusiness(businessId, (tx) => createCallsRepository(tx, businessId).setProviderCallId(request.callId, providerCallId));
    } catch (err) {
      const reason = `The telephony provider did not accept the call: ${err instanceof Error ? err.message : String(err)}`;
      log.warn({ callId: request.callId, provider: provider.name, err }, 'dial failed');
      await endCall(businessId, request.callId, 'failed', clock(), { failureReason: reason }, 'call.dial_failed');
    }
    const call = await db.forBusiness(businessId, (tx) => createCallsRepository(tx, businessId).find(request.callId));
    return call!;
  }

  /** Ends a call still in flight, audits it, and lets its campaign know. False if it had ended. */
  async function endCallIn(tx: TenantTx, businessId: string, callId: string, status: TerminalCallStatus, at: Date, ending: CallEnding, action: string): Promise<boolean> {
    const call = await createCallsRepository(tx, businessId).end(callId, status, at, ending);
    if (!call) return false;
    await createAuditRepository(tx).append({
      businessId,
      ...auditActor(telephonyActor),
      action,
      outcome: status === 'completed' ? 'success' : status,
      details: { call_id: callId, to: maskPhone(call.to), status, failure_reason: ending.failureReason ?? null },
    });
    await createCampaignsRepository(tx, businessId).onCallEnded(call);
    return true;
  }

  function endCall(businessId: string, callId: string, status: TerminalCallStatus, at: Date, ending: CallEnding, action: string): Promise<boolean> {
    return db.forBusiness(businessId, (tx) => endCallIn(tx, businessId, callId, status, at, ending, action));
  }

  /** Moves a live call forward and audits it; a stale or repeated move changes nothing. */
  async function advanceIn(tx: TenantTx, businessId: string, callId: string, status: 'ringing' | 'in-progress', at: Date, providerCallId: string): Promise<boolean> {
    const call = await createCallsRepository(tx, businessId).advance(callId, status, at);
    if (!call) return false;
    await createAuditRepository(tx).append({
      businessId,
      ...auditActor(telephonyActor),
      action: `call.${status}`,
      outcome: 'success',
      details: { call_id: callId, provider_call_id: providerCallId },
    });
    return true;
  }

  /**
   * Applies a provider webhook's change to a call, inside the caller's unit of work (which also
   * records the event, so both happen or neither). Statuses only move forward; an end-of-call
   * report ends a call still in flight, or fills in one that has ended (never changing its status).
   */
  async function applyProviderChangeIn(tx: TenantTx, businessId: string, callId: string, providerCallId: string, at: Date, change: ProviderChange): Promise<void> {
    if (change.kind === 'status') {
      if (change.status === 'queued') return;
      if (change.status === 'ringing' || change.status === 'in-progress') {
        await advanceIn(tx, businessId, callId, change.status, at, providerCallId);
        return;
      }
      await endCallIn(
        tx,
        businessId,
        callId,
        change.status,
        at,
        {
          outcome: change.status.replace('-', '_'),
          endedReason: change.endedReason ?? null,
          failureReason: change.failureReason ?? (change.status === 'failed' ? 'The provider reported the call as failed.' : null),
        },
        `call.${change.status}`,
      );
      return;
    }
    const report: CallEnding = {
      durationSeconds: change.durationSeconds,
      transcript: change.transcript,
      summary: change.summary,
      recordingUrl: change.recordingUrl,
      endedReason: change.endedReason,
      costUsd: change.costUsd,
      failureReason: change.failureReason,
    };
    const ended = await endCallIn(tx, businessId, callId, change.status, at, { ...report, outcome: change.status.replace('-', '_') }, `call.${change.status}`);
    if (!ended) await createCallsRepository(tx, businessId).attachReport(callId, report);
  }

  /**
   * Before asking a person to confirm a call, the agent is looked up (its name is what they
   * recognize) and the gates are checked, so nobody is asked to approve a call that would be refused
   * anyway; placeCall checks them again. Null when the agent cannot dial (paused, no line): placeCall
   * refuses with the reason, unasked.
   */
  async function confirmationDetails(input: PlaceCallInput): Promise<{ agentName: string } | null> {
    const { businessId } = input;
    if (!isUuid(input.agentId)) throw notFound('Agent');
    return db.forBusiness(businessId, async (tx) => {
      const agent = await createCallsRepository(tx, businessId).agentForDial(input.agentId);
      if (!agent) throw notFound('Agent');
      if (agent.status !== 'active' || !agent.fromNumber) return null;
      const now = clock();
      const scheduled = input.scheduledAt && input.scheduledAt > now ? input.scheduledAt : null;
      const verdict = await gates.checkOutboundContact({
        tx,
        businessId,
        to: input.to,
        channel: 'call',
        leadId: input.leadId ?? null,
        now: scheduled ?? now,
        placesNow: !scheduled,
      });
      if (!verdict.allowed) throw gateError(verdict);
      return { agentName: agent.name };
    });
  }

  /** Cancels a call refused at dial time, audits it, and lets its campaign know. */
  async function blockIn(tx: TenantTx, businessId: string, callId: string, now: Date, reason: string, gate: string): Promise<void> {
    const ended = await createCallsRepository(tx, businessId).end(callId, 'canceled', now, { failureReason: reason });
    await createAuditRepository(tx).append({
      businessId,
      ...auditActor(telephonyActor),
      action: 'call.blocked',
      outcome: 'denied',
      errorCode: gate,
      details: { call_id: callId, ...(ended ? { to: maskPhone(ended.to) } : {}) },
    });
    if (ended) await createCampaignsRepository(tx, businessId).onCallEnded(ended);
  }

  /**
   * Withdraws from the provider a scheduled call the gates now refuse, then records it canceled.
   * When the provider cannot be asked, the call stays due and the next pass tries again; when it
   * has already started the call, the call is left to its events.
   */
  async function withdraw(businessId: string, callId: string, now: Date, w: { providerCallId: string; reason: string; gate: string }): Promise<void> {
    let answer: 'accepted' | 'unknown';
    try {
      answer = provider.cancel ? await provider.cancel(w.providerCallId) : 'unknown';
    } catch (err) {
      log.warn({ callId, provider: provider.name, err: err instanceof Error ? err.message : String(err) }, 'could not withdraw a scheduled call');
      return;
    }
    await db.forBusiness(businessId, async (tx) => {
      if (answer === 'accepted') await blockIn(tx, businessId, callId, now, w.reason, w.gate);
      else {
        log.warn({ callId, gate: w.gate }, 'the gates refuse a scheduled call the provider has already started');
        await createCallsRepository(tx, businessId).markDialed(callId);
      }
    });
  }

  return {
    recordCall,
    dial,

    /**
     * Places (or schedules) an outbound call: gates, record, dial. Returns the call as recorded
     * after the provider answered (status `queued` with a provider id, or `failed` with the reason).
     * Throws the gate's AppError (`do_not_call`, `quiet_hours`, …) before anything is recorded.
     * With `confirm`, the person placing the call is asked first (see confirmationDetails).
     */
    async placeCall(input: PlaceCallInput, options: { confirm?: ConfirmCall } = {}): Promise<Call> {
      if (options.confirm) {
        const details = await confirmationDetails(input);
        if (details) await options.confirm(details);
      }
      const now = clock();
      if (input.scheduledAt) {
        if (Number.isNaN(input.scheduledAt.getTime())) throw invalidArgument('scheduled_at must be an ISO 8601 date-time', { field: 'scheduled_at' });
        if (input.scheduledAt.getTime() - now.getTime() > MAX_SCHEDULE_AHEAD_MS) throw invalidArgument('scheduled_at must be within the next 30 days', { field: 'scheduled_at' });
        if (now.getTime() - input.scheduledAt.getTime() > 5 * 60_000) throw invalidArgument('scheduled_at is in the past', { field: 'scheduled_at' });
      }
      const result = await db.forBusiness(input.businessId, (tx) => recordCall(tx, { ...input, now }));
      if (!result.recorded) throw gateError(result.verdict);
      if (!result.dial) return result.call;
      return dial(input.businessId, result.dial);
    },

    applyProviderChangeIn,

    /** Applies a provider event; stale, repeated or out-of-order events change nothing. */
    async handleProviderEvent(event: ProviderCallEvent): Promise<void> {
      if (event.status === 'ringing' || event.status === 'in-progress') {
        const status = event.status;
        await db.forBusiness(event.businessId, (tx) => advanceIn(tx, event.businessId, event.callId, status, event.at, event.providerCallId));
        return;
      }
      const r = event.result;
      await endCall(
        event.businessId,
        event.callId,
        event.status,
        event.at,
        {
          durationSeconds: r?.durationSeconds ?? (event.status === 'completed' ? 0 : null),
          transcript: r?.transcript,
          summary: r?.summary,
          outcome: r?.outcome ?? event.status.replace('-', '_'),
          recordingUrl: r?.recordingUrl,
          failureReason: event.failureReason ?? (event.status === 'failed' ? 'The provider reported the call as failed.' : null),
          endedReason: event.endedReason ?? null,
        },
        `call.${event.status}`,
      );
    },

    /**
     * Marks failed every call that was handed to the provider and has not moved for `olderThanMs`
     * and that the provider does not know (any more). Run at start (0 on a single-process
     * database: nothing else can be carrying calls) and periodically (a multi-node deployment,
     * where another node's calls are only suspect once they stop moving).
     */
    async recoverInterruptedCalls(options: { olderThanMs: number }): Promise<{ failed: number }> {
      const stale = await createCallScansRepository(db.kysely).staleInFlight(Math.floor(options.olderThanMs / 1000));
      let failed = 0;
      for (const call of stale) {
        if (call.providerCallId && call.provider === provider.name) {
          let known: Awaited<ReturnType<TelephonyProvider['lookup']>>;
          try {
            known = await provider.lookup(call.providerCallId);
          } catch (err) {
            // The provider could not be asked (down, slow): the call may well be going on there.
            // Only a provider that says it does not know the call lets us end it; ask again later.
            log.warn({ callId: call.callId, provider: provider.name, err: err instanceof Error ? err.message : String(err) }, 'could not look up a call in flight');
            continue;
          }
          if (known !== 'unknown') continue;
        }
        const reason = call.providerCallId
          ? 'Interrupted: the server stopped while this call was in progress and the provider no longer knows it.'
          : 'Interrupted: the server stopped after recording this call and before the provider confirmed it.';
        if (await endCall(call.businessId, call.callId, 'failed', clock(), { failureReason: reason }, 'call.recovered')) failed++;
      }
      if (failed) log.warn({ failed }, 'marked interrupted calls as failed');
      return { failed };
    },

    /**
     * Records a call in progress as completed for `endedReason` when no provider will report its end
     * (it does not carry the call, or no longer): the in-call `hangup_call` of such a call. False
     * when the call had already ended.
     */
    async endLive(businessId: string, callId: string, endedReason: string): Promise<boolean> {
      const at = clock();
      const call = await db.forBusiness(businessId, (tx) => createCallsRepository(tx, businessId).find(callId));
      if (call?.status !== 'in-progress') return false;
      const durationSeconds = call.startedAt ? Math.max(0, Math.round((at.getTime() - call.startedAt.getTime()) / 1000)) : null;
      return endCall(businessId, callId, 'completed', at, { durationSeconds, outcome: 'completed', endedReason }, 'call.completed');
    },

    /** Ends, as failed, calls the provider dropped while shutting down (graceful stop). */
    async failAbandoned(abandoned: Array<{ businessId: string; callId: string }>): Promise<void> {
      for (const call of abandoned) {
        await endCall(call.businessId, call.callId, 'failed', clock(), { failureReason: 'Interrupted: the server shut down while this call was in progress.' }, 'call.recovered');
      }
    },

    /**
     * A page of the business's calls, newest first: `limit` calls plus one when more follow. An
     * agent filter naming no agent of this business is `not_found`, as list_leads does: a mistyped
     * or foreign agent id is a mistake to report, not "no calls".
     */
    async list(tx: TenantTx, businessId: string, filters: CallFilters, page: { limit: number; offset: number }): Promise<Call[]> {
      if (filters.agentId && !(await createAgentsRepository(tx).exists(businessId, filters.agentId))) throw notFound('Agent');
      return createCallsRepository(tx, businessId).list(filters, page);
    },

    async get(tx: TenantTx, businessId: string, callId: string): Promise<Call> {
      const call = isUuid(callId) ? await createCallsRepository(tx, businessId).find(callId) : undefined;
      if (!call) throw notFound('Call');
      return call;
    },

    /** A call with its transcript (null while it is going or when nothing was recorded). */
    async getWithTranscript(tx: TenantTx, businessId: string, callId: string): Promise<{ call: Call; transcript: string | null }> {
      const found = isUuid(callId) ? await createCallsRepository(tx, businessId).findWithTranscript(callId) : undefined;
      if (!found) throw notFound('Call');
      return found;
    },

    /** The status of a call by its provider's id, or undefined (the simulator's recordings endpoint knows nothing else). */
    async statusByProviderCallId(provider: string, providerCallId: string): Promise<CallStatus | undefined> {
      return (await createCallScansRepository(db.kysely).byProviderCallId(provider, providerCallId))?.status;
    },

    /**
     * Dials scheduled calls that are due. Each is taken under a row lock and passes the gates again
     * (a number may have been blocked since): a permanent refusal cancels the call with the reason,
     * quiet hours or the rate limit push it back.
     */
    async dialDueScheduledCalls(now: Date, limit = 50): Promise<number> {
      const due = await createCallScansRepository(db.kysely).dueScheduled(now, limit);
      let dialled = 0;
      for (const { businessId, callId } of due) {
        const next = await db.forBusiness(
          businessId,
          async (tx): Promise<{ dial: DialRequest } | { withdraw: { providerCallId: string; reason: string; gate: string } } | null> => {
            const repo = createCallsRepository(tx, businessId);
            const call = await repo.lockDueScheduled(callId, now);
            if (!call?.agentId) return null;
            // Handed to a provider that keeps scheduled calls: it dials by itself; the gates decide
            // whether it may, and a refusal withdraws it there.
            const heldByProvider = call.providerCallId !== null && call.provider === provider.name;
            const verdict = await gates.checkOutboundContact({ tx, businessId, to: call.to, channel: 'call', leadId: call.leadId, now });
            if (!verdict.allowed) {
              if (heldByProvider)
                return { withdraw: { providerCallId: call.providerCallId!, reason: `Blocked at dial time (${verdict.gate}): ${verdict.message}`, gate: verdict.gate } };
              if (TRANSIENT_GATES.has(verdict.gate)) {
                const wait = verdict.gate === 'rate_limited' ? Number(verdict.details.retry_after_seconds ?? 60) * 1000 : 15 * 60_000;
                await repo.reschedule(callId, new Date(now.getTime() + wait));
                return null;
              }
              await blockIn(tx, businessId, callId, now, `Blocked at dial time (${verdict.gate}): ${verdict.message}`, verdict.gate);
              return null;
            }
            // In the unit of work that passed the gates under the outbound lock: the next count, on
            // any node, sees this call as placed.
            await repo.markDialed(callId);
            if (heldByProvider) return null;
            const agent = await repo.agentForDial(call.agentId);
            return {
              dial: {
                businessId,
                callId,
                to: call.to,
                from: call.from,
                agent: dialAgent(agent ?? { id: call.agentId, name: 'Agent', firstMessage: '', instructions: '' }, call.variableValues),
                contactName: call.leadId ? ((await repo.leadName(call.leadId)) ?? null) : null,
                context: call.context,
                firstMessage: call.firstMessage === null ? null : fillVariables(call.firstMessage, call.variableValues),
                variableValues: call.variableValues,
              },
            };
          },
        );
        if (next && 'dial' in next) {
          await dial(businessId, next.dial);
          dialled++;
        } else if (next && 'withdraw' in next) {
          await withdraw(businessId, callId, now, next.withdraw);
        }
      }
      return dialled;
    },
  };
}

export type CallService = ReturnType<typeof createCallService>;

/** The agent as a provider is handed it for one call: its first message and prompt with the call's values filled in. */
function dialAgent(agent: Pick<DialableAgent, 'id' | 'name' | 'firstMessage' | 'instructions'>, values: Record<string, string> | null): DialRequest['agent'] {
  return { id: agent.id, name: agent.name, firstMessage: fillVariables(agent.firstMessage, values), instructions: fillVariables(agent.instructions, values) };
}
