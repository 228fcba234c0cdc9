// Approvals as the dashboard reviews them, against a real database: pending first then history,
// requesters named, the live diff and its risk, a denial needing a reason, and a change decided by
// two admins at the same moment executing exactly once (the other admin is shown the outcome).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApprovalsService, type ApprovalsService } from '../src/domain/updates/approvals.service.js';
import { createUpdateBroker, type UpdateBroker } from '../src/domain/updates/broker.service.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { createTenant, keyActor, oauthActor, type Tenant } from './helpers/domain-fixtures.js';

let t: TestDatabase;
let a: Tenant;
let b: Tenant;
let broker: UpdateBroker;
let approvals: ApprovalsService;

beforeAll(async () => {
  t = await createTestDatabase();
  a = await createTenant(t.db, 'approvals-a');
  b = await createTenant(t.db, 'approvals-b');
  broker = createUpdateBroker({ db: t.db });
  approvals = createApprovalsService({ db: t.db, broker });
});
afterAll(async () => t?.close());

let voiceCounter = 0;
/** Queues a high-impact change (the voice) of the tenant's agent, as an API key or an OAuth client would. */
async function queueVoiceChange(tenant: Tenant, actor = keyActor(tenant.keys.owner)): Promise<{ approvalId: string; voice: string }> {
  const voice = `voice-${++voiceCounter}`;
  const outcome = await broker.request({
    businessId: tenant.businessId,
    actor,
    intent: 'agent.patch',
    payload: { agent_id: tenant.agentId, changes: { voice } },
    queueForApproval: true,
    source: 'request_kaicalls_update',
  });
  if (outcome.status !== 'pending_approval') throw new Error(`expected pending_approval, got ${outcome.status}`);
  return { approvalId: outcome.approval_id, voice };
}

const agentRow = (tenant: Tenant) => t.db.kysely.selectFrom('agents').select(['voice', 'config_version']).where('id', '=', tenant.agentId).executeTakeFirstOrThrow();
const auditRows = (tenant: Tenant, approvalId: string) =>
  t.db.kysely
    .selectFrom('audit_log')
    .selectAll()
    .where('business_id', '=', tenant.businessId)
    .where('action', 'like', 'approval.%')
    .where(({ eb, ref }) => eb(ref('details', '->>').key('approval_id'), '=', approvalId))
    .execute();

describe('the approvals overview and detail', () => {
  it('lists pending approvals first and decided ones as history, each with who asked', async () => {
    const first = await queueVoiceChange(a);
    const second = await queueVoiceChange(a, oauthActor(a.admin.id));
    await approvals.decide({ businessId: a.businessId, approvalId: first.approvalId, userId: a.owner.id, decision: 'deny', reason: 'Not this week' });

    const overview = await approvals.overview({ businessId: a.businessId });
    expect(overview.pending.map((p) => p.id)).toContain(second.approvalId);
    expect(overview.pending.map((p) => p.id)).not.toContain(first.approvalId);
    expect(overview.pending.every((p) => p.status === 'pending')).toBe(true);
    const pending = overview.pending.find((p) => p.id === second.approvalId)!;
    expect(pending.requester).toBe(`${a.admin.email} via test-client`);
    const denied = overview.history.find((h) => h.id === first.approvalId)!;
    expect(denied).toMatchObject({ status: 'denied', requester: 'API key "owner key"', decider: a.owner.email, decision_reason: 'Not this week' });
  });

  it('shows a pending change as the diff against the live agent, with why it is high-impact', async () => {
    const { approvalId, voice } = await queueVoiceChange(a);
    const detail = await approvals.detail({ businessId: a.businessId, approvalId });
    const current = await agentRow(a);
    expect(detail.status).toBe('pending');
    expect(detail.intent).toBe('agent.patch');
    expect(detail.plan?.changes).toEqual({ voice: { from: current.voice, to: voice } });
    expect(detail.risk).toEqual({ level: 'high', reasons: ['voice: changes the voice every caller hears'] });
    expect(detail.problem).toBeNull();
  });

  it('warns when the agent changed since the request: approving would fail', async () => {
    const { approvalId } = await queueVoiceChange(a);
    const other = await queueVoiceChange(a);
    await approvals.decide({ businessId: a.businessId, approvalId: other.approvalId, userId: a.admin.id, decision: 'approve' });
    const detail = await approvals.detail({ businessId: a.businessId, approvalId });
    expect(detail.problem).toMatch(/changed since this was requested \(version \d+, now \d+\)/);
  });

  it('reads another business’s approval, or a malformed id, as not found', async () => {
    const { approvalId } = await queueVoiceChange(a);
    await expect(approvals.detail({ businessId: b.businessId, approvalId })).rejects.toMatchObject({ code: 'not_found' });
    await expect(approvals.detail({ businessId: a.businessId, approvalId: 'not-a-uuid' })).rejects.toMatchObject({ code: 'not_found' });
    await expect(approvals.decide({ businessId: b.businessId, approvalId, userId: b.owner.id, decision: 'approve' })).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('deciding', () => {
  it('approve executes the change once, audited with the deciding user as the actor', async () => {
    const { approvalId, voice } = await queueVoiceChange(a);
    const before = await agentRow(a);
    const result = await approvals.decide({ businessId: a.businessId, approvalId, userId: a.admin.id, decision: 'approve', reason: ' Looks right ' });
    expect(result.decidedNow).toBe(true);
    expect(result.approval).toMatchObject({ status: 'executed', decider: a.admin.email, decision_reason: 'Looks right' });
    expect(result.approval.plan?.changes).toEqual({ voice: { from: before.voice, to: voice } });
    expect(await agentRow(a)).toEqual({ voice, config_version: before.config_version + 1 });
    const rows = await auditRows(a, approvalId);
    expect(rows.map((r) => [r.action, r.outcome, r.actor_kind, r.actor_id])).toEqual([['approval.approved', 'executed', 'user', a.admin.id]]);
  });

  it('deny changes nothing, needs a reason, and is audited', async () => {
    const { approvalId, voice } = await queueVoiceChange(a);
    const before = await agentRow(a);
    await expect(approvals.decide({ businessId: a.businessId, approvalId, userId: a.owner.id, decision: 'deny', reason: '   ' })).rejects.toMatchObject({
      code: 'invalid_argument',
      details: { field: 'reason' },
    });
    await expect(approvals.decide({ businessId: a.businessId, approvalId, userId: a.owner.id, decision: 'deny', reason: 'x'.repeat(2001) })).rejects.toMatchObject({
      code: 'invalid_argument',
      message: expect.stringContaining('at most 2000'),
    });
    expect((await approvals.detail({ businessId: a.businessId, approvalId })).status).toBe('pending');
    const result = await approvals.decide({ businessId: a.businessId, approvalId, userId: a.owner.id, decision: 'deny', reason: 'Wrong voice' });
    expect(result).toMatchObject({ decidedNow: true, approval: { status: 'denied', decision_reason: 'Wrong voice', plan: null } });
    // Nothing was applied, so the denied approval is described by what it asked for.
    expect(result.approval.requested).toEqual({ voice });
    expect(result.approval.risk).toEqual({ level: 'high', reasons: ['voice: changes the voice every caller hears'] });
    expect(await agentRow(a)).toEqual(before);
    expect((await auditRows(a, approvalId)).map((r) => [r.action, r.outcome, r.actor_id])).toEqual([['approval.denied', 'denied', a.owner.id]]);
  });

  it('security: a plain member cannot decide (forbidden) and nothing changes', async () => {
    const { approvalId } = await queueVoiceChange(a);
    const before = await agentRow(a);
    await expect(approvals.decide({ businessId: a.businessId, approvalId, userId: a.member.id, decision: 'approve' })).rejects.toMatchObject({ code: 'forbidden' });
    expect(await agentRow(a)).toEqual(before);
    expect((await approvals.detail({ businessId: a.businessId, approvalId })).status).toBe('pending');
  });

  it('two admins approving at the same moment: it executes exactly once and the other sees the outcome', async () => {
    const { approvalId } = await queueVoiceChange(a);
    const before = await agentRow(a);
    const results = await Promise.all([
      approvals.decide({ businessId: a.businessId, approvalId, userId: a.owner.id, decision: 'approve' }),
      approvals.decide({ businessId: a.businessId, approvalId, userId: a.admin.id, decision: 'approve' }),
    ]);
    expect(results.map((r) => r.decidedNow).sort()).toEqual([false, true]);
    for (const r of results) expect(r.approval.status).toBe('executed');
    const winner = results.find((r) => r.decidedNow)!;
    const loser = results.find((r) => !r.decidedNow)!;
    expect(loser.approval.decider).toBe(winner.approval.decider);
    expect((await agentRow(a)).config_version).toBe(before.config_version + 1);
    expect(await auditRows(a, approvalId)).toHaveLength(1);
    const changes = await t.db.kysely.selectFrom('agent_config_changes').select('id').where('approval_id', '=', approvalId).execute();
    expect(changes).toHaveLength(1);
  });

  it('one admin approving while another denies: exactly one decision holds, and both see it', async () => {
    const { approvalId } = await queueVoiceChange(a);
    const before = await agentRow(a);
    const results = await Promise.all([
      approvals.decide({ businessId: a.businessId, approvalId, userId: a.owner.id, decision: 'deny', reason: 'No' }),
      approvals.decide({ businessId: a.businessId, approvalId, userId: a.admin.id, decision: 'approve' }),
    ]);
    expect(results.filter((r) => r.decidedNow)).toHaveLength(1);
    const final = results.find((r) => r.decidedNow)!.approval.status;
    for (const r of results) expect(r.approval.status).toBe(final);
    expect((await agentRow(a)).config_version).toBe(before.config_version + (final === 'executed' ? 1 : 0));
    expect(await auditRows(a, approvalId)).toHaveLength(1);
  });
});
