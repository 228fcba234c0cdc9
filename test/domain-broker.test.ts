// The governed update broker against a real database: every outcome, per-intent validation,
// authority checked against memberships, approvals decided once, versions and change history.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgentConfigService } from '../src/domain/updates/agent-config.service.js';
import { createUpdateBroker, decideApproval, type BrokerOutcome, type UpdateBroker } from '../src/domain/updates/broker.service.js';
import { editRulesSection } from '../src/domain/updates/business-rules.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { createTenant, keyActor, oauthActor, type Tenant } from './helpers/domain-fixtures.js';

let t: TestDatabase;
let a: Tenant;
let b: Tenant;
let broker: UpdateBroker;

beforeAll(async () => {
  t = await createTestDatabase();
  a = await createTenant(t.db, 'broker-a');
  b = await createTenant(t.db, 'broker-b');
  broker = createUpdateBroker({ db: t.db });
});
afterAll(async () => t?.close());

const agentRow = (id: string) => t.db.kysely.selectFrom('agents').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const versions = (agentId: string) => t.db.kysely.selectFrom('agent_config_versions').selectAll().where('agent_id', '=', agentId).orderBy('version').execute();
const changes = (agentId: string) => t.db.kysely.selectFrom('agent_config_changes').selectAll().where('agent_id', '=', agentId).orderBy('to_version').execute();
const ownerAuthority = (tenant: Tenant) => ({ user_email: tenant.owner.email, statement: 'I am the owner and I approve this change.' });

async function freshAgent(tenant: Tenant, name = 'agent'): Promise<string> {
  const row = await t.db.kysely
    .insertInto('agents')
    .values({ business_id: tenant.businessId, name, voice: 'alloy', model: 'gpt-4o', inbound_prompt: 'Be kind.' })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

const patch = (tenant: Tenant, payload: unknown, extra: Partial<Parameters<UpdateBroker['request']>[0]> = {}) =>
  broker.request({ businessId: tenant.businessId, actor: keyActor(tenant.keys.owner), intent: 'agent.patch', payload, source: 'request_kaicalls_update', ...extra });

function expectStatus<S extends BrokerOutcome['status']>(outcome: BrokerOutcome, status: S): asserts outcome is Extract<BrokerOutcome, { status: S }> {
  expect(outcome.status).toBe(status);
}

describe('the six outcomes (and dry run)', () => {
  it('unsupported: an intent the broker does not know', async () => {
    const outcome = await broker.request({ businessId: a.businessId, actor: keyActor(a.keys.owner), intent: 'phone.port_number', payload: {}, source: 'request_kaicalls_update' });
    expectStatus(outcome, 'unsupported');
    expect(outcome.supported_intents).toEqual(['agent.patch', 'phone.emergency_address.set', 'transcripts.sink.configure']);
  });

  it('needs_user_input: names every missing field', async () => {
    const outcome = await patch(a, {});
    expectStatus(outcome, 'needs_user_input');
    expect(outcome.missing_fields).toEqual(['agent_id', 'changes']);
    const address = await broker.request({
      businessId: a.businessId,
      actor: keyActor(a.keys.owner),
      intent: 'phone.emergency_address.set',
      payload: { phone_number: a.agentNumber, address: { street: '1 Main St', city: ' ' } },
      source: 'request_kaicalls_update',
    });
    expectStatus(address, 'needs_user_input');
    expect(address.missing_fields).toEqual(['address.city', 'address.region', 'address.postal_code', 'address.country']);
  });

  it('executed: a low-impact change applies at once, with a version snapshot and a change-history row', async () => {
    const agentId = await freshAgent(a);
    const outcome = await patch(a, { agent_id: agentId, changes: { model: 'gpt-4.1', max_call_duration_seconds: 900 } });
    expectStatus(outcome, 'executed');
    expect(outcome.change.version).toEqual({ from: 1, to: 2 });
    expect(outcome.change.changes).toEqual({ model: { from: 'gpt-4o', to: 'gpt-4.1' }, max_call_duration_seconds: { from: 600, to: 900 } });
    expect(await agentRow(agentId)).toMatchObject({ model: 'gpt-4.1', max_call_duration_seconds: 900, config_version: 2 });
    const v = await versions(agentId);
    expect(v.map((r) => [r.version, r.created_by])).toEqual([
      [1, 'system:baseline'],
      [2, `api_key:${a.keys.owner}`],
    ]);
    expect((v[0]!.config as { model: string }).model).toBe('gpt-4o');
    const c = await changes(agentId);
    expect(c).toHaveLength(1);
    expect(c[0]).toMatchObject({ from_version: 1, to_version: 2, source: 'request_kaicalls_update', actor: `api_key:${a.keys.owner}`, approval_id: null });
  });

  it('needs_approval: a high-impact change without authority changes nothing', async () => {
    const agentId = await freshAgent(a);
    const outcome = await patch(a, { agent_id: agentId, changes: { voice: 'verse', model: 'gpt-4.1' } });
    expectStatus(outcome, 'needs_approval');
    expect(outcome.plan.high_impact_fields).toEqual(['voice']);
    expect(outcome.message).toMatch(/authority/);
    expect(await agentRow(agentId)).toMatchObject({ voice: 'alloy', model: 'gpt-4o', config_version: 1 });
    expect(await versions(agentId)).toEqual([]);
  });

  it('pending_approval: queued for the dashboard, with an approval id, nothing changed yet', async () => {
    const agentId = await freshAgent(a);
    const outcome = await patch(a, { agent_id: agentId, changes: { inbound_prompt: 'New prompt' } }, { queueForApproval: true });
    expectStatus(outcome, 'pending_approval');
    const approval = await t.db.kysely.selectFrom('approvals').selectAll().where('id', '=', outcome.approval_id).executeTakeFirstOrThrow();
    expect(approval).toMatchObject({ business_id: a.businessId, intent: 'agent.patch', status: 'pending' });
    expect(approval.payload).toMatchObject({ agent_id: agentId, expected_version: 1 });
    expect(approval.requested_by).toMatchObject({ actorKind: 'api_key', actorId: a.keys.owner, source: 'request_kaicalls_update' });
    expect((await agentRow(agentId)).inbound_prompt).toBe('Be kind.');
  });

  it('executed with authority from the acting admin/owner; the change history names who vouched', async () => {
    const agentId = await freshAgent(a);
    const outcome = await patch(a, { agent_id: agentId, changes: { voice: 'verse' } }, { authority: ownerAuthority(a) });
    expectStatus(outcome, 'executed');
    expect(outcome.change.authorized_by).toMatchObject({ user_id: a.owner.id, role: 'owner' });
    expect((await agentRow(agentId)).voice).toBe('verse');
    expect((await changes(agentId))[0]!.actor).toBe(`api_key:${a.keys.owner} (authority user:${a.owner.id})`);
    // An OAuth admin vouching for themselves.
    const viaOauth = await patch(
      a,
      { agent_id: agentId, changes: { voice: 'coral' } },
      { actor: oauthActor(a.admin.id), authority: { user_id: a.admin.id, statement: 'Switch to the coral voice, please.' } },
    );
    expectStatus(viaOauth, 'executed');
  });

  it('denied: authority from someone who is not an admin, or not the acting person', async () => {
    const agentId = await freshAgent(a);
    const byMember = await patch(
      a,
      { agent_id: agentId, changes: { voice: 'verse' } },
      { actor: oauthActor(a.member.id), authority: { user_email: a.member.email, statement: 'I say so, as a member.' } },
    );
    expectStatus(byMember, 'denied');
    expect(byMember.reason).toMatch(/is a member/);
    // An API key issued by a member cannot borrow the owner's name.
    const borrowed = await patch(a, { agent_id: agentId, changes: { voice: 'verse' } }, { actor: keyActor(a.keys.member), authority: ownerAuthority(a) });
    expectStatus(borrowed, 'denied');
    expect(borrowed.reason).toMatch(/API key's issuer/);
    // A key nobody issued can vouch for no one.
    const orphan = await patch(a, { agent_id: agentId, changes: { voice: 'verse' } }, { actor: keyActor(a.keys.orphan), authority: ownerAuthority(a) });
    expectStatus(orphan, 'denied');
    // Someone of another business.
    const foreign = await patch(a, { agent_id: agentId, changes: { voice: 'verse' } }, { authority: ownerAuthority(b) });
    expectStatus(foreign, 'denied');
    expect((await agentRow(agentId)).voice).toBe('alloy');
  });

  it('dry run: returns the plan and what would happen, changes nothing', async () => {
    const agentId = await freshAgent(a);
    const high = await patch(a, { agent_id: agentId, changes: { voice: 'verse' } }, { dryRun: true });
    expectStatus(high, 'dry_run');
    expect(high.would).toBe('needs_approval');
    expect(high.plan.changes).toEqual({ voice: { from: 'alloy', to: 'verse' } });
    const queued = await patch(a, { agent_id: agentId, changes: { voice: 'verse' } }, { dryRun: true, queueForApproval: true });
    expectStatus(queued, 'dry_run');
    expect(queued.would).toBe('pending_approval');
    const low = await patch(a, { agent_id: agentId, changes: { model: 'x' } }, { dryRun: true });
    expectStatus(low, 'dry_run');
    expect(low.would).toBe('executed');
    expect(await agentRow(agentId)).toMatchObject({ voice: 'alloy', model: 'gpt-4o', config_version: 1 });
    const approvals = await t.db.kysely.selectFrom('approvals').select('payload').execute();
    expect(approvals.filter((r) => r.payload.agent_id === agentId)).toEqual([]);
  });

  it('audits every answer', async () => {
    const rows = await t.db.kysely.selectFrom('audit_log').select(['action', 'outcome']).where('business_id', '=', a.businessId).where('action', 'like', 'update.%').execute();
    const outcomes = new Set(rows.map((r) => r.outcome));
    for (const s of ['unsupported', 'needs_user_input', 'executed', 'needs_approval', 'pending_approval', 'denied', 'dry_run']) expect(outcomes).toContain(s);
  });
});

describe('validation', () => {
  it('a wrong value is invalid_argument naming the field', async () => {
    const agentId = await freshAgent(a);
    await expect(patch(a, { agent_id: agentId, changes: { max_call_duration_seconds: 5 } })).rejects.toMatchObject({
      code: 'invalid_argument',
      details: { field: 'payload.changes.max_call_duration_seconds' },
    });
    await expect(patch(a, { agent_id: agentId, changes: { colour: 'red' } })).rejects.toMatchObject({ code: 'invalid_argument', details: { field: 'payload.changes.colour' } });
    await expect(patch(a, { agent_id: agentId, changes: { transfer_settings: { enabled: true } } })).rejects.toMatchObject({
      code: 'invalid_argument',
      details: { field: 'payload.changes.transfer_settings.number' },
    });
    await expect(patch(a, { agent_id: agentId, changes: { language: 'not a language!' } })).rejects.toMatchObject({ code: 'invalid_argument' });
    await expect(patch(a, { agent_id: 'nope', changes: { model: 'x' } })).rejects.toMatchObject({ code: 'invalid_argument', details: { field: 'payload.agent_id' } });
    await expect(patch(a, 'a string')).rejects.toMatchObject({ code: 'invalid_argument', details: { field: 'payload' } });
    await expect(patch(a, { agent_id: agentId, changes: { voice: 'x' } }, { authority: { user_email: a.owner.email, statement: 'ok' } })).rejects.toMatchObject({
      code: 'invalid_argument',
      details: { field: 'authority.statement' },
    });
  });

  it('security: each intent needs its own scope', async () => {
    const readOnly = keyActor(a.keys.owner, ['agents:read', 'agents:write']);
    await expect(
      broker.request({ businessId: a.businessId, actor: readOnly, intent: 'phone.emergency_address.set', payload: {}, source: 'request_kaicalls_update' }),
    ).rejects.toMatchObject({ code: 'missing_scope', message: expect.stringMatching(/^Missing required scope: numbers:write/) });
    await expect(
      broker.request({ businessId: a.businessId, actor: keyActor(a.keys.owner, ['calls:read']), intent: 'agent.patch', payload: {}, source: 'x' }),
    ).rejects.toMatchObject({ code: 'missing_scope', details: { scopes: ['agents:write'] } });
  });

  it('security: an agent of another business is not found', async () => {
    await expect(patch(a, { agent_id: b.agentId, changes: { model: 'x' } })).rejects.toMatchObject({ code: 'not_found' });
    expect((await agentRow(b.agentId)).model).toBe('gpt-4o');
  });
});

describe('approvals', () => {
  async function queued(tenant: Tenant, agentId: string, voice: string): Promise<string> {
    const outcome = await patch(tenant, { agent_id: agentId, changes: { voice } }, { queueForApproval: true });
    expectStatus(outcome, 'pending_approval');
    return outcome.approval_id;
  }

  it('approving executes the change once, even when approved many times at once', async () => {
    const agentId = await freshAgent(a);
    const approvalId = await queued(a, agentId, 'verse');
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => decideApproval(t.db, { approvalId, businessId: a.businessId, deciderUserId: i % 2 ? a.admin.id : a.owner.id, decision: 'approve' })),
    );
    const ok = results.filter((r) => r.status === 'fulfilled');
    expect(ok).toHaveLength(1);
    for (const r of results.filter((r) => r.status === 'rejected')) expect((r as PromiseRejectedResult).reason).toMatchObject({ code: 'conflict' });
    expect((ok[0] as PromiseFulfilledResult<{ status: string }>).value.status).toBe('executed');
    expect(await agentRow(agentId)).toMatchObject({ voice: 'verse', config_version: 2 });
    const c = await changes(agentId);
    expect(c).toHaveLength(1);
    expect(c[0]).toMatchObject({ approval_id: approvalId, source: 'request_kaicalls_update (approved)' });
    const audit = await t.db.kysely.selectFrom('audit_log').selectAll().where('action', '=', 'approval.approved').execute();
    expect(audit.filter((r) => (r.details as { approval_id: string }).approval_id === approvalId)).toHaveLength(1);
  });

  it('denying records the decision and changes nothing', async () => {
    const agentId = await freshAgent(a);
    const approvalId = await queued(a, agentId, 'verse');
    const view = await broker.decideApproval({ approvalId, businessId: a.businessId, deciderUserId: a.admin.id, decision: 'deny', reason: 'Not now' });
    expect(view).toMatchObject({ status: 'denied', decided_by: a.admin.id, decision_reason: 'Not now' });
    expect((await agentRow(agentId)).voice).toBe('alloy');
    await expect(broker.decideApproval({ approvalId, businessId: a.businessId, deciderUserId: a.admin.id, decision: 'approve' })).rejects.toMatchObject({ code: 'conflict' });
  });

  it('security: only an admin or owner of the same business can decide', async () => {
    const agentId = await freshAgent(a);
    const approvalId = await queued(a, agentId, 'verse');
    await expect(decideApproval(t.db, { approvalId, businessId: a.businessId, deciderUserId: a.member.id, decision: 'approve' })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(decideApproval(t.db, { approvalId, businessId: a.businessId, deciderUserId: b.owner.id, decision: 'approve' })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(decideApproval(t.db, { approvalId, businessId: b.businessId, deciderUserId: b.owner.id, decision: 'approve' })).rejects.toMatchObject({ code: 'not_found' });
    expect((await broker.getApproval({ businessId: a.businessId, approvalId })).status).toBe('pending');
  });

  it('an approval whose agent changed meanwhile fails safely, with the reason', async () => {
    const agentId = await freshAgent(a);
    const approvalId = await queued(a, agentId, 'verse');
    expectStatus(await patch(a, { agent_id: agentId, changes: { model: 'gpt-4.1' } }), 'executed');
    const view = await decideApproval(t.db, { approvalId, businessId: a.businessId, deciderUserId: a.owner.id, decision: 'approve' });
    expect(view.status).toBe('failed');
    expect(view.result).toMatchObject({ error: 'conflict' });
    expect((await agentRow(agentId)).voice).toBe('alloy');
  });

  it('lists approvals newest first, filtered by status', async () => {
    const pending = await broker.listApprovals({ businessId: a.businessId, status: 'pending' });
    expect(pending.length).toBeGreaterThan(0);
    expect(pending.every((p) => p.status === 'pending')).toBe(true);
    expect(await broker.listApprovals({ businessId: b.businessId })).toEqual([]);
  });
});

describe('agent versions: restore and business rules', () => {
  it('restores an earlier version as a new version, through the broker', async () => {
    const agentId = await freshAgent(a);
    const service = createAgentConfigService({ db: t.db, broker });
    expectStatus(await patch(a, { agent_id: agentId, changes: { voice: 'verse', first_message: 'Hi!' } }, { authority: ownerAuthority(a) }), 'executed');
    expectStatus(await patch(a, { agent_id: agentId, changes: { model: 'gpt-4.1' } }), 'executed');
    const needs = await service.restoreAgentVersion({ businessId: a.businessId, actor: keyActor(a.keys.owner), agentId, version: 1 });
    expectStatus(needs, 'needs_approval');
    const restored = await service.restoreAgentVersion({ businessId: a.businessId, actor: keyActor(a.keys.owner), agentId, version: 1, authority: ownerAuthority(a) });
    expectStatus(restored, 'executed');
    expect(restored.change.version).toEqual({ from: 3, to: 4 });
    expect(await agentRow(agentId)).toMatchObject({ voice: 'alloy', first_message: '', model: 'gpt-4o', config_version: 4 });
    expect((await changes(agentId)).at(-1)!.source).toBe('restore:v1');
    expect((await service.listVersions({ businessId: a.businessId, agentId })).map((v) => v.version)).toEqual([4, 3, 2, 1]);
    await expect(service.restoreAgentVersion({ businessId: a.businessId, actor: keyActor(a.keys.owner), agentId, version: 99 })).rejects.toMatchObject({ code: 'not_found' });
    await expect(service.restoreAgentVersion({ businessId: b.businessId, actor: keyActor(b.keys.owner), agentId, version: 1 })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('adds, replaces and appends a named rules section, governed like any prompt change', async () => {
    const agentId = await freshAgent(a);
    const service = createAgentConfigService({ db: t.db, broker });
    const base = { businessId: a.businessId, actor: keyActor(a.keys.owner), agentId, sectionTitle: 'After-hours handoffs' };
    const plan = await service.configureBusinessRules({ ...base, rules: 'Send emergencies to the on-call line.', dryRun: true });
    expectStatus(plan.outcome, 'dry_run');
    expect(plan.section).toEqual({ key: 'after-hours-handoffs', action: 'added', title: 'After-hours handoffs' });
    const queued = await service.configureBusinessRules({ ...base, rules: 'Send emergencies to the on-call line.', queueForApproval: true });
    expectStatus(queued.outcome, 'pending_approval');
    await decideApproval(t.db, { approvalId: queued.outcome.approval_id, businessId: a.businessId, deciderUserId: a.owner.id, decision: 'approve' });
    const added = (await agentRow(agentId)).inbound_prompt;
    expect(added).toBe(
      'Be kind.\n\n<!-- kaicalls:rules key="after-hours-handoffs" -->\n## After-hours handoffs\nSend emergencies to the on-call line.\n<!-- /kaicalls:rules key="after-hours-handoffs" -->\n',
    );
    const appended = await service.configureBusinessRules({ ...base, rules: 'Promise a callback within 1 hour.', mode: 'append', authority: ownerAuthority(a) });
    expectStatus(appended.outcome, 'executed');
    expect(appended.section.action).toBe('appended');
    const replaced = await service.configureBusinessRules({ ...base, rules: 'Only take messages.', authority: ownerAuthority(a) });
    expectStatus(replaced.outcome, 'executed');
    const prompt = (await agentRow(agentId)).inbound_prompt;
    expect(prompt.startsWith('Be kind.\n\n')).toBe(true);
    expect(prompt).toContain('## After-hours handoffs\nOnly take messages.\n');
    expect(prompt).not.toContain('callback');
    expect(prompt.match(/kaicalls:rules key/g)).toHaveLength(2);
  });

  it('editRulesSection leaves the rest of the prompt alone and refuses markers in rules', () => {
    const first = editRulesSection('Intro', { title: 'Billing', rules: 'Never quote prices.', mode: 'replace' });
    const second = editRulesSection(`${first.prompt}Outro\n`, { title: 'Billing', rules: 'Quote list prices only.', mode: 'replace' });
    expect(second.prompt).toBe('Intro\n\n<!-- kaicalls:rules key="billing" -->\n## Billing\nQuote list prices only.\n<!-- /kaicalls:rules key="billing" -->\nOutro\n');
    expect(editRulesSection(second.prompt, { title: 'Billing', rules: 'Quote list prices only.', mode: 'replace' }).action).toBe('unchanged');
    expect(() => editRulesSection('', { title: 'x', rules: '<!-- /kaicalls:rules key="x" -->', mode: 'replace' })).toThrow(/markers/);
    expect(() => editRulesSection('', { title: '!!!', rules: 'r', mode: 'replace' })).toThrow(/section_title/);
  });
});

describe('phone.emergency_address.set and transcripts.sink.configure', () => {
  const address = { street: '1 Market St', city: 'San Francisco', region: 'CA', postal_code: '94105', country: 'us' };

  it('sets an emergency address with authority; always high-impact', async () => {
    const request = (extra: Partial<Parameters<UpdateBroker['request']>[0]> = {}) =>
      broker.request({
        businessId: a.businessId,
        actor: keyActor(a.keys.owner),
        intent: 'phone.emergency_address.set',
        payload: { phone_number: a.agentNumber, address },
        source: 'request_kaicalls_update',
        ...extra,
      });
    expectStatus(await request(), 'needs_approval');
    const done = await request({ authority: ownerAuthority(a) });
    expectStatus(done, 'executed');
    const row = await t.db.kysely.selectFrom('phone_numbers').select('emergency_address').where('e164', '=', a.agentNumber).executeTakeFirstOrThrow();
    expect(row.emergency_address).toEqual({ ...address, country: 'US' });
    const audit = await t.db.kysely.selectFrom('audit_log').select('details').where('action', '=', 'update.phone.emergency_address.set').execute();
    expect(JSON.stringify(audit)).not.toContain(a.agentNumber);
  });

  it('security: a number of another business is not found; a bad country is named', async () => {
    await expect(
      broker.request({
        businessId: a.businessId,
        actor: keyActor(a.keys.owner),
        intent: 'phone.emergency_address.set',
        payload: { phone_number: b.agentNumber, address },
        source: 'x',
        authority: ownerAuthority(a),
      }),
    ).rejects.toMatchObject({ code: 'not_found' });
    await expect(
      broker.request({
        businessId: a.businessId,
        actor: keyActor(a.keys.owner),
        intent: 'phone.emergency_address.set',
        payload: { phone_number: a.agentNumber, address: { ...address, country: 'XX' } },
        source: 'x',
      }),
    ).rejects.toMatchObject({ code: 'invalid_argument', details: { field: 'payload.address.country' } });
  });

  it('configures the transcript sink: public https only; turning delivery off needs no authority', async () => {
    const sink = (payload: unknown, extra: Partial<Parameters<UpdateBroker['request']>[0]> = {}) =>
      broker.request({ businessId: a.businessId, actor: keyActor(a.keys.owner), intent: 'transcripts.sink.configure', payload, source: 'request_kaicalls_update', ...extra });
    for (const url of ['http://example.com/hook', 'https://127.0.0.1/hook', 'https://10.1.2.3/x', 'https://localhost/x', 'https://user:pw@example.com/x', 'https://[::1]/x']) {
      await expect(sink({ url })).rejects.toMatchObject({ code: 'invalid_argument', details: { field: 'payload.url' } });
    }
    expectStatus(await sink({}), 'needs_user_input');
    expectStatus(await sink({ url: 'https://hooks.example.com/transcripts' }), 'needs_approval');
    const on = await sink({ url: 'https://hooks.example.com/transcripts', include_recordings: true }, { authority: ownerAuthority(a) });
    expectStatus(on, 'executed');
    expect(await t.db.kysely.selectFrom('transcript_sinks').selectAll().where('business_id', '=', a.businessId).executeTakeFirstOrThrow()).toMatchObject({
      url: 'https://hooks.example.com/transcripts',
      enabled: true,
      include_recordings: true,
    });
    const off = await sink({ enabled: false });
    expectStatus(off, 'executed');
    expect(off.change.changes).toEqual({ enabled: { from: true, to: false } });
    // Another business has no sink.
    expect(await t.db.kysely.selectFrom('transcript_sinks').selectAll().where('business_id', '=', b.businessId).execute()).toEqual([]);
  });
});
