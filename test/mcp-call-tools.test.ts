// The outbound effect tools through the real MCP SDK client: make_call (compliance gates, progress
// to a transcript and recording, idempotency under 50 concurrent retries, user confirmation by
// elicitation), send_sms (gates and the rate limit) and create_campaign (admin role, launch, the
// dialer). The telephony provider is the simulator (the one mocked boundary); everything else is
// the real app over a real migrated database.
import { randomUUID } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema, type ElicitRequest, type ElicitResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiKey } from '../src/authz/api-keys.js';
import { checkContactHours, parseE164, recipientTimeZones } from '../src/domain/compliance/index.js';
import { findTool } from '../src/resource/tools/registry.js';
import { SCOPES } from '../src/scopes/index.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createTenant, eventually, type Tenant } from './helpers/domain-fixtures.js';
import { ACCEPT_BOTH, advertisedOutputSchemas, callChecked, callTool as callToolMessage, connectClient, initialize, post } from './helpers/mcp.js';

const SMS_PER_MINUTE = 3;
const ANSWERS = '+14155550123';

let t: TestApp;
/** The same database served with the default contact hours (08:00–21:00), for quiet hours. */
let strict: TestApp;
let own: Tenant;
let other: Tenant;
/** A second business of our own, whose text volume only the rate-limit test uses. */
let busy: Tenant;
const keys = { owner: '', member: '', readOnly: '', busyOwner: '' };
let client: Client;
let outputSchemas: ReadonlyMap<string, object>;

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

/** Calls a tool and checks every answer (failures too) against the advertised output schema. */
const call = (c: Client, name: string, args: Record<string, unknown> = {}) => callChecked(c, name, args, { outputSchemas, timeout: 30_000 });

const callRowsTo = (businessId: string, to: string) =>
  t.app.db.kysely.selectFrom('calls').select(['id', 'status']).where('business_id', '=', businessId).where('to_number', '=', to).execute();

async function newKey(tenant: Tenant, createdBy: string | null, scopes: readonly string[] = SCOPES): Promise<string> {
  return (await issueApiKey(t.app.db.kysely, { businessId: tenant.businessId, name: `key-${randomUUID().slice(0, 6)}`, scopes, createdBy })).key;
}

/** A client that declared elicitation and answers every confirmation with `answer`. */
async function elicitingClient(answer: (request: ElicitRequest) => ElicitResult, asked: ElicitRequest[] = []): Promise<Client> {
  const c = new Client({ name: 'kaicalls-elicit-test', version: '1.0.0' }, { capabilities: { elicitation: {} } });
  c.setRequestHandler(ElicitRequestSchema, async (request) => {
    asked.push(request);
    return answer(request);
  });
  await c.connect(new StreamableHTTPClientTransport(new URL(t.mcpUrl), { requestInit: { headers: bearer(keys.owner) } }));
  return c;
}

/** The JSON-RPC messages of an SSE response, as they arrive. */
async function* sseMessages(response: Response): AsyncGenerator<any> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = event
        .split('\n')
        .filter((l) => l.startsWith('data: '))
        .map((l) => l.slice(6))
        .join('');
      if (data) yield JSON.parse(data);
    }
  }
}

beforeAll(async () => {
  t = await startTestApp({
    SIMULATOR_STEP_MS: '50',
    DIALER_INTERVAL_MS: '600000',
    CONTACT_HOURS_START: '00:00',
    CONTACT_HOURS_END: '24:00',
    RATE_LIMIT_CALLS_PER_MINUTE: '1000',
    RATE_LIMIT_CALLS_PER_HOUR: '10000',
    RATE_LIMIT_SMS_PER_MINUTE: String(SMS_PER_MINUTE),
  });
  strict = await startTestApp({ SIMULATOR_STEP_MS: '50', DIALER_INTERVAL_MS: '600000' }, t.database);
  const db = t.app.db;
  own = await createTenant(db, 'own');
  other = await createTenant(db, 'other');
  busy = await createTenant(db, 'busy');
  keys.owner = await newKey(own, own.owner.id);
  keys.member = await newKey(own, own.member.id);
  keys.readOnly = await newKey(own, own.owner.id, ['agents:read', 'calls:read']);
  keys.busyOwner = await newKey(busy, busy.owner.id);
  ({ client } = await connectClient(t.mcpUrl, { headers: bearer(keys.owner) }));
  outputSchemas = await advertisedOutputSchemas(client);
}, 60_000);
afterAll(async () => {
  await client?.close();
  await strict?.stop();
  await t?.stop();
});

describe('make_call', () => {
  it('places a call to a permitted number that progresses to completed, with its transcript and recording', async () => {
    const placed = await call(client, 'make_call', { agent_id: own.agentId, to: ANSWERS, idempotency_key: randomUUID(), name: 'Pat', context: 'Confirm Tuesday' });
    expect(placed.isError).toBe(false);
    expect(placed.structured.replayed).toBe(false);
    expect(placed.structured.call).toMatchObject({ to: ANSWERS, from: own.agentNumber, agent_id: own.agentId, lead_id: null, scheduled_at: null });
    expect(['queued', 'ringing', 'in-progress']).toContain(placed.structured.call.status);
    expect(placed.text).toContain(placed.structured.call.id);
    const callId = placed.structured.call.id as string;

    const final = await eventually(async () => {
      const status = await call(client, 'check_call_status', { call_id: callId });
      return status.structured.call.status === 'completed' ? status.structured.call : undefined;
    }, 15_000);
    expect(final).toMatchObject({ id: callId, direction: 'outbound', to: ANSWERS, agent_id: own.agentId });
    expect(final.duration_seconds).toBeGreaterThan(0);
    expect(final.ended_at).not.toBeNull();

    const transcript = await call(client, 'get_transcript', { call_id: callId });
    expect(transcript.isError).toBe(false);
    expect(transcript.structured.transcript_available).toBe(true);
    expect(transcript.structured.transcript.length).toBeGreaterThan(20);
    expect(transcript.structured.summary).toBeTruthy();

    if (findTool('get_call_recording')) {
      const recording = await call(client, 'get_call_recording', { call_id: callId });
      expect(recording.isError).toBe(false);
      expect(recording.structured.recording_available).toBe(true);
      expect(recording.structured.recording_url).toMatch(/^https?:\/\//);
    }
  });

  it('refuses a do-not-call number, an invalid number and (with default hours) a number in its quiet hours, each with its own error_code', async () => {
    const dnc = '+14155550142';
    await t.app.db.kysely.insertInto('contact_blocks').values({ business_id: own.businessId, phone: dnc, kind: 'do_not_call', reason: 'asked', source: 'test' }).execute();
    const blocked = await call(client, 'make_call', { agent_id: own.agentId, to: dnc, idempotency_key: randomUUID() });
    expect(blocked).toMatchObject({ isError: true, structured: { success: false, error_code: 'do_not_call' } });
    expect(blocked.structured.error).toMatch(/do-not-call/);

    const invalid = await call(client, 'make_call', { agent_id: own.agentId, to: '+1415555', idempotency_key: randomUUID() });
    expect(invalid).toMatchObject({ isError: true, structured: { success: false, error_code: 'invalid_phone_number' } });
    expect(invalid.structured.error).toMatch(/\bto\b.*E\.164/);
    const formatted = await call(client, 'make_call', { agent_id: own.agentId, to: '(415) 555-0123', idempotency_key: randomUUID() });
    expect(formatted.structured.error_code).toBe('invalid_phone_number');

    // Pick a number whose time zone is outside 08:00–21:00 right now: one of these always is.
    const now = new Date();
    let quiet: string | undefined;
    for (const n of ['+14155550150', '+442079460123', '+61291234567', '+81312345678']) {
      const { zones } = await recipientTimeZones(parseE164(n)!, 'America/New_York');
      if (!checkContactHours(now, zones, { start: 8 * 60, end: 21 * 60 }).allowed) quiet = quiet ?? n;
    }
    expect(quiet).toBeDefined();
    const { client: strictClient } = await connectClient(strict.mcpUrl, { headers: bearer(keys.owner) });
    try {
      const result = await call(strictClient, 'make_call', { agent_id: own.agentId, to: quiet!, idempotency_key: randomUUID() });
      expect(result).toMatchObject({ isError: true, structured: { success: false, error_code: 'quiet_hours' } });
      expect(result.structured.error).toMatch(/Quiet hours/);
    } finally {
      await strictClient.close();
    }
    for (const to of [dnc, quiet!]) expect(await callRowsTo(own.businessId, to)).toEqual([]);
  });

  it('50 concurrent requests with one idempotency_key place exactly one call', async () => {
    const to = '+14155550177';
    const args = { agent_id: own.agentId, to, idempotency_key: `burst-${randomUUID()}` };
    const results = await Promise.all(Array.from({ length: 50 }, () => call(client, 'make_call', args)));
    for (const r of results) expect(r.isError, r.text).toBe(false);
    const ids = new Set(results.map((r) => r.structured.call.id));
    expect(ids.size).toBe(1);
    expect(results.filter((r) => r.structured.replayed === true)).toHaveLength(49);
    expect(results.filter((r) => r.structured.replayed === false)).toHaveLength(1);
    const rows = await callRowsTo(own.businessId, to);
    expect(rows.map((r) => r.id)).toEqual([...ids]);

    // A later retry replays too; the same key with other arguments is a conflict.
    const again = await call(client, 'make_call', args);
    expect(again.structured).toMatchObject({ replayed: true, call: { id: [...ids][0] } });
    expect(again.text).toMatch(/no new call/);
    const conflict = await call(client, 'make_call', { ...args, to: ANSWERS });
    expect(conflict).toMatchObject({ isError: true, structured: { success: false, error_code: 'conflict' } });
    expect(conflict.structured.error).toMatch(/idempotency_key/);
    expect(await callRowsTo(own.businessId, to)).toHaveLength(1);
  });

  it('asks an elicitation-capable client to confirm number and agent; a decline places nothing and leaves the key usable', async () => {
    const to = '+14155550188';
    const key = randomUUID();
    const asked: ElicitRequest[] = [];
    const declining = await elicitingClient(() => ({ action: 'decline' }), asked);
    try {
      const declined = await call(declining, 'make_call', { agent_id: own.agentId, to, idempotency_key: key });
      expect(declined).toMatchObject({ isError: true, structured: { success: false, error_code: 'declined' } });
      expect(declined.structured.error).toMatch(/declined.*no call was placed/);
      const cancelled = await elicitingClient(() => ({ action: 'cancel' }));
      try {
        expect((await call(cancelled, 'make_call', { agent_id: own.agentId, to, idempotency_key: key })).structured.error_code).toBe('declined');
      } finally {
        await cancelled.close();
      }
      const saysNo = await elicitingClient(() => ({ action: 'accept', content: { confirm: false } }));
      try {
        expect((await call(saysNo, 'make_call', { agent_id: own.agentId, to, idempotency_key: key })).structured.error_code).toBe('declined');
      } finally {
        await saysNo.close();
      }
      // A client that fails the confirmation request: no answer is no consent, and the key stays usable.
      const broken = await elicitingClient(() => {
        throw new Error('no UI available');
      });
      try {
        const failed = await call(broken, 'make_call', { agent_id: own.agentId, to, idempotency_key: key });
        expect(failed.structured.error_code).toBe('unavailable');
        expect(failed.structured.error).toMatch(/no call was placed/);
      } finally {
        await broken.close();
      }
    } finally {
      await declining.close();
    }
    expect(asked).toHaveLength(1);
    const question = asked[0]!.params as { message: string; requestedSchema: { properties: Record<string, { type: string }>; required: string[] } };
    expect(question.message).toContain(to);
    expect(question.message).toContain('own receptionist');
    expect(question.requestedSchema.properties.confirm!.type).toBe('boolean');
    expect(question.requestedSchema.required).toEqual(['confirm']);
    expect(await callRowsTo(own.businessId, to)).toEqual([]);

    const accepting = await elicitingClient(() => ({ action: 'accept', content: { confirm: true } }));
    try {
      const placed = await call(accepting, 'make_call', { agent_id: own.agentId, to, idempotency_key: key });
      expect(placed.isError).toBe(false);
      expect(placed.structured).toMatchObject({ replayed: false, call: { to, agent_id: own.agentId } });
      expect((await callRowsTo(own.businessId, to)).map((r) => r.id)).toEqual([placed.structured.call.id]);
    } finally {
      await accepting.close();
    }
  });

  it("carries the confirmation question on the tool call's own response stream (no standalone GET stream needed)", async () => {
    // A raw client that never opens the GET stream: the question must arrive on the POST's SSE
    // response, as with a session served by a node other than the one holding its GET stream.
    const headers = { ...bearer(keys.owner), 'content-type': 'application/json', accept: ACCEPT_BOTH };
    const init = await post(t.mcpUrl, { ...initialize(), params: { ...initialize().params, capabilities: { elicitation: {} } } }, bearer(keys.owner));
    const session = { 'mcp-session-id': init.headers.get('mcp-session-id')!, 'mcp-protocol-version': '2025-06-18' };
    await post(t.mcpUrl, { jsonrpc: '2.0', method: 'notifications/initialized' }, { ...bearer(keys.owner), ...session });

    const to = '+14155550101';
    const response = await fetch(t.mcpUrl, {
      method: 'POST',
      headers: { ...headers, ...session },
      body: JSON.stringify(callToolMessage('make_call', { agent_id: own.agentId, to, idempotency_key: randomUUID() }, 7)),
    });
    const messages = sseMessages(response);
    const question = (await messages.next()).value;
    expect(question).toMatchObject({ method: 'elicitation/create', params: { mode: 'form' } });
    await post(t.mcpUrl, { jsonrpc: '2.0', id: question.id, result: { action: 'decline' } }, { ...bearer(keys.owner), ...session });
    const answer = (await messages.next()).value;
    expect(answer).toMatchObject({ id: 7, result: { isError: true, structuredContent: { success: false, error_code: 'declined' } } });
    expect(await callRowsTo(own.businessId, to)).toEqual([]);
  });

  it('does not ask the user to confirm a call the gates would refuse', async () => {
    const asked: ElicitRequest[] = [];
    const c = await elicitingClient(() => ({ action: 'accept', content: { confirm: true } }), asked);
    try {
      const invalid = await call(c, 'make_call', { agent_id: own.agentId, to: '+1415555', idempotency_key: randomUUID() });
      expect(invalid.structured.error_code).toBe('invalid_phone_number');
      const missingAgent = await call(c, 'make_call', { agent_id: other.agentId, to: ANSWERS, idempotency_key: randomUUID() });
      expect(missingAgent.structured.error_code).toBe('not_found');
    } finally {
      await c.close();
    }
    expect(asked).toHaveLength(0);
  });

  it('security: another business agent or lead reads as not found, and nothing is placed', async () => {
    const to = '+14155550101';
    const agent = await call(client, 'make_call', { agent_id: other.agentId, to, idempotency_key: randomUUID() });
    expect(agent.structured).toEqual({ success: false, error: 'Agent not found', error_code: 'not_found' });
    const lead = await call(client, 'make_call', { agent_id: own.agentId, to, lead_id: other.leadId, idempotency_key: randomUUID() });
    expect(lead.structured).toEqual({ success: false, error: 'Lead not found', error_code: 'not_found' });
    expect(await callRowsTo(own.businessId, to)).toEqual([]);
    expect(await callRowsTo(other.businessId, to)).toEqual([]);
  });

  it('refuses malformed arguments with a message naming the field', async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ agent_id: 'agent-1', to: ANSWERS, idempotency_key: randomUUID() }, /agent_id/],
      [{ agent_id: own.agentId, to: ANSWERS, idempotency_key: 'short' }, /idempotency_key/],
      [{ agent_id: own.agentId, to: ANSWERS }, /idempotency_key/],
      [{ agent_id: own.agentId, to: ANSWERS, idempotency_key: randomUUID(), scheduled_at: 'tomorrow' }, /scheduled_at/],
      [{ agent_id: own.agentId, to: ANSWERS, idempotency_key: randomUUID(), extra: 1 }, /extra/],
    ];
    for (const [args, field] of cases) {
      const result = await client.callTool({ name: 'make_call', arguments: args });
      expect(result.isError).toBe(true);
      expect((result.content as { text: string }[])[0]!.text).toMatch(field);
    }
    const past = await call(client, 'make_call', { agent_id: own.agentId, to: ANSWERS, idempotency_key: randomUUID(), scheduled_at: '2020-01-01T00:00:00Z' });
    expect(past.structured).toMatchObject({ success: false, error_code: 'invalid_argument' });
    expect(past.structured.error).toMatch(/scheduled_at/);
  });

  it('schedules a call for later without dialling it now', async () => {
    const to = '+13125550142';
    const at = new Date(Date.now() + 2 * 3600_000).toISOString();
    const result = await call(client, 'make_call', { agent_id: own.agentId, to, idempotency_key: randomUUID(), scheduled_at: at });
    expect(result.isError).toBe(false);
    expect(result.structured.call).toMatchObject({ status: 'queued', scheduled_at: at });
    expect(result.text).toMatch(/scheduled/);
  });

  it('security: a read-only key is refused with the missing scope, and the refusal is audited', async () => {
    const { client: readOnly } = await connectClient(t.mcpUrl, { headers: bearer(keys.readOnly) });
    try {
      for (const [name, args] of [
        ['make_call', { agent_id: own.agentId, to: '+14155550101', idempotency_key: randomUUID() }],
        ['send_sms', { from_agent_id: own.agentId, to: '+14155550101', message: 'hi', idempotency_key: randomUUID() }],
        [
          'create_campaign',
          { name: 'x', agent_id: own.agentId, lead_ids: [own.leadId], cadence: { attempts: 1, spacing_minutes: 60, window_start: '09:00', window_end: '17:00' } },
        ],
      ] as const) {
        const result = await call(readOnly, name, args);
        expect(result.isError).toBe(true);
        expect(result.structured.error_code).toBe('missing_scope');
        expect(result.structured.error).toBe(`Missing required scope: ${name === 'send_sms' ? 'sms:write' : 'calls:write'}`);
      }
    } finally {
      await readOnly.close();
    }
    expect(await callRowsTo(own.businessId, '+14155550101')).toEqual([]);
  });

  it('audits each call with the number masked', async () => {
    const rows = await t.app.db.kysely
      .selectFrom('audit_log')
      .select(['action', 'outcome', 'error_code', 'details'])
      .where('business_id', '=', own.businessId)
      .where('action', '=', 'make_call')
      .execute();
    expect(rows.some((r) => r.outcome === 'success')).toBe(true);
    expect(rows.some((r) => r.error_code === 'do_not_call')).toBe(true);
    expect(rows.some((r) => r.error_code === 'declined')).toBe(true);
    expect(rows.some((r) => r.outcome === 'denied' && r.error_code === 'missing_scope')).toBe(true);
    const text = JSON.stringify(rows.map((r) => r.details));
    expect(text).not.toContain(ANSWERS);
    expect(text).not.toContain('+14155550142');
    expect(text).toContain('•••0123');
  });
});

describe('send_sms', () => {
  it('sends a text from an agent line and logs it', async () => {
    const key = randomUUID();
    const sent = await call(client, 'send_sms', {
      from_agent_id: own.agentId,
      to: own.leadPhone,
      message: 'Your appointment is confirmed.',
      idempotency_key: key,
      lead_id: own.leadId,
    });
    expect(sent.isError).toBe(false);
    expect(sent.structured).toMatchObject({
      replayed: false,
      message: {
        direction: 'outbound',
        status: 'sent',
        from: own.agentNumber,
        to: own.leadPhone,
        agent_id: own.agentId,
        lead_id: own.leadId,
        body: 'Your appointment is confirmed.',
      },
    });
    const again = await call(client, 'send_sms', {
      from_agent_id: own.agentId,
      to: own.leadPhone,
      message: 'Your appointment is confirmed.',
      idempotency_key: key,
      lead_id: own.leadId,
    });
    expect(again.structured).toMatchObject({ replayed: true, message: { id: sent.structured.message.id } });
    const rows = await t.app.db.kysely.selectFrom('sms_messages').select('id').where('business_id', '=', own.businessId).where('direction', '=', 'outbound').execute();
    expect(rows).toHaveLength(1);

    const audit = await t.app.db.kysely.selectFrom('audit_log').select('details').where('business_id', '=', own.businessId).where('action', '=', 'send_sms').execute();
    const text = JSON.stringify(audit);
    expect(text).not.toContain('appointment is confirmed');
    expect(text).not.toContain(own.leadPhone);
  });

  it('refuses a recipient who replied STOP (opted_out)', async () => {
    const phone = '+14155550150';
    await t.app.domain.sms.receiveInboundSms({ to: own.agentNumber, from: phone, body: 'STOP' });
    const result = await call(client, 'send_sms', { from_agent_id: own.agentId, to: phone, message: 'Still there?', idempotency_key: randomUUID() });
    expect(result).toMatchObject({ isError: true, structured: { success: false, error_code: 'opted_out' } });
    expect(result.structured.error).toMatch(/STOP/);
  });

  it('refuses a lead whose automation is paused (automation_paused)', async () => {
    const lead = await t.app.db.kysely
      .insertInto('leads')
      .values({ business_id: own.businessId, name: 'Paused Lead', phone: '+14155550101', automation_paused: true })
      .returning('id')
      .executeTakeFirstOrThrow();
    const result = await call(client, 'send_sms', { from_agent_id: own.agentId, to: '+14155550101', message: 'Hello', idempotency_key: randomUUID(), lead_id: lead.id });
    expect(result).toMatchObject({ isError: true, structured: { success: false, error_code: 'automation_paused' } });
    expect(result.structured.error).toContain(lead.id);
  });

  it(`refuses the text beyond ${SMS_PER_MINUTE} a minute (rate_limited), naming when to retry`, async () => {
    const { client: busyClient } = await connectClient(t.mcpUrl, { headers: bearer(keys.busyOwner) });
    try {
      for (let i = 0; i < SMS_PER_MINUTE; i++) {
        const ok = await call(busyClient, 'send_sms', { from_agent_id: busy.agentId, to: busy.leadPhone, message: `Note ${i}`, idempotency_key: randomUUID() });
        expect(ok.isError, ok.text).toBe(false);
      }
      const refused = await call(busyClient, 'send_sms', { from_agent_id: busy.agentId, to: busy.leadPhone, message: 'One too many', idempotency_key: randomUUID() });
      expect(refused).toMatchObject({ isError: true, structured: { success: false, error_code: 'rate_limited' } });
      expect(refused.structured.error).toMatch(/limit 3.*retry in \d+ s/);
    } finally {
      await busyClient.close();
    }
  });

  it('security: another business agent reads as not found; bad input names the field', async () => {
    const cross = await call(client, 'send_sms', { from_agent_id: other.agentId, to: '+14155550101', message: 'Hi', idempotency_key: randomUUID() });
    expect(cross.structured).toEqual({ success: false, error: 'Agent not found', error_code: 'not_found' });
    const crossLead = await call(client, 'send_sms', { from_agent_id: own.agentId, to: '+14155550101', message: 'Hi', idempotency_key: randomUUID(), lead_id: other.leadId });
    expect(crossLead.structured.error_code).toBe('not_found');
    const invalid = await call(client, 'send_sms', { from_agent_id: own.agentId, to: '4155550101', message: 'Hi', idempotency_key: randomUUID() });
    expect(invalid.structured.error_code).toBe('invalid_phone_number');
    for (const [args, field] of [
      [{ from_agent_id: own.agentId, to: '+14155550101', message: '', idempotency_key: randomUUID() }, /message/],
      [{ from_agent_id: own.agentId, to: '+14155550101', message: 'x'.repeat(1601), idempotency_key: randomUUID() }, /message/],
      [{ from_agent_id: own.agentId, to: '+14155550101', message: 'Hi' }, /idempotency_key/],
    ] as const) {
      const result = await client.callTool({ name: 'send_sms', arguments: args });
      expect(result.isError).toBe(true);
      expect((result.content as { text: string }[])[0]!.text).toMatch(field);
    }
  });
});

describe('create_campaign', () => {
  const cadence = { attempts: 2, spacing_minutes: 60, window_start: '00:00', window_end: '24:00' };
  let leads: string[] = [];

  beforeAll(async () => {
    const rows = await t.app.db.kysely
      .insertInto('leads')
      .values([
        { business_id: own.businessId, name: 'Camp One', phone: '+13125550161' },
        { business_id: own.businessId, name: 'Camp Two', phone: '+13125550162' },
      ])
      .returning('id')
      .execute();
    leads = rows.map((r) => r.id);
  });

  it('security: a key issued by a plain member is refused (admin role required), and nothing is created', async () => {
    const { client: memberClient } = await connectClient(t.mcpUrl, { headers: bearer(keys.member) });
    try {
      const result = await call(memberClient, 'create_campaign', { name: 'Spring follow-up', agent_id: own.agentId, lead_ids: leads, cadence, launch: true });
      expect(result).toMatchObject({ isError: true, structured: { success: false, error_code: 'forbidden' } });
      expect(result.structured.error).toMatch(/admin role/);
    } finally {
      await memberClient.close();
    }
    expect(await t.app.db.kysely.selectFrom('campaigns').select('id').where('business_id', '=', own.businessId).execute()).toEqual([]);
  });

  it('an admin creates and launches it; the dialer then places its calls through the gates', async () => {
    const created = await call(client, 'create_campaign', {
      name: 'Spring follow-up',
      agent_id: own.agentId,
      lead_ids: leads,
      cadence,
      launch: true,
      idempotency_key: randomUUID(),
    });
    expect(created.isError).toBe(false);
    expect(created.structured).toMatchObject({
      replayed: false,
      campaign: { name: 'Spring follow-up', status: 'active', agent_id: own.agentId, cadence, lead_counts: { total: 2, queued: 2, pending: 0 } },
    });
    expect(created.structured.campaign.launched_at).not.toBeNull();
    const campaignId = created.structured.campaign.id as string;

    await t.app.jobs.runOnce();
    const calls = await t.app.db.kysely.selectFrom('calls').select(['lead_id', 'to_number', 'agent_id']).where('campaign_id', '=', campaignId).execute();
    expect(calls.map((c) => c.lead_id).sort()).toEqual([...leads].sort());
    expect(calls.every((c) => c.agent_id === own.agentId)).toBe(true);
  });

  it('a draft is created without launching; its idempotency_key replays the same campaign', async () => {
    const args = { name: 'Draft only', agent_id: own.agentId, lead_ids: [leads[0]], cadence, idempotency_key: randomUUID() };
    const first = await call(client, 'create_campaign', args);
    expect(first.structured.campaign).toMatchObject({ status: 'draft', launched_at: null, lead_counts: { total: 1, pending: 1, queued: 0 } });
    const again = await call(client, 'create_campaign', args);
    expect(again.structured).toMatchObject({ replayed: true, campaign: { id: first.structured.campaign.id } });
    const rows = await t.app.db.kysely.selectFrom('campaigns').select('id').where('business_id', '=', own.businessId).where('name', '=', 'Draft only').execute();
    expect(rows).toHaveLength(1);
  });

  it('security: another business agent or leads read as not found; a bad cadence names its field', async () => {
    const agent = await call(client, 'create_campaign', { name: 'x', agent_id: other.agentId, lead_ids: leads, cadence });
    expect(agent.structured).toEqual({ success: false, error: 'Agent not found', error_code: 'not_found' });
    const lead = await call(client, 'create_campaign', { name: 'x', agent_id: own.agentId, lead_ids: [leads[0], other.leadId], cadence });
    expect(lead.structured.error_code).toBe('not_found');
    expect(lead.structured.error).toContain(other.leadId);
    expect(lead.structured.error).not.toContain(leads[0]);

    const inverted = await client.callTool({
      name: 'create_campaign',
      arguments: { name: 'x', agent_id: own.agentId, lead_ids: leads, cadence: { ...cadence, window_start: '18:00', window_end: '09:00' } },
    });
    expect(inverted.isError).toBe(true);
    expect((inverted.content as { text: string }[])[0]!.text).toMatch(/window_start/);
    const empty = await client.callTool({ name: 'create_campaign', arguments: { name: 'x', agent_id: own.agentId, lead_ids: [], cadence } });
    expect(empty.isError).toBe(true);
    expect((empty.content as { text: string }[])[0]!.text).toMatch(/lead_ids/);
  });
});
