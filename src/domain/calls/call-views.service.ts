// Calls as the dashboard shows them: a filtered page of calls (the filters of list_recent_calls),
// and one call with what happened to it in order, its transcript, summary, lead and recording, all
// read in one row-level-security unit of work.
import type { Db } from '../../shared/db.js';
import { notFound } from '../../shared/errors.js';
import { isUuid } from '../../shared/ids.js';
import { createAgentsRepository } from '../agents/agents.repository.js';
import { createLeadsRepository } from '../leads/leads.repository.js';
import type { LeadRecord } from '../leads/leads.types.js';
import { createCallsRepository } from './calls.repository.js';
import type { Call, CallFilters } from './calls.types.js';

export interface CallTimelineStep {
  at: Date;
  /** What happened: `Queued`, `Dialled`, `Answered`, `Ended: completed`. */
  label: string;
  /** The reason or outcome that goes with it, if any. */
  detail: string | null;
}

export interface CallDetail {
  call: Call;
  transcript: string | null;
  lead: Pick<LeadRecord, 'id' | 'name' | 'phone' | 'email' | 'status'> | null;
  timeline: CallTimelineStep[];
}

export interface CallPage {
  calls: Call[];
  hasMore: boolean;
  /** The business's agents, for the agent filter. */
  agents: Array<{ id: string; name: string }>;
}

export interface CallViewsService {
  /** A page of calls, newest first; an agent filter naming no agent of the business is not_found. */
  list(input: { businessId: string; filters: CallFilters; limit: number; offset: number }): Promise<CallPage>;
  /** One call; another business's id (or a malformed one) is not_found. */
  detail(input: { businessId: string; callId: string }): Promise<CallDetail>;
}

const MAX_AGENTS_IN_FILTER = 200;

/** The steps of a call from its recorded times, in order; a time the call never reached is left out. */
export function callTimeline(call: Call): CallTimelineStep[] {
  const steps: Array<CallTimelineStep | null> = [
    { at: call.createdAt, label: call.direction === 'inbound' ? 'Came in' : 'Queued', detail: call.context ? `Context: ${call.context}` : null },
    call.scheduledAt ? { at: call.scheduledAt, label: 'Scheduled for', detail: null } : null,
    call.dialedAt ? { at: call.dialedAt, label: 'Dialled', detail: call.provider ? `through ${call.provider}` : null } : null,
    call.startedAt ? { at: call.startedAt, label: 'Answered', detail: null } : null,
    call.endedAt
      ? {
          at: call.endedAt,
          label: `Ended: ${call.status}`,
          detail:
            [call.outcome ? `outcome ${call.outcome}` : null, call.durationSeconds != null ? `${call.durationSeconds} s` : null, call.failureReason].filter(Boolean).join('; ') ||
            null,
        }
      : null,
  ];
  return steps.filter((s): s is CallTimelineStep => s !== null).sort((a, b) => a.at.getTime() - b.at.getTime());
}

export function createCallViewsService(deps: { db: Db }): CallViewsService {
  return {
    list({ businessId, filters, limit, offset }) {
      return deps.db.forBusiness(businessId, async (tx) => {
        const agentsRepo = createAgentsRepository(tx);
        if (filters.agentId && !(isUuid(filters.agentId) && (await agentsRepo.exists(businessId, filters.agentId)))) throw notFound('Agent');
        const rows = await createCallsRepository(tx, businessId).list(filters, { limit, offset });
        const agents = await agentsRepo.listPage(businessId, { limit: MAX_AGENTS_IN_FILTER, offset: 0 });
        return {
          calls: rows.slice(0, limit),
          hasMore: rows.length > limit,
          agents: agents.slice(0, MAX_AGENTS_IN_FILTER).map((a) => ({ id: a.id, name: a.name })),
        };
      });
    },

    detail({ businessId, callId }) {
      return deps.db.forBusiness(businessId, async (tx) => {
        const found = isUuid(callId) ? await createCallsRepository(tx, businessId).findWithTranscript(callId) : undefined;
        if (!found) throw notFound('Call');
        const lead = found.call.leadId ? await createLeadsRepository(tx).find(businessId, found.call.leadId) : undefined;
        return {
          call: found.call,
          transcript: found.transcript,
          lead: lead ? { id: lead.id, name: lead.name, phone: lead.phone, email: lead.email, status: lead.status } : null,
          timeline: callTimeline(found.call),
        };
      });
    },
  };
}
