// Approvals as the people of a business review them (the dashboard's Approvals pages): what was
// asked, by whom (a person, an app acting for a person, or an API key), what approving would change
// now, why it needs a human, and the decision. Deciding goes through the broker's decideApproval,
// which locks the approval row: when two admins decide at once, one decision executes and the other
// is told what happened instead of an error.
import type { Db } from '../../shared/db.js';
import { AppError, invalidArgument } from '../../shared/errors.js';
import { createAuditQueryRepository, type ActorRef } from '../audit/audit-query.repository.js';
import { describeActor } from '../audit/audit-query.service.js';
import type { ApprovalView, UpdateBroker, UpdatePlan } from './broker.service.js';
import { HIGH_IMPACT_AGENT_FIELDS } from './intents.js';

/** Why a field makes a change high-impact, in the words a reviewer needs. */
const FIELD_RISK: Record<string, string> = {
  inbound_prompt: 'rewrites what the agent says to every caller',
  sms_prompt: 'rewrites what the agent texts to customers',
  voice: 'changes the voice every caller hears',
  transfer_settings: 'changes where live calls are transferred',
  tool_ids: 'changes what the agent may do during calls',
  emergency_address: 'changes where emergency responders are sent when 911 is dialled from this line',
  url: 'sends call transcripts to a new address outside KaiCalls',
  enabled: 'starts sending call transcripts outside KaiCalls',
  include_recordings: 'adds call recordings to what is sent outside KaiCalls',
};

export interface ApprovalRisk {
  level: 'high' | 'low';
  /** One line per high-impact field: `voice: changes the voice every caller hears`. */
  reasons: string[];
}

export interface ApprovalItem extends ApprovalView {
  /** Who asked: `owner@example.com via Claude`, `API key "zapier"`. */
  requester: string;
  /** Who decided (their email), or null while pending. */
  decider: string | null;
}

export interface ApprovalDetail extends ApprovalItem {
  /** For a pending approval, what approving now would change; for a decided one, what was applied (if anything). */
  plan: Pick<UpdatePlan, 'summary' | 'changes' | 'high_impact_fields' | 'target'> | null;
  /** Why approving now would fail, or null. */
  problem: string | null;
  risk: ApprovalRisk;
  /** The values that were asked for, field by field (what a denied or failed approval would have set). */
  requested: Record<string, unknown>;
}

export interface ApprovalsOverview {
  /** Waiting for a decision, newest first. */
  pending: ApprovalItem[];
  /** Decided (executed, denied, failed), newest first. */
  history: ApprovalItem[];
}

export interface DecideInput {
  businessId: string;
  approvalId: string;
  userId: string;
  decision: 'approve' | 'deny';
  reason?: string | null | undefined;
}

export interface DecideResult {
  approval: ApprovalDetail;
  /** False when someone else had decided first: `approval` then shows their decision. */
  decidedNow: boolean;
}

export interface ApprovalsService {
  overview(input: { businessId: string; historyLimit?: number }): Promise<ApprovalsOverview>;
  /** One approval; another business's id or a malformed one is not_found. */
  detail(input: { businessId: string; approvalId: string }): Promise<ApprovalDetail>;
  /** Approves (executes) or denies; refuses a non-admin (forbidden). A denial needs a reason. */
  decide(input: DecideInput): Promise<DecideResult>;
}

export const MAX_REASON_LENGTH = 2000;

const requesterRef = (a: ApprovalView): ActorRef => ({
  kind: String(a.requested_by.actorKind ?? 'unknown'),
  id: typeof a.requested_by.actorId === 'string' ? a.requested_by.actorId : null,
  clientId: typeof a.requested_by.clientId === 'string' ? a.requested_by.clientId : null,
});

function riskOf(fields: readonly string[]): ApprovalRisk {
  return { level: fields.length ? 'high' : 'low', reasons: fields.map((f) => `${f}: ${FIELD_RISK[f] ?? 'a high-impact setting'}`) };
}

/** What a decided approval applied, read back from its stored result (an AppliedChange). */
function appliedPlan(a: ApprovalView): ApprovalDetail['plan'] {
  const r = a.result;
  if (!r || typeof r.summary !== 'string' || !r.changes || typeof r.changes !== 'object') return null;
  return {
    summary: r.summary,
    changes: r.changes as UpdatePlan['changes'],
    high_impact_fields: Array.isArray(r.high_impact_fields) ? (r.high_impact_fields as string[]) : [],
    target: (r.target ?? {}) as UpdatePlan['target'],
  };
}

const record = (value: unknown): Record<string, unknown> => (value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {});

/** The fields and values the request asked for, from the stored (pinned) payload. */
function requestedValues(a: ApprovalView): Record<string, unknown> {
  const p = a.payload;
  switch (a.intent) {
    case 'agent.patch':
      return record(p.changes);
    case 'phone.emergency_address.set':
      return { emergency_address: p.address ?? null };
    case 'transcripts.sink.configure':
      return Object.fromEntries(['url', 'enabled', 'include_recordings'].filter((k) => p[k] !== undefined).map((k) => [k, p[k]]));
    default:
      return {};
  }
}

/**
 * The high-impact fields the request asked to change. Only high-impact requests are ever queued, so
 * a decided approval that applied nothing (denied, failed) is still described by what it asked.
 */
function requestedHighImpact(a: ApprovalView, requested: Record<string, unknown>): string[] {
  if (a.intent === 'agent.patch') return Object.keys(requested).filter((f) => HIGH_IMPACT_AGENT_FIELDS.includes(f));
  if (a.intent === 'phone.emergency_address.set') return ['emergency_address'];
  if (a.intent === 'transcripts.sink.configure') return Object.keys(requested).filter((k) => k === 'url' || requested[k] === true);
  return [];
}

export function createApprovalsService(deps: { db: Db; broker: UpdateBroker }): ApprovalsService {
  const { db, broker } = deps;

  /** Resolves requesters and deciders to names in one unit of work. */
  async function named(businessId: string, approvals: ApprovalView[]): Promise<ApprovalItem[]> {
    if (!approvals.length) return [];
    const refs = approvals.flatMap((a) => [requesterRef(a), ...(a.decided_by ? [{ kind: 'user', id: a.decided_by, clientId: null }] : [])]);
    const names = await db.forBusiness(businessId, (tx) => createAuditQueryRepository(tx, businessId).actorNames(refs));
    return approvals.map((a) => ({
      ...a,
      requester: describeActor(requesterRef(a), names),
      decider: a.decided_by ? describeActor({ kind: 'user', id: a.decided_by, clientId: null }, names) : null,
    }));
  }

  async function detail(input: { businessId: string; approvalId: string }): Promise<ApprovalDetail> {
    const preview = await broker.previewApproval(input);
    const [item] = await named(input.businessId, [preview.approval]);
    const plan = preview.plan ?? appliedPlan(preview.approval);
    const requested = requestedValues(preview.approval);
    // A pending change is judged by what approving it now would change; a decided one by what it asked.
    const fields = preview.plan ? preview.plan.high_impact_fields : plan?.high_impact_fields.length ? plan.high_impact_fields : requestedHighImpact(preview.approval, requested);
    return { ...item!, plan, problem: preview.problem, risk: riskOf(fields), requested };
  }

  return {
    async overview({ businessId, historyLimit = 50 }) {
      const pending = await broker.listApprovals({ businessId, status: 'pending', limit: 200 });
      const history = await broker.listDecidedApprovals({ businessId, limit: historyLimit });
      const items = await named(businessId, [...pending, ...history]);
      return { pending: items.slice(0, pending.length), history: items.slice(pending.length) };
    },

    detail,

    async decide(input) {
      const reason = input.reason?.trim() || null;
      if (reason && reason.length > MAX_REASON_LENGTH) throw invalidArgument(`reason: at most ${MAX_REASON_LENGTH} characters (${reason.length} given)`, { field: 'reason' });
      if (input.decision === 'deny' && !reason) throw invalidArgument('reason: say why the change is denied, so the requester knows what to do next', { field: 'reason' });
      try {
        await broker.decideApproval({ businessId: input.businessId, approvalId: input.approvalId, deciderUserId: input.userId, decision: input.decision, reason });
      } catch (err) {
        // Someone decided between this person's reading the page and their click: show them what happened.
        if (err instanceof AppError && err.code === 'conflict' && typeof err.details?.status === 'string') {
          return { approval: await detail(input), decidedNow: false };
        }
        throw err;
      }
      return { approval: await detail(input), decidedNow: true };
    },
  };
}
