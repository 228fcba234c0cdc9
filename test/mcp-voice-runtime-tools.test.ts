// The voice-runtime tools of the account surface (voice-runtime.md §A) through the real MCP SDK client
// with API keys: create_agent / get_agent, the phone-number tools, the agent-tool CRUD, tool_ids and
// office hours on update_agent_config, variable_values on make_call, and the staff directory serving
// staff alerts. Each succeeds with a result its advertised output schema accepts, refuses bad input
// naming the field, reads another business's ids as not found, and writes what it says (rows,
// versions, audit) — with secrets never coming back, and never in the audit log.
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiKey } from '../src/authz/api-keys.js';
import { SCOPES, type Scope } from '../src/scopes/index.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createTenant, eventually, nextLineNumber, type Tenant } from './helpers/domain-fixtures.js';
import { advertisedOutputSchemas, callChecked, connectClient, type Structured } from './helpers/mcp.js';

let t: TestApp;
let a: Tenant;
let b: Tenant;
type Who = 'owner' | 'admin' | 'member' | 'noNumbers' | 'readOnly' | 'otherOwner';
const clients = {} as Record<Who, Client>;
let outputSchemas: ReadonlyMap<string, object>;
let counter = 0;
const key = () => `vr-key-${Date.now()}-${counter++}`;
const SECRET = 'sk_live_abcdef1234567890';

const call = (who: Who, name: string, args: Record<string, unknown> = {}) => callChecked(clients[who], name, args, { outputSchemas });

async function ok(who: Who, name: string, args: Record<string, unknown> = {}): Promise<Structured> {
  const result = await call(who, name, args);
  expect(result.isError, result.text).toBe(false);
  return result.structured;
}

async function refused(who: Who, name: string, args: Record<string, unknown>, code: string, field?: string | RegExp) {
  const result = await call(who, name, args);
  expect(result.isError, `expected ${code}, got ${result.text}`).toBe(true);
  expect(result.structured.error_code, result.text).toBe(code);
  if (field) expect(result.text).toMatch(typeof field === 'string' ? new RegExp(field.replace(/[.[\]{}]/g, (c) => `\\${c}`)) : field);
  return result;
}

const auditRows = (businessId: string, action: string) =>
  t.app.db.kysely.selectFrom('audit_log').selectAll().where('business_id', '=', businessId).where('action', '=', action).orderBy('created_at').execute();

async function numberOf(tenant: Tenant, e164: string, agentId: string | null = null): Promise<string> {
  const row = await t.app.db.kysely
    .insertInto('phone_numbers')
    .values({ business_id: tenant.businessId, agent_id: agentId, e164, label: 'spare' })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

const apiTool = (name: string, extra: Record<string, unknown> = {}) => ({
  type: 'api_request',
  name,
  description: 'Looks up an order by its number.',
  api_request: {
    method: 'POST',
    url: 'https://api.example.com/orders/{{order_number}}?caller={{caller_id_number}}',
    headers: [
      { name: 'Authorization', value: `Bearer ${SECRET}` },
      { name: 'X-Shop', value: 'main' },
    ],
    body: '{"order": "{{order_number}}", "size": "{{size}}"}',
    parameters: [
      { name: 'order_number', type: 'text', description: 'The order number the caller reads out.' },
      { name: 'size', type: 'dropdown', options: ['small', 'large'], required: false },
    ],
  },
  idempotency_key: key(),
  ...extra,
});

beforeAll(async () => {
  t = await startTestApp({
    SIMULATOR_STEP_MS: '40',
    DIALER_INTERVAL_MS: '600000',
    CONTACT_HOURS_START: '00:00',
    CONTACT_HOURS_END: '24:00',
    RATE_LIMIT_CALLS_PER_MINUTE: '1000',
    RATE_LIMIT_CALLS_PER_HOUR: '10000',
  });
  const k = t.app.db.kysely;
  a = await createTenant(t.app.db, 'voice-a');
  b = await createTenant(t.app.db, 'voice-b');
  const issue = async (tenant: Tenant, createdBy: string, scopes: readonly Scope[]) =>
    (await issueApiKey(k, { businessId: tenant.businessId, name: `vr-${counter++}`, scopes, createdBy })).key;
  const keys: Record<Who, string> = {
    owner: await issue(a, a.owner.id, SCOPES),
    admin: await issue(a, a.admin.id, SCOPES),
    member: await issue(a, a.member.id, SCOPES),
    noNumbers: await issue(
      a,
      a.owner.id,
      SCOPES.filter((s) => s !== 'numbers:write'),
    ),
    readOnly: await issue(a, a.owner.id, ['agents:read', 'calls:read']),
    otherOwner: await issue(b, b.owner.id, SCOPES),
  };
  for (const [who, value] of Object.entries(keys)) clients[who as Who] = (await connectClient(t.mcpUrl, { headers: { authorization: `Bearer ${value}` } })).client;
  outputSchemas = await advertisedOutputSchemas(clients.owner);
}, 60_000);

afterAll(async () => {
  for (const client of Object.values(clients)) await client?.close();
  await t?.stop();
});

describe('tools/list', () => {
  const NEW_TOOLS: Record<string, Scope> = {
    create_agent: 'agents:write',
    get_agent: 'agents:read',
    list_phone_numbers: 'agents:read',
    get_phone_number: 'agents:read',
    assign_phone_number: 'numbers:write',
    list_agent_tools: 'agents:read',
    get_agent_tool: 'agents:read',
    create_agent_tool: 'agents:write',
    update_agent_tool: 'agents:write',
    delete_agent_tool: 'agents:write',
  };

  it('lists the ten voice-runtime tools with output schemas, read-only hints and lean entries', async () => {
    const tools = new Map((await clients.owner.listTools()).tools.map((tool) => [tool.name, tool]));
    for (const [name] of Object.entries(NEW_TOOLS)) {
      const tool = tools.get(name);
      expect(tool, name).toBeDefined();
      expect(tool!.outputSchema, name).toBeDefined();
      expect(tool!.annotations!.readOnlyHint, name).toBe(name.startsWith('get_') || name.startsWith('list_'));
      // tools.md: a chat client reads every entry on every conversation.
      // The agent-tool writes carry six types' settings, create_agent the whole configuration.
      expect(JSON.stringify(tool).length, name).toBeLessThan(['create_agent_tool', 'update_agent_tool', 'create_agent'].includes(name) ? 6500 : 3200);
    }
    for (const name of ['create_agent', 'assign_phone_number', 'create_agent_tool', 'update_agent_tool', 'delete_agent_tool']) {
      expect(tools.get(name)!.inputSchema.required, name).toContain('idempotency_key');
    }
  });

  it('a read-only key may read but not write (missing_scope names the scope)', async () => {
    await ok('readOnly', 'list_phone_numbers');
    await refused('readOnly', 'create_agent_tool', apiTool('read_only_try'), 'missing_scope', 'agents:write');
    await refused(
      'readOnly',
      'assign_phone_number',
      { phone_number_id: '00000000-0000-4000-8000-000000000000', agent_id: null, idempotency_key: key() },
      'missing_scope',
      'numbers:write',
    );
  });
});

describe('create_agent and get_agent', () => {
  it('as an admin: creates an active agent with the defaults, its first version and audit rows; get_agent reads the whole config', async () => {
    const created = await ok('admin', 'create_agent', { name: 'Night line', idempotency_key: key() });
    const agent = created.agent;
    expect(agent).toMatchObject({
      name: 'Night line',
      status: 'active',
      first_message: '',
      first_message_mode: 'assistant_speaks_first',
      instructions: 'You are a helpful assistant.',
      voice: 'alloy',
      model: 'gpt-4o',
      transcriber: 'deepgram:nova-3',
      language: 'en-US',
      max_call_duration_seconds: 600,
      office_hours: null,
      office_hours_source: 'none',
      tools: [],
      phone_numbers: [],
      config_version: 1,
    });
    expect(created.replayed).toBe(false);
    const read = await ok('readOnly', 'get_agent', { agent_id: agent.id });
    expect(read.agent).toEqual(agent);
    const versions = await t.app.db.kysely.selectFrom('agent_config_versions').selectAll().where('agent_id', '=', agent.id).execute();
    expect(versions.map((v) => v.version)).toEqual([1]);
    expect(versions[0]!.config).toMatchObject({ voice: 'alloy', tool_ids: [], first_message_mode: 'assistant_speaks_first' });
    expect((await auditRows(a.businessId, 'agent.created')).some((r) => r.details.agent_id === agent.id)).toBe(true);
    expect((await auditRows(a.businessId, 'create_agent')).at(-1)).toMatchObject({ outcome: 'success', actor_kind: 'api_key' });
  });

  it('takes every field, attaches tools in order and points a number at it', async () => {
    const t1 = (await ok('owner', 'create_agent_tool', apiTool('order_lookup_one'))).tool;
    const t2 = (
      await ok('owner', 'create_agent_tool', { type: 'transfer_call', name: 'to_billing', transfer_call: { destinations: [{ number: '+14155550177' }] }, idempotency_key: key() })
    ).tool;
    const numberId = await numberOf(a, nextLineNumber());
    const hours = { weekly: { monday: [{ start: '09:00', end: '17:00' }], saturday: [{ start: '00:00', end: '24:00' }] }, closures: [{ date: '2026-12-25', reason: 'Christmas' }] };
    const { agent } = await ok('owner', 'create_agent', {
      name: 'Dental front desk',
      first_message: 'Hello {{first_name}}, Bright Smiles here.',
      first_message_mode: 'assistant_waits_for_user',
      instructions: 'You book cleanings.',
      voice: 'sage',
      model: 'gpt-4o-mini',
      transcriber: 'deepgram:nova-2',
      language: 'es-US',
      max_call_duration_seconds: 900,
      office_hours: hours,
      tool_ids: [t2.id, t1.id],
      phone_number_id: numberId,
      idempotency_key: key(),
    });
    expect(agent).toMatchObject({ first_message_mode: 'assistant_waits_for_user', language: 'es-US', office_hours: hours, office_hours_source: 'agent' });
    expect(agent.tools.map((x: Structured) => x.id)).toEqual([t2.id, t1.id]);
    expect(agent.phone_numbers.map((p: Structured) => p.id)).toEqual([numberId]);
    expect((await ok('owner', 'get_agent_tool', { tool_id: t1.id })).tool.used_by).toEqual([{ id: agent.id, name: 'Dental front desk' }]);
    expect((await auditRows(a.businessId, 'phone_number.assigned')).some((r) => r.details.phone_number_id === numberId && r.details.agent_id === agent.id)).toBe(true);
  });

  it('as a plain member: forbidden, and nothing is created', async () => {
    const before = await t.app.db.kysely.selectFrom('agents').select('id').where('business_id', '=', a.businessId).execute();
    await refused('member', 'create_agent', { name: 'Sneaky', idempotency_key: key() }, 'forbidden', /admin role/);
    const after = await t.app.db.kysely.selectFrom('agents').select('id').where('business_id', '=', a.businessId).execute();
    expect(after).toHaveLength(before.length);
  });

  it('a number needs numbers:write; bad and foreign references are refused by field', async () => {
    const numberId = await numberOf(a, nextLineNumber());
    await refused('noNumbers', 'create_agent', { name: 'No numbers', phone_number_id: numberId, idempotency_key: key() }, 'missing_scope', 'numbers:write');
    await ok('noNumbers', 'create_agent', { name: 'No number needed', idempotency_key: key() });
    const foreignTool = (await ok('otherOwner', 'create_agent_tool', apiTool('other_business_tool'))).tool;
    await refused('owner', 'create_agent', { name: 'X', tool_ids: [foreignTool.id], idempotency_key: key() }, 'not_found', 'tool_ids[0]');
    const foreignNumber = await numberOf(b, nextLineNumber());
    await refused('owner', 'create_agent', { name: 'X', phone_number_id: foreignNumber, idempotency_key: key() }, 'not_found', /Phone number not found/);
    await refused('owner', 'create_agent', { name: 'X', language: 'not a tag!', idempotency_key: key() }, 'invalid_argument', 'language');
    await refused(
      'owner',
      'create_agent',
      { name: 'X', office_hours: { weekly: { monday: [{ start: '17:00', end: '09:00' }] } }, idempotency_key: key() },
      'invalid_argument',
      'office_hours',
    );
    await refused('owner', 'get_agent', { agent_id: b.agentId }, 'not_found');
  });

  it('replays an idempotency key with its first answer, and refuses it with other arguments', async () => {
    const k = key();
    const first = await ok('owner', 'create_agent', { name: 'Once only', idempotency_key: k });
    const again = await ok('owner', 'create_agent', { name: 'Once only', idempotency_key: k });
    expect(again.replayed).toBe(true);
    expect(again.agent.id).toBe(first.agent.id);
    const rows = await t.app.db.kysely.selectFrom('agents').select('id').where('business_id', '=', a.businessId).where('name', '=', 'Once only').execute();
    expect(rows).toHaveLength(1);
    await refused('owner', 'create_agent', { name: 'Once only, changed', idempotency_key: k }, 'conflict');
  });
});

describe('phone numbers', () => {
  it('lists the business’s numbers with agent, provider and capabilities; another business’s number is not found', async () => {
    const listed = await ok('readOnly', 'list_phone_numbers', { limit: 100 });
    const main = listed.phone_numbers.find((n: Structured) => n.number === a.agentNumber);
    expect(main).toMatchObject({
      agent_id: a.agentId,
      agent_name: 'voice-a receptionist',
      provider: 'simulator',
      capabilities: { voice: true, sms: true, inbound: true, outbound: true },
      emergency_address_set: false,
    });
    expect(listed.phone_numbers.some((n: Structured) => n.number === b.agentNumber)).toBe(false);
    const byAgent = await ok('readOnly', 'list_phone_numbers', { agent_id: a.agentId });
    expect(byAgent.phone_numbers.map((n: Structured) => n.id)).toEqual([main.id]);
    expect((await ok('readOnly', 'get_phone_number', { phone_number_id: main.id })).phone_number).toEqual(main);
    const foreign = await t.app.db.kysely.selectFrom('phone_numbers').select('id').where('e164', '=', b.agentNumber).executeTakeFirstOrThrow();
    await refused('owner', 'get_phone_number', { phone_number_id: foreign.id }, 'not_found');
    await refused('owner', 'list_phone_numbers', { agent_id: b.agentId }, 'not_found');
  });

  it('assign_phone_number: an admin points a number at an agent and at none; audited with the number masked', async () => {
    const e164 = nextLineNumber();
    const numberId = await numberOf(a, e164);
    const assigned = await ok('admin', 'assign_phone_number', { phone_number_id: numberId, agent_id: a.agentId, idempotency_key: key() });
    expect(assigned).toMatchObject({ phone_number: { id: numberId, agent_id: a.agentId }, previous_agent_id: null, replayed: false });
    const cleared = await ok('admin', 'assign_phone_number', { phone_number_id: numberId, agent_id: null, idempotency_key: key() });
    expect(cleared).toMatchObject({ phone_number: { agent_id: null, agent_name: null }, previous_agent_id: a.agentId });
    const rows = (await auditRows(a.businessId, 'phone_number.assigned')).filter((r) => r.details.phone_number_id === numberId);
    expect(rows.map((r) => r.details.agent_id)).toEqual([a.agentId, null]);
    expect(JSON.stringify(rows)).not.toContain(e164);
    expect((await auditRows(a.businessId, 'assign_phone_number')).length).toBeGreaterThanOrEqual(2);
  });

  it('assign_phone_number refuses a member, another business’s number or agent, and a number without voice', async () => {
    const numberId = await numberOf(a, nextLineNumber());
    await refused('member', 'assign_phone_number', { phone_number_id: numberId, agent_id: a.agentId, idempotency_key: key() }, 'forbidden');
    const foreign = await numberOf(b, nextLineNumber());
    await refused('owner', 'assign_phone_number', { phone_number_id: foreign, agent_id: a.agentId, idempotency_key: key() }, 'not_found');
    await refused('owner', 'assign_phone_number', { phone_number_id: numberId, agent_id: b.agentId, idempotency_key: key() }, 'not_found', /Agent not found/);
    await t.app.db.kysely
      .updateTable('phone_numbers')
      .set({ capabilities: ['sms', 'outbound'] })
      .where('id', '=', numberId)
      .execute();
    await refused('owner', 'assign_phone_number', { phone_number_id: numberId, agent_id: a.agentId, idempotency_key: key() }, 'invalid_argument', 'no voice capability');
    const row = await t.app.db.kysely.selectFrom('phone_numbers').select('agent_id').where('id', '=', numberId).executeTakeFirstOrThrow();
    expect(row.agent_id).toBeNull();
  });
});

describe('agent tools', () => {
  it('creates an api_request tool whose secret header is stored apart, read back masked, and never audited', async () => {
    const { tool } = await ok('owner', 'create_agent_tool', apiTool('order_status'));
    expect(tool).toMatchObject({
      type: 'api_request',
      name: 'order_status',
      used_by: [],
      api_request: {
        method: 'POST',
        headers: [
          { name: 'Authorization', value: '********', secret: true },
          { name: 'X-Shop', value: 'main', secret: false },
        ],
        parameters: [
          { name: 'order_number', type: 'text', required: true },
          { name: 'size', type: 'dropdown', options: ['small', 'large'], required: false },
        ],
      },
    });
    const row = await t.app.db.kysely.selectFrom('agent_tools').selectAll().where('id', '=', tool.id).executeTakeFirstOrThrow();
    expect(row.secret_headers).toEqual({ Authorization: `Bearer ${SECRET}` });
    expect(JSON.stringify(row.config)).not.toContain(SECRET);
    for (const read of [await ok('readOnly', 'get_agent_tool', { tool_id: tool.id }), await ok('readOnly', 'list_agent_tools', { limit: 100 })]) {
      expect(JSON.stringify(read)).not.toContain(SECRET);
    }
    const audit = await t.app.db.kysely.selectFrom('audit_log').select('details').where('business_id', '=', a.businessId).execute();
    expect(JSON.stringify(audit)).not.toContain(SECRET);
    expect((await auditRows(a.businessId, 'agent_tool.created')).some((r) => r.details.tool_id === tool.id)).toBe(true);
  });

  it('security: creating, changing or deleting an agent tool takes the admin role (they send call data out and pick transfer numbers)', async () => {
    const before = await t.app.db.kysely.selectFrom('agent_tools').select('id').where('business_id', '=', a.businessId).execute();
    await refused('member', 'create_agent_tool', apiTool('member_exfil'), 'forbidden', /admin role/);
    const { tool } = await ok('admin', 'create_agent_tool', apiTool('admin_made'));
    await refused('member', 'update_agent_tool', { tool_id: tool.id, description: 'changed', idempotency_key: key() }, 'forbidden', /admin role/);
    await refused('member', 'delete_agent_tool', { tool_id: tool.id, idempotency_key: key() }, 'forbidden', /admin role/);
    const after = await t.app.db.kysely.selectFrom('agent_tools').select(['id', 'description']).where('business_id', '=', a.businessId).execute();
    expect(after).toHaveLength(before.length + 1);
    expect(after.find((r) => r.id === tool.id)?.description).not.toBe('changed');
  });

  it('a request refused by its schema is audited without its header values', async () => {
    const before = (await auditRows(a.businessId, 'create_agent_tool')).length;
    await refused('owner', 'create_agent_tool', { ...apiTool('schema_refusal'), type: 'carrier_pigeon' }, 'invalid_argument', 'type');
    const rows = await auditRows(a.businessId, 'create_agent_tool');
    expect(rows.length).toBe(before + 1);
    expect(rows.at(-1)!.details).toMatchObject({ arguments: { api_request: { headers: ['Authorization', 'X-Shop'] } } });
    expect(JSON.stringify(rows.at(-1)!.details)).not.toContain(SECRET);
  });

  it('creates each other type; staff and queues must be this business’s', async () => {
    const staff = await t.app.db.forBusiness(a.businessId, (tx) => t.app.domain.staff.add(tx, a.businessId, { name: 'On-call plumber', phone: '+14155550166' }));
    const queue = await t.app.db.forBusiness(a.businessId, (tx) => t.app.domain.staff.addQueue(tx, a.businessId, { name: 'Dispatch', staffIds: [staff.id] }));
    const otherStaff = await t.app.db.forBusiness(b.businessId, (tx) => t.app.domain.staff.add(tx, b.businessId, { name: 'Not yours' }));
    const user = await ok('owner', 'create_agent_tool', {
      type: 'transfer_to_user',
      name: 'to_plumber',
      transfer_to_user: { staff_id: staff.id, message: 'One moment.' },
      idempotency_key: key(),
    });
    expect(user.tool.transfer_to_user).toEqual({ staff_id: staff.id, message: 'One moment.' });
    const q = await ok('owner', 'create_agent_tool', { type: 'transfer_to_queue', name: 'to_dispatch', transfer_to_queue: { queue_id: queue.id }, idempotency_key: key() });
    expect(q.tool.transfer_to_queue).toEqual({ queue_id: queue.id, message: null });
    const sms = await ok('owner', 'create_agent_tool', { type: 'sms', name: 'text_hours', sms: { message: 'We open at 8, {{first_name}}.' }, idempotency_key: key() });
    expect(sms.tool.sms).toEqual({ message: 'We open at 8, {{first_name}}.', link_key: null });
    const fn = await ok('owner', 'create_agent_tool', {
      type: 'function',
      name: 'crm_note',
      function: { server_url: 'https://crm.example.com/hooks/note', headers: [{ name: 'X-Api-Key', value: SECRET }], parameters: [{ name: 'note', type: 'text' }] },
      idempotency_key: key(),
    });
    expect(fn.tool.function.headers).toEqual([{ name: 'X-Api-Key', value: '********', secret: true }]);
    await refused(
      'owner',
      'create_agent_tool',
      { type: 'transfer_to_user', name: 'to_other', transfer_to_user: { staff_id: otherStaff.id }, idempotency_key: key() },
      'not_found',
      'transfer_to_user.staff_id',
    );
    await refused('owner', 'create_agent_tool', { type: 'sms', name: 'text_link', sms: { link_key: 'nope' }, idempotency_key: key() }, 'not_found', 'sms.link_key');
    await refused(
      'owner',
      'create_agent_tool',
      { type: 'transfer_call', name: 'to_nowhere', transfer_call: { destinations: [{ number: '555' }] }, idempotency_key: key() },
      'invalid_argument',
      'transfer_call.destinations[0].number',
    );
    await refused('owner', 'create_agent_tool', { type: 'transfer_call', name: 'no_settings', idempotency_key: key() }, 'invalid_argument', 'transfer_call');
  });

  it.each([
    ['http://api.example.com/orders', 'plain http'],
    ['https://127.0.0.1/orders', 'loopback'],
    ['https://10.1.2.3/orders', 'private range'],
    ['https://169.254.169.254/latest/meta-data', 'metadata address'],
    ['https://[::1]/orders', 'IPv6 loopback'],
    ['https://localhost/orders', 'localhost'],
    ['https://{{host}}.example.com/orders', 'placeholder in the host'],
    ['https://user:pw@api.example.com/orders', 'credentials in the URL'],
  ])('refuses the api_request URL %s (%s) naming api_request.url, and stores nothing', async (url) => {
    const name = `bad_url_${counter}`;
    await refused('owner', 'create_agent_tool', { ...apiTool(name), api_request: { url, parameters: [{ name: 'host', type: 'text' }] } }, 'invalid_argument', 'api_request.url');
    expect(await t.app.db.kysely.selectFrom('agent_tools').select('id').where('name', '=', name).executeTakeFirst()).toBeUndefined();
  });

  it('refuses unknown placeholders, reserved and repeated names, and a function server on a private address', async () => {
    await refused('owner', 'create_agent_tool', { ...apiTool('unknown_var'), api_request: { url: 'https://api.example.com/{{nope}}' } }, 'invalid_argument', '{{nope}}');
    await refused('owner', 'create_agent_tool', apiTool('transfer_call'), 'invalid_argument', 'name');
    await refused('owner', 'create_agent_tool', apiTool('Bad Name'), 'invalid_argument', 'name');
    await ok('owner', 'create_agent_tool', apiTool('twice_named'));
    await refused('owner', 'create_agent_tool', apiTool('twice_named'), 'conflict', 'twice_named');
    await refused(
      'owner',
      'create_agent_tool',
      { type: 'function', name: 'inward', function: { server_url: 'https://192.168.1.10/hook' }, idempotency_key: key() },
      'invalid_argument',
      'function.server_url',
    );
  });

  it('update_agent_tool changes only the fields given and keeps stored secrets', async () => {
    const { tool } = await ok('owner', 'create_agent_tool', apiTool('partial_update'));
    const updated = await ok('owner', 'update_agent_tool', {
      tool_id: tool.id,
      api_request: { url: 'https://api2.example.com/v2/orders/{{order_number}}' },
      idempotency_key: key(),
    });
    expect(updated.changed_fields).toEqual(['api_request.url']);
    expect(updated.tool.api_request).toEqual({ ...tool.api_request, url: 'https://api2.example.com/v2/orders/{{order_number}}' });
    expect(updated.tool.description).toBe(tool.description);
    // Headers listed without a value keep theirs; a new one is added; the secret stays stored.
    const headers = await ok('owner', 'update_agent_tool', {
      tool_id: tool.id,
      description: 'New words.',
      api_request: { headers: [{ name: 'Authorization' }, { name: 'X-Trace', value: 'on' }] },
      idempotency_key: key(),
    });
    expect(headers.tool.description).toBe('New words.');
    expect(headers.tool.api_request.headers).toEqual([
      { name: 'Authorization', value: '********', secret: true },
      { name: 'X-Trace', value: 'on', secret: false },
    ]);
    expect(headers.tool.api_request.method).toBe('POST');
    const row = await t.app.db.kysely.selectFrom('agent_tools').select('secret_headers').where('id', '=', tool.id).executeTakeFirstOrThrow();
    expect(row.secret_headers).toEqual({ Authorization: `Bearer ${SECRET}` });
    await refused('owner', 'update_agent_tool', { tool_id: tool.id, sms: { message: 'x' }, idempotency_key: key() }, 'invalid_argument', /type cannot change/);
    await refused(
      'owner',
      'update_agent_tool',
      { tool_id: tool.id, api_request: { url: 'http://api.example.com' }, idempotency_key: key() },
      'invalid_argument',
      'api_request.url',
    );
    await refused(
      'owner',
      'update_agent_tool',
      { tool_id: tool.id, api_request: { headers: [{ name: 'X-New' }] }, idempotency_key: key() },
      'invalid_argument',
      'api_request.headers[0].value',
    );
    const foreign = (await ok('otherOwner', 'create_agent_tool', apiTool('b_only'))).tool;
    await refused('owner', 'update_agent_tool', { tool_id: foreign.id, description: 'mine now', idempotency_key: key() }, 'not_found');
    await refused('owner', 'get_agent_tool', { tool_id: foreign.id }, 'not_found');
  });

  it('attached with update_agent_config (with tool_ids and office hours), a tool in use is deleted only with force', async () => {
    const { tool } = await ok('owner', 'create_agent_tool', apiTool('in_use'));
    const hours = {
      weekly: {
        tuesday: [
          { start: '08:00', end: '12:00' },
          { start: '13:00', end: '18:00' },
        ],
      },
    };
    // tool_ids is high-impact: without authority it needs approval; with the owner's it executes.
    const unapproved = await ok('owner', 'update_agent_config', { agent_id: a.agentId, tool_ids: [tool.id], idempotency_key: key() });
    expect(unapproved.status).toBe('needs_approval');
    const applied = await ok('owner', 'update_agent_config', {
      agent_id: a.agentId,
      tool_ids: [tool.id],
      office_hours: hours,
      authority: { user_email: a.owner.email, statement: 'I own the business and attach this tool.' },
      idempotency_key: key(),
    });
    expect(applied.status).toBe('executed');
    const agent = (await ok('owner', 'get_agent', { agent_id: a.agentId })).agent;
    expect(agent.tools).toEqual([{ id: tool.id, name: 'in_use', type: 'api_request' }]);
    expect(agent.office_hours).toEqual(hours);
    const foreign = (await ok('otherOwner', 'create_agent_tool', apiTool('b_attach'))).tool;
    await refused(
      'owner',
      'update_agent_config',
      { agent_id: a.agentId, tool_ids: [foreign.id], authority: { user_email: a.owner.email, statement: 'Attach the other business tool.' }, idempotency_key: key() },
      'not_found',
      'tool_ids[0]',
    );

    const blocked = await refused('owner', 'delete_agent_tool', { tool_id: tool.id, idempotency_key: key() }, 'conflict', 'voice-a receptionist');
    expect(blocked.text).toMatch(/force/);
    expect(await t.app.db.kysely.selectFrom('agent_tools').select('id').where('id', '=', tool.id).executeTakeFirst()).toBeDefined();
    const deleted = await ok('owner', 'delete_agent_tool', { tool_id: tool.id, force: true, idempotency_key: key() });
    expect(deleted).toMatchObject({ deleted: { id: tool.id, name: 'in_use' }, detached_from: [{ id: a.agentId, name: 'voice-a receptionist' }] });
    expect((await ok('owner', 'get_agent', { agent_id: a.agentId })).agent.tools).toEqual([]);
    expect((await auditRows(a.businessId, 'agent_tool.deleted')).some((r) => r.details.tool_id === tool.id && r.details.forced === true)).toBe(true);
    await refused('owner', 'get_agent_tool', { tool_id: tool.id }, 'not_found');
  });

  it('an unused tool is deleted without force; a replayed delete answers the first outcome', async () => {
    const { tool } = await ok('owner', 'create_agent_tool', apiTool('unused'));
    const k = key();
    const first = await ok('owner', 'delete_agent_tool', { tool_id: tool.id, idempotency_key: k });
    expect(first).toMatchObject({ deleted: { id: tool.id }, detached_from: [], replayed: false });
    expect((await ok('owner', 'delete_agent_tool', { tool_id: tool.id, idempotency_key: k })).replayed).toBe(true);
  });
});

describe('make_call variable_values', () => {
  it('fills {{name}} placeholders of the first message for this call, stores the values, and check_call_status shows them', async () => {
    const placed = await ok('owner', 'make_call', {
      agent_id: a.agentId,
      to: a.leadPhone,
      first_message: 'Hi {{first_name}}, about your {{service}} on {{day}}.',
      variable_values: { first_name: 'Pat', service: 'cleaning' },
      idempotency_key: key(),
    });
    const row = await t.app.db.kysely.selectFrom('calls').select(['variable_values', 'transfers', 'ended_reason']).where('id', '=', placed.call.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ variable_values: { first_name: 'Pat', service: 'cleaning' } });
    const done = await eventually(async () => {
      const s = await ok('owner', 'check_call_status', { call_id: placed.call.id });
      return ['completed', 'no-answer', 'busy', 'failed'].includes(s.call.status) ? s : undefined;
    }, 15_000);
    expect(done.call.variable_values).toEqual({ first_name: 'Pat', service: 'cleaning' });
    expect(Array.isArray(done.call.transfers)).toBe(true);
    expect('ended_reason' in done.call).toBe(true);
    // The simulator completes calls to this number (only numbers ending 0197–0199 fail).
    expect(done.call.status).toBe('completed');
    const transcript = await ok('owner', 'get_transcript', { call_id: placed.call.id });
    // Filled where a value was given; left as written where none was.
    expect(transcript.transcript).toContain('Hi Pat, about your cleaning on {{day}}.');
  });

  it('refuses a bad variable name naming variable_values, and places nothing', async () => {
    const before = await t.app.db.kysely.selectFrom('calls').select('id').where('business_id', '=', a.businessId).execute();
    await refused(
      'owner',
      'make_call',
      { agent_id: a.agentId, to: a.leadPhone, variable_values: { 'first name': 'Pat' }, idempotency_key: key() },
      'invalid_argument',
      'variable_values',
    );
    await refused('owner', 'make_call', { agent_id: a.agentId, to: a.leadPhone, variable_values: { ok: 7 }, idempotency_key: key() }, 'invalid_argument', 'variable_values');
    const after = await t.app.db.kysely.selectFrom('calls').select('id').where('business_id', '=', a.businessId).execute();
    expect(after).toHaveLength(before.length);
  });
});

describe('the staff directory serves staff alerts', () => {
  it('a staff entry without a user account may receive alerts; a number in no directory may not', async () => {
    await t.app.db.forBusiness(a.businessId, (tx) => t.app.domain.staff.add(tx, a.businessId, { name: 'Night dispatcher', phone: '+14155550188', email: 'Dispatch@Example.com' }));
    const saved = await ok('owner', 'configure_staff_alerts', { notification_phone: '+14155550188', notification_email: 'dispatch@example.com' });
    expect(saved.settings).toMatchObject({ notification_phone: '+14155550188', notification_email: 'dispatch@example.com' });
    const stranger = await call('owner', 'configure_staff_alerts', { notification_phone: '+14155550189' });
    expect(stranger.isError).toBe(true);
    expect(stranger.text).toMatch(/notification_phone: .*not a staff member/);
    // Members are staff through their membership (the trigger), with their profile's details.
    const entries = await t.app.db.kysely
      .selectFrom('staff_members')
      .select(['user_id', 'name', 'phone'])
      .where('business_id', '=', a.businessId)
      .where('user_id', 'is not', null)
      .execute();
    expect(entries.map((e) => e.user_id).sort()).toEqual([a.owner.id, a.admin.id, a.member.id].sort());
    expect(entries.every((e) => e.name === null && e.phone === null)).toBe(true);
  });
});
