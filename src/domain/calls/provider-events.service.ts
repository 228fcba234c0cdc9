// A voice provider's webhook events about calls (spec/voice-runtime.md §D), on our side of the
// boundary: the provider's route has verified and read them; here each is applied once.
//
//   - A status change or end-of-call report is recorded (unique event key) and applied in one unit
//     of work, before the route answers 2xx: a repeated delivery finds the key and changes nothing,
//     and a process that dies after answering has the effect committed already.
//   - If applying fails (a bug, a constraint), the event is still recorded, with its payload, and
//     the job applies it later; the provider is answered 2xx (it was accepted, it will not be lost).
//   - Out of order is safe because the call's statuses only move forward (calls.repository.ts).
//   - An event about no call of ours is acknowledged and logged; nothing is written.
//   - An inbound call the provider announces is recorded (once per provider call id) and answered
//     with the agent of the number called.
//   - A tool call is run once per event key; a repeat answers what the first run answered.
import { auditActor, SYSTEM_ACTOR } from '../audit/actor.js';
import { createAuditRepository } from '../audit/audit.repository.js';
import type { Db } from '../../shared/db.js';
import { isDatabaseUnavailable } from '../../shared/db-unavailable.js';
import { maskPhone, type Logger } from '../../shared/log.js';
import type { InboundCallAnswer, InboundCallRequest, ProviderWebhookEvent, WebhookOutcome } from '../../providers/telephony.js';
import { createCallScansRepository, createCallsRepository } from './calls.repository.js';
import type { CallService } from './calls.service.js';
import { createProviderEventScansRepository, createProviderEventsRepository } from './provider-events.repository.js';

/** What the provider sync offers an inbound call (domain/provider-sync). */
interface AgentCopies {
  known(businessId: string, agentId: string): Promise<{ assistantId: string; toolId: string | null } | null>;
  ensure(businessId: string, agentId: string): Promise<{ assistantId: string; toolId: string | null } | null>;
  numberOwner(e164: string): Promise<{ businessId: string; agentId: string | null } | undefined>;
}

export interface ProviderEventsDeps {
  db: Db;
  calls: CallService;
  sync: AgentCopies;
  log: Logger;
}

/** A pending event is retried once it is this old (the request that recorded it has finished by then). */
const RETRY_AFTER_SECONDS = 10;
/** Applied events are kept this long for recognising repeats. */
const KEEP_DAYS = 7;

export function createProviderEventsService(deps: ProviderEventsDeps) {
  const { db, calls, sync, log } = deps;
  const scans = createCallScansRepository(db.kysely);
  const eventScans = createProviderEventScansRepository(db.kysely);

  const resolveCall = (provider: string, providerCallId: string, echoed: ProviderWebhookEvent['echoed']) => scans.forProviderEvent(provider, providerCallId, echoed);

  return {
    resolveCall,

    async record(event: ProviderWebhookEvent): Promise<WebhookOutcome> {
      const call = await resolveCall(event.provider, event.providerCallId, event.echoed);
      if (!call) {
        log.warn({ provider: event.provider, type: event.type, providerCallId: event.providerCallId }, 'provider event for a call we do not have; acknowledged, nothing written');
        return 'unknown_call';
      }
      const { businessId, callId } = call;
      const base = { provider: event.provider, key: event.key, type: event.type, callId };
      try {
        return await db.forBusiness(businessId, async (tx) => {
          const id = await createProviderEventsRepository(tx, businessId).insert({ ...base, payload: null, processed: true });
          if (!id) return 'duplicate';
          // An event can overtake the provider's answer to our request that placed the call.
          if (!call.providerCallId) await createCallsRepository(tx, businessId).setProviderCallId(callId, event.providerCallId);
          await calls.applyProviderChangeIn(tx, businessId, callId, event.providerCallId, event.at, event.change);
          return 'applied';
        });
      } catch (err) {
        if (isDatabaseUnavailable(err)) throw err;
        const reason = err instanceof Error ? err.message : String(err);
        log.error({ err, provider: event.provider, type: event.type, callId }, 'applying a provider event failed; kept to retry');
        const payload = { providerCallId: event.providerCallId, at: event.at.toISOString(), change: event.change };
        const id = await db.forBusiness(businessId, (tx) => createProviderEventsRepository(tx, businessId).insert({ ...base, payload, processed: false, lastError: reason }));
        return id ? 'deferred' : 'duplicate';
      }
    },

    /** The job: applies events recorded but not applied (a failure when they arrived). Returns how many were applied. */
    async retryPending(limit = 50): Promise<number> {
      let applied = 0;
      for (const { businessId, id } of await eventScans.pending(RETRY_AFTER_SECONDS, limit)) {
        try {
          const done = await db.forBusiness(businessId, async (tx) => {
            const repo = createProviderEventsRepository(tx, businessId);
            const pending = await repo.lockPending(id);
            if (!pending) return false;
            // A tool call that never finished has nothing to apply: its answer was the provider's to get.
            const p = pending.payload as { providerCallId: string; at: string; change: ProviderWebhookEvent['change'] } | null;
            if (p && pending.callId) await calls.applyProviderChangeIn(tx, businessId, pending.callId, p.providerCallId, new Date(p.at), p.change);
            await repo.markProcessed(id);
            return true;
          });
          if (done) applied++;
        } catch (err) {
          log.error({ err, eventId: id }, 'retrying a provider event failed');
          await db
            .forBusiness(businessId, (tx) => createProviderEventsRepository(tx, businessId).markFailed(id, err instanceof Error ? err.message : String(err)))
            .catch(() => undefined);
        }
      }
      return applied;
    },

    /** The job: forgets applied events older than a week. */
    prune: () => eventScans.pruneProcessed(KEEP_DAYS),

    /**
     * An inbound call to one of our numbers: recorded (once per provider call) and answered with the
     * agent of that number, as the provider keeps it. Never waits on the provider when the agent was
     * synced before (an inbound call is answered within the provider's deadline); a copy older than
     * the agent is refreshed in the background for the next call.
     */
    async inbound(request: InboundCallRequest): Promise<InboundCallAnswer> {
      const owner = await sync.numberOwner(request.calledNumber);
      if (!owner) return { ok: false, reason: `the number called (${maskPhone(request.calledNumber)}) is not one of this deployment's numbers` };
      if (!owner.agentId) return { ok: false, reason: `no agent answers ${maskPhone(request.calledNumber)}: assign one with assign_phone_number` };
      const { businessId, agentId } = owner;
      const call = await db.forBusiness(businessId, async (tx) => {
        const repo = createCallsRepository(tx, businessId);
        const agent = await repo.agentForDial(agentId);
        if (agent?.status !== 'active') return null;
        const recorded = await repo.insertInbound({
          agentId,
          to: request.calledNumber,
          from: request.callerNumber ?? 'anonymous',
          provider: request.provider,
          providerCallId: request.providerCallId,
        });
        await createAuditRepository(tx).append({
          businessId,
          ...auditActor(SYSTEM_ACTOR(`telephony:${request.provider}`)),
          action: 'call.inbound',
          outcome: 'success',
          details: { call_id: recorded.id, from: request.callerNumber ? maskPhone(request.callerNumber) : null, agent_id: agentId },
        });
        return { id: recorded.id, agentName: agent.name };
      });
      if (!call) return { ok: false, reason: 'the agent of this number is not active' };
      const known = await sync.known(businessId, agentId);
      const providerAgent = known ?? (await sync.ensure(businessId, agentId));
      if (known) void sync.ensure(businessId, agentId).catch(() => undefined);
      if (!providerAgent) return { ok: false, reason: 'the agent has no copy at the provider' };
      return { ok: true, businessId, callId: call.id, agentId, agentName: call.agentName, providerAgent };
    },

    /**
     * Runs a request-response event (a tool call) once: the first delivery runs it and keeps its
     * result; a repeat gets that result (or, while the first is still running, null).
     */
    async once(
      businessId: string,
      event: { provider: string; key: string; type: string; callId: string },
      run: () => Promise<Record<string, unknown>>,
    ): Promise<{ duplicate: boolean; result: Record<string, unknown> | null }> {
      const id = await db.forBusiness(businessId, (tx) => createProviderEventsRepository(tx, businessId).insert({ ...event, payload: null, processed: false }));
      if (!id) {
        const earlier = await db.forBusiness(businessId, (tx) => createProviderEventsRepository(tx, businessId).find(event.provider, event.key));
        return { duplicate: true, result: earlier?.processed ? earlier.result : null };
      }
      const result = await run();
      await db.forBusiness(businessId, (tx) => createProviderEventsRepository(tx, businessId).markProcessed(id, result));
      return { duplicate: false, result };
    },
  };
}

export type ProviderEventsService = ReturnType<typeof createProviderEventsService>;
