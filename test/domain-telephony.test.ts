// Calls and texts through the simulated provider against a real database: the call row exists
// before the provider is asked, calls progress on timers to each outcome, crashes leave failed
// calls (never unknown ones), texts honour STOP, and every provider event is audited.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createComplianceRepository } from '../src/domain/compliance/index.js';
import { simulatorRecordingsRouter } from '../src/providers/simulator/recordings.js';
import { SIMULATOR_TEST_NUMBERS } from '../src/providers/simulator/simulator.js';
import type { Call as CallView } from '../src/domain/calls/calls.types.js';
import type { TelephonyProvider } from '../src/providers/telephony.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { createTenant, eventually, keyActor, testTelephony, type Telephony, type Tenant } from './helpers/domain-fixtures.js';

let t: TestDatabase;
let a: Tenant;
let b: Tenant;
const started: Telephony[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
  a = await createTenant(t.db, 'tel-a');
  b = await createTenant(t.db, 'tel-b');
});
afterEach(async () => {
  for (const tel of started.splice(0)) await tel.stop();
});
afterAll(async () => t?.close());

function telephony(env: Record<string, string> = {}, extra: Parameters<typeof testTelephony>[2] = {}): Telephony {
  const tel = testTelephony(t.db, env, extra);
  started.push(tel);
  return tel;
}

const callRow = (id: string) => t.db.kysely.selectFrom('calls').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const ended = (id: string) =>
  eventually(async () => {
    const row = await callRow(id);
    return ['queued', 'ringing', 'in-progress'].includes(row.status) ? undefined : row;
  });
const auditActions = async (callId: string) =>
  (await t.db.kysely.selectFrom('audit_log').select(['action', 'details']).orderBy('created_at').execute())
    .filter((r) => (r.details as { call_id?: string }).call_id === callId)
    .map((r) => r.action);

describe('placing a call through the simulator', () => {
  it('records the call queued, then moves it to completed with duration, transcript, summary, outcome and recording', async () => {
    const tel = telephony();
    const call = await tel.calls.placeCall({
      businessId: a.businessId,
      actor: keyActor(a.keys.owner),
      agentId: a.agentId,
      to: SIMULATOR_TEST_NUMBERS.answers,
      leadId: a.leadId,
      context: 'the roof estimate',
    });
    expect(['queued', 'ringing']).toContain(call.status); // the 5 ms simulator may already be ringing
    expect(call).toMatchObject({ to: SIMULATOR_TEST_NUMBERS.answers, from: a.agentNumber, agentId: a.agentId, leadId: a.leadId, direction: 'outbound', provider: 'simulator' });
    expect(call.providerCallId).toMatch(/^sim_call_/);
    const done = await ended(call.id);
    expect(done.status).toBe('completed');
    expect(done.duration_seconds).toBeGreaterThanOrEqual(30);
    expect(done.transcript).toContain('the roof estimate');
    expect(done.transcript).toContain('Pat Lead');
    expect(done.summary).toMatch(/simulated call/);
    expect(done.outcome).toMatch(/^(appointment_requested|callback_requested|information_provided|not_interested)$/);
    expect(done.recording_url).toBe(`http://localhost:3000/simulator/recordings/${call.providerCallId}.wav`);
    expect(done.started_at).not.toBeNull();
    expect(done.ended_at).not.toBeNull();
    expect(await auditActions(call.id)).toEqual(['call.queued', 'call.ringing', 'call.in-progress', 'call.completed']);
  });

  it.each([
    [SIMULATOR_TEST_NUMBERS.busy, 'busy'],
    [SIMULATOR_TEST_NUMBERS.noAnswer, 'no-answer'],
    [SIMULATOR_TEST_NUMBERS.failed, 'failed'],
  ])('the test number %s ends %s', async (to, status) => {
    const tel = telephony();
    const call = await tel.calls.placeCall({ businessId: a.businessId, actor: keyActor(a.keys.owner), agentId: a.agentId, to });
    const done = await ended(call.id);
    expect(done.status).toBe(status);
    expect(done.transcript).toBeNull();
    expect(done.recording_url).toBeNull();
    if (status === 'failed') expect(done.failure_reason).toMatch(/could not connect/);
    expect((await auditActions(call.id)).at(-1)).toBe(`call.${status}`);
  });

  it('writes the call row before the provider is asked', async () => {
    let seenAtDial: string | undefined;
    const tel = telephony(
      {},
      {
        providers: {
          telephony: (): TelephonyProvider => ({
            name: 'inspecting',
            async dial(request) {
              seenAtDial = (await callRow(request.callId)).status;
              return { providerCallId: 'p-1' };
            },
            async lookup() {
              return 'unknown';
            },
            async transfer() {
              return 'unknown';
            },
            async hangup() {
              return 'unknown';
            },
            async stop() {
              return [];
            },
          }),
        },
      },
    );
    const call = await tel.calls.placeCall({ businessId: a.businessId, actor: keyActor(a.keys.owner), agentId: a.agentId, to: '+14155550131' });
    expect(seenAtDial).toBe('queued');
    expect(call.providerCallId).toBe('p-1');
  });

  it('a provider that refuses the call leaves a failed call with the reason (nothing thrown, nothing lost)', async () => {
    const tel = telephony(
      {},
      {
        providers: {
          telephony: (): TelephonyProvider => ({
            name: 'refusing',
            async dial() {
              throw new Error('account suspended');
            },
            async lookup() {
              return 'unknown';
            },
            async transfer() {
              return 'unknown';
            },
            async hangup() {
              return 'unknown';
            },
            async stop() {
              return [];
            },
          }),
        },
      },
    );
    const call = await tel.calls.placeCall({ businessId: a.businessId, actor: keyActor(a.keys.owner), agentId: a.agentId, to: '+14155550132' });
    expect(call.status).toBe('failed');
    expect(call.failureReason).toBe('The telephony provider did not accept the call: account suspended');
    expect(await auditActions(call.id)).toEqual(['call.queued', 'call.dial_failed']);
  });

  it('refuses through the gates with their own codes and records nothing', async () => {
    const tel = telephony();
    await t.db.forBusiness(a.businessId, (tx) =>
      createComplianceRepository(tx, a.businessId).addBlock({ phone: '+14155550133', kind: 'do_not_call', reason: null, source: 'staff' }),
    );
    const place = (to: string) => tel.calls.placeCall({ businessId: a.businessId, actor: keyActor(a.keys.owner), agentId: a.agentId, to });
    await expect(place('+14155550133')).rejects.toMatchObject({ code: 'do_not_call' });
    await expect(place('+1 415 555 0133')).rejects.toMatchObject({ code: 'invalid_phone_number', details: { field: 'to' } });
    const quiet = telephony({ CONTACT_HOURS_START: '08:00', CONTACT_HOURS_END: '21:00' }, { clock: () => new Date('2026-07-01T10:00:00Z') }); // 03:00 in LA
    await expect(quiet.calls.placeCall({ businessId: a.businessId, actor: keyActor(a.keys.owner), agentId: a.agentId, to: '+14155550134' })).rejects.toMatchObject({
      code: 'quiet_hours',
    });
    const rows = await t.db.kysely.selectFrom('calls').select('id').where('to_number', 'in', ['+14155550133', '+14155550134']).execute();
    expect(rows).toEqual([]);
  });

  it('security: an agent or lead of another business is not found', async () => {
    const tel = telephony();
    await expect(tel.calls.placeCall({ businessId: a.businessId, actor: keyActor(a.keys.owner), agentId: b.agentId, to: '+14155550135' })).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(tel.calls.placeCall({ businessId: a.businessId, actor: keyActor(a.keys.owner), agentId: a.agentId, to: '+14155550135', leadId: b.leadId })).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(tel.calls.placeCall({ businessId: a.businessId, actor: keyActor(a.keys.owner), agentId: 'not-a-uuid', to: '+14155550135' })).rejects.toMatchObject({
      code: 'not_found',
    });
  });

  it('refuses a paused agent, naming agent_id', async () => {
    const c = await createTenant(t.db, 'tel-paused');
    await t.db.kysely.updateTable('agents').set({ status: 'paused' }).where('id', '=', c.agentId).execute();
    await expect(telephony().calls.placeCall({ businessId: c.businessId, actor: keyActor(c.keys.owner), agentId: c.agentId, to: '+14155550136' })).rejects.toMatchObject({
      code: 'invalid_argument',
      details: { field: 'agent_id' },
    });
  });
});

describe('scheduled calls', () => {
  it('records a future call without dialling it, then the dialer dials it when due', async () => {
    const now = new Date();
    const tel = telephony({}, { clock: () => now });
    const at = new Date(now.getTime() + 3600_000);
    const call = await tel.calls.placeCall({ businessId: a.businessId, actor: keyActor(a.keys.owner), agentId: a.agentId, to: '+14155550137', scheduledAt: at });
    expect(call).toMatchObject({ status: 'queued', providerCallId: null, dialedAt: null });
    expect(call.scheduledAt?.toISOString()).toBe(at.toISOString());
    await tel.runOnce(now);
    expect((await callRow(call.id)).provider_call_id).toBeNull();
    await tel.runOnce(new Date(at.getTime() + 1000));
    expect((await ended(call.id)).status).toBe('completed');
  });

  it('a scheduled call whose number was blocked meanwhile is canceled at dial time, with the reason', async () => {
    const now = new Date();
    const tel = telephony({}, { clock: () => now });
    const at = new Date(now.getTime() + 60_000);
    const call = await tel.calls.placeCall({ businessId: a.businessId, actor: keyActor(a.keys.owner), agentId: a.agentId, to: '+14155550138', scheduledAt: at });
    await t.db.forBusiness(a.businessId, (tx) =>
      createComplianceRepository(tx, a.businessId).addBlock({ phone: '+14155550138', kind: 'do_not_call', reason: null, source: 'staff' }),
    );
    await tel.runOnce(new Date(at.getTime() + 1000));
    const row = await callRow(call.id);
    expect(row.status).toBe('canceled');
    expect(row.failure_reason).toMatch(/^Blocked at dial time \(do_not_call\)/);
  });

  it('refuses scheduled_at in the past or too far ahead', async () => {
    const tel = telephony();
    const place = (scheduledAt: Date) => tel.calls.placeCall({ businessId: a.businessId, actor: keyActor(a.keys.owner), agentId: a.agentId, to: '+14155550139', scheduledAt });
    await expect(place(new Date(Date.now() - 3600_000))).rejects.toMatchObject({ code: 'invalid_argument', details: { field: 'scheduled_at' } });
    await expect(place(new Date(Date.now() + 40 * 86400_000))).rejects.toMatchObject({ code: 'invalid_argument', details: { field: 'scheduled_at' } });
  });
});

describe('crash recovery', () => {
  async function inFlight(values: { provider_call_id: string | null; status: 'queued' | 'ringing' | 'in-progress'; dialed: boolean; scheduled?: Date }): Promise<string> {
    const row = await t.db.kysely
      .insertInto('calls')
      .values({
        business_id: a.businessId,
        agent_id: a.agentId,
        direction: 'outbound',
        status: values.status,
        to_number: '+14155550123',
        from_number: a.agentNumber,
        provider: 'simulator',
        provider_call_id: values.provider_call_id,
        dialed_at: values.dialed ? new Date() : null,
        scheduled_at: values.scheduled ?? null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  it('at start, marks failed the calls a previous process left in flight, saying why; a scheduled call waits', async () => {
    const recordedNotDialled = await inFlight({ provider_call_id: null, status: 'queued', dialed: true });
    const lostRinging = await inFlight({ provider_call_id: 'sim_call_gone', status: 'ringing', dialed: true });
    const lostTalking = await inFlight({ provider_call_id: 'sim_call_gone2', status: 'in-progress', dialed: true });
    const scheduled = await inFlight({ provider_call_id: null, status: 'queued', dialed: false, scheduled: new Date(Date.now() + 3600_000) });
    // A restarted process on one embedded database (PGlite) knows nothing else can be carrying
    // calls; on shared Postgres only calls that stopped moving are suspect — age them here.
    await t.db.kysely
      .updateTable('calls')
      .set({ updated_at: new Date(Date.now() - 3600_000) })
      .where('id', 'in', [recordedNotDialled, lostRinging, lostTalking])
      .execute();
    const tel = telephony();
    await tel.start();
    const rows = await Promise.all([recordedNotDialled, lostRinging, lostTalking, scheduled].map(callRow));
    expect(rows.map((r) => r.status)).toEqual(['failed', 'failed', 'failed', 'queued']);
    expect(rows[0]!.failure_reason).toBe('Interrupted: the server stopped after recording this call and before the provider confirmed it.');
    expect(rows[1]!.failure_reason).toMatch(/^Interrupted: the server stopped while this call was in progress/);
    expect(await auditActions(lostRinging)).toEqual(['call.recovered']);
  });

  it('leaves alone a call the provider is still carrying', async () => {
    const tel = telephony({ SIMULATOR_STEP_MS: '60000' });
    const call = await tel.calls.placeCall({ businessId: a.businessId, actor: keyActor(a.keys.owner), agentId: a.agentId, to: '+14155550141' });
    await t.db.kysely
      .updateTable('calls')
      .set({ updated_at: new Date(Date.now() - 3600_000) })
      .where('id', '=', call.id)
      .execute();
    // (Other tests' calls of providers this process no longer runs may be failed here: fine.)
    await tel.calls.recoverInterruptedCalls({ olderThanMs: 0 });
    expect((await callRow(call.id)).status).toBe('queued');
  });

  it('stop() cancels every timer and records the calls it was carrying as failed', async () => {
    const tel = testTelephony(t.db, { SIMULATOR_STEP_MS: '60000' });
    await tel.start();
    const call = await tel.calls.placeCall({ businessId: a.businessId, actor: keyActor(a.keys.owner), agentId: a.agentId, to: '+14155550142' });
    await tel.stop();
    const row = await callRow(call.id);
    expect(row.status).toBe('failed');
    expect(row.failure_reason).toBe('Interrupted: the server shut down while this call was in progress.');
    await tel.stop(); // idempotent
  });
});

describe('text messages', () => {
  it('sends from the agent line, recording the message as sent', async () => {
    const tel = telephony();
    const message = await tel.sms.sendSms({
      businessId: a.businessId,
      actor: keyActor(a.keys.owner),
      fromAgentId: a.agentId,
      to: '+14155550151',
      body: '  Your estimate is ready.  ',
      leadId: a.leadId,
    });
    expect(message).toMatchObject({ status: 'sent', direction: 'outbound', from: a.agentNumber, to: '+14155550151', body: 'Your estimate is ready.', leadId: a.leadId });
    expect(message.providerMessageId).toMatch(/^sim_sms_/);
    const conversation = await t.db.kysely.selectFrom('sms_conversations').selectAll().where('id', '=', message.conversationId).executeTakeFirstOrThrow();
    expect(conversation).toMatchObject({ business_id: a.businessId, agent_id: a.agentId, contact_number: '+14155550151' });
  });

  it('an inbound STOP opts the sender out: later texts and calls are refused with opted_out; START opts back in', async () => {
    const tel = telephony();
    const sender = '+14155550152';
    const inbound = await tel.sms.receiveInboundSms({ to: a.agentNumber, from: sender, body: 'Stop.' });
    expect(inbound).toMatchObject({ optedOut: true, optedIn: false, message: { direction: 'inbound', status: 'received', businessId: a.businessId } });
    await expect(tel.sms.sendSms({ businessId: a.businessId, actor: keyActor(a.keys.owner), fromAgentId: a.agentId, to: sender, body: 'hello?' })).rejects.toMatchObject({
      code: 'opted_out',
    });
    await expect(tel.calls.placeCall({ businessId: a.businessId, actor: keyActor(a.keys.owner), agentId: a.agentId, to: sender })).rejects.toMatchObject({ code: 'opted_out' });
    const block = await t.db.kysely.selectFrom('contact_blocks').selectAll().where('phone', '=', sender).executeTakeFirstOrThrow();
    expect(block).toMatchObject({ business_id: a.businessId, kind: 'opt_out', source: 'sms_stop' });
    // Another business is not affected by a STOP sent to this business's line.
    await expect(tel.sms.sendSms({ businessId: b.businessId, actor: keyActor(b.keys.owner), fromAgentId: b.agentId, to: sender, body: 'hi' })).resolves.toMatchObject({
      status: 'sent',
    });

    const back = await tel.sms.receiveInboundSms({ to: a.agentNumber, from: sender, body: 'START' });
    expect(back.optedIn).toBe(true);
    await expect(tel.sms.sendSms({ businessId: a.businessId, actor: keyActor(a.keys.owner), fromAgentId: a.agentId, to: sender, body: 'welcome back' })).resolves.toMatchObject({
      status: 'sent',
    });
  });

  it('an ordinary reply is recorded without changing any list; a reply to an unknown number is not found', async () => {
    const tel = telephony();
    const reply = await tel.sms.receiveInboundSms({ to: a.agentNumber, from: '+14155550153', body: 'Please stop by tomorrow' });
    expect(reply).toMatchObject({ optedOut: false, optedIn: false });
    await expect(tel.sms.receiveInboundSms({ to: '+12125559999', from: '+14155550153', body: 'STOP' })).rejects.toMatchObject({ code: 'not_found' });
    await expect(tel.sms.receiveInboundSms({ to: a.agentNumber, from: 'nope', body: 'STOP' })).rejects.toMatchObject({ code: 'invalid_phone_number', details: { field: 'from' } });
  });

  it("respects a lead's automation pause and validates the message", async () => {
    const tel = telephony();
    const paused = await t.db.kysely
      .insertInto('leads')
      .values({ business_id: a.businessId, name: 'Paused', phone: '+14155550154', automation_paused: true })
      .returning('id')
      .executeTakeFirstOrThrow();
    await expect(
      tel.sms.sendSms({ businessId: a.businessId, actor: keyActor(a.keys.owner), fromAgentId: a.agentId, to: '+14155550155', body: 'hi', leadId: paused.id }),
    ).rejects.toMatchObject({ code: 'automation_paused' });
    await expect(tel.sms.sendSms({ businessId: a.businessId, actor: keyActor(a.keys.owner), fromAgentId: a.agentId, to: '+14155550155', body: '   ' })).rejects.toMatchObject({
      code: 'invalid_argument',
      details: { field: 'message' },
    });
    await expect(
      tel.sms.sendSms({ businessId: a.businessId, actor: keyActor(a.keys.owner), fromAgentId: a.agentId, to: '+14155550155', body: 'x'.repeat(1601) }),
    ).rejects.toMatchObject({ code: 'invalid_argument' });
    await expect(tel.sms.sendSms({ businessId: a.businessId, actor: keyActor(a.keys.owner), fromAgentId: b.agentId, to: '+14155550155', body: 'hi' })).rejects.toMatchObject({
      code: 'not_found',
    });
  });

  it('a text left queued by a crash is marked failed by recovery', async () => {
    const conv = await t.db.kysely
      .insertInto('sms_conversations')
      .values({ business_id: a.businessId, agent_id: a.agentId, contact_number: '+14155550156' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const msg = await t.db.kysely
      .insertInto('sms_messages')
      .values({
        business_id: a.businessId,
        conversation_id: conv.id,
        direction: 'outbound',
        from_number: a.agentNumber,
        to_number: '+14155550156',
        body: 'x',
        status: 'queued',
        provider: 'simulator',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const tel = telephony();
    expect((await tel.sms.recoverInterruptedMessages({ olderThanMs: 0 })).failed).toBeGreaterThanOrEqual(1);
    const row = await t.db.kysely.selectFrom('sms_messages').selectAll().where('id', '=', msg.id).executeTakeFirstOrThrow();
    expect(row.status).toBe('failed');
    expect(row.failure_reason).toMatch(/^Interrupted/);
  });
});

describe('audit of provider events', () => {
  it('masks phone numbers in audit rows', async () => {
    const tel = telephony();
    const call: CallView = await tel.calls.placeCall({ businessId: a.businessId, actor: keyActor(a.keys.owner), agentId: a.agentId, to: '+14155550157' });
    await ended(call.id);
    const rows = await t.db.kysely.selectFrom('audit_log').select('details').where('business_id', '=', a.businessId).execute();
    const text = JSON.stringify(rows);
    expect(text).not.toContain('+14155550157');
    expect(text).toContain('+1415•••0157');
  });
});

describe('simulated recordings over HTTP', () => {
  it('serves a WAV for a completed simulator call, and 404 for anything else', async () => {
    const tel = telephony();
    const call = await tel.calls.placeCall({ businessId: a.businessId, actor: keyActor(a.keys.owner), agentId: a.agentId, to: '+14155550158' });
    const done = await ended(call.id);
    const koa = new Koa();
    koa.use(simulatorRecordingsRouter((id) => tel.calls.statusByProviderCallId('simulator', id)).routes());
    const server = http.createServer(koa.callback());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const path = new URL(done.recording_url!).pathname;
      const ok = await fetch(`${base}${path}`);
      expect(ok.status).toBe(200);
      expect(ok.headers.get('content-type')).toBe('audio/wav');
      const bytes = Buffer.from(await ok.arrayBuffer());
      expect(bytes.subarray(0, 4).toString()).toBe('RIFF');
      expect(bytes.subarray(8, 12).toString()).toBe('WAVE');
      expect((await fetch(`${base}/simulator/recordings/sim_call_${'x'.repeat(24)}.wav`)).status).toBe(404);
      expect((await fetch(`${base}/simulator/recordings/..%2F..%2Fetc%2Fpasswd`)).status).toBe(404);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
