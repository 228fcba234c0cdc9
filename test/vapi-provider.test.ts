// Vapi as the telephony provider (spec/voice-runtime.md §D), against a local fake of Vapi's API
// (test/helpers/vapi-fake.ts: Vapi's documented shapes, every request recorded, webhooks signed as
// Vapi signs them, sent twice and out of order). Our side is all real: the app, its database, the
// MCP tools, the in-call tools, the webhook route.
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiKey } from '../src/authz/api-keys.js';
import { createComplianceRepository } from '../src/domain/compliance/compliance.repository.js';
import { SCOPES } from '../src/scopes/index.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createTenant, type Tenant } from './helpers/domain-fixtures.js';
import { advertisedOutputSchemas, callChecked, connectClient, type Structured } from './helpers/mcp.js';
import { startFakeVapi, type FakeVapi } from './helpers/vapi-fake.js';

const SECRET = 'whsec_test_0123456789abcdef';
let fake: FakeVapi;
let t: TestApp;
let a: Tenant;
let owner: Client;
let outputSchemas: ReadonlyMap<string, object>;
let webhookUrl: string;
let fakeNumber: Record<string, unknown>;
let n = 0;
const key = () => `vapi-${Date.now()}-${n++}`;

const call = (name: string, args: Record<string, unknown> = {}) => callChecked(owner, name, args, { outputSchemas });
async function ok(name: string, args: Record<string, unknown> = {}): Promise<Structured> {
  const result = await call(name, args);
  expect(result.isError, result.text).toBe(false);
  return result.structured;
}
const k = () => t.app.db.kysely;
const eventRows = async () =>
  Number(
    (
      await k()
        .selectFrom('provider_events')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );
const callRow = (id: string) => k().selectFrom('calls').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const linkOf = (agentId: string) => k().selectFrom('provider_agent_links').selectAll().where('agent_id', '=', agentId).executeTakeFirst();
const posts = (pathPrefix: string) => fake.requests.filter((r) => r.method === 'POST' && r.path.startsWith(pathPrefix));
const send = (message: unknown, opts: Partial<Parameters<FakeVapi['sendWebhook']>[2]> = {}) => fake.sendWebhook(webhookUrl, message, { secret: SECRET, ...opts });

async function placeCall(extra: Record<string, unknown> = {}): Promise<{ id: string; providerCallId: string }> {
  const placed = await ok('make_call', { agent_id: a.agentId, to: '+14155550123', idempotency_key: key(), ...extra });
  const id = (placed.call as { id: string }).id;
  const row = await callRow(id);
  return { id, providerCallId: row.provider_call_id! };
}

beforeAll(async () => {
  fake = await startFakeVapi();
  t = await startTestApp({
    TELEPHONY_PROVIDER: 'vapi',
    VAPI_API_KEY: fake.apiKey,
    VAPI_BASE_URL: fake.url,
    VAPI_WEBHOOK_SECRET: SECRET,
    VAPI_TIMEOUT_MS: '1000',
    // The job runs only when a test asks (t.app.jobs.runOnce), so what the fake records is the test's doing.
    DIALER_INTERVAL_MS: '3600000',
    CONTACT_HOURS_START: '00:00',
    CONTACT_HOURS_END: '24:00',
    RATE_LIMIT_CALLS_PER_MINUTE: '1000',
  });
  webhookUrl = `${t.listenUrl}/webhooks/vapi`;
  a = await createTenant(t.app.db, 'vapi');
  fakeNumber = fake.addPhoneNumber(a.agentNumber, { name: 'Front desk' });
  const ownerKey = (await issueApiKey(k(), { businessId: a.businessId, name: 'vapi-owner', scopes: SCOPES, createdBy: a.owner.id })).key;
  owner = (await connectClient(t.mcpUrl, { headers: { authorization: `Bearer ${ownerKey}` } })).client;
  outputSchemas = await advertisedOutputSchemas(owner);
}, 60_000);

afterAll(async () => {
  await owner?.close();
  await t?.stop();
  await fake?.close();
});

describe('agents are kept as Vapi assistants', () => {
  it('create_agent → an assistant exists at the fake with our in-call surface as its MCP tool, carrying a working runtime key', async () => {
    const created = await ok('create_agent', {
      name: 'Night line',
      first_message: 'Hi {{name}}, thanks for calling.',
      instructions: 'You answer after hours.',
      voice: 'alloy',
      transcriber: 'deepgram:nova-3',
      idempotency_key: key(),
    });
    const agentId = (created.agent as { id: string }).id;
    // create_agent answers once the assistant exists.
    expect((created.agent as { voice_provider: string }).voice_provider).toMatch(/^vapi assistant \S+: in step \(synced /);
    const assistant = [...fake.assistants.values()].find((x) => (x.metadata as Record<string, string>)?.kaicalls_agent_id === agentId);
    expect(assistant, 'assistant at the fake').toBeDefined();
    expect(assistant).toMatchObject({
      name: 'Night line',
      firstMessage: 'Hi {{name}}, thanks for calling.',
      firstMessageMode: 'assistant-speaks-first',
      model: { provider: 'openai', model: 'gpt-4o', messages: [{ role: 'system', content: 'You answer after hours.' }] },
      voice: { provider: 'openai', voiceId: 'alloy' },
      transcriber: { provider: 'deepgram', model: 'nova-3', language: 'en-US' },
      server: { url: `${t.baseUrl}/webhooks/vapi`, headers: { 'X-Vapi-Secret': SECRET } },
    });
    const [toolId] = (assistant!.model as { toolIds: string[] }).toolIds;
    const tool = fake.tools.get(toolId!)!;
    expect(tool).toMatchObject({
      type: 'mcp',
      server: { url: `${t.mcpUrl}/in-call`, headers: { account_id: a.businessId, persona_id: agentId } },
      metadata: { protocol: 'shttp' },
    });
    const runtimeKey = (tool.server as { headers: Record<string, string> }).headers['X-API-Key']!;
    expect(runtimeKey).toMatch(/^kc_rt_/);
    const link = await linkOf(agentId);
    expect(link).toMatchObject({ assistant_id: assistant!.id, tool_id: toolId, last_error: null });

    // The key the tool carries opens the in-call surface for this agent's calls (Vapi adds X-Call-Id).
    const callId = (
      await k()
        .insertInto('calls')
        .values({
          business_id: a.businessId,
          agent_id: agentId,
          direction: 'inbound',
          status: 'in-progress',
          to_number: a.agentNumber,
          from_number: '+14155550142',
          provider: 'vapi',
          provider_call_id: 'vapi-live-1',
        })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
    const { client } = await connectClient(`${t.mcpUrl}/in-call`, { headers: { ...(tool.server as { headers: Record<string, string> }).headers, 'X-Call-Id': 'vapi-live-1' } });
    try {
      const answer = await client.callTool({ name: 'is_office_open', arguments: {} });
      expect(answer.isError ?? false).toBe(false);
    } finally {
      await client.close();
    }
    expect(callId).toBeTruthy();
  });

  it('an agent changed since its sync is pushed by the job (PATCH of the same assistant)', async () => {
    // The tenant's own agent is synced first (make_call below would do it too).
    await t.app.domain.providerSync.ensure(a.businessId, a.agentId);
    const before = (await linkOf(a.agentId))!;
    await k()
      .updateTable('agents')
      .set({ name: 'Front desk (renamed)', updated_at: new Date(Date.now() + 1000) })
      .where('id', '=', a.agentId)
      .execute();
    const patches = () => fake.requests.filter((r) => r.method === 'PATCH' && r.path === `/assistant/${before.assistant_id}`).length;
    const patchesBefore = patches();
    await t.app.jobs.runOnce();
    expect(patches()).toBe(patchesBefore + 1);
    expect(fake.assistants.get(before.assistant_id!)!.name).toBe('Front desk (renamed)');
    expect(await linkOf(a.agentId)).toMatchObject({ assistant_id: before.assistant_id, runtime_key_id: before.runtime_key_id, last_error: null });
    // Nothing changed since: the next pass sends nothing.
    await t.app.jobs.runOnce();
    expect(patches()).toBe(patchesBefore + 1);
  });

  it("a revoked runtime key is replaced by the job: Vapi's tool gets a new key, the old one stays revoked", async () => {
    const before = (await linkOf(a.agentId))!;
    const oldKey = (fake.tools.get(before.tool_id!)!.server as { headers: Record<string, string> }).headers['X-API-Key'];
    await k().updateTable('api_keys').set({ revoked_at: new Date() }).where('id', '=', before.runtime_key_id!).execute();
    await t.app.jobs.runOnce();
    const after = (await linkOf(a.agentId))!;
    expect(after).toMatchObject({ assistant_id: before.assistant_id, tool_id: before.tool_id });
    expect(after.runtime_key_id).not.toBe(before.runtime_key_id);
    const newKey = (fake.tools.get(after.tool_id!)!.server as { headers: Record<string, string> }).headers['X-API-Key'];
    expect(newKey).toMatch(/^kc_rt_/);
    expect(newKey).not.toBe(oldKey);
    expect(fake.requests.filter((r) => r.method === 'PATCH' && r.path === `/tool/${before.tool_id}`).length).toBeGreaterThanOrEqual(1);
    const keys = await k().selectFrom('api_keys').select(['id', 'revoked_at']).where('id', 'in', [before.runtime_key_id!, after.runtime_key_id!]).execute();
    expect(keys.find((x) => x.id === before.runtime_key_id)!.revoked_at).not.toBeNull();
    expect(keys.find((x) => x.id === after.runtime_key_id)!.revoked_at).toBeNull();
  });

  it('Vapi down while syncing: the failure is recorded on the link and retried after a backoff, and the agent is synced once Vapi is back', async () => {
    await k()
      .updateTable('agents')
      .set({ max_call_duration_seconds: 900, updated_at: new Date(Date.now() + 2000) })
      .where('id', '=', a.agentId)
      .execute();
    fake.fail({ method: 'PATCH', pathPrefix: '/assistant' }, { status: 503 }, Number.POSITIVE_INFINITY);
    await t.app.jobs.runOnce();
    const failed = (await linkOf(a.agentId))!;
    expect(failed.last_error).toMatch(/Vapi answered HTTP 503/);
    expect(failed.attempts).toBe(1);
    expect(failed.retry_after!.getTime()).toBeGreaterThan(Date.now());
    const shown = await ok('get_agent', { agent_id: a.agentId });
    expect((shown.agent as { voice_provider: string }).voice_provider).toBe(
      `vapi assistant ${failed.assistant_id}: behind, last sync failed (retried): Vapi answered HTTP 503: Service Unavailable`,
    );
    fake.heal();
    // Within the backoff the job leaves it; a call being placed does not wait for the backoff.
    await k()
      .updateTable('provider_agent_links')
      .set({ retry_after: new Date(Date.now() - 1000) })
      .where('agent_id', '=', a.agentId)
      .execute();
    await t.app.jobs.runOnce();
    expect(await linkOf(a.agentId)).toMatchObject({ last_error: null, attempts: 0 });
    expect(fake.assistants.get(failed.assistant_id!)!.maxDurationSeconds).toBe(900);
  });

  it("phone numbers are listed from Vapi: list_phone_numbers shows Vapi's id of each number it holds", async () => {
    await t.app.domain.providerSync.syncNumbers();
    const listed = await ok('list_phone_numbers');
    const line = (listed.phone_numbers as Array<{ number: string; provider: string; provider_number_id: string | null }>).find((p) => p.number === a.agentNumber);
    expect(line).toMatchObject({ provider: 'vapi', provider_number_id: fakeNumber.id });
  });
});

describe('make_call through Vapi', () => {
  it('creates one call at the fake with the right assistant, number, customer and variable values', async () => {
    const before = posts('/call').length;
    const { id, providerCallId } = await placeCall({ name: 'Pat Lead', variable_values: { name: 'Pat', slot: 'Tuesday 10am' } });
    expect(posts('/call').length).toBe(before + 1);
    const link = (await linkOf(a.agentId))!;
    const sent = fake.calls.get(providerCallId)!;
    expect(sent).toMatchObject({
      assistantId: link.assistant_id,
      phoneNumberId: fakeNumber.id,
      customer: { number: '+14155550123', name: 'Pat Lead' },
      assistantOverrides: { variableValues: { name: 'Pat', slot: 'Tuesday 10am' }, metadata: { kaicalls_business_id: a.businessId, kaicalls_call_id: id } },
    });
    expect(await callRow(id)).toMatchObject({ status: 'queued', provider: 'vapi', provider_call_id: providerCallId });
  });

  it('a scheduled call is handed to Vapi with schedulePlan.earliestAt', async () => {
    const at = new Date(Date.now() + 3600_000);
    const { id, providerCallId } = await placeCall({ scheduled_at: at.toISOString() });
    expect(fake.calls.get(providerCallId)).toMatchObject({ status: 'scheduled', schedulePlan: { earliestAt: at.toISOString() } });
    expect(await callRow(id)).toMatchObject({ status: 'queued', dialed_at: null });
  });

  it('a scheduled call the gates refuse when it is due is withdrawn at Vapi (DELETE) and recorded canceled; an allowed one is left to Vapi', async () => {
    const at = new Date(Date.now() + 3600_000).toISOString();
    const blocked = await placeCall({ to: '+14155550166', scheduled_at: at });
    const allowed = await placeCall({ scheduled_at: at });
    await t.app.db.forBusiness(a.businessId, (tx) =>
      createComplianceRepository(tx, a.businessId).addBlock({ phone: '+14155550166', kind: 'do_not_call', reason: 'asked', source: 'staff' }),
    );
    const postsBefore = posts('/call').length;
    await t.app.jobs.runOnce(new Date(Date.now() + 2 * 3600_000));
    expect(fake.requests.filter((r) => r.method === 'DELETE' && r.path === `/call/${blocked.providerCallId}`)).toHaveLength(1);
    expect(fake.calls.has(blocked.providerCallId)).toBe(false);
    expect(await callRow(blocked.id)).toMatchObject({ status: 'canceled', failure_reason: expect.stringMatching(/do_not_call/) });
    // Vapi dials the allowed one itself: nothing is posted again, and it now counts as placed.
    expect(posts('/call').length).toBe(postsBefore);
    expect(fake.requests.filter((r) => r.method === 'DELETE' && r.path === `/call/${allowed.providerCallId}`)).toHaveLength(0);
    const row = await callRow(allowed.id);
    expect(row.status).toBe('queued');
    expect(row.dialed_at).not.toBeNull();
  });

  it('Vapi answering 500: make_call answers provider_unavailable, the call is recorded failed, a retry with the same key dials nothing', async () => {
    fake.fail({ method: 'POST', pathPrefix: '/call' }, { status: 500 }, 5);
    const before = posts('/call').length;
    const args = { agent_id: a.agentId, to: '+14155550123', idempotency_key: key() };
    const first = await call('make_call', args);
    expect(first.isError).toBe(true);
    expect(first.structured.error_code).toBe('provider_unavailable');
    expect(first.text).toMatch(/Vapi answered HTTP 500/);
    const again = await call('make_call', args);
    expect(again.structured.error_code).toBe('provider_unavailable');
    expect(posts('/call').length - before).toBe(1);
    fake.heal();
    const failed = await k()
      .selectFrom('calls')
      .selectAll()
      .where('business_id', '=', a.businessId)
      .where('status', '=', 'failed')
      .orderBy('created_at', 'desc')
      .executeTakeFirstOrThrow();
    expect(failed.failure_reason).toMatch(/did not accept the call: Vapi answered HTTP 500/);
  });

  it('Vapi hanging: make_call answers within the timeout with provider_unavailable and the call is recorded failed', async () => {
    fake.fail({ method: 'POST', pathPrefix: '/call' }, 'hang', 1);
    const started = Date.now();
    const result = await call('make_call', { agent_id: a.agentId, to: '+14155550123', idempotency_key: key() });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(result.structured.error_code).toBe('provider_unavailable');
    expect(result.text).toMatch(/Vapi did not answer within 1 s/);
    fake.heal();
  });
});

describe('POST /webhooks/vapi', () => {
  it('status updates twice and out of order, then the end-of-call report: completed, never moved backwards, with transcript, summary, recording and ended reason', async () => {
    const { id, providerCallId } = await placeCall();
    const sent = await fake.playCall(webhookUrl, providerCallId, {
      secret: SECRET,
      report: {
        endedReason: 'customer-ended-call',
        transcript: 'AI: Hello Pat.\nUser: Hi!',
        summary: 'Pat confirmed Tuesday.',
        recordingUrl: 'https://storage.vapi.ai/rec-1.wav',
        cost: 0.42,
        durationSeconds: 61,
      },
    });
    expect(
      sent.every((s) => s.response === 200),
      JSON.stringify(sent),
    ).toBe(true);
    const status = await ok('check_call_status', { call_id: id });
    expect(status.call).toMatchObject({
      status: 'completed',
      ended_reason: 'customer-ended-call',
      recording_url: 'https://storage.vapi.ai/rec-1.wav',
      summary: 'Pat confirmed Tuesday.',
    });
    const transcript = await ok('get_transcript', { call_id: id });
    expect(JSON.stringify(transcript)).toContain('Hi!');
    expect(await callRow(id)).toMatchObject({ status: 'completed', cost_usd: 0.42, duration_seconds: 61 });
    const audit = await k()
      .selectFrom('audit_log')
      .select('action')
      .where('business_id', '=', a.businessId)
      .where(sql<boolean>`details @> ${JSON.stringify({ call_id: id })}::jsonb`)
      .execute();
    const actions = audit.map((r) => r.action);
    expect(actions.filter((x) => x === 'call.in-progress')).toHaveLength(1);
    expect(actions.filter((x) => x === 'call.completed')).toHaveLength(1);
  });

  it('an assistant-request for an inbound call to an agent’s number is answered with that agent within 1 s', async () => {
    await t.app.domain.providerSync.ensure(a.businessId, a.agentId);
    const link = (await linkOf(a.agentId))!;
    const message = fake.messages.assistantRequest({ phoneNumber: fakeNumber, customerNumber: '+14155550142' });
    const answer = await send(message);
    expect(answer.status).toBe(200);
    expect(answer.ms).toBeLessThan(1000);
    expect(answer.body.assistantId).toBe(link.assistant_id);
    const providerCallId = (message.message.call as { id: string }).id;
    const row = await k().selectFrom('calls').selectAll().where('provider_call_id', '=', providerCallId).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ direction: 'inbound', agent_id: a.agentId, status: 'ringing', from_number: '+14155550142' });
    expect(answer.body.assistantOverrides.metadata).toEqual({ kaicalls_business_id: a.businessId, kaicalls_call_id: row.id });
    // Announced twice: still one call.
    await send(message);
    expect(await k().selectFrom('calls').select('id').where('provider_call_id', '=', providerCallId).execute()).toHaveLength(1);
  });

  it('an assistant-request for a number that is not ours is answered with an error, and nothing is recorded', async () => {
    const answer = await send(fake.messages.assistantRequest({ phoneNumber: { id: 'pn-x', number: '+19995550100' }, customerNumber: '+14155550142' }));
    expect(answer.status).toBe(200);
    expect(answer.body.error).toMatch(/not one of this deployment's numbers/);
  });

  it('tool-calls run the in-call tools once: a repeated delivery answers the same without running them again', async () => {
    const { providerCallId } = await placeCall();
    await send(fake.messages.statusUpdate(fake.calls.get(providerCallId)!, 'in-progress'));
    const message = fake.messages.toolCalls(fake.calls.get(providerCallId)!, [{ id: 'tc-1', name: 'is_office_open', arguments: {} }]);
    const first = await send(message);
    expect(first.status).toBe(200);
    expect(first.body.results).toHaveLength(1);
    expect(first.body.results[0]).toMatchObject({ toolCallId: 'tc-1', name: 'is_office_open' });
    expect(first.body.results[0].result).toMatch(/open|closed/i);
    const second = await send(message);
    expect(second.body).toEqual(first.body);
    const runs = await k()
      .selectFrom('audit_log')
      .select('id')
      .where('business_id', '=', a.businessId)
      .where('action', '=', 'in_call.is_office_open')
      .where('actor_id', '=', 'telephony:vapi')
      .execute();
    expect(runs).toHaveLength(1);
  });

  it('hangup_call through a tool-calls webhook ends the live call with Vapi’s live call control', async () => {
    const { id, providerCallId } = await placeCall();
    await send(fake.messages.statusUpdate(fake.calls.get(providerCallId)!, 'in-progress'));
    fake.calls.get(providerCallId)!.status = 'in-progress';
    const answer = await send(fake.messages.toolCalls(fake.calls.get(providerCallId)!, [{ id: 'tc-hang', name: 'hangup_call', arguments: {} }]));
    expect(answer.body.results[0].error, JSON.stringify(answer.body)).toBeUndefined();
    expect(fake.controls.filter((c) => c.callId === providerCallId)).toEqual([{ callId: providerCallId, body: { type: 'end-call' } }]);
    // The end itself arrives as Vapi reports it.
    await send(fake.messages.statusUpdate(fake.calls.get(providerCallId)!, 'ended', { endedReason: 'assistant-ended-call' }));
    expect(await callRow(id)).toMatchObject({ status: 'completed', ended_reason: 'assistant-ended-call' });
  });

  it('an event that cannot be applied when it arrives is still accepted (2xx), kept, and applied by the job', async () => {
    const { id, providerCallId } = await placeCall();
    // A real fault in our database, for this call only.
    await sql`create or replace function vapi_test_fault() returns trigger language plpgsql as $$ begin raise exception 'injected fault'; end $$`.execute(k());
    await sql
      .raw(`create trigger vapi_test_fault before update on calls for each row when (new.id = '${id}' and new.status = 'in-progress') execute function vapi_test_fault()`)
      .execute(k());
    try {
      const answer = await send(fake.messages.statusUpdate(fake.calls.get(providerCallId)!, 'in-progress'));
      expect(answer.status).toBe(200);
      expect(answer.body.outcome).toBe('deferred');
      expect((await callRow(id)).status).toBe('queued');
      // A repeat of it is recognised while it waits.
      expect((await send(fake.messages.statusUpdate(fake.calls.get(providerCallId)!, 'in-progress'))).body.outcome).toBe('duplicate');
    } finally {
      await sql`drop trigger if exists vapi_test_fault on calls`.execute(k());
    }
    await k()
      .updateTable('provider_events')
      .set({ received_at: new Date(Date.now() - 60_000) })
      .where('call_id', '=', id)
      .execute();
    expect(await t.app.domain.providerEvents.retryPending()).toBe(1);
    expect((await callRow(id)).status).toBe('in-progress');
    const event = await k().selectFrom('provider_events').selectAll().where('call_id', '=', id).executeTakeFirstOrThrow();
    expect(event).toMatchObject({ processed_at: expect.any(Date), payload: null, attempts: 1 });
  });

  it('tool-calls for a call we do not have: each answered with an error, nothing run or written', async () => {
    const rows = await eventRows();
    const answer = await send(fake.messages.toolCalls({ id: 'call-not-ours-2', orgId: 'org' }, [{ id: 'tc-x', name: 'is_office_open', arguments: {} }]));
    expect(answer.status).toBe(200);
    expect(answer.body.results).toEqual([{ toolCallId: 'tc-x', name: 'is_office_open', error: expect.stringMatching(/not known/) }]);
    expect(await eventRows()).toBe(rows);
  });

  it('an assistant-request that names no number called is answered with an error', async () => {
    const message = fake.messages.assistantRequest({ phoneNumber: { id: 'pn-y' }, customerNumber: '+14155550142' });
    const answer = await send(message);
    expect(answer.status).toBe(200);
    expect(answer.body.error).toMatch(/number called is not in the request/);
  });

  it('an event for a call we do not have is acknowledged and logged; nothing is written', async () => {
    const rows = await eventRows();
    const calls = Number(
      (
        await k()
          .selectFrom('calls')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
    const answer = await send(fake.messages.statusUpdate({ id: 'call-not-ours', orgId: 'org' }, 'in-progress'));
    expect(answer.status).toBe(200);
    expect(answer.body.outcome).toBe('unknown_call');
    expect(await eventRows()).toBe(rows);
    expect(
      Number(
        (
          await k()
            .selectFrom('calls')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      ),
    ).toBe(calls);
  });

  describe('credential failures: 401 or 400, nothing parsed, nothing written, counted in /metrics', () => {
    let target: { id: string; providerCallId: string };
    let message: ReturnType<FakeVapi['messages']['statusUpdate']>;
    beforeAll(async () => {
      target = await placeCall();
      message = fake.messages.statusUpdate(fake.calls.get(target.providerCallId)!, 'ringing');
    });
    async function refusedWith(status: number, opts: Partial<Parameters<FakeVapi['sendWebhook']>[2]>, reason: RegExp) {
      const rows = await eventRows();
      const answer = await send(message, opts);
      expect(answer.status).toBe(status);
      expect(answer.body.error_description).toMatch(reason);
      expect(await eventRows()).toBe(rows);
      expect((await callRow(target.id)).status).toBe('queued');
    }

    it('no credential → 401', () => refusedWith(401, { mode: 'none' }, /no credential/));
    it('a wrong signature (body changed after signing) → 401', () => refusedWith(401, { tamper: true }, /x-vapi-signature does not match/));
    it('a signature made with another secret → 401', () => refusedWith(401, { secret: 'whsec_another_secret_0000' }, /x-vapi-signature does not match/));
    it('a timestamp older than 5 minutes → 401', () => refusedWith(401, { timestamp: Math.floor(Date.now() / 1000) - 301 }, /more than 5 minutes/));
    it('a wrong X-Vapi-Secret → 401', () => refusedWith(401, { mode: 'bearer', secret: 'whsec_another_secret_0000' }, /X-Vapi-Secret is not the configured secret/));
    it('a body that is not JSON (validly signed) → 400', () => refusedWith(400, { rawBody: 'not json at all' }, /not JSON/));
    it("a body that is not Vapi's envelope (validly signed) → 400 naming the field", () => refusedWith(400, { rawBody: JSON.stringify({ hello: 'world' }) }, /message/));

    it('a body over BODY_LIMIT_BYTES → 413 before it is read; GET → 405', async () => {
      const rows = await eventRows();
      const big = await fetch(webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: `{"message":{"type":"status-update","pad":"${'x'.repeat(1_100_000)}"}}`,
      });
      expect(big.status).toBe(413);
      expect(await eventRows()).toBe(rows);
      const get = await fetch(webhookUrl);
      expect(get.status).toBe(405);
      expect(get.headers.get('allow')).toBe('POST');
    });

    it('the right X-Vapi-Secret (the legacy form) is accepted', async () => {
      const answer = await send(message, { mode: 'bearer' });
      expect(answer.status).toBe(200);
      expect((await callRow(target.id)).status).toBe('ringing');
    });

    it('refusals are counted in kaicalls_webhook_events_total', async () => {
      const metrics = await (await fetch(`${t.listenUrl}/metrics`)).text();
      const count = (outcome: string, type: string) =>
        Number(new RegExp(`kaicalls_webhook_events_total\\{provider="vapi",type="${type}",outcome="${outcome}"\\} (\\d+)`).exec(metrics)?.[1] ?? 0);
      expect(count('unauthorized', 'unverified')).toBeGreaterThanOrEqual(5);
      expect(count('bad_request', 'unknown')).toBeGreaterThanOrEqual(2);
      expect(count('applied', 'status-update')).toBeGreaterThanOrEqual(1);
    });
  });
});
