// The in-call MCP surface (/api/mcp/in-call, spec/voice-runtime.md §B, seed 002) through the MCP SDK
// client, the way voice runtimes use it: a fresh connection (initialize, then one tools/call) for
// every tool call, a runtime key and the call's context headers on every request. Answers are
// checked against the output schemas the surface advertises, and every refusal the spec names is a
// test of its own.
import { randomUUID } from 'node:crypto';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiKey } from '../src/authz/api-keys.js';
import { OFFICE_SENTENCES } from '../src/domain/in-call/hours-status.js';
import { SCOPES } from '../src/scopes/index.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { callTool, callToolWith, connectClient, createAgent, createBusiness, createCall, createKey, initialize, mintAccessToken, post, type ToolAnswer } from './helpers/mcp.js';

let t: TestApp;
let url: string;
let runtimeKey: string;
let otherRuntimeKey: string;
const own = { businessId: '', agent: '', quietAgent: '', call: '', quietCall: '', endedCall: '', agentNumber: '+13125550111', transferNumber: '+13125550177' };
const other = { businessId: '', agent: '', call: '' };
const CALLER = '+14155550142';
const validator = new AjvJsonSchemaValidator();
let outputSchemas: Map<string, object>;

const context = (values: Partial<Record<'account_id' | 'persona_id' | 'call_id' | 'caller_id_number', string>> = {}) => ({
  'x-api-key': runtimeKey,
  account_id: own.businessId,
  persona_id: own.agent,
  call_id: own.call,
  caller_id_number: CALLER,
  ...values,
});

/** One tool call on a fresh connection (initialize + tools/call), checked against the advertised output schema. */
async function inCall(headers: Record<string, string>, name: string, args: Record<string, unknown> = {}): Promise<ToolAnswer> {
  const { client } = await connectClient(url, { headers });
  try {
    const answer = await callToolWith(client, name, args);
    const schema = outputSchemas.get(name);
    if (schema) {
      const check = validator.getValidator(schema)(answer.structured);
      expect(check.valid, check.errorMessage).toBe(true);
    }
    return answer;
  } finally {
    await client.close();
  }
}

/** How a fresh connection is refused: the HTTP status of its initialize, then the error the SDK client fails with. */
async function refusalOf(headers: Record<string, string>): Promise<string> {
  const { status } = await post(url, initialize(), headers);
  try {
    const { client } = await connectClient(url, { headers });
    await client.close();
  } catch (err) {
    return `${status} ${(err as Error).message}`;
  }
  throw new Error('the connection was accepted');
}

beforeAll(async () => {
  t = await startTestApp();
  url = `${t.mcpUrl}/in-call`;
  const db = t.app.db;
  own.businessId = (await createBusiness(db, 'Acme Plumbing')).id;
  other.businessId = (await createBusiness(db, 'Other Co')).id;
  own.agent = (await createAgent(db, own.businessId, { name: 'Ava', phone: own.agentNumber })).id;
  own.quietAgent = (await createAgent(db, own.businessId, { name: 'Quinn' })).id;
  other.agent = (await createAgent(db, other.businessId, { name: 'Theirs', phone: '+13125550198' })).id;
  // Ava keeps her own hours (open all day, every day); Quinn follows the business's (closed today).
  const allDay = [{ start: '00:00', end: '24:00' }];
  const weekdays = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
  await db.kysely
    .updateTable('agents')
    .set({
      office_hours: JSON.stringify({ weekly: Object.fromEntries(weekdays.map((d) => [d, allDay])) }),
      transfer_settings: JSON.stringify({ enabled: true, number: own.transferNumber }),
    })
    .where('id', '=', own.agent)
    .execute();
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Chicago' }).format(new Date());
  const tomorrow = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Chicago' }).format(new Date(Date.now() + 86_400_000));
  await db.kysely
    .insertInto('business_hours')
    .values({
      business_id: own.businessId,
      office_hours: JSON.stringify({
        weekly: Object.fromEntries(weekdays.map((d) => [d, [{ start: '09:00', end: '17:00' }]])),
        closures: [{ date: today, reason: 'Staff training' }, { date: tomorrow }],
      }),
    })
    .execute();
  const live = { status: 'in-progress' as const, direction: 'inbound' as const, from: CALLER };
  own.call = (await createCall(db, own.businessId, { ...live, agentId: own.agent, to: own.agentNumber })).id;
  own.quietCall = (await createCall(db, own.businessId, { ...live, agentId: own.quietAgent, to: '+13125550100' })).id;
  own.endedCall = (await createCall(db, own.businessId, { status: 'completed', direction: 'inbound', from: CALLER, agentId: own.agent, to: own.agentNumber })).id;
  other.call = (await createCall(db, other.businessId, { ...live, agentId: other.agent, to: '+13125550198' })).id;

  runtimeKey = (await issueApiKey(db.kysely, { kind: 'runtime', businessId: own.businessId, name: 'runtime', scopes: [] })).key;
  otherRuntimeKey = (await issueApiKey(db.kysely, { kind: 'runtime', businessId: other.businessId, name: 'runtime', scopes: [] })).key;

  const { client } = await connectClient(url, { headers: context() });
  outputSchemas = new Map((await client.listTools()).tools.map((tool) => [tool.name, tool.outputSchema!]));
  await client.close();
});
afterAll(async () => {
  await t?.stop();
});

describe('runtime keys', () => {
  it('are kc_rt_ plus 40 base62 characters, stored hashed, with no scopes', async () => {
    const { key, record } = await issueApiKey(t.app.db.kysely, { kind: 'runtime', businessId: own.businessId, name: 'another', scopes: [] });
    expect(key).toMatch(/^kc_rt_[0-9A-Za-z]{40}$/);
    expect(record.kind).toBe('runtime');
    expect(record.prefix).toBe(key.slice(0, 14));
    const row = await t.app.db.kysely.selectFrom('api_keys').selectAll().where('id', '=', record.id).executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(key);
    expect(row.scopes).toEqual([]);
    await expect(issueApiKey(t.app.db.kysely, { kind: 'runtime', businessId: own.businessId, name: 'x', scopes: ['calls:read'] })).rejects.toThrow(/no scopes/);
  });

  it('security: a runtime key on /api/mcp is refused with 401', async () => {
    for (const headers of [{ authorization: `Bearer ${runtimeKey}` }, { 'x-kaicalls-api-key': runtimeKey }] as Record<string, string>[]) {
      const res = await post(t.mcpUrl, callTool('get_business_info'), headers);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/invalid_token/);
      expect(res.body.error.message).toMatch(/runtime key .*in-call/);
    }
  });

  it('security: an account key or an OAuth token on the in-call surface is refused with 401', async () => {
    const accountKey = (await createKey(t.app.db, own.businessId, [...SCOPES])).key;
    const token = await mintAccessToken(t.app.db, { issuer: t.baseUrl, mcpUrl: t.mcpUrl }, { businessId: own.businessId, scopes: [...SCOPES] });
    const { 'x-api-key': _, ...withoutKey } = context();
    for (const credential of [
      { 'x-api-key': accountKey },
      { authorization: `Bearer ${accountKey}` },
      { 'x-kaicalls-api-key': accountKey },
      { authorization: `Bearer ${token}` },
    ] as Record<string, string>[]) {
      const res = await post(url, initialize(), { ...withoutKey, ...credential });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
      expect(res.body.error.message).toMatch(/runtime key \(kc_rt_…\) only/);
    }
    expect(await refusalOf({ ...withoutKey, authorization: `Bearer ${token}` })).toMatch(/401/);
  });

  it('security: no key, an unknown key or a revoked key is refused with 401', async () => {
    const { 'x-api-key': _, ...withoutKey } = context();
    expect((await post(url, initialize(), withoutKey)).status).toBe(401);
    expect((await post(url, initialize(), { ...withoutKey, 'x-api-key': `kc_rt_${'A'.repeat(40)}` })).body.error.message).toMatch(/not valid/);
    const revoked = await issueApiKey(t.app.db.kysely, { kind: 'runtime', businessId: own.businessId, name: 'old', scopes: [] });
    await t.app.db.kysely.updateTable('api_keys').set({ revoked_at: new Date() }).where('id', '=', revoked.record.id).execute();
    const res = await post(url, initialize(), { ...withoutKey, 'x-api-key': revoked.key });
    expect(res.status).toBe(401);
    expect(res.body.error.message).toMatch(/revoked/);
  });
});

describe('context headers', () => {
  for (const header of ['account_id', 'persona_id', 'call_id'] as const) {
    it(`a missing ${header} is refused naming it`, async () => {
      const { [header]: _, ...rest } = context();
      const message = await refusalOf(rest);
      expect(message).toMatch(/400/);
      expect(message).toContain(header);
    });
  }

  it('an invalid caller_id_number is refused naming it', async () => {
    const message = await refusalOf(context({ caller_id_number: '4155550142' }));
    expect(message).toContain('caller_id_number');
  });

  it('header names are case-insensitive, and X-Call-Id stands for call_id', async () => {
    const { call_id: _, account_id, persona_id, ...rest } = context();
    const answer = await inCall({ ...rest, Account_Id: account_id, PERSONA_ID: persona_id, 'X-Call-Id': own.call }, 'is_office_open');
    expect(answer.isError).toBe(false);
  });

  it('the provider’s call id names the call as well as ours', async () => {
    await t.app.db.kysely.updateTable('calls').set({ provider: 'vapi', provider_call_id: 'vapi-call-7f3a' }).where('id', '=', own.quietCall).execute();
    const answer = await inCall(context({ persona_id: own.quietAgent, call_id: 'vapi-call-7f3a' }), 'is_office_open');
    expect(answer.isError).toBe(false);
  });

  it('security: another business’s account_id is refused, revealing nothing', async () => {
    const message = await refusalOf(context({ account_id: other.businessId }));
    expect(message).toMatch(/403/);
    expect(message).toContain('account_id does not name the account of this runtime key');
    // A business that does not exist reads the same.
    expect(await refusalOf(context({ account_id: randomUUID() }))).toBe(message);
  });

  it('security: another business’s persona_id is refused, revealing nothing', async () => {
    const message = await refusalOf(context({ persona_id: other.agent }));
    expect(message).toMatch(/403/);
    expect(message).toContain('persona_id does not name an agent of this account');
    expect(await refusalOf(context({ persona_id: randomUUID() }))).toBe(message);
  });

  it('security: a call_id that is not a call of that agent is refused, revealing nothing', async () => {
    const foreign = await refusalOf(context({ call_id: other.call }));
    expect(foreign).toMatch(/403/);
    expect(foreign).toContain('call_id does not name a call of this persona');
    // Another agent's call of the same business, and a call that does not exist, read the same.
    expect(await refusalOf(context({ call_id: own.quietCall }))).toBe(foreign);
    expect(await refusalOf(context({ call_id: randomUUID() }))).toBe(foreign);
    // The other business's own key does not reach this business's call either.
    expect(await refusalOf({ ...context({ account_id: other.businessId, persona_id: other.agent }), 'x-api-key': otherRuntimeKey })).toContain('call_id does not name');
  });
});

describe('tools/list', () => {
  it('lists seed 002’s global tools with their parameters', async () => {
    const { client } = await connectClient(url, { headers: context() });
    const { tools } = await client.listTools();
    await client.close();
    const names = tools.map((tool) => tool.name);
    expect(names.slice(0, 6)).toEqual(['transfer_call', 'is_office_open', 'lookup_contact', 'check_user_availability', 'create_lead', 'hangup_call']);
    const byName = new Map(tools.map((tool) => [tool.name, tool.inputSchema]));
    expect(byName.get('transfer_call')!.required).toEqual(['destination']);
    expect(byName.get('lookup_contact')!.required).toEqual(['phone_number']);
    expect(byName.get('check_user_availability')!.required).toEqual(['user_id']);
    expect(byName.get('create_lead')!.required).toEqual(['name', 'intent']);
    expect(Object.keys(byName.get('create_lead')!.properties!)).toEqual(['name', 'intent', 'classification', 'summary', 'notes']);
  });
});

describe('is_office_open', () => {
  it('answers one of seed 002’s four sentences from the persona’s own hours', async () => {
    const { isError, structured, text } = await inCall(context(), 'is_office_open');
    expect(isError).toBe(false);
    expect(OFFICE_SENTENCES).toContain(text);
    expect(text).toBe('Office is open 24 hours today');
    expect(structured).toMatchObject({ success: true, open: true, reason: 'open_24_hours', opens_at: null, time_zone: 'America/Chicago' });
    expect(Date.parse(structured.closes_at)).toBeGreaterThan(Date.now());
  });

  it('falls back to the business’s hours, closures included', async () => {
    const { structured, text } = await inCall(context({ persona_id: own.quietAgent, call_id: own.quietCall }), 'is_office_open');
    expect(text).toBe('Office is closed today');
    expect(structured).toMatchObject({ success: true, open: false, reason: 'closure', closure: 'Staff training', closes_at: null });
    // Tomorrow is closed too: the next opening is the day after, at 09:00 in Chicago.
    const opens = new Date(structured.opens_at);
    expect(new Intl.DateTimeFormat('en-US', { timeZone: 'America/Chicago', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(opens)).toBe('09:00');
    expect(opens.getTime() - Date.now()).toBeGreaterThan(86_400_000);
  });
});

describe('create_lead and lookup_contact', () => {
  it('create_lead twice for one caller number gives one lead with two cases; lookup_contact finds it', async () => {
    const first = await inCall(context(), 'create_lead', { name: 'Dana Reyes', intent: 'Leaking water heater', classification: 'lead', summary: 'Needs a visit this week.' });
    expect(first.isError).toBe(false);
    expect(first.structured).toMatchObject({ success: true, lead_created: true, lead_name: 'Dana Reyes', case_count: 1, classification: 'lead' });

    const second = await inCall(context(), 'create_lead', { name: 'Dana R.', intent: 'Follow-up on the quote', classification: 'customer', notes: 'Called back.' });
    expect(second.structured).toMatchObject({
      success: true,
      lead_created: false,
      lead_id: first.structured.lead_id,
      lead_name: 'Dana Reyes',
      case_count: 2,
      classification: 'customer',
    });
    expect(second.structured.case_id).not.toBe(first.structured.case_id);

    const leads = await t.app.db.kysely.selectFrom('leads').selectAll().where('business_id', '=', own.businessId).where('phone', '=', CALLER).execute();
    expect(leads).toHaveLength(1);
    const cases = await t.app.db.kysely.selectFrom('lead_cases').selectAll().where('lead_id', '=', leads[0]!.id).orderBy('created_at').execute();
    expect(cases.map((c) => [c.intent, c.classification, c.call_id, c.agent_id])).toEqual([
      ['Leaking water heater', 'lead', own.call, own.agent],
      ['Follow-up on the quote', 'customer', own.call, own.agent],
    ]);
    // The call now belongs to the caller's lead.
    expect((await t.app.db.kysely.selectFrom('calls').select('lead_id').where('id', '=', own.call).executeTakeFirstOrThrow()).lead_id).toBe(leads[0]!.id);

    const found = await inCall(context(), 'lookup_contact', { phone_number: CALLER });
    expect(found.structured).toMatchObject({ success: true, found: true, contact: { id: leads[0]!.id, source: 'lead', name: 'Dana Reyes', phone_numbers: [CALLER] } });
  });

  it('lookup_contact answers found: false for an unknown number, and refuses a malformed one', async () => {
    const none = await inCall(context(), 'lookup_contact', { phone_number: '+14155550143' });
    expect(none.structured).toMatchObject({ success: true, found: false, contact: null, matches: [] });
    const bad = await inCall(context(), 'lookup_contact', { phone_number: '555-0143' });
    expect(bad.isError).toBe(true);
    expect(bad.structured.error_code).toBe('invalid_phone_number');
  });

  it('a lead cannot be made in a call that is not live (call_not_active); reading still works', async () => {
    const refused = await inCall(context({ call_id: own.endedCall }), 'create_lead', { name: 'Late', intent: 'After the end' });
    expect(refused.isError).toBe(true);
    expect(refused.structured.error_code).toBe('call_not_active');
    expect((await inCall(context({ call_id: own.endedCall }), 'is_office_open')).isError).toBe(false);
  });
});

describe('transfer_call', () => {
  it('security: a number the business has not allowed is destination_not_allowed, and nothing is transferred', async () => {
    const answer = await inCall(context(), 'transfer_call', { destination: '+19005550100' });
    expect(answer.isError).toBe(true);
    expect(answer.structured.error_code).toBe('destination_not_allowed');
    const row = await t.app.db.kysely.selectFrom('calls').select(['transfers', 'status']).where('id', '=', own.call).executeTakeFirstOrThrow();
    expect(row.transfers).toEqual([]);
    expect(row.status).toBe('in-progress');
  });
});

describe('audit', () => {
  it('every in-call tool call is audited with the call and the agent, refusals included, and no key', async () => {
    const rows = await t.app.db.kysely
      .selectFrom('audit_log')
      .selectAll()
      .where('business_id', '=', own.businessId)
      .where('action', 'like', 'in_call.%')
      .orderBy('created_at')
      .execute();
    const forCall = rows.filter((r) => r.details.call_id === own.call);
    expect(forCall.map((r) => r.action)).toEqual(expect.arrayContaining(['in_call.is_office_open', 'in_call.create_lead', 'in_call.lookup_contact', 'in_call.transfer_call']));
    expect(forCall.every((r) => r.details.agent_id === own.agent && r.actor_kind === 'api_key')).toBe(true);
    const denied = forCall.find((r) => r.action === 'in_call.transfer_call')!;
    expect([denied.outcome, denied.error_code]).toEqual(['denied', 'destination_not_allowed']);
    expect(JSON.stringify(rows)).not.toContain(runtimeKey);
    expect(JSON.stringify(rows)).not.toContain(CALLER);
  });
});

describe('hangup_call', () => {
  it('ends the call with ended_reason assistant-ended-call; the call then refuses acting tools', async () => {
    const answer = await inCall(context(), 'hangup_call');
    expect(answer.isError).toBe(false);
    expect(answer.structured).toMatchObject({ success: true, ended: true, ended_reason: 'assistant-ended-call' });
    const row = await t.app.db.kysely.selectFrom('calls').select(['status', 'ended_reason', 'ended_at']).where('id', '=', own.call).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'completed', ended_reason: 'assistant-ended-call' });
    expect(row.ended_at).not.toBeNull();

    const again = await inCall(context(), 'hangup_call');
    expect(again.structured.error_code).toBe('call_not_active');
    const transfer = await inCall(context(), 'transfer_call', { destination: own.transferNumber });
    expect(transfer.structured.error_code).toBe('call_not_active');
  });
});
