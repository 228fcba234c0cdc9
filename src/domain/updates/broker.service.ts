// The governed update broker behind request_kaicalls_update, update_agent_config and
// configure_agent_business_rules. A request is validated for its intent and answers exactly one of:
//
//   needs_user_input  required fields are missing (named)          nothing changed
//   unsupported       the intent is not one the broker knows       nothing changed
//   denied            the authority offered does not hold          nothing changed
//   needs_approval    high-impact, no authority, not queued        nothing changed
//   pending_approval  high-impact, queued for the dashboard        an approvals row (approval_id)
//   executed          applied, with the change                     the change, in one transaction
//
// A dry run answers the same checks, and instead of acting returns `dry_run` with the plan and
// what the real request would do. Every answer appends an audit row; an executed change is written
// in the same transaction as its audit row, its config version and its change-history row, so there
// is never an unaudited side effect.
import type { Db, TenantTx } from '../../shared/db.js';
import { AppError, invalidArgumentFrom, notFound } from '../../shared/errors.js';
import { maskPhone } from '../../shared/log.js';
import { createAuditRepository } from '../audit/audit.repository.js';
import { auditActor, actorLabel, type Actor } from '../audit/actor.js';
import { AuthorityEnvelopeSchema, verifyAuthority, type AuthorityVerdict } from './authority.js';
import {
  HIGH_IMPACT_AGENT_FIELDS,
  INTENTS,
  INTENT_SCOPES,
  isIntent,
  parseAgentPatch,
  parseEmergencyAddress,
  parseTranscriptSink,
  type AgentPatchPayload,
  type EmergencyAddressPayload,
  type Intent,
  type Parsed,
  type TranscriptSinkPayload,
} from './intents.js';
import { AGENT_CONFIG_FIELDS, createUpdatesRepository, type AgentConfig, type Approval, type FieldChanges, type UpdatesRepository } from './updates.repository.js';
import { isUuid } from '../../shared/ids.js';

// ── Shapes (JSON-ready: outcomes are returned to MCP clients and stored for idempotent replays) ──

export interface UpdatePlan {
  summary: string;
  /** What is changed: `{ agent_id, agent_name }`, `{ phone_number_id, phone_number }`, `{ sink }`. */
  target: Record<string, string | number | null>;
  /** Only the fields whose value would change. */
  changes: FieldChanges;
  /** The changed fields that make this change high-impact. */
  high_impact_fields: string[];
}

export interface AppliedChange extends UpdatePlan {
  /** Agent config version before and after (agent.patch only). */
  version: { from: number; to: number } | null;
  approval_id: string | null;
  authorized_by: { user_id: string; email: string; role: string; statement: string } | null;
}

export type BrokerOutcome =
  | { status: 'needs_user_input'; intent: string; message: string; missing_fields: string[] }
  | { status: 'unsupported'; intent: string; message: string; supported_intents: string[] }
  | { status: 'denied'; intent: string; message: string; reason: string }
  | { status: 'needs_approval'; intent: string; message: string; plan: UpdatePlan }
  | { status: 'pending_approval'; intent: string; message: string; approval_id: string; plan: UpdatePlan }
  | { status: 'executed'; intent: string; message: string; change: AppliedChange }
  | { status: 'dry_run'; intent: string; message: string; would: 'executed' | 'needs_approval' | 'pending_approval'; plan: UpdatePlan };

export interface UpdateRequest {
  businessId: string;
  actor: Actor;
  intent: string;
  payload: unknown;
  /** The authority envelope, unvalidated (it is checked here and errors name `authority.*`). */
  authority?: unknown;
  queueForApproval?: boolean;
  dryRun?: boolean;
  /** The surface that asked, kept in the change history (`request_kaicalls_update`, `update_agent_config`…). */
  source: string;
}

interface ApplyContext {
  actor: Actor;
  source: string;
  approvalId: string | null;
  authority: Extract<AuthorityVerdict, { ok: true }> | null;
}

interface IntentHandler<P> {
  parse(payload: unknown): Parsed<P>;
  /** Reads the target and works out the change; throws not_found for a target outside the business. */
  plan(repo: UpdatesRepository, payload: P): Promise<UpdatePlan & { pinned: P }>;
  /** Applies the change under row locks, re-reading the target (an approval may run much later). */
  apply(repo: UpdatesRepository, payload: P, ctx: ApplyContext): Promise<AppliedChange>;
}

// ── agent.patch ─────────────────────────────────────────────────────────────────────────────────

function diffAgent(current: AgentConfig, changes: Partial<AgentConfig>): FieldChanges {
  const diff: FieldChanges = {};
  for (const field of AGENT_CONFIG_FIELDS) {
    const to = changes[field];
    if (to === undefined) continue;
    const from = current[field];
    if (JSON.stringify(normalize(from)) !== JSON.stringify(normalize(to))) diff[field] = { from, to };
  }
  return diff;
}

const normalize = (v: unknown): unknown =>
  v && typeof v === 'object' && !Array.isArray(v)
    ? Object.fromEntries(
        Object.entries(v)
          .filter(([, x]) => x !== undefined && x !== null)
          .sort(([a], [b]) => a.localeCompare(b)),
      )
    : v;

/** Attached tools must be the business's own (checked when planned and again when applied). */
async function requireOwnTools(repo: UpdatesRepository, toolIds: readonly string[] | undefined): Promise<void> {
  if (!toolIds) return;
  const unknown = await repo.unknownToolIndex(toolIds);
  if (unknown >= 0) throw new AppError('not_found', `tool_ids[${unknown}]: agent tool not found`, { field: `tool_ids[${unknown}]` });
}

const agentPatch: IntentHandler<AgentPatchPayload> = {
  parse: parseAgentPatch,
  async plan(repo, payload) {
    const agent = await repo.agent(payload.agent_id);
    if (!agent) throw notFound('Agent');
    await requireOwnTools(repo, payload.changes.tool_ids);
    const changes = diffAgent(agent.config, payload.changes as Partial<AgentConfig>);
    const fields = Object.keys(changes);
    return {
      summary: fields.length ? `Change ${fields.join(', ')} of agent "${agent.name}" (version ${agent.version})` : `No change to agent "${agent.name}": the values are already set`,
      target: { agent_id: agent.id, agent_name: agent.name, version: agent.version },
      changes,
      high_impact_fields: fields.filter((f) => HIGH_IMPACT_AGENT_FIELDS.includes(f)),
      // A queued change applies to the version it was reviewed against, or not at all.
      pinned: { ...payload, expected_version: payload.expected_version ?? agent.version },
    };
  },
  async apply(repo, payload, ctx) {
    const agent = await repo.agent(payload.agent_id, { lock: true });
    if (!agent) throw notFound('Agent');
    await requireOwnTools(repo, payload.changes.tool_ids);
    if (payload.expected_version !== undefined && payload.expected_version !== agent.version) {
      throw new AppError(
        'conflict',
        `Agent "${agent.name}" changed since this update was prepared (version ${payload.expected_version}, now ${agent.version}); request it again against the current configuration.`,
        { field: 'expected_version', expected_version: payload.expected_version, current_version: agent.version },
      );
    }
    const changes = diffAgent(agent.config, payload.changes as Partial<AgentConfig>);
    const fields = Object.keys(changes);
    const base = {
      target: { agent_id: agent.id, agent_name: agent.name, version: agent.version } as UpdatePlan['target'],
      changes,
      high_impact_fields: fields.filter((f) => HIGH_IMPACT_AGENT_FIELDS.includes(f)),
      approval_id: ctx.approvalId,
      authorized_by: authorizedBy(ctx),
    };
    if (!fields.length) return { ...base, summary: `No change to agent "${agent.name}": the values are already set`, version: { from: agent.version, to: agent.version } };

    // The version being replaced must itself be restorable: agents created before any change have
    // no snapshot yet, so the first change records the baseline too.
    if (!(await repo.hasVersion(agent.id, agent.version))) await repo.insertVersion(agent.id, agent.version, agent.config, 'system:baseline');
    const next = agent.version + 1;
    const patch = Object.fromEntries(fields.map((f) => [f, changes[f]!.to])) as Partial<AgentConfig>;
    await repo.updateAgent(agent.id, patch, next);
    await repo.insertVersion(agent.id, next, { ...agent.config, ...patch }, actorLabel(ctx.actor));
    await repo.insertChange({ agentId: agent.id, fromVersion: agent.version, toVersion: next, changes, actor: changeActor(ctx), source: ctx.source, approvalId: ctx.approvalId });
    return {
      ...base,
      target: { ...base.target, version: next },
      summary: `Changed ${fields.join(', ')} of agent "${agent.name}" (version ${agent.version} → ${next})`,
      version: { from: agent.version, to: next },
    };
  },
};

// ── phone.emergency_address.set ─────────────────────────────────────────────────────────────────

const emergencyAddress: IntentHandler<EmergencyAddressPayload> = {
  parse: parseEmergencyAddress,
  async plan(repo, payload) {
    const number = await repo.phoneNumber(payload.phone_number);
    if (!number) throw notFound('Phone number');
    const changes: FieldChanges =
      JSON.stringify(normalize(number.emergencyAddress)) === JSON.stringify(normalize(payload.address))
        ? {}
        : { emergency_address: { from: number.emergencyAddress, to: payload.address } };
    return {
      summary: `Set the emergency (E911) address of ${maskPhone(number.e164)} to ${formatAddress(payload.address)}`,
      target: { phone_number_id: number.id, phone_number: number.e164 },
      changes,
      // Where responders are sent when someone dials emergency services from this line.
      high_impact_fields: Object.keys(changes),
      pinned: payload,
    };
  },
  async apply(repo, payload, ctx) {
    const number = await repo.phoneNumber(payload.phone_number, { lock: true });
    if (!number) throw notFound('Phone number');
    const same = JSON.stringify(normalize(number.emergencyAddress)) === JSON.stringify(normalize(payload.address));
    if (!same) await repo.setEmergencyAddress(number.id, payload.address);
    const changes: FieldChanges = same ? {} : { emergency_address: { from: number.emergencyAddress, to: payload.address } };
    return {
      summary: same
        ? `No change: ${maskPhone(number.e164)} already has this emergency address`
        : `Set the emergency (E911) address of ${maskPhone(number.e164)} to ${formatAddress(payload.address)}`,
      target: { phone_number_id: number.id, phone_number: number.e164 },
      changes,
      high_impact_fields: same ? [] : ['emergency_address'],
      version: null,
      approval_id: ctx.approvalId,
      authorized_by: authorizedBy(ctx),
    };
  },
};

const formatAddress = (a: EmergencyAddressPayload['address']) => [a.street, a.street2, a.city, a.region, a.postal_code, a.country].filter(Boolean).join(', ');

// ── transcripts.sink.configure ──────────────────────────────────────────────────────────────────

function sinkChanges(current: { url: string; enabled: boolean; include_recordings: boolean } | undefined, payload: TranscriptSinkPayload): FieldChanges {
  const next = { url: payload.url ?? current?.url ?? null, enabled: payload.enabled, include_recordings: payload.include_recordings ?? current?.include_recordings ?? false };
  const from = { url: current?.url ?? null, enabled: current?.enabled ?? false, include_recordings: current?.include_recordings ?? false };
  const changes: FieldChanges = {};
  for (const k of ['url', 'enabled', 'include_recordings'] as const) if (from[k] !== next[k]) changes[k] = { from: from[k], to: next[k] };
  return changes;
}

/** Sending transcripts somewhere new (or more of them) is high-impact; switching delivery off is not. */
const sinkHighImpact = (changes: FieldChanges): string[] =>
  Object.keys(changes).filter((k) => k === 'url' || (k === 'enabled' && changes[k]!.to === true) || (k === 'include_recordings' && changes[k]!.to === true));

const transcriptSink: IntentHandler<TranscriptSinkPayload> = {
  parse: parseTranscriptSink,
  async plan(repo, payload) {
    const current = await repo.transcriptSink();
    const changes = current || payload.enabled ? sinkChanges(current, payload) : {};
    return {
      summary: Object.keys(changes).length ? describeSink(payload, current?.url) : 'No change to transcript delivery',
      target: { sink: 'transcripts' },
      changes,
      high_impact_fields: sinkHighImpact(changes),
      pinned: payload,
    };
  },
  async apply(repo, payload, ctx) {
    const current = await repo.transcriptSink({ lock: true });
    const changes = current || payload.enabled ? sinkChanges(current, payload) : {};
    if (Object.keys(changes).length) {
      await repo.upsertTranscriptSink({
        url: payload.url ?? current!.url,
        enabled: payload.enabled,
        include_recordings: payload.include_recordings ?? current?.include_recordings ?? false,
        updatedBy: changeActor(ctx),
      });
    }
    return {
      summary: Object.keys(changes).length ? describeSink(payload, current?.url) : 'No change to transcript delivery',
      target: { sink: 'transcripts' },
      changes,
      high_impact_fields: sinkHighImpact(changes),
      version: null,
      approval_id: ctx.approvalId,
      authorized_by: authorizedBy(ctx),
    };
  },
};

function describeSink(payload: TranscriptSinkPayload, currentUrl: string | undefined): string {
  if (!payload.enabled) return 'Stop delivering call transcripts';
  const host = new URL(payload.url ?? currentUrl!).host;
  return `Deliver call transcripts${payload.include_recordings ? ' and recording links' : ''} to ${host}`;
}

// ── Shared helpers ──────────────────────────────────────────────────────────────────────────────

// Each intent's handler has its own payload type; the table erases them (the payload is checked by the handler's schema).
// biome-ignore lint/suspicious/noExplicitAny: a table of handlers over differing payload types
const HANDLERS: { [I in Intent]: IntentHandler<any> } = {
  'agent.patch': agentPatch,
  'phone.emergency_address.set': emergencyAddress,
  'transcripts.sink.configure': transcriptSink,
};

const authorizedBy = (ctx: ApplyContext): AppliedChange['authorized_by'] =>
  ctx.authority ? { user_id: ctx.authority.userId, email: ctx.authority.email, role: ctx.authority.role, statement: ctx.authority.statement } : null;

/** The change-history actor: the caller, plus who vouched or approved when someone did. */
const changeActor = (ctx: ApplyContext): string => (ctx.authority ? `${actorLabel(ctx.actor)} (authority user:${ctx.authority.userId})` : actorLabel(ctx.actor));

/** Public form of a plan, without the handler's pinned payload. */
const publicPlan = ({ summary, target, changes, high_impact_fields }: UpdatePlan): UpdatePlan => ({ summary, target, changes, high_impact_fields });

/** Audit details carry field names and ids only: values can hold phone numbers or prompts. */
function auditDetails(plan: UpdatePlan | undefined, extra: Record<string, unknown>): Record<string, unknown> {
  if (!plan) return extra;
  const target = { ...plan.target };
  if (typeof target.phone_number === 'string') target.phone_number = maskPhone(target.phone_number);
  return { ...extra, target, fields: Object.keys(plan.changes), high_impact_fields: plan.high_impact_fields };
}

function parseAuthority(value: unknown) {
  if (value === undefined || value === null) return undefined;
  const result = AuthorityEnvelopeSchema.safeParse(value);
  if (result.success) return result.data;
  throw invalidArgumentFrom(result.error, ['authority']);
}

const WOULD: Record<'executed' | 'needs_approval' | 'pending_approval', string> = {
  executed: 'apply it at once',
  needs_approval: 'need authority from an admin or owner, or queue_for_approval',
  pending_approval: 'queue it for approval in the dashboard',
};

// ── The broker ──────────────────────────────────────────────────────────────────────────────────

export interface UpdateBrokerDeps {
  db: Db;
}

export function createUpdateBroker({ db }: UpdateBrokerDeps) {
  const audit = (tx: TenantTx, businessId: string, actor: Actor, action: string, outcome: string, details: Record<string, unknown>) =>
    createAuditRepository(tx).append({ businessId, ...auditActor(actor), action, outcome, details });

  /** Runs one broker request; see the header for the outcomes. */
  async function request(req: UpdateRequest): Promise<BrokerOutcome> {
    const { businessId, actor } = req;
    if (!isIntent(req.intent)) {
      const outcome: BrokerOutcome = {
        status: 'unsupported',
        intent: String(req.intent),
        message: `The update broker does not support intent "${String(req.intent)}". Supported: ${INTENTS.join(', ')}.`,
        supported_intents: [...INTENTS],
      };
      await db.forBusiness(businessId, (tx) => audit(tx, businessId, actor, 'update.unsupported', 'unsupported', { intent: String(req.intent).slice(0, 100), source: req.source }));
      return outcome;
    }
    const intent = req.intent;
    requireIntentScope(actor, intent);
    const handler = HANDLERS[intent];
    const parsed = handler.parse(req.payload);
    const envelope = parseAuthority(req.authority);
    const action = `update.${intent}`;

    if (!parsed.complete) {
      await db.forBusiness(businessId, (tx) => audit(tx, businessId, actor, action, 'needs_user_input', { missing_fields: parsed.missing, source: req.source }));
      return {
        status: 'needs_user_input',
        intent,
        message: `Ask the user for: ${parsed.missing.join(', ')}.`,
        missing_fields: parsed.missing,
      };
    }

    return db.forBusiness(businessId, async (tx): Promise<BrokerOutcome> => {
      const repo = createUpdatesRepository(tx, businessId);
      const { pinned, ...planned } = await handler.plan(repo, parsed.payload);
      const plan = publicPlan(planned);
      const highImpact = plan.high_impact_fields.length > 0;

      let authority: Extract<AuthorityVerdict, { ok: true }> | null = null;
      if (envelope) {
        const verdict = await verifyAuthority(tx, businessId, actor, envelope);
        if (!verdict.ok) {
          await audit(tx, businessId, actor, action, 'denied', auditDetails(plan, { reason: verdict.reason, source: req.source }));
          return { status: 'denied', intent, message: `Denied: ${verdict.reason}`, reason: verdict.reason };
        }
        authority = verdict;
      } else if (highImpact && actor.kind === 'user') {
        // A signed-in admin acting in the dashboard is their own authority.
        const verdict = await verifyAuthority(tx, businessId, actor, { user_id: actor.userId, statement: 'Changed in the dashboard' });
        if (verdict.ok) authority = verdict;
      }

      const route: 'executed' | 'needs_approval' | 'pending_approval' = !highImpact || authority ? 'executed' : req.queueForApproval ? 'pending_approval' : 'needs_approval';

      if (req.dryRun) {
        await audit(tx, businessId, actor, action, 'dry_run', auditDetails(plan, { would: route, source: req.source }));
        return { status: 'dry_run', intent, would: route, plan, message: `Dry run, nothing changed. ${plan.summary}: a real request would ${WOULD[route]}.` };
      }

      if (route === 'needs_approval') {
        await audit(tx, businessId, actor, action, 'needs_approval', auditDetails(plan, { source: req.source }));
        return {
          status: 'needs_approval',
          intent,
          plan,
          message:
            `${plan.summary}: ${plan.high_impact_fields.join(', ')} ${plan.high_impact_fields.length > 1 ? 'are' : 'is'} high-impact. ` +
            'Repeat the request with `authority` from an admin or owner of the business (their email and their own statement), ' +
            'or with queue_for_approval: true to send it to the dashboard for sign-off.',
        };
      }

      if (route === 'pending_approval') {
        const approval = await repo.insertApproval({
          intent,
          payload: pinned as Record<string, unknown>,
          summary: plan.summary,
          requestedBy: { ...auditActor(actor), label: actorLabel(actor), source: req.source },
        });
        await audit(tx, businessId, actor, action, 'pending_approval', auditDetails(plan, { approval_id: approval.id, source: req.source }));
        return {
          status: 'pending_approval',
          intent,
          approval_id: approval.id,
          plan,
          message: `${plan.summary}: queued for approval by an admin in the dashboard (approval ${approval.id}).`,
        };
      }

      const change = await handler.apply(repo, parsed.payload, { actor, source: req.source, approvalId: null, authority });
      await audit(tx, businessId, actor, action, 'executed', auditDetails(change, { source: req.source, authorized_by: authority?.userId ?? null }));
      return { status: 'executed', intent, change, message: change.summary };
    });
  }

  return {
    request,
    /** See decideApproval below: the dashboard's approve / deny. */
    decideApproval: (input: DecideApprovalInput) => decideApproval(db, input),
    /** Approvals of a business, newest first (for the dashboard). */
    listApprovals: (input: { businessId: string; status?: ApprovalView['status']; limit?: number; offset?: number }) =>
      db.forBusiness(input.businessId, async (tx) =>
        (await createUpdatesRepository(tx, input.businessId).listApprovals({ status: input.status, limit: input.limit ?? 50, offset: input.offset ?? 0 })).map(toApprovalView),
      ),
    getApproval: (input: { businessId: string; approvalId: string }) =>
      db.forBusiness(input.businessId, async (tx) => {
        const approval = isUuid(input.approvalId) ? await createUpdatesRepository(tx, input.businessId).approval(input.approvalId) : undefined;
        if (!approval) throw notFound('Approval');
        return toApprovalView(approval);
      }),
    /** Decided approvals, newest first (the dashboard's history). */
    listDecidedApprovals: (input: { businessId: string; limit?: number; offset?: number }) =>
      db.forBusiness(input.businessId, async (tx) =>
        (await createUpdatesRepository(tx, input.businessId).listDecided({ limit: input.limit ?? 50, offset: input.offset ?? 0 })).map(toApprovalView),
      ),
    previewApproval: (input: { businessId: string; approvalId: string }) => previewApproval(db, input),
  };
}

export type UpdateBroker = ReturnType<typeof createUpdateBroker>;

export interface ApprovalPreview {
  approval: ApprovalView;
  /** For a pending approval: what approving it now would change, against the live configuration. */
  plan: UpdatePlan | null;
  /** Why approving it now would fail (the target is gone, or changed since it was reviewed), or null. */
  problem: string | null;
}

/** An approval with, while it is pending, the plan it would apply now: the reviewer sees the real diff. */
async function previewApproval(db: Db, input: { businessId: string; approvalId: string }): Promise<ApprovalPreview> {
  return db.forBusiness(input.businessId, async (tx) => {
    const repo = createUpdatesRepository(tx, input.businessId);
    const approval = isUuid(input.approvalId) ? await repo.approval(input.approvalId) : undefined;
    if (!approval) throw notFound('Approval');
    const view = toApprovalView(approval);
    if (approval.status !== 'pending') return { approval: view, plan: null, problem: null };
    if (!isIntent(approval.intent)) return { approval: view, plan: null, problem: `Intent ${approval.intent} is no longer supported.` };
    const parsed = HANDLERS[approval.intent].parse(approval.payload);
    if (!parsed.complete) return { approval: view, plan: null, problem: 'The stored request is incomplete.' };
    try {
      const { pinned, ...planned } = await HANDLERS[approval.intent].plan(repo, parsed.payload);
      const plan = publicPlan(planned);
      // A queued agent change applies to the version it was requested against (see agentPatch.apply).
      const expected = (pinned as { expected_version?: unknown }).expected_version;
      const current = plan.target.version;
      const stale = typeof expected === 'number' && typeof current === 'number' && expected !== current;
      return {
        approval: view,
        plan,
        problem: stale ? `The agent changed since this was requested (version ${expected}, now ${current}): approving will fail; ask for the change again.` : null,
      };
    } catch (err) {
      if (err instanceof AppError) return { approval: view, plan: null, problem: err.message };
      throw err;
    }
  });
}

/** Refuses a token or key without the intent's scope (the MCP layer checks first; this is the second lock). */
function requireIntentScope(actor: Actor, intent: Intent): void {
  if (actor.kind !== 'oauth' && actor.kind !== 'api_key') return;
  const scope = INTENT_SCOPES[intent];
  if (!actor.scopes.includes(scope)) throw new AppError('missing_scope', `Missing required scope: ${scope} (needed for intent ${intent})`, { scopes: [scope] });
}

// ── Approvals ───────────────────────────────────────────────────────────────────────────────────

export interface DecideApprovalInput {
  approvalId: string;
  businessId: string;
  /** The signed-in dashboard user deciding; must be an admin or owner of the business. */
  deciderUserId: string;
  decision: 'approve' | 'deny';
  reason?: string | null;
}

export interface ApprovalView {
  id: string;
  intent: string;
  summary: string;
  status: 'pending' | 'approved' | 'denied' | 'executed' | 'failed';
  payload: Record<string, unknown>;
  requested_by: Record<string, unknown>;
  decided_by: string | null;
  decided_at: string | null;
  decision_reason: string | null;
  result: Record<string, unknown> | null;
  created_at: string;
}

function toApprovalView(a: Approval): ApprovalView {
  return {
    id: a.id,
    intent: a.intent,
    summary: a.summary,
    status: a.status,
    payload: a.payload,
    requested_by: a.requestedBy,
    decided_by: a.decidedBy,
    decided_at: a.decidedAt?.toISOString() ?? null,
    decision_reason: a.decisionReason,
    result: a.result,
    created_at: a.createdAt.toISOString(),
  };
}

/**
 * Approves (executes) or denies a pending approval. The approval row is locked for the decision,
 * so concurrent approvals execute the change once: the others find it decided and get `conflict`.
 * An approved change that can no longer apply (the agent changed, the number is gone) is recorded
 * as `failed` with the reason, and returned — the decision itself still happened.
 */
export async function decideApproval(db: Db, input: DecideApprovalInput): Promise<ApprovalView> {
  const { businessId, approvalId, deciderUserId } = input;
  if (!isUuid(approvalId)) throw notFound('Approval');
  const decider: Actor = { kind: 'user', userId: deciderUserId };
  const reason = input.reason?.trim() ? input.reason.trim().slice(0, 2000) : null;
  try {
    return await db.forBusiness(businessId, async (tx) => {
      const repo = createUpdatesRepository(tx, businessId);
      const auditLog = createAuditRepository(tx);
      const role = await repo.memberRole(deciderUserId);
      if (role !== 'owner' && role !== 'admin') throw new AppError('forbidden', 'Only an admin or owner of this business can decide approvals.', { required_role: 'admin' });
      const approval = await repo.approval(approvalId, { lock: true });
      if (!approval) throw notFound('Approval');
      if (approval.status !== 'pending') throw new AppError('conflict', `This approval was already decided (${approval.status}).`, { status: approval.status });
      const base = { businessId, ...auditActor(decider) };

      if (input.decision === 'deny') {
        const denied = await repo.decideApproval(approvalId, { status: 'denied', decidedBy: deciderUserId, reason, result: null });
        await auditLog.append({ ...base, action: 'approval.denied', outcome: 'denied', details: { approval_id: approvalId, intent: approval.intent } });
        return toApprovalView(denied!);
      }
      if (!isIntent(approval.intent)) throw new AppError('conflict', `Approval intent ${approval.intent} is no longer supported.`);
      const handler = HANDLERS[approval.intent];
      const parsed = handler.parse(approval.payload);
      if (!parsed.complete) throw new AppError('conflict', 'The stored approval payload is incomplete.');
      const requestedSource = typeof approval.requestedBy.source === 'string' ? approval.requestedBy.source : 'approval';
      let change: AppliedChange;
      try {
        change = await handler.apply(repo, parsed.payload, { actor: decider, source: `${requestedSource} (approved)`, approvalId, authority: null });
      } catch (err) {
        throw err instanceof AppError ? new ApplyFailed(err) : err;
      }
      const executed = await repo.decideApproval(approvalId, { status: 'executed', decidedBy: deciderUserId, reason, result: change as unknown as Record<string, unknown> });
      await auditLog.append({
        ...base,
        action: 'approval.approved',
        outcome: 'executed',
        details: { approval_id: approvalId, intent: approval.intent, fields: Object.keys(change.changes) },
      });
      return toApprovalView(executed!);
    });
  } catch (thrown) {
    // Only a change that could not apply is recorded as failed; refusals of the decision itself
    // (not found, not an admin, already decided) leave the approval as it was.
    if (!(thrown instanceof ApplyFailed)) throw thrown;
    const err = thrown.error;
    return db.forBusiness(businessId, async (tx) => {
      const repo = createUpdatesRepository(tx, businessId);
      const failed = await repo.decideApproval(approvalId, { status: 'failed', decidedBy: deciderUserId, reason, result: { error: err.code, message: err.message } });
      if (!failed) throw err;
      await createAuditRepository(tx).append({
        businessId,
        ...auditActor(decider),
        action: 'approval.approved',
        outcome: 'failed',
        errorCode: err.code,
        details: { approval_id: approvalId, intent: failed.intent },
      });
      return toApprovalView(failed);
    });
  }
}

/** An approved change that could not apply (as opposed to a refusal of the decision itself). */
class ApplyFailed extends Error {
  constructor(readonly error: AppError) {
    super(error.message);
    this.name = 'ApplyFailed';
  }
}
