// The setup and governed-update tools through the real MCP SDK client: configure_staff_alerts,
// configure_textable_links, configure_agent_business_rules, update_agent_config,
// request_kaicalls_update and upsert_lead. Each succeeds on valid input with a result that matches
// its advertised output schema, refuses each kind of bad input naming the field, reads another
// business's ids as not found, and writes what it says (versions, change history, approvals, audit).
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiKey } from '../src/authz/api-keys.js';
import { findTool } from '../src/resource/tools/registry.js';
import { scopesForUpdateRequest } from '../src/resource/tools/updates/request_kaicalls_update.js';
import { SCOPES, type Scope } from '../src/scopes/index.js';
import { AppError } from '../src/shared/errors.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createTenant, type Tenant } from './helpers/domain-fixtures.js';
import { advertisedOutputSchemas, callChecked, callTool, connectClient, mintAccessToken, post, type Structured } from './helpers/mcp.js';

let t: TestApp;
let a: Tenant;
let b: Tenant;
const phones = { owner: '+14155550112', admin: '+14155550111', member: '+14155550113', otherAdmin: '+14155550199' };
const clients: Record<'owner' | 'admin' | 'member' | 'noNumbers' | 'readOnly', Client> = {} as never;
const keyIds: Record<string, string> = {};
let outputSchemas: ReadonlyMap<string, object>;
let keyCounter = 0;
const newKey = () => `key-${Date.now()}-${keyCounter++}`;

/** Calls a tool and checks the result against the advertised output schema (failures included). */
const call = (who: keyof typeof clients, name: string, args: Record<string, unknown> = {}) => callChecked(clients[who], name, args, { outputSchemas });

/** A successful call: isError falsy, schema-valid, success true. */
async function ok(who: keyof typeof clients, name: string, args: Record<string, unknown> = {}) {
  const result = await call(who, name, args);
  expect(result.isError, result.text).toBe(false);
  return result.structured;
}

/** A refused call: isError true, and the message names `field`. */
async function refused(who: keyof typeof clients, name: string, args: Record<string, unknown>, field: string | RegExp, code?: string) {
  const result = await call(who, name, args);
  expect(result.isError, `expected a refusal naming ${String(field)}`).toBe(true);
  expect(result.text).toMatch(typeof field === 'string' ? new RegExp(field.replace(/[.[\]]/g, (c) => `\\${c}`)) : field);
  if (code) expect(result.structured.error_code).toBe(code);
  return result;
}

const agentRow = (id: string) => t.app.db.kysely.selectFrom('agents').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const changeRows = (agentId: string) => t.app.db.kysely.selectFrom('agent_config_changes').selectAll().where('agent_id', '=', agentId).orderBy('to_version').execute();
const versionRows = (agentId: string) => t.app.db.kysely.selectFrom('agent_config_versions').selectAll().where('agent_id', '=', agentId).orderBy('version').execute();

async function freshAgent(tenant: Tenant, name: string): Promise<string> {
  const row = await t.app.db.kysely
    .insertInto('agents')
    .values({ business_id: tenant.businessId, name, voice: 'alloy', model: 'gpt-4o', inbound_prompt: 'You answer the phone for a dental office.' })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

beforeAll(async () => {
  t = await startTestApp({ SIMULATOR_STEP_MS: '50' });
  const k = t.app.db.kysely;
  a = await createTenant(t.app.db, 'setup-a');
  b = await createTenant(t.app.db, 'setup-b');
  for (const [id, phone] of [
    [a.owner.id, phones.owner],
    [a.admin.id, phones.admin],
    [a.member.id, phones.member],
    [b.admin.id, phones.otherAdmin],
  ] as const) {
    await k.updateTable('users').set({ phone }).where('id', '=', id).execute();
  }
  const issue = async (name: string, createdBy: string, scopes: readonly Scope[]) => {
    const { key, record } = await issueApiKey(k, { businessId: a.businessId, name, scopes, createdBy });
    keyIds[name] = record.id;
    return key;
  };
  const keys = {
    owner: await issue('owner', a.owner.id, SCOPES),
    admin: await issue('admin', a.admin.id, SCOPES),
    member: await issue('member', a.member.id, SCOPES),
    noNumbers: await issue(
      'noNumbers',
      a.owner.id,
      SCOPES.filter((s) => s !== 'numbers:write'),
    ),
    readOnly: await issue('readOnly', a.owner.id, ['agents:read', 'calls:read']),
  };
  for (const [who, key] of Object.entries(keys)) {
    clients[who as keyof typeof clients] = (await connectClient(t.mcpUrl, { headers: { authorization: `Bearer ${key}` } })).client;
  }
  outputSchemas = await advertisedOutputSchemas(clients.owner);
});

afterAll(async () => {
  for (const client of Object.values(clients)) await client?.close();
  await t?.stop();
});

describe('tools/list', () => {
  it('lists the six tools with their scopes and annotations', async () => {
    const tools = new Map((await clients.owner.listTools()).tools.map((tool) => [tool.name, tool]));
    for (const name of ['configure_staff_alerts', 'configure_textable_links', 'configure_agent_business_rules', 'update_agent_config', 'request_kaicalls_update', 'upsert_lead']) {
      const tool = tools.get(name);
      expect(tool, name).toBeDefined();
      expect(tool!.outputSchema).toBeDefined();
      expect(tool!.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true, openWorldHint: false });
    }
    for (const name of ['configure_staff_alerts', 'configure_textable_links', 'configure_agent_business_rules', 'request_kaicalls_update']) {
      expect(tools.get(name)!.annotations!.idempotentHint, name).toBe(true);
    }
    expect(tools.get('update_agent_config')!.inputSchema.required).toEqual(expect.arrayContaining(['agent_id', 'idempotency_key']));
    expect(tools.get('request_kaicalls_update')!.inputSchema.required).toEqual(expect.arrayContaining(['intent', 'idempotency_key']));
    expect(findTool('request_kaicalls_update')!.scopes).toEqual(['agents:write', 'numbers:write', 'webhooks:write']);
  });
});

// ── configure_staff_alerts ──────────────────────────────────────────────────────────────────────

describe('configure_staff_alerts', () => {
  it('saves staff recipients, flags and escalation rules, and reports current, proposed and final settings', async () => {
    const s = await ok('owner', 'configure_staff_alerts', {
      notification_phone: phones.admin,
      notification_email: a.owner.email.toUpperCase(),
      sms_notifications: true,
      email_notifications: true,
      escalation_rules: [
        { trigger: 'emergency', notify: phones.admin, channel: 'sms' },
        { trigger: 'billing question', notify: a.member.email, channel: 'email' },
      ],
    });
    expect(s.dry_run).toBe(false);
    expect(s.current_settings).toEqual({ notification_phone: null, notification_email: null, sms_notifications: false, email_notifications: false, escalation_rules: [] });
    const expected = {
      notification_phone: phones.admin,
      notification_email: a.owner.email,
      sms_notifications: true,
      email_notifications: true,
      escalation_rules: [
        { trigger: 'emergency', notify: phones.admin, channel: 'sms' },
        { trigger: 'billing question', notify: a.member.email, channel: 'email' },
      ],
    };
    expect(s.proposed_settings).toEqual(expected);
    expect(s.settings).toEqual(expected);
    expect(s.changed_fields).toEqual(['notification_phone', 'notification_email', 'sms_notifications', 'email_notifications', 'escalation_rules']);

    const row = await t.app.db.kysely.selectFrom('notification_settings').selectAll().where('business_id', '=', a.businessId).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ notification_phone: phones.admin, notification_email: a.owner.email, sms_notifications: true, email_notifications: true });
    const rules = await t.app.db.kysely
      .selectFrom('escalation_rules')
      .select(['trigger', 'notify', 'channel', 'position'])
      .where('business_id', '=', a.businessId)
      .orderBy('position')
      .execute();
    expect(rules).toEqual([
      { trigger: 'emergency', notify: phones.admin, channel: 'sms', position: 0 },
      { trigger: 'billing question', notify: a.member.email, channel: 'email', position: 1 },
    ]);

    // Idempotent: the same request again changes nothing.
    const again = await ok('owner', 'configure_staff_alerts', { notification_phone: phones.admin, escalation_rules: expected.escalation_rules });
    expect(again.changed_fields).toEqual([]);
    expect(again.settings).toEqual(expected);
  });

  it('dry_run proposes without changing anything', async () => {
    const s = await ok('owner', 'configure_staff_alerts', { notification_email: a.admin.email, escalation_rules: [], dry_run: true });
    expect(s.dry_run).toBe(true);
    expect(s.proposed_settings).toMatchObject({ notification_email: a.admin.email, escalation_rules: [] });
    expect(s.settings).toEqual(s.current_settings);
    expect(s.changed_fields).toEqual(['notification_email', 'escalation_rules']);
    const row = await t.app.db.kysely.selectFrom('notification_settings').select('notification_email').where('business_id', '=', a.businessId).executeTakeFirstOrThrow();
    expect(row.notification_email).toBe(a.owner.email);
    const rules = await t.app.db.kysely.selectFrom('escalation_rules').select('id').where('business_id', '=', a.businessId).execute();
    expect(rules).toHaveLength(2);
  });

  it('refuses each kind of bad input, naming the field', async () => {
    await refused('owner', 'configure_staff_alerts', {}, /at least one of notification_phone/, 'invalid_argument');
    await refused('owner', 'configure_staff_alerts', { notification_phone: '415-555-0111' }, 'notification_phone');
    await refused('owner', 'configure_staff_alerts', { notification_email: 'not-an-email' }, 'notification_email');
    await refused('owner', 'configure_staff_alerts', { sms_notifications: 'yes' }, 'sms_notifications');
    await refused('owner', 'configure_staff_alerts', { escalation_rules: [{ trigger: 'x', notify: phones.admin, channel: 'pager' }] }, 'channel');
    await refused('owner', 'configure_staff_alerts', { escalation_rules: [{ trigger: '  ', notify: phones.admin, channel: 'sms' }] }, 'trigger');
    await refused(
      'owner',
      'configure_staff_alerts',
      { escalation_rules: [{ trigger: 'urgent', notify: a.admin.email, channel: 'sms' }] },
      'escalation_rules[0].notify',
      'invalid_argument',
    );
    await refused(
      'owner',
      'configure_staff_alerts',
      { escalation_rules: [{ trigger: 'urgent', notify: phones.admin, channel: 'email' }] },
      'escalation_rules[0].notify',
      'invalid_argument',
    );
    await refused(
      'owner',
      'configure_staff_alerts',
      {
        escalation_rules: [
          { trigger: 'urgent', notify: phones.admin, channel: 'sms' },
          { trigger: 'Urgent', notify: phones.admin, channel: 'sms' },
        ],
      },
      'escalation_rules[1] repeats escalation_rules[0]',
      'invalid_argument',
    );
    await refused('owner', 'configure_staff_alerts', { notification_phone: null }, 'sms_notifications', 'invalid_argument');
    await refused('owner', 'configure_staff_alerts', { unknown_flag: true }, 'unknown_flag');
  });

  it('security: recipients must be staff of this business; another business id reads as not found', async () => {
    // A real, valid number that belongs to nobody here.
    const stranger = await refused('owner', 'configure_staff_alerts', { notification_phone: '+14155550177' }, 'notification_phone', 'invalid_argument');
    expect(stranger.text).toMatch(/not a staff member/);
    expect(stranger.text).not.toContain('+14155550177');
    // Staff of another business are not staff of this one.
    await refused('owner', 'configure_staff_alerts', { notification_phone: phones.otherAdmin }, 'notification_phone', 'invalid_argument');
    await refused('owner', 'configure_staff_alerts', { notification_email: b.owner.email }, 'notification_email', 'invalid_argument');
    await refused(
      'owner',
      'configure_staff_alerts',
      { escalation_rules: [{ trigger: 'emergency', notify: b.admin.email, channel: 'email' }] },
      'escalation_rules[0].notify',
      'invalid_argument',
    );
    const cross = await call('owner', 'configure_staff_alerts', { business_id: b.businessId, sms_notifications: false });
    expect(cross.structured).toEqual({ success: false, error: 'Business not found', error_code: 'not_found' });
    expect(await t.app.db.kysely.selectFrom('notification_settings').select('business_id').where('business_id', '=', b.businessId).executeTakeFirst()).toBeUndefined();
    // A member's own phone is fine: staff includes every member.
    await ok('owner', 'configure_staff_alerts', { business_id: a.businessId, escalation_rules: [{ trigger: 'callback requested', notify: phones.member, channel: 'sms' }] });
  });

  it('security: needs agents:write', async () => {
    const result = await call('readOnly', 'configure_staff_alerts', { sms_notifications: false });
    expect(result.structured).toMatchObject({ success: false, error_code: 'missing_scope' });
    expect(result.text).toMatch(/^Missing required scope: agents:write/);
  });
});

// ── configure_textable_links ────────────────────────────────────────────────────────────────────

describe('configure_textable_links', () => {
  it('creates links, then repairs them by key, with a plan per key', async () => {
    const created = await ok('owner', 'configure_textable_links', {
      links: [
        { key: 'booking', label: 'Book a visit', url: 'https://example.com/book', purpose: 'Caller wants to book' },
        { key: 'directions', label: 'Directions', url: 'https://maps.example.com/office' },
      ],
    });
    expect(created.plan).toEqual([
      { key: 'booking', action: 'create', changed_fields: [] },
      { key: 'directions', action: 'create', changed_fields: [] },
    ]);
    expect(created.links.map((l: Structured) => [l.key, l.url, l.purpose])).toEqual([
      ['booking', 'https://example.com/book', 'Caller wants to book'],
      ['directions', 'https://maps.example.com/office', null],
    ]);
    expect(created.links.every((l: Structured) => typeof l.id === 'string')).toBe(true);

    const repaired = await ok('owner', 'configure_textable_links', {
      links: [
        { key: 'booking', label: 'Book a visit', url: 'https://example.com/booking' },
        { key: 'directions', label: 'Directions', url: 'https://maps.example.com/office' },
      ],
    });
    expect(repaired.plan).toEqual([
      { key: 'booking', action: 'update', changed_fields: ['url'] },
      { key: 'directions', action: 'unchanged', changed_fields: [] },
    ]);
    // Repair keeps the id and, when purpose is omitted, the purpose.
    expect(repaired.links[0]).toMatchObject({ id: created.links[0].id, url: 'https://example.com/booking', purpose: 'Caller wants to book' });
    const rows = await t.app.db.kysely.selectFrom('business_links').select(['key', 'url']).where('business_id', '=', a.businessId).orderBy('key').execute();
    expect(rows).toEqual([
      { key: 'booking', url: 'https://example.com/booking' },
      { key: 'directions', url: 'https://maps.example.com/office' },
    ]);
  });

  it('dry_run returns the plan and creates nothing', async () => {
    const s = await ok('owner', 'configure_textable_links', { links: [{ key: 'cancel', label: 'Cancel', url: 'https://example.com/cancel' }], dry_run: true });
    expect(s).toMatchObject({ dry_run: true, plan: [{ key: 'cancel', action: 'create', changed_fields: [] }] });
    expect(s.links[0]).toMatchObject({ id: null, key: 'cancel', created_at: null });
    expect(await t.app.db.kysely.selectFrom('business_links').select('id').where('key', '=', 'cancel').executeTakeFirst()).toBeUndefined();
  });

  it('refuses each kind of bad input, naming the field', async () => {
    const link = { key: 'site', label: 'Site', url: 'https://example.com' };
    await refused('owner', 'configure_textable_links', { links: [{ ...link, url: 'http://example.com' }] }, 'url');
    await refused('owner', 'configure_textable_links', { links: [{ ...link, url: 'https://localhost:8443/x' }] }, 'url');
    await refused('owner', 'configure_textable_links', { links: [{ ...link, url: 'https://user:pw@example.com/' }] }, 'url');
    await refused('owner', 'configure_textable_links', { links: [{ ...link, key: 'Booking Link' }] }, 'key');
    await refused('owner', 'configure_textable_links', { links: [{ ...link, label: '' }] }, 'label');
    await refused('owner', 'configure_textable_links', { links: [] }, 'links');
    await refused('owner', 'configure_textable_links', { links: [link, { ...link, label: 'Again' }] }, 'links[1].key', 'invalid_argument');
    expect(await t.app.db.kysely.selectFrom('business_links').select('id').where('key', '=', 'site').executeTakeFirst()).toBeUndefined();
  });

  it('security: keys are per business; another business id reads as not found', async () => {
    await t.app.db.kysely.insertInto('business_links').values({ business_id: b.businessId, key: 'booking', label: 'Theirs', url: 'https://other.example.com/book' }).execute();
    const s = await ok('owner', 'configure_textable_links', { links: [{ key: 'booking', label: 'Book a visit', url: 'https://example.com/booking' }] });
    expect(s.plan).toEqual([{ key: 'booking', action: 'unchanged', changed_fields: [] }]);
    const theirs = await t.app.db.kysely.selectFrom('business_links').select(['label', 'url']).where('business_id', '=', b.businessId).executeTakeFirstOrThrow();
    expect(theirs).toEqual({ label: 'Theirs', url: 'https://other.example.com/book' });
    const cross = await call('owner', 'configure_textable_links', { business_id: b.businessId, links: [{ key: 'booking', label: 'Mine now', url: 'https://evil.example.com' }] });
    expect(cross.structured).toMatchObject({ success: false, error_code: 'not_found' });
  });
});

// ── configure_agent_business_rules ──────────────────────────────────────────────────────────────

describe('configure_agent_business_rules', () => {
  let agentId: string;
  beforeAll(async () => {
    agentId = await freshAgent(a, 'rules agent');
  });

  it('dry_run shows the plan and what would happen (needs_approval: the inbound prompt is high-impact)', async () => {
    const s = await ok('owner', 'configure_agent_business_rules', {
      agent_id: agentId,
      rules: 'Never promise same-day visits.',
      section_title: 'After-hours handoffs',
      dry_run: true,
    });
    expect(s).toMatchObject({
      status: 'needs_approval',
      dry_run: true,
      intent: 'agent.patch',
      section: { key: 'after-hours-handoffs', action: 'added', title: 'After-hours handoffs' },
    });
    expect(s.plan.high_impact_fields).toEqual(['inbound_prompt']);
    expect((await agentRow(agentId)).config_version).toBe(1);
  });

  it('without authority it needs approval; queued it is pending; with an admin’s authority it executes and versions the prompt', async () => {
    const base = { agent_id: agentId, rules: 'Never promise same-day visits.', section_title: 'After-hours handoffs' };
    const needs = await ok('owner', 'configure_agent_business_rules', base);
    expect(needs).toMatchObject({ status: 'needs_approval', approval_id: null, change: null });

    const queued = await ok('owner', 'configure_agent_business_rules', { ...base, queue_for_approval: true });
    expect(queued.status).toBe('pending_approval');
    const approval = await t.app.db.kysely.selectFrom('approvals').selectAll().where('id', '=', queued.approval_id).executeTakeFirstOrThrow();
    expect(approval).toMatchObject({ business_id: a.businessId, status: 'pending', intent: 'agent.patch' });

    const executed = await ok('owner', 'configure_agent_business_rules', {
      ...base,
      authority: { user_email: a.owner.email, statement: 'I own the business and approve these rules.' },
      idempotency_key: 'rules-key-0001',
    });
    expect(executed).toMatchObject({ status: 'executed', replayed: false, section: { action: 'added' } });
    expect(executed.change.version).toEqual({ from: 1, to: 2 });
    expect(executed.change.authorized_by).toMatchObject({ user_id: a.owner.id, role: 'owner' });
    const agent = await agentRow(agentId);
    expect(agent.config_version).toBe(2);
    expect(agent.inbound_prompt).toContain('<!-- kaicalls:rules key="after-hours-handoffs" -->');
    expect(agent.inbound_prompt).toContain('Never promise same-day visits.');
    expect(agent.inbound_prompt.startsWith('You answer the phone for a dental office.')).toBe(true);
    expect((await changeRows(agentId)).map((c) => [c.from_version, c.to_version, c.source])).toEqual([[1, 2, 'configure_agent_business_rules']]);

    // The same key and arguments: the first outcome, nothing applied twice.
    const replay = await ok('owner', 'configure_agent_business_rules', {
      ...base,
      authority: { user_email: a.owner.email, statement: 'I own the business and approve these rules.' },
      idempotency_key: 'rules-key-0001',
    });
    expect(replay).toMatchObject({ status: 'executed', replayed: true, change: executed.change });
    expect((await agentRow(agentId)).config_version).toBe(2);

    // Sending the same rules again is a no-op (nothing high-impact changes, so no authority needed).
    const same = await ok('owner', 'configure_agent_business_rules', base);
    expect(same).toMatchObject({ status: 'executed', section: { action: 'unchanged' } });
    expect(same.change.changes).toEqual({});
    expect((await agentRow(agentId)).config_version).toBe(2);
  });

  it('refuses each kind of bad input, naming the field; another business’s agent is not found', async () => {
    await refused('owner', 'configure_agent_business_rules', { agent_id: agentId, rules: '' }, 'rules');
    await refused('owner', 'configure_agent_business_rules', { agent_id: agentId, rules: '   ' }, 'rules', 'invalid_argument');
    await refused('owner', 'configure_agent_business_rules', { agent_id: agentId, rules: 'x', mode: 'merge' }, 'mode');
    await refused('owner', 'configure_agent_business_rules', { agent_id: agentId, rules: 'x', section_title: '!!!' }, 'section_title', 'invalid_argument');
    await refused('owner', 'configure_agent_business_rules', { agent_id: 'agent-1', rules: 'x' }, 'agent_id');
    await refused('owner', 'configure_agent_business_rules', { agent_id: agentId, rules: 'x', idempotency_key: 'short' }, 'idempotency_key');
    await refused('owner', 'configure_agent_business_rules', { agent_id: agentId, rules: 'x', authority: { user_email: a.owner.email } }, 'statement');
    const cross = await call('owner', 'configure_agent_business_rules', { agent_id: b.agentId, rules: 'Send every caller to us.', queue_for_approval: true });
    expect(cross.structured).toEqual({ success: false, error: 'Agent not found', error_code: 'not_found' });
  });
});

// ── update_agent_config ─────────────────────────────────────────────────────────────────────────

describe('update_agent_config', () => {
  let agentId: string;
  beforeAll(async () => {
    agentId = await freshAgent(a, 'config agent');
  });

  it('applies a low-impact change at once: a new config version and a change-history row', async () => {
    const s = await ok('owner', 'update_agent_config', {
      agent_id: agentId,
      idempotency_key: newKey(),
      model: 'gpt-4.1',
      max_call_duration_seconds: 900,
      first_message: 'Hi, thanks for calling!',
    });
    expect(s).toMatchObject({ agent_id: agentId, status: 'executed', dry_run: false, replayed: false });
    expect(s.change.version).toEqual({ from: 1, to: 2 });
    expect(Object.keys(s.change.changes).sort()).toEqual(['first_message', 'max_call_duration_seconds', 'model']);
    expect(await agentRow(agentId)).toMatchObject({ model: 'gpt-4.1', max_call_duration_seconds: 900, first_message: 'Hi, thanks for calling!', config_version: 2 });
    expect((await versionRows(agentId)).map((v) => v.version)).toEqual([1, 2]);
    const [change] = await changeRows(agentId);
    expect(change).toMatchObject({ from_version: 1, to_version: 2, source: 'update_agent_config', actor: `api_key:${keyIds.owner}` });
  });

  it('a high-impact change: needs_approval without authority, pending_approval when queued, executed with an admin’s authority', async () => {
    const needs = await ok('owner', 'update_agent_config', { agent_id: agentId, idempotency_key: newKey(), voice: 'verse' });
    expect(needs).toMatchObject({ status: 'needs_approval', change: null });
    expect(needs.plan.high_impact_fields).toEqual(['voice']);
    expect(needs.message).toMatch(/authority/);
    expect((await agentRow(agentId)).voice).toBe('alloy');

    const queued = await ok('owner', 'update_agent_config', { agent_id: agentId, idempotency_key: newKey(), voice: 'verse', queue_for_approval: true });
    expect(queued.status).toBe('pending_approval');
    expect(queued.approval_id).toMatch(/^[0-9a-f-]{36}$/);
    expect((await agentRow(agentId)).voice).toBe('alloy');

    const executed = await ok('admin', 'update_agent_config', {
      agent_id: agentId,
      idempotency_key: newKey(),
      voice: 'verse',
      transfer_settings: { enabled: true, number: '+14155550100', warm: true },
      authority: { user_email: a.admin.email, statement: 'As admin I approve the new voice and transfer line.' },
    });
    expect(executed.status).toBe('executed');
    expect(executed.change.authorized_by).toMatchObject({ user_id: a.admin.id, role: 'admin' });
    expect(executed.change.high_impact_fields.sort()).toEqual(['transfer_settings', 'voice']);
    expect(await agentRow(agentId)).toMatchObject({ voice: 'verse', transfer_settings: { enabled: true, number: '+14155550100', warm: true }, config_version: 3 });
    expect((await changeRows(agentId)).at(-1)).toMatchObject({ from_version: 2, to_version: 3, source: 'update_agent_config' });
  });

  it('denied: authority must come from the acting person, who must be an admin or owner', async () => {
    // A member's key borrowing the owner's name.
    const borrowed = await ok('member', 'update_agent_config', {
      agent_id: agentId,
      idempotency_key: newKey(),
      voice: 'sage',
      authority: { user_email: a.owner.email, statement: 'The owner said this is fine.' },
    });
    expect(borrowed).toMatchObject({ status: 'denied' });
    expect(borrowed.reason).toMatch(/issuer/);
    // A member vouching for themselves.
    const member = await ok('member', 'update_agent_config', {
      agent_id: agentId,
      idempotency_key: newKey(),
      voice: 'sage',
      authority: { user_email: a.member.email, statement: 'I am sure this is fine.' },
    });
    expect(member.status).toBe('denied');
    expect(member.reason).toMatch(/admin or owner/);
    expect((await agentRow(agentId)).voice).toBe('verse');
  });

  it('replays an idempotency key without a second change; other arguments with it are a conflict; a dry run spends no key', async () => {
    const key = newKey();
    const first = await ok('owner', 'update_agent_config', { agent_id: agentId, idempotency_key: key, language: 'es-US' });
    expect(first).toMatchObject({ status: 'executed', replayed: false });
    const version = (await agentRow(agentId)).config_version;
    const replay = await ok('owner', 'update_agent_config', { agent_id: agentId, idempotency_key: key, language: 'es-US' });
    expect(replay).toMatchObject({ status: 'executed', replayed: true, change: first.change });
    expect((await agentRow(agentId)).config_version).toBe(version);
    await refused('owner', 'update_agent_config', { agent_id: agentId, idempotency_key: key, language: 'fr-CA' }, 'idempotency_key', 'conflict');

    const dryKey = newKey();
    const dry = await ok('owner', 'update_agent_config', { agent_id: agentId, idempotency_key: dryKey, model: 'gpt-5', dry_run: true });
    expect(dry).toMatchObject({ status: 'executed', dry_run: true, change: null });
    expect(dry.plan.changes.model).toEqual({ from: 'gpt-4.1', to: 'gpt-5' });
    expect((await agentRow(agentId)).model).toBe('gpt-4.1');
    const real = await ok('owner', 'update_agent_config', { agent_id: agentId, idempotency_key: dryKey, model: 'gpt-5' });
    expect(real).toMatchObject({ status: 'executed', dry_run: false, replayed: false });
  });

  it('concurrent retries with one key change the agent once', async () => {
    const key = newKey();
    const before = (await agentRow(agentId)).config_version;
    const results = await Promise.all(
      Array.from({ length: 20 }, () => ok('owner', 'update_agent_config', { agent_id: agentId, idempotency_key: key, max_call_duration_seconds: 1200 })),
    );
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
    for (const r of results) expect(r).toMatchObject({ status: 'executed', change: { version: { from: before, to: before + 1 } } });
    expect((await agentRow(agentId)).config_version).toBe(before + 1);
    expect((await changeRows(agentId)).filter((c) => c.to_version === before + 1)).toHaveLength(1);
  });

  it('refuses each kind of bad input, naming the field; another business’s agent is not found', async () => {
    const base = { agent_id: agentId, idempotency_key: newKey() };
    await refused('owner', 'update_agent_config', { agent_id: agentId, model: 'x' }, 'idempotency_key');
    await refused('owner', 'update_agent_config', base, /Nothing to change/, 'invalid_argument');
    await refused('owner', 'update_agent_config', { ...base, language: 'not a language!' }, 'language');
    await refused('owner', 'update_agent_config', { ...base, max_call_duration_seconds: 5 }, 'max_call_duration_seconds');
    await refused('owner', 'update_agent_config', { ...base, transfer_settings: { enabled: true } }, 'number');
    await refused('owner', 'update_agent_config', { ...base, transfer_settings: { enabled: true, number: '555-0100' } }, 'number');
    await refused('owner', 'update_agent_config', { ...base, voice: '' }, 'voice');
    await refused('owner', 'update_agent_config', { ...base, temperature: 0.2 }, 'temperature');
    await refused('owner', 'update_agent_config', { ...base, model: 'x', authority: { user_email: 'nobody', statement: 'I approve this change.' } }, 'user_email');
    const cross = await call('owner', 'update_agent_config', { agent_id: b.agentId, idempotency_key: newKey(), model: 'gpt-4.1' });
    expect(cross.structured).toEqual({ success: false, error: 'Agent not found', error_code: 'not_found' });
    expect((await agentRow(b.agentId)).config_version).toBe(1);
  });
});

// ── request_kaicalls_update ─────────────────────────────────────────────────────────────────────

describe('request_kaicalls_update', () => {
  let agentId: string;
  const ownerAuthority = () => ({ user_email: a.owner.email, statement: 'I own the business and approve this change.' });
  beforeAll(async () => {
    agentId = await freshAgent(a, 'broker agent');
  });

  it('needs_user_input names the missing fields', async () => {
    const s = await ok('owner', 'request_kaicalls_update', { intent: 'agent.patch', payload: { agent_id: agentId }, idempotency_key: newKey() });
    expect(s).toMatchObject({ status: 'needs_user_input', missing_fields: ['changes'], replayed: false });
    const address = await ok('owner', 'request_kaicalls_update', {
      intent: 'phone.emergency_address.set',
      payload: { phone_number: a.agentNumber, address: { street: '1 Main St' } },
      idempotency_key: newKey(),
    });
    expect(address.missing_fields).toEqual(['address.city', 'address.region', 'address.postal_code', 'address.country']);
  });

  it('unsupported names the supported intents', async () => {
    const s = await ok('owner', 'request_kaicalls_update', { intent: 'phone.port_number', payload: {}, idempotency_key: newKey() });
    expect(s).toMatchObject({ status: 'unsupported', supported_intents: ['agent.patch', 'phone.emergency_address.set', 'transcripts.sink.configure'] });
  });

  it('needs_approval, pending_approval, denied and executed for agent.patch', async () => {
    const payload = { agent_id: agentId, changes: { inbound_prompt: 'You answer for a dental office. Be brief.' } };
    const needs = await ok('owner', 'request_kaicalls_update', { intent: 'agent.patch', payload, idempotency_key: newKey() });
    expect(needs).toMatchObject({ status: 'needs_approval', plan: { high_impact_fields: ['inbound_prompt'] } });

    const pending = await ok('owner', 'request_kaicalls_update', { intent: 'agent.patch', payload, idempotency_key: newKey(), queue_for_approval: true });
    expect(pending.status).toBe('pending_approval');
    expect(pending.approval_id).toMatch(/^[0-9a-f-]{36}$/);

    const denied = await ok('member', 'request_kaicalls_update', {
      intent: 'agent.patch',
      payload,
      idempotency_key: newKey(),
      authority: { user_email: a.member.email, statement: 'I approve this one myself.' },
    });
    expect(denied).toMatchObject({ status: 'denied' });
    expect(denied.reason).toMatch(/admin or owner/);

    const executed = await ok('owner', 'request_kaicalls_update', { intent: 'agent.patch', payload, idempotency_key: newKey(), authority: ownerAuthority() });
    expect(executed).toMatchObject({ status: 'executed', change: { version: { from: 1, to: 2 } } });
    expect((await agentRow(agentId)).inbound_prompt).toBe('You answer for a dental office. Be brief.');
  });

  it('executed for phone.emergency_address.set and transcripts.sink.configure', async () => {
    const address = { street: '1 Main St', city: 'New York', region: 'NY', postal_code: '10001', country: 'US' };
    const e911 = await ok('owner', 'request_kaicalls_update', {
      intent: 'phone.emergency_address.set',
      payload: { phone_number: a.agentNumber, address },
      idempotency_key: newKey(),
      authority: ownerAuthority(),
    });
    expect(e911).toMatchObject({ status: 'executed', intent: 'phone.emergency_address.set' });
    const number = await t.app.db.kysely.selectFrom('phone_numbers').select('emergency_address').where('e164', '=', a.agentNumber).executeTakeFirstOrThrow();
    expect(number.emergency_address).toEqual(address);

    const sink = await ok('owner', 'request_kaicalls_update', {
      intent: 'transcripts.sink.configure',
      payload: { url: 'https://hooks.example.com/transcripts' },
      idempotency_key: newKey(),
      authority: ownerAuthority(),
    });
    expect(sink).toMatchObject({ status: 'executed', change: { high_impact_fields: ['url', 'enabled'] } });
  });

  it('replaying a key returns the first outcome, and acts once', async () => {
    const key = newKey();
    const args = { intent: 'agent.patch', payload: { agent_id: agentId, changes: { voice: 'coral' } }, idempotency_key: key, queue_for_approval: true };
    const first = await ok('owner', 'request_kaicalls_update', args);
    const again = await ok('owner', 'request_kaicalls_update', args);
    expect(first).toMatchObject({ status: 'pending_approval', replayed: false });
    expect(again).toMatchObject({ status: 'pending_approval', replayed: true, approval_id: first.approval_id });
    const approvals = await t.app.db.kysely
      .selectFrom('approvals')
      .select('id')
      .where('business_id', '=', a.businessId)
      .where('summary', 'like', '%voice%')
      .where('status', '=', 'pending')
      .execute();
    expect(approvals.map((r) => r.id)).toContain(first.approval_id);
    expect(approvals.filter((r) => r.id === first.approval_id)).toHaveLength(1);
    await refused('owner', 'request_kaicalls_update', { ...args, queue_for_approval: false }, 'idempotency_key', 'conflict');
  });

  it('an approval decided by an admin executes exactly once: one new config version with its change-history row', async () => {
    const queued = await ok('owner', 'request_kaicalls_update', {
      intent: 'agent.patch',
      payload: { agent_id: agentId, changes: { voice: 'ballad' } },
      idempotency_key: newKey(),
      queue_for_approval: true,
    });
    const before = await agentRow(agentId);
    const broker = t.app.domain.broker;
    // A plain member may not decide.
    await expect(broker.decideApproval({ approvalId: queued.approval_id, businessId: a.businessId, deciderUserId: a.member.id, decision: 'approve' })).rejects.toMatchObject({
      code: 'forbidden',
    });
    // An admin of another business cannot even see it.
    await expect(broker.decideApproval({ approvalId: queued.approval_id, businessId: b.businessId, deciderUserId: b.admin.id, decision: 'approve' })).rejects.toMatchObject({
      code: 'not_found',
    });

    const decided = await broker.decideApproval({ approvalId: queued.approval_id, businessId: a.businessId, deciderUserId: a.admin.id, decision: 'approve' });
    expect(decided.status).toBe('executed');
    const again = broker.decideApproval({ approvalId: queued.approval_id, businessId: a.businessId, deciderUserId: a.owner.id, decision: 'approve' });
    await expect(again).rejects.toBeInstanceOf(AppError);
    await expect(again).rejects.toMatchObject({ code: 'conflict' });

    const after = await agentRow(agentId);
    expect(after).toMatchObject({ voice: 'ballad', config_version: before.config_version + 1 });
    const changes = (await changeRows(agentId)).filter((c) => c.approval_id === queued.approval_id);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ from_version: before.config_version, to_version: before.config_version + 1, source: 'request_kaicalls_update (approved)' });
    expect((await versionRows(agentId)).at(-1)!.version).toBe(before.config_version + 1);
  });

  it('a dry run answers the outcome it would have, changes nothing and spends no key', async () => {
    const key = newKey();
    const args = { intent: 'agent.patch', payload: { agent_id: agentId, changes: { voice: 'echo' } }, idempotency_key: key, queue_for_approval: true };
    const dry = await ok('owner', 'request_kaicalls_update', { ...args, dry_run: true });
    expect(dry).toMatchObject({ status: 'pending_approval', dry_run: true, approval_id: null, replayed: false });
    expect(dry.message).toMatch(/nothing changed/i);
    const real = await ok('owner', 'request_kaicalls_update', args);
    expect(real).toMatchObject({ status: 'pending_approval', dry_run: false, replayed: false });
  });

  it('refuses bad input naming the field; another business’s ids are not found', async () => {
    await refused('owner', 'request_kaicalls_update', { intent: 'agent.patch', payload: {} }, 'idempotency_key');
    await refused('owner', 'request_kaicalls_update', { payload: {}, idempotency_key: newKey() }, 'intent');
    await refused(
      'owner',
      'request_kaicalls_update',
      { intent: 'agent.patch', payload: { agent_id: agentId, changes: { voice: '' } }, idempotency_key: newKey() },
      'payload.changes.voice',
      'invalid_argument',
    );
    await refused(
      'owner',
      'request_kaicalls_update',
      { intent: 'agent.patch', payload: { agent_id: agentId, changes: { colour: 'red' } }, idempotency_key: newKey() },
      'payload.changes.colour',
      'invalid_argument',
    );
    await refused(
      'owner',
      'request_kaicalls_update',
      { intent: 'transcripts.sink.configure', payload: { url: 'http://10.0.0.5/hook' }, idempotency_key: newKey() },
      'payload.url',
      'invalid_argument',
    );
    await refused(
      'owner',
      'request_kaicalls_update',
      { intent: 'agent.patch', payload: { agent_id: agentId, changes: { model: 'x' } }, idempotency_key: newKey(), authority: { statement: 'I approve this change.' } },
      'user_email',
    );
    const crossAgent = await call('owner', 'request_kaicalls_update', {
      intent: 'agent.patch',
      payload: { agent_id: b.agentId, changes: { model: 'x' } },
      idempotency_key: newKey(),
    });
    expect(crossAgent.structured).toEqual({ success: false, error: 'Agent not found', error_code: 'not_found' });
    const crossNumber = await call('owner', 'request_kaicalls_update', {
      intent: 'phone.emergency_address.set',
      payload: { phone_number: b.agentNumber, address: { street: '1 Main St', city: 'New York', region: 'NY', postal_code: '10001', country: 'US' } },
      idempotency_key: newKey(),
      authority: ownerAuthority(),
    });
    expect(crossNumber.structured).toEqual({ success: false, error: 'Phone number not found', error_code: 'not_found' });
  });

  it('security: each intent needs its own scope (an API key without numbers:write cannot set an emergency address)', async () => {
    const address = { street: '1 Main St', city: 'New York', region: 'NY', postal_code: '10001', country: 'US' };
    const refusedCall = await call('noNumbers', 'request_kaicalls_update', {
      intent: 'phone.emergency_address.set',
      payload: { phone_number: a.agentNumber, address },
      idempotency_key: newKey(),
    });
    expect(refusedCall.isError).toBe(true);
    expect(refusedCall.structured.error_code).toBe('missing_scope');
    expect(refusedCall.text).toMatch(/^Missing required scope: numbers:write/);
    // The same key may still use the intents its scopes allow.
    const allowed = await ok('noNumbers', 'request_kaicalls_update', {
      intent: 'agent.patch',
      payload: { agent_id: agentId, changes: { model: 'gpt-4.1-mini' } },
      idempotency_key: newKey(),
    });
    expect(allowed.status).toBe('executed');
    // A read-only key reaches no intent, not even an unknown one.
    const readOnly = await call('readOnly', 'request_kaicalls_update', { intent: 'something.else', payload: {}, idempotency_key: newKey() });
    expect(readOnly.text).toMatch(/^Missing required scope: agents:write/);
  });

  it('security: the per-intent scope is read defensively from raw arguments', () => {
    expect(scopesForUpdateRequest({ intent: 'phone.emergency_address.set' })).toEqual(['numbers:write']);
    expect(scopesForUpdateRequest({ intent: 'transcripts.sink.configure' })).toEqual(['webhooks:write']);
    expect(scopesForUpdateRequest({ intent: 'agent.patch' })).toEqual(['agents:write']);
    for (const raw of [
      undefined,
      null,
      'agent.patch',
      ['phone.emergency_address.set'],
      { intent: 42 },
      { intent: 'toString' },
      { intent: '__proto__' },
      JSON.parse('{"__proto__": {"intent": "phone.emergency_address.set"}}'),
    ]) {
      expect(scopesForUpdateRequest(raw)).toEqual(['agents:write']);
    }
  });

  it('security: an OAuth token without the intent scope gets 403 insufficient_scope naming it (step-up)', async () => {
    const token = await mintAccessToken(t.app.db, { issuer: t.app.config.issuer, mcpUrl: t.mcpUrl }, { businessId: a.businessId, scopes: ['agents:read', 'agents:write'] });
    const response = await post(
      t.mcpUrl,
      callTool('request_kaicalls_update', { intent: 'transcripts.sink.configure', payload: { url: 'https://hooks.example.com/x' }, idempotency_key: newKey() }),
      { authorization: `Bearer ${token}` },
    );
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toMatch(/error="insufficient_scope"/);
    expect(response.headers.get('www-authenticate')).toMatch(/webhooks:write/);
  });
});

// ── upsert_lead ─────────────────────────────────────────────────────────────────────────────────

describe('upsert_lead', () => {
  it('creates a lead', async () => {
    const s = await ok('owner', 'upsert_lead', {
      lead: { name: 'Dana Doe', phone: '+13125550142', email: 'Dana@Example.com', source: 'website', agent_id: a.agentId, city: 'Chicago' },
    });
    expect(s).toMatchObject({ mode: 'create', results: [], updated_count: 0, failed_count: 0, replayed: false });
    expect(s.lead).toMatchObject({ name: 'Dana Doe', phone: '+13125550142', email: 'dana@example.com', status: 'new', source: 'website', agent_id: a.agentId, city: 'Chicago' });
    const row = await t.app.db.kysely.selectFrom('leads').selectAll().where('id', '=', s.lead.id).executeTakeFirstOrThrow();
    expect(row.business_id).toBe(a.businessId);
  });

  it('updates many leads row by row, reporting partial success; another business’s lead is not found and untouched', async () => {
    const second = (await ok('owner', 'upsert_lead', { lead: { name: 'Sam Second', email: 'sam@example.com' } })).lead.id;
    const s = await ok('owner', 'upsert_lead', {
      updates: [
        { id: a.leadId, status: 'qualified', notes: 'Wants a quote' },
        { id: b.leadId, status: 'lost' },
        { id: '4f9e2c1a-8d7b-4c3e-9a1f-0b2c3d4e5f60', status: 'won' },
        { id: second, name: 'Sam Second' },
      ],
    });
    expect(s.results.map((r: Structured) => [r.index, r.status, r.error_code])).toEqual([
      [0, 'updated', null],
      [1, 'not_found', 'not_found'],
      [2, 'not_found', 'not_found'],
      [3, 'unchanged', null],
    ]);
    expect(s.results[0].changed_fields.sort()).toEqual(['notes', 'status']);
    expect(s.results[0].lead).toMatchObject({ id: a.leadId, status: 'qualified', notes: 'Wants a quote' });
    expect(s.results[1].lead).toBeNull();
    expect(s).toMatchObject({ updated_count: 1, unchanged_count: 1, failed_count: 2 });
    expect((await t.app.db.kysely.selectFrom('leads').select('status').where('id', '=', b.leadId).executeTakeFirstOrThrow()).status).toBe('new');

    // A row that would leave a lead with no way to reach it, and one naming another business's agent.
    const invalid = await ok('owner', 'upsert_lead', {
      updates: [
        { id: second, email: null, name: null },
        { id: a.leadId, agent_id: b.agentId },
      ],
    });
    expect(invalid.results.map((r: Structured) => [r.status, r.error_code])).toEqual([
      ['invalid', 'invalid_argument'],
      ['invalid', 'not_found'],
    ]);
    expect(invalid.results[1].error).toMatch(/agent_id/);
    expect(await t.app.db.kysely.selectFrom('leads').select(['name', 'email']).where('id', '=', second).executeTakeFirstOrThrow()).toEqual({
      name: 'Sam Second',
      email: 'sam@example.com',
    });
  });

  it('replays an idempotency key: one lead, the first outcome', async () => {
    const args = { lead: { name: 'Idem Potent', phone: '+13125550143' }, idempotency_key: newKey() };
    const first = await ok('owner', 'upsert_lead', args);
    const again = await ok('owner', 'upsert_lead', args);
    expect(again).toMatchObject({ replayed: true, lead: { id: first.lead.id } });
    const rows = await t.app.db.kysely.selectFrom('leads').select('id').where('business_id', '=', a.businessId).where('phone', '=', '+13125550143').execute();
    expect(rows).toHaveLength(1);
  });

  it('refuses each kind of bad input, naming the field', async () => {
    await refused('owner', 'upsert_lead', {}, /exactly one of `lead`/, 'invalid_argument');
    await refused('owner', 'upsert_lead', { lead: { name: 'X' }, updates: [{ id: a.leadId, status: 'won' }] }, /exactly one of `lead`/, 'invalid_argument');
    await refused('owner', 'upsert_lead', { lead: { source: 'website' } }, /at least one of name, phone or email/, 'invalid_argument');
    await refused('owner', 'upsert_lead', { lead: { phone: '(312) 555-0142' } }, 'phone');
    await refused('owner', 'upsert_lead', { lead: { email: 'nope' } }, 'email');
    await refused('owner', 'upsert_lead', { lead: { name: 'X', status: 'hot' } }, 'status');
    await refused('owner', 'upsert_lead', { lead: { name: 'X', agent_id: b.agentId } }, 'lead.agent_id', 'not_found');
    await refused('owner', 'upsert_lead', { updates: [] }, 'updates');
    await refused('owner', 'upsert_lead', { updates: [{ id: 'lead-1', status: 'won' }] }, 'id');
    await refused('owner', 'upsert_lead', { updates: [{ id: a.leadId }] }, 'updates[0]', 'invalid_argument');
    await refused(
      'owner',
      'upsert_lead',
      {
        updates: [
          { id: a.leadId, status: 'won' },
          { id: a.leadId, status: 'lost' },
        ],
      },
      'updates[1].id',
      'invalid_argument',
    );
    await refused('owner', 'upsert_lead', { updates: [{ id: a.leadId, phone: '12345' }] }, 'phone');
    expect((await t.app.db.kysely.selectFrom('leads').select('status').where('id', '=', a.leadId).executeTakeFirstOrThrow()).status).toBe('qualified');
  });

  it('security: needs leads:write', async () => {
    const result = await call('readOnly', 'upsert_lead', { lead: { name: 'Nope' } });
    expect(result.text).toMatch(/^Missing required scope: leads:write/);
  });
});

// ── Audit ───────────────────────────────────────────────────────────────────────────────────────

describe('audit', () => {
  it('records every call of these tools with the key, the outcome, and masked phone numbers', async () => {
    const rows = await t.app.db.kysely
      .selectFrom('audit_log')
      .selectAll()
      .where('business_id', '=', a.businessId)
      .where('action', 'in', [
        'configure_staff_alerts',
        'configure_textable_links',
        'configure_agent_business_rules',
        'update_agent_config',
        'request_kaicalls_update',
        'upsert_lead',
      ])
      .execute();
    const actions = new Set(rows.map((r) => r.action));
    expect(actions.size).toBe(6);
    for (const row of rows) expect(row.actor_kind === 'oauth' || Object.values(keyIds).includes(row.actor_id!)).toBe(true);
    // Scope refusals are audited: the API key's as a tool error, the OAuth token's at the HTTP edge.
    expect(rows.some((r) => r.actor_kind === 'api_key' && r.outcome === 'denied' && r.error_code === 'missing_scope' && r.action === 'request_kaicalls_update')).toBe(true);
    expect(rows.some((r) => r.actor_kind === 'oauth' && r.action === 'request_kaicalls_update')).toBe(true);
    const text = JSON.stringify(rows);
    for (const phone of Object.values(phones)) expect(text).not.toContain(phone);
    expect(text).toContain('+1415•••0111');
    // The broker audits its own decisions too.
    const broker = await t.app.db.kysely
      .selectFrom('audit_log')
      .select(['action', 'outcome'])
      .where('business_id', '=', a.businessId)
      .where('action', 'like', 'update.%')
      .execute();
    expect(new Set(broker.map((r) => r.outcome))).toEqual(new Set(['needs_user_input', 'unsupported', 'needs_approval', 'pending_approval', 'denied', 'executed', 'dry_run']));
  });
});
