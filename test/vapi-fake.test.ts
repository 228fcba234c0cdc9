// The fake Vapi driven by the real SDK client: if the SDK accepts what the fake answers, an adapter
// built on that SDK meets the same paths and shapes in tests as against Vapi.
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { VapiClient, VapiError, VapiTimeoutError } from '@vapi-ai/server-sdk';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeVapi, startFakeVapi } from './helpers/vapi-fake.js';

let fake: FakeVapi;
let client: VapiClient;

beforeEach(async () => {
  fake = await startFakeVapi({ orgId: 'org-test' });
  client = new VapiClient({ token: fake.apiKey, baseUrl: fake.url, maxRetries: 0 });
});
afterEach(async () => {
  await fake.close();
});

/** A webhook receiver that keeps the exact bytes and headers it got, and answers 200 {ok:true}. */
async function receiver(): Promise<{ url: string; got: Array<{ raw: Buffer; headers: http.IncomingHttpHeaders }>; close(): Promise<void> }> {
  const got: Array<{ raw: Buffer; headers: http.IncomingHttpHeaders }> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({ raw: Buffer.concat(chunks), headers: req.headers });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/vapi/webhook`,
    got,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * SDK 2.0.1 aborts with the string reason 'timeout', which Node's fetch rethrows as is, so the SDK's
 * fetcher reports it as a plain VapiError (message '"timeout"', cause 'timeout', no statusCode)
 * rather than the VapiTimeoutError its handler would throw for an AbortError.
 */
const isSdkTimeout = (e: unknown): boolean => e instanceof VapiTimeoutError || (e instanceof VapiError && e.statusCode === undefined && e.cause === 'timeout');

const verifies = (secret: string, raw: Buffer, headers: http.IncomingHttpHeaders): boolean => {
  const expected = createHmac('sha256', secret)
    .update(`${String(headers['x-vapi-timestamp'])}.`)
    .update(raw)
    .digest();
  const given = Buffer.from(String(headers['x-vapi-signature'] ?? ''), 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
};

describe('fake Vapi REST API through @vapi-ai/server-sdk', () => {
  it('creates an MCP tool, an assistant and a call, records them, and lists phone numbers', async () => {
    const number = fake.addPhoneNumber('+14155550100', { name: 'Front desk' });

    const tool = await client.tools.create({ type: 'mcp', server: { url: 'https://mcp.example.test/mcp' }, metadata: { protocol: 'shttp' } });
    expect(tool).toMatchObject({ type: 'mcp', orgId: 'org-test', server: { url: 'https://mcp.example.test/mcp' } });
    expect(fake.tools.get(tool.id)).toEqual(tool);

    const assistant = await client.assistants.create({ name: 'Receptionist', model: { provider: 'openai', model: 'gpt-4o', toolIds: [tool.id] } });
    const renamed = await client.assistants.update({ id: assistant.id, name: 'Front desk receptionist' });
    expect(renamed).toMatchObject({ id: assistant.id, name: 'Front desk receptionist', model: { toolIds: [tool.id] }, createdAt: assistant.createdAt });
    expect((await client.assistants.get({ id: assistant.id })).name).toBe('Front desk receptionist');

    const created = await client.calls.create({
      assistantId: assistant.id,
      phoneNumberId: number.id as string,
      customer: { number: '+14155550199', name: 'Ada' },
      assistantOverrides: { variableValues: { bookingId: 'b-1' } },
    });
    // CreateCallsResponse is Call | CallBatchResponse; a single `customer` answers a Call.
    if (!('id' in created)) throw new Error('expected a single call');
    const stored = fake.calls.get(created.id)!;
    expect(stored).toMatchObject({
      type: 'outboundPhoneCall',
      status: 'queued',
      assistantId: assistant.id,
      phoneNumberId: number.id,
      customer: { number: '+14155550199', name: 'Ada' },
      assistantOverrides: { variableValues: { bookingId: 'b-1' } },
      monitor: { controlUrl: `${fake.url}/control/${created.id}` },
    });
    expect(await client.calls.get({ id: created.id })).toEqual(stored);

    const listed = await client.phoneNumbers.list();
    expect(listed).toEqual([number]);
    const page = await client.phoneNumbers.phoneNumberControllerFindAllPaginated({ limit: 10 });
    expect(page.metadata).toMatchObject({ totalItems: 1, currentPage: 1, itemsPerPage: 10 });

    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /tool',
      'POST /assistant',
      `PATCH /assistant/${assistant.id}`,
      `GET /assistant/${assistant.id}`,
      'POST /call',
      `GET /call/${created.id}`,
      'GET /phone-number',
      'GET /v2/phone-number',
    ]);
    expect(fake.requests[0]!.headers.authorization).toBe(`Bearer ${fake.apiKey}`);

    const scheduled = await client.calls.create({
      assistantId: assistant.id,
      phoneNumberId: number.id as string,
      customer: { number: '+14155550199' },
      schedulePlan: { earliestAt: '2030-01-01T10:00:00.000Z' },
    });
    expect('id' in scheduled && fake.calls.get(scheduled.id)?.status).toBe('scheduled');
  });

  it('rejects what Vapi rejects, with its status codes', async () => {
    const number = fake.addPhoneNumber('+14155550100');
    const assistant = await client.assistants.create({ name: 'A' });

    const noAssistant = await client.calls.create({ phoneNumberId: number.id as string, customer: { number: '+14155550199' } }).catch((e: unknown) => e);
    expect(noAssistant).toBeInstanceOf(VapiError);
    expect((noAssistant as VapiError).statusCode).toBe(400);
    expect((noAssistant as VapiError).body).toMatchObject({ statusCode: 400, message: expect.stringContaining('assistantId') });

    const badNumber = await client.calls.create({ assistantId: assistant.id, phoneNumberId: number.id as string, customer: { number: '415-555-0199' } }).catch((e: unknown) => e);
    expect((badNumber as VapiError).statusCode).toBe(400);
    expect((badNumber as VapiError).body).toMatchObject({ message: [expect.stringContaining('E.164')] });

    const missing = await client.assistants.get({ id: 'no-such-id' }).catch((e: unknown) => e);
    expect((missing as VapiError).statusCode).toBe(404);
    expect((missing as VapiError).body).toEqual({ message: 'Not Found', statusCode: 404 });

    const wrongKey = new VapiClient({ token: 'not-the-key', baseUrl: fake.url, maxRetries: 0 });
    const unauthorized = await wrongKey.phoneNumbers.list().catch((e: unknown) => e);
    expect((unauthorized as VapiError).statusCode).toBe(401);
    expect(fake.calls.size).toBe(0);
  });

  it('injects a 500 once, then heals; a hang times the SDK out and does not hold up close()', async () => {
    fake.fail({ method: 'POST', pathPrefix: '/assistant' }, { status: 500 });
    const failed = await client.assistants.create({ name: 'A' }).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(VapiError);
    expect((failed as VapiError).statusCode).toBe(500);
    expect((failed as VapiError).body).toMatchObject({ statusCode: 500 });
    await expect(client.assistants.create({ name: 'A' })).resolves.toMatchObject({ name: 'A' });

    fake.fail({ pathPrefix: '/phone-number' }, { status: 503 }, Number.POSITIVE_INFINITY);
    for (let i = 0; i < 2; i++) await expect(client.phoneNumbers.list()).rejects.toMatchObject({ statusCode: 503 });
    fake.heal();
    await expect(client.phoneNumbers.list()).resolves.toEqual([]);

    fake.fail({ method: 'GET', pathPrefix: '/call' }, 'hang');
    const started = Date.now();
    const hung = await client.calls.get({ id: 'any' }, { timeoutInSeconds: 1 }).catch((e: unknown) => e);
    expect(isSdkTimeout(hung)).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);

    fake.fail({ pathPrefix: '/call' }, 'hang');
    const pending = fetch(`${fake.url}/call`, { headers: { authorization: `Bearer ${fake.apiKey}` } }).catch((e: unknown) => e);
    await expect.poll(() => fake.requests.length).toBe(7);
    const closing = Date.now();
    await fake.close();
    expect(Date.now() - closing).toBeLessThan(2_000);
    expect(await pending).toBeInstanceOf(Error);
  });
});

describe('fake Vapi webhooks', () => {
  it('signs with HMAC-SHA256 over "<timestamp>.<raw body>", and can send broken or other credentials', async () => {
    const hook = await receiver();
    try {
      const secret = 'whsec-test';
      const msg = fake.messages.statusUpdate({ id: 'c1', orgId: 'org-test' }, 'ringing');
      const sent = await fake.sendWebhook(hook.url, msg, { secret });
      expect(sent).toMatchObject({ status: 200, body: { ok: true } });
      expect(sent.ms).toBeGreaterThanOrEqual(0);
      const [first] = hook.got;
      expect(JSON.parse(first!.raw.toString('utf8'))).toEqual(msg);
      expect(Math.abs(Number(first!.headers['x-vapi-timestamp']) - Date.now() / 1000)).toBeLessThan(5);
      expect(verifies(secret, first!.raw, first!.headers)).toBe(true);
      expect(verifies('another-secret', first!.raw, first!.headers)).toBe(false);

      await fake.sendWebhook(hook.url, msg, { secret, tamper: true });
      const tampered = hook.got[1]!;
      expect(() => JSON.parse(tampered.raw.toString('utf8'))).not.toThrow();
      expect(tampered.raw.equals(first!.raw)).toBe(false);
      expect(verifies(secret, tampered.raw, tampered.headers)).toBe(false);

      await fake.sendWebhook(hook.url, msg, { secret, rawBody: '{"message":{"type":"status-update"}}  ', timestamp: 1_000 });
      expect(hook.got[2]!.raw.toString('utf8')).toBe('{"message":{"type":"status-update"}}  ');
      expect(hook.got[2]!.headers['x-vapi-timestamp']).toBe('1000');
      expect(verifies(secret, hook.got[2]!.raw, hook.got[2]!.headers)).toBe(true);

      await fake.sendWebhook(hook.url, msg, { secret, mode: 'bearer' });
      expect(hook.got[3]!.headers['x-vapi-secret']).toBe(secret);
      expect(hook.got[3]!.headers['x-vapi-signature']).toBeUndefined();

      await fake.sendWebhook(hook.url, msg, { secret, mode: 'none' });
      await fake.sendWebhook(hook.url, msg, { secret, signatureHeader: 'X-Signature', timestampHeader: 'X-Timestamp' });
      expect(Object.keys(hook.got[4]!.headers).filter((h) => h.startsWith('x-vapi'))).toEqual([]);
      expect(hook.got[5]!.headers['x-signature']).toMatch(/^[0-9a-f]{64}$/);
      expect(hook.got[5]!.headers['x-vapi-signature']).toBeUndefined();
    } finally {
      await hook.close();
    }
  });

  it('builds the documented messages from the stored call', async () => {
    const number = fake.addPhoneNumber('+14155550100');
    const assistant = await client.assistants.create({ name: 'A' });
    const created = await client.calls.create({ assistantId: assistant.id, phoneNumberId: number.id as string, customer: { number: '+14155550199' } });
    const call = fake.calls.get((created as { id: string }).id)!;

    const report = fake.messages.endOfCallReport(call, {
      summary: 'Booked.',
      transcript: 'AI: Hi',
      recordingUrl: 'https://r.example/x.wav',
      cost: 0.5,
      durationSeconds: 30,
    }).message;
    expect(report).toMatchObject({
      type: 'end-of-call-report',
      endedReason: 'customer-ended-call',
      cost: 0.5,
      durationSeconds: 30,
      artifact: { transcript: 'AI: Hi', recordingUrl: 'https://r.example/x.wav', recording: { mono: { combinedUrl: 'https://r.example/x.wav' } } },
      analysis: { summary: 'Booked.' },
      call: { id: call.id, assistantId: assistant.id, phoneNumberId: number.id, customer: { number: '+14155550199' }, status: 'ended' },
      phoneNumber: number,
    });
    expect(Date.parse(report.endedAt as string) - Date.parse(report.startedAt as string)).toBe(30_000);
    expect(typeof report.timestamp).toBe('number');

    const tools = fake.messages.toolCalls(call, [{ name: 'book_appointment', arguments: { date: '2030-01-01' } }]).message;
    expect(tools).toMatchObject({
      type: 'tool-calls',
      toolCallList: [{ type: 'function', function: { name: 'book_appointment', arguments: { date: '2030-01-01' } } }],
      toolWithToolCallList: [{ type: 'function', toolCall: { function: { name: 'book_appointment' } } }],
      call: { id: call.id },
    });

    const inbound = fake.messages.assistantRequest({ phoneNumber: number, customerNumber: '+14155550123' }).message;
    expect(inbound).toMatchObject({
      type: 'assistant-request',
      phoneNumber: number,
      call: { orgId: 'org-test', type: 'inboundPhoneCall', status: 'ringing', phoneNumberId: number.id, customer: { number: '+14155550123' } },
    });
  });

  it('plays a call duplicated and out of order, signed, and records live-call control', async () => {
    const number = fake.addPhoneNumber('+14155550100');
    const assistant = await client.assistants.create({ name: 'A' });
    const created = await client.calls.create({ assistantId: assistant.id, phoneNumberId: number.id as string, customer: { number: '+14155550199' } });
    const callId = (created as { id: string }).id;
    const hook = await receiver();
    try {
      const played = await fake.playCall(hook.url, callId, { secret: 's3cret', report: { summary: 'Done.' } });
      expect(played.map((p) => p.status ?? p.type)).toEqual([
        'queued',
        'ringing',
        'ringing',
        'in-progress',
        'ended',
        'ringing',
        'in-progress',
        'end-of-call-report',
        'end-of-call-report',
      ]);
      expect(played.every((p) => p.response === 200)).toBe(true);
      expect(hook.got.every((g) => verifies('s3cret', g.raw, g.headers))).toBe(true);
      const bodies = hook.got.map((g) => JSON.parse(g.raw.toString('utf8')).message);
      expect(bodies[5].timestamp).toBe(bodies[1].timestamp);
      expect(bodies[4].timestamp).toBeGreaterThan(bodies[6].timestamp);
      expect(fake.calls.get(callId)).toMatchObject({ status: 'ended', endedReason: 'customer-ended-call', analysis: { summary: 'Done.' } });
    } finally {
      await hook.close();
    }

    const controlUrl = (fake.calls.get(callId)!.monitor as { controlUrl: string }).controlUrl;
    const transfer = { type: 'transfer', destination: { type: 'number', number: '+14155550111' } };
    expect((await fetch(controlUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(transfer) })).status).toBe(200);
    expect((await fetch(controlUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"type":"end-call"}' })).status).toBe(200);
    expect((await fetch(`${fake.url}/control/unknown`, { method: 'POST', body: '{"type":"end-call"}' })).status).toBe(404);
    expect(fake.controls).toEqual([
      { callId, body: transfer },
      { callId, body: { type: 'end-call' } },
    ]);
  });
});
