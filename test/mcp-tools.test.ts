// The five read tools through the real MCP SDK client: results match their advertised output
// schemas, lists paginate and filter, another business's ids read as "not found", and every call is
// audited without secrets.
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCOPES } from '../src/scopes/index.js';
import { maskArguments } from '../src/resource/framework/tool-runner.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { advertisedOutputSchemas, callChecked, callTool, connectClient, createAgent, createBusiness, createCall, createKey, mintAccessToken, post } from './helpers/mcp.js';

let t: TestApp;
let client: Client;
let key: { key: string; id: string };
const own = { businessId: '', agents: [] as string[], calls: [] as string[], inProgressCall: '', longCall: '' };
const other = { businessId: '', agentId: '', callId: '' };
let outputSchemas: ReadonlyMap<string, object>;

/** Calls a tool with the SDK client and checks the result against the advertised output schema. */
const call = (name: string, args: Record<string, unknown> = {}) => callChecked(client, name, args, { outputSchemas });

beforeAll(async () => {
  t = await startTestApp();
  const db = t.app.db;
  own.businessId = (await createBusiness(db, 'Acme Plumbing')).id;
  other.businessId = (await createBusiness(db, 'Other Co')).id;

  const base = Date.parse('2026-11-01T10:00:00Z');
  // Three agents, the newest last; two share a creation time to exercise the id tie-break.
  own.agents.push((await createAgent(db, own.businessId, { name: 'Ava', phone: '+13125550101', createdAt: new Date(base) })).id);
  own.agents.push((await createAgent(db, own.businessId, { name: 'Ben', createdAt: new Date(base + 60_000), status: 'paused' })).id);
  own.agents.push((await createAgent(db, own.businessId, { name: 'Cal', createdAt: new Date(base + 60_000) })).id);
  other.agentId = (await createAgent(db, other.businessId, { name: 'Their agent', phone: '+13125550199' })).id;

  for (let i = 0; i < 5; i++) {
    own.calls.push(
      (
        await createCall(db, own.businessId, {
          agentId: own.agents[i % 2],
          direction: i % 2 === 0 ? 'outbound' : 'inbound',
          createdAt: new Date(base + i * 3_600_000),
        })
      ).id,
    );
  }
  own.inProgressCall = (await createCall(db, own.businessId, { agentId: own.agents[2], status: 'in-progress', createdAt: new Date(base + 10 * 3_600_000) })).id;
  own.longCall = (await createCall(db, own.businessId, { transcript: 'x'.repeat(5000), createdAt: new Date(base - 3_600_000) })).id;
  other.callId = (await createCall(db, other.businessId, { agentId: other.agentId })).id;

  key = await createKey(db, own.businessId, [...SCOPES]);
  ({ client } = await connectClient(t.mcpUrl, { headers: { authorization: `Bearer ${key.key}` } }));
  outputSchemas = await advertisedOutputSchemas(client);
});
afterAll(async () => {
  await client?.close();
  await t?.stop();
});

describe('get_business_info', () => {
  it('reports the credential business, its agent count and calls of the last 30 days', async () => {
    const { isError, structured, text } = await call('get_business_info');
    expect(isError).toBe(false);
    expect(structured.business).toMatchObject({ id: own.businessId, name: 'Acme Plumbing', timezone: 'America/Chicago', phone: '+13125550100' });
    expect(structured.agent_count).toBe(3);
    expect(typeof structured.calls_last_30_days).toBe('number');
    expect(text).toContain('Acme Plumbing');
  });

  it('accepts its own business_id; another business id reads as not found', async () => {
    expect((await call('get_business_info', { business_id: own.businessId })).isError).toBe(false);
    const cross = await call('get_business_info', { business_id: other.businessId });
    expect(cross.isError).toBe(true);
    expect(cross.structured).toEqual({ success: false, error: 'Business not found', error_code: 'not_found' });
  });
});

describe('list_agents', () => {
  it('lists newest first with a stable tie-break, and paginates with has_more/next_offset', async () => {
    const first = await call('list_agents', { limit: 2 });
    const [tiedHigh, tiedLow] = [own.agents[1]!, own.agents[2]!].sort().reverse();
    expect(first.structured.agents.map((a: { id: string }) => a.id)).toEqual([tiedHigh, tiedLow]);
    expect(first.structured).toMatchObject({ count: 2, limit: 2, offset: 0, has_more: true, next_offset: 2 });

    const second = await call('list_agents', { limit: 2, offset: first.structured.next_offset });
    expect(second.structured.agents.map((a: { id: string }) => a.id)).toEqual([own.agents[0]]);
    expect(second.structured).toMatchObject({ count: 1, has_more: false, next_offset: null });
    expect(second.structured.agents[0]).toMatchObject({ name: 'Ava', phone_number: '+13125550101', status: 'active' });
  });

  it('never shows another business agents', async () => {
    const all = await call('list_agents', { limit: 100 });
    expect(all.structured.agents.map((a: { id: string }) => a.id)).not.toContain(other.agentId);
    expect(all.structured.count).toBe(3);
  });

  it('refuses out-of-range pagination and unknown arguments as invalid_argument, naming the field', async () => {
    const result = await call('list_agents', { limit: 101 });
    expect(result.isError).toBe(true);
    expect(result.structured).toMatchObject({ success: false, error_code: 'invalid_argument' });
    expect(result.structured.error).toMatch(/^Invalid arguments for list_agents: limit: /);
    expect(result.text).toBe(result.structured.error);
    const unknown = await call('list_agents', { agentId: 'x' });
    expect(unknown.structured).toMatchObject({ success: false, error_code: 'invalid_argument', error: 'Invalid arguments for list_agents: agentId: unknown field' });
  });
});

describe('list_recent_calls', () => {
  it('lists newest first, paginates, and echoes its filters', async () => {
    const page = await call('list_recent_calls', { limit: 3 });
    expect(page.structured.calls.map((c: { id: string }) => c.id)).toEqual([own.inProgressCall, own.calls[4], own.calls[3]]);
    expect(page.structured).toMatchObject({ count: 3, has_more: true, next_offset: 3, filters: { agent_id: null, status: null, direction: null } });
    const rest = await call('list_recent_calls', { limit: 100, offset: 3 });
    expect(rest.structured.calls.map((c: { id: string }) => c.id)).toEqual([own.calls[2], own.calls[1], own.calls[0], own.longCall]);
    expect(rest.structured.has_more).toBe(false);
    expect(rest.structured.next_offset).toBeNull();
  });

  it('filters by agent, status and direction', async () => {
    const byAgent = await call('list_recent_calls', { agent_id: own.agents[1] });
    expect(byAgent.structured.calls.map((c: { id: string }) => c.id)).toEqual([own.calls[3], own.calls[1]]);
    expect(byAgent.structured.calls[0].agent_name).toBe('Ben');
    expect(byAgent.structured.filters.agent_id).toBe(own.agents[1]);

    const inProgress = await call('list_recent_calls', { status: 'in-progress' });
    expect(inProgress.structured.calls.map((c: { id: string }) => c.id)).toEqual([own.inProgressCall]);

    const inbound = await call('list_recent_calls', { direction: 'inbound', status: 'completed' });
    expect(inbound.structured.calls.map((c: { id: string }) => c.id)).toEqual([own.calls[3], own.calls[1]]);
    expect(inbound.structured.filters).toEqual({ agent_id: null, status: 'completed', direction: 'inbound' });
  });

  it('security: another business agent id reads as not found, and its calls never appear', async () => {
    const cross = await call('list_recent_calls', { agent_id: other.agentId });
    expect(cross.structured).toMatchObject({ success: false, error_code: 'not_found', error: 'Agent not found' });
    const unknown = await call('list_recent_calls', { agent_id: '00000000-0000-4000-8000-000000000000' });
    expect(unknown.structured).toMatchObject({ success: false, error_code: 'not_found' });
    const all = await call('list_recent_calls', { limit: 100 });
    expect(all.structured.calls.map((c: { id: string }) => c.id)).not.toContain(other.callId);
  });
});

describe('check_call_status', () => {
  it('returns the call with its agent and summary', async () => {
    const { structured } = await call('check_call_status', { call_id: own.calls[1] });
    expect(structured.call).toMatchObject({ id: own.calls[1], status: 'completed', direction: 'inbound', agent_id: own.agents[1], agent_name: 'Ben', duration_seconds: 95 });
    expect(structured.call.ended_at).not.toBeNull();
  });

  it('security: another business call, or an id that does not exist, reads as not found', async () => {
    for (const id of [other.callId, '4f9e2c1a-8d7b-4c3e-9a1f-0b2c3d4e5f60']) {
      const result = await call('check_call_status', { call_id: id });
      expect(result.isError).toBe(true);
      expect(result.structured).toEqual({ success: false, error: 'Call not found', error_code: 'not_found' });
    }
  });

  it('refuses a malformed or missing id as invalid_argument naming call_id', async () => {
    const malformed = await call('check_call_status', { call_id: "1' or '1'='1" });
    expect(malformed.isError).toBe(true);
    expect(malformed.structured).toMatchObject({ success: false, error_code: 'invalid_argument' });
    expect(malformed.structured.error).toMatch(/^Invalid arguments for check_call_status: call_id: /);
    const missing = await call('check_call_status', {});
    expect(missing.structured).toMatchObject({ success: false, error_code: 'invalid_argument' });
    expect(missing.structured.error).toMatch(/call_id/);
  });
});

describe('get_transcript', () => {
  it('returns the transcript and summary of a completed call', async () => {
    const { structured } = await call('get_transcript', { call_id: own.calls[0] });
    expect(structured).toMatchObject({ transcript_available: true, transcript_truncated: false, summary: 'Caller asked about a repair.' });
    expect(structured.transcript).toContain('my sink leaks');
    expect(structured.transcript_length).toBe(structured.transcript.length);
  });

  it('cuts long transcripts to max_chars and says so', async () => {
    const { structured } = await call('get_transcript', { call_id: own.longCall, max_chars: 1000 });
    expect(structured.transcript).toHaveLength(1000);
    expect(structured).toMatchObject({ transcript_truncated: true, transcript_length: 5000 });
  });

  it('reports a call still in progress as having no transcript (not an error)', async () => {
    const { isError, structured } = await call('get_transcript', { call_id: own.inProgressCall });
    expect(isError).toBe(false);
    expect(structured).toMatchObject({ transcript_available: false, transcript: null, transcript_length: 0 });
  });

  it('security: another business call reads as not found', async () => {
    const result = await call('get_transcript', { call_id: other.callId });
    expect(result.isError).toBe(true);
    expect(result.structured.error_code).toBe('not_found');
  });
});

describe('with an OAuth access token', () => {
  it('runs every tool for the business in the token, and only that one', async () => {
    const otherToken = await mintAccessToken(t.app.db, { issuer: t.app.config.issuer, mcpUrl: t.mcpUrl }, { businessId: other.businessId, scopes: ['agents:read', 'calls:read'] });
    const headers = { authorization: `Bearer ${otherToken}` };
    const info = await post(t.mcpUrl, callTool('get_business_info'), headers);
    expect(info.body.result.structuredContent.business.id).toBe(other.businessId);
    const calls = await post(t.mcpUrl, callTool('list_recent_calls', { limit: 100 }), headers);
    expect(calls.body.result.structuredContent.calls.map((c: { id: string }) => c.id)).toEqual([other.callId]);
    const cross = await post(t.mcpUrl, callTool('get_transcript', { call_id: own.calls[0] }), headers);
    expect(cross.body.result.structuredContent.error_code).toBe('not_found');
  });
});

describe('audit', () => {
  it('writes one row per call: credential kind and id, business, tool, outcome, duration, no secrets', async () => {
    const before = await t.app.db.kysely.selectFrom('audit_log').select('id').where('business_id', '=', own.businessId).execute();
    await call('check_call_status', { call_id: own.calls[2] });
    await call('check_call_status', { call_id: other.callId });
    const rows = await t.app.db.kysely
      .selectFrom('audit_log')
      .selectAll()
      .where('business_id', '=', own.businessId)
      .where('id', 'not in', before.length ? before.map((r) => r.id) : ['00000000-0000-4000-8000-000000000000'])
      .orderBy('created_at')
      .execute();
    expect(rows).toHaveLength(2);
    expect(rows.map((r) => [r.action, r.outcome, r.error_code])).toEqual([
      ['check_call_status', 'success', null],
      ['check_call_status', 'error', 'not_found'],
    ]);
    for (const row of rows) {
      expect(row).toMatchObject({ actor_kind: 'api_key', actor_id: key.id, client_id: null });
      expect(row.duration_ms).toBeGreaterThanOrEqual(0);
      expect(JSON.stringify(row)).not.toContain(key.key);
    }
    expect(rows[0]!.details).toEqual({ arguments: { call_id: own.calls[2] } });
  });

  it('records a call refused by the input schema, with its arguments masked, before anything runs', async () => {
    const before = await t.app.db.kysely.selectFrom('audit_log').select('id').where('business_id', '=', own.businessId).execute();
    const refused = await call('list_recent_calls', { limit: 0, note: '+14155550123' });
    expect(refused.structured).toMatchObject({ success: false, error_code: 'invalid_argument' });
    const rows = await t.app.db.kysely
      .selectFrom('audit_log')
      .selectAll()
      .where('business_id', '=', own.businessId)
      .where('id', 'not in', before.length ? before.map((r) => r.id) : ['00000000-0000-4000-8000-000000000000'])
      .execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ action: 'list_recent_calls', outcome: 'error', error_code: 'invalid_argument', actor_kind: 'api_key', actor_id: key.id });
    expect(rows[0]!.details).toEqual({ arguments: { limit: 0, note: '+1415•••0123' } });
  });

  it('masks phone numbers and cuts long texts in recorded arguments', () => {
    expect(maskArguments({ to: '+14155550123', nested: [{ phone: '+442071838750' }], note: 'y'.repeat(300), n: 3 })).toEqual({
      to: '+1415•••0123',
      nested: [{ phone: '+4420•••8750' }],
      note: `${'y'.repeat(200)}…`,
      n: 3,
    });
  });
});
