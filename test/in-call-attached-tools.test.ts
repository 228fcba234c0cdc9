// The in-call surface's staff-facing tools through the MCP SDK client, a fresh connection per tool
// call as voice runtimes make them (spec/voice-runtime.md §B): check_user_availability (do-not-disturb,
// working hours at fixed instants of the app's clock, not-found revealing nothing), the attached tools
// of the transferring and texting types, made with create_agent_tool and attached with
// update_agent_config as a user would, and hangup_call on a call the simulated carrier is carrying.
//
// Transfers and hang-ups need a call the carrier actually carries: make_call places one and the test
// waits (polling the database, no fixed sleeps) until it is in progress; the simulator's step is long
// enough for a few tool calls while it is. Refusals are made on the same live call as a success, so a
// refusal cannot pass because the carrier would have refused anyway.
import { randomUUID } from 'node:crypto';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiKey } from '../src/authz/api-keys.js';
import { SCOPES } from '../src/scopes/index.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { everyDay } from './helpers/booking.js';
import { eventually } from './helpers/domain-fixtures.js';
import { insertApiKey, insertMember } from './helpers/fixtures.js';
import { advertisedOutputSchemas, callChecked, callToolWith, connectClient, createAgent, createBusiness, createCall, type ToolAnswer } from './helpers/mcp.js';

// Long enough that a call stays in progress for several tool calls on a busy machine; a call reaches
// it after two steps.
const STEP_MS = 2000;
const AGENT_NUMBER = '+13125550141';
const CALLER = '+14155550142';
const OPTED_OUT = '+14155550143';
const PHONES = { pat: '+13125550161', dee: '+13125550162', sam: '+13125550163', frontDesk: '+13125550180', afterHours: '+13125550181', frontLine: '+13125550170' };

let t: TestApp;
let account: Client;
let accountSchemas: Map<string, object>;
let fixedNow: Date | null = null;
let runtimeKey: string;
const own = { businessId: '', agent: '', otherAgent: '', owner: '', call: '', otherCall: '' };
const staff = { pat: '', dee: '', sam: '', noHours: '', elsewhere: '' };
const queues = { billing: '', closed: '', frontLine: '' };

const headers = (values: { call?: string; persona?: string; caller?: string } = {}) => ({
  'x-api-key': runtimeKey,
  account_id: own.businessId,
  persona_id: values.persona ?? own.agent,
  call_id: values.call ?? own.call,
  caller_id_number: values.caller ?? CALLER,
});

/** One tool call on a fresh connection (initialize + tools/call), as a runtime makes it. */
async function inCall(name: string, args: Record<string, unknown> = {}, values: Parameters<typeof headers>[0] = {}): Promise<ToolAnswer> {
  const { client } = await connectClient(`${t.mcpUrl}/in-call`, { headers: headers(values) });
  try {
    return await callToolWith(client, name, args);
  } finally {
    await client.close();
  }
}

const accountCall = (name: string, args: Record<string, unknown>) => callChecked(account, name, args, { outputSchemas: accountSchemas });

/** A call placed with make_call and carried by the simulator, once it is in progress: its id. */
async function liveCall(to: string): Promise<string> {
  const placed = await accountCall('make_call', { agent_id: own.agent, to, idempotency_key: randomUUID() });
  expect(placed.isError, placed.text).toBe(false);
  const id = placed.structured.call.id as string;
  await eventually(async () => {
    const row = await t.app.db.kysely.selectFrom('calls').select('status').where('id', '=', id).executeTakeFirstOrThrow();
    expect(['queued', 'ringing', 'in-progress'], `the call was expected to be answered, not ${row.status}`).toContain(row.status);
    return row.status === 'in-progress' ? true : undefined;
  }, 6 * STEP_MS);
  return id;
}

const callStatus = async (callId: string) => {
  const status = await accountCall('check_call_status', { call_id: callId });
  expect(status.isError, status.text).toBe(false);
  return status.structured.call;
};

const auditOf = (callId: string, action: string) =>
  t.app.db.kysely
    .selectFrom('audit_log')
    .select(['action', 'outcome', 'error_code', 'details'])
    .where('business_id', '=', own.businessId)
    .where('action', '=', action)
    .execute()
    .then((rows) => rows.filter((r) => r.details.call_id === callId));

async function createTool(args: Record<string, unknown>): Promise<string> {
  const created = await accountCall('create_agent_tool', { ...args, idempotency_key: randomUUID() });
  expect(created.isError, created.text).toBe(false);
  return created.structured.tool.id;
}

beforeAll(async () => {
  t = await startTestApp(
    { SIMULATOR_STEP_MS: String(STEP_MS), CONTACT_HOURS_START: '00:00', CONTACT_HOURS_END: '24:00', DIALER_INTERVAL_MS: '600000' },
    undefined,
    // The app's clock: the system's, except while a test fixes an instant.
    { clock: () => fixedNow ?? new Date() },
  );
  const db = t.app.db;
  own.businessId = (await createBusiness(db, 'Acme Plumbing')).id;
  const otherBusiness = (await createBusiness(db, 'Other Co')).id;
  own.agent = (await createAgent(db, own.businessId, { name: 'Ava', phone: AGENT_NUMBER })).id;
  own.otherAgent = (await createAgent(db, own.businessId, { name: 'Ben' })).id;

  const add = (businessId: string, member: Parameters<TestApp['app']['domain']['staff']['add']>[2]) =>
    db.forBusiness(businessId, (tx) => t.app.domain.staff.add(tx, businessId, member));
  const weekdays = { weekly: Object.fromEntries(['monday', 'tuesday', 'wednesday', 'thursday', 'friday'].map((d) => [d, [{ start: '09:00', end: '17:00' }]])) };
  staff.pat = (await add(own.businessId, { name: 'Pat Plumber', phone: PHONES.pat, workingHours: everyDay(['00:00', '24:00']) })).id;
  staff.dee = (await add(own.businessId, { name: 'Dee Dispatcher', phone: PHONES.dee, doNotDisturb: true })).id;
  staff.sam = (await add(own.businessId, { name: 'Sam Office', phone: PHONES.sam, workingHours: weekdays })).id;
  staff.noHours = (await add(own.businessId, { name: 'Noor Nohours', phone: '+13125550164' })).id;
  staff.elsewhere = (await add(otherBusiness, { name: 'Elsie Elsewhere', phone: '+13125550165' })).id;
  const addQueue = (queue: Parameters<TestApp['app']['domain']['staff']['addQueue']>[2]) =>
    db.forBusiness(own.businessId, (tx) => t.app.domain.staff.addQueue(tx, own.businessId, queue));
  // No line of its own: a transfer rings its first member who can take a call now (check_user_availability's rule).
  queues.billing = (await addQueue({ name: 'Billing', staffIds: [staff.dee, staff.sam, staff.pat] })).id;
  queues.closed = (await addQueue({ name: 'Night desk', staffIds: [staff.dee] })).id;
  // A hunt line of its own: the queue's number is rung, whoever is on it.
  queues.frontLine = (await addQueue({ name: 'Front line', phone: PHONES.frontLine, staffIds: [staff.dee] })).id;

  // The owner issued the account key; attaching tools is a high-impact change they authorize.
  own.owner = (await insertMember(db, own.businessId, { email: 'owner@acme.example.com', role: 'owner' })).id;
  const { key } = await insertApiKey(db, own.businessId, { scopes: [...SCOPES], createdBy: own.owner });
  ({ client: account } = await connectClient(t.mcpUrl, { headers: { authorization: `Bearer ${key}` } }));
  accountSchemas = await advertisedOutputSchemas(account);
  runtimeKey = (await issueApiKey(db.kysely, { kind: 'runtime', businessId: own.businessId, name: 'runtime', scopes: [] })).key;

  const toolIds = [
    await createTool({ type: 'transfer_to_user', name: 'to_pat', description: 'Transfers the caller to Pat.', transfer_to_user: { staff_id: staff.pat } }),
    await createTool({ type: 'transfer_to_user', name: 'to_dee', description: 'Transfers the caller to Dee.', transfer_to_user: { staff_id: staff.dee } }),
    await createTool({ type: 'transfer_to_user', name: 'to_sam', description: 'Transfers the caller to Sam.', transfer_to_user: { staff_id: staff.sam } }),
    await createTool({ type: 'transfer_to_queue', name: 'to_billing', description: 'Transfers the caller to billing.', transfer_to_queue: { queue_id: queues.billing } }),
    await createTool({
      type: 'transfer_to_queue',
      name: 'to_front_line',
      description: 'Transfers the caller to the front line.',
      transfer_to_queue: { queue_id: queues.frontLine },
    }),
    await createTool({ type: 'transfer_to_queue', name: 'to_night_desk', description: 'Transfers the caller to the night desk.', transfer_to_queue: { queue_id: queues.closed } }),
    await createTool({
      type: 'transfer_call',
      name: 'to_reception',
      description: 'Transfers the caller to reception.',
      transfer_call: {
        destinations: [
          { number: PHONES.frontDesk, description: 'Front desk' },
          { number: PHONES.afterHours, description: 'After-hours line' },
        ],
      },
    }),
    await createTool({
      type: 'sms',
      name: 'text_caller',
      description: 'Texts the caller a confirmation.',
      sms: { message: 'Thanks for calling Acme Plumbing. Reference: {{call_id}}' },
    }),
  ];
  const attached = await accountCall('update_agent_config', {
    agent_id: own.agent,
    tool_ids: toolIds,
    idempotency_key: randomUUID(),
    authority: { user_id: own.owner, statement: 'Give Ava the transfer and text tools, please.' },
  });
  expect(attached.isError, attached.text).toBe(false);
  expect(attached.structured.status).toBe('executed');

  // A live call no carrier carries: enough for reading and for texts, which do not go through it.
  const live = { status: 'in-progress' as const, direction: 'inbound' as const, from: CALLER, to: AGENT_NUMBER };
  own.call = (await createCall(db, own.businessId, { ...live, agentId: own.agent })).id;
  own.otherCall = (await createCall(db, own.businessId, { ...live, agentId: own.otherAgent, to: '+13125550100' })).id;
}, 60_000);

afterAll(async () => {
  await account?.close();
  await t?.stop();
});

describe('check_user_availability', () => {
  it('a staff member on do-not-disturb is unavailable, whatever their hours', async () => {
    const { isError, structured, text } = await inCall('check_user_availability', { user_id: staff.dee });
    expect(isError, text).toBe(false);
    expect(structured).toMatchObject({
      success: true,
      user_id: staff.dee,
      name: 'Dee Dispatcher',
      available: false,
      do_not_disturb: true,
      reason: 'do_not_disturb',
      available_from: null,
    });
    expect(text).toBe('Dee Dispatcher is on do not disturb.');
  });

  it('working hours are read at the app’s clock in the business’s time zone: inside them available, outside them not, with the next start', async () => {
    try {
      // Tuesday 2026-12-01, 10:15 in Chicago.
      fixedNow = new Date('2026-12-01T16:15:00Z');
      const inside = await inCall('check_user_availability', { user_id: staff.sam });
      expect(inside.structured).toMatchObject({ success: true, available: true, do_not_disturb: false, within_working_hours: true, reason: 'available', available_from: null });
      expect(inside.text).toBe('Sam Office is available.');

      // Friday 2026-12-04, 18:00 in Chicago: next start Monday 09:00 (15:00Z).
      fixedNow = new Date('2026-12-05T00:00:00Z');
      const outside = await inCall('check_user_availability', { user_id: staff.sam });
      expect(outside.structured).toMatchObject({
        success: true,
        available: false,
        within_working_hours: false,
        reason: 'outside_working_hours',
        available_from: '2026-12-07T15:00:00.000Z',
      });
      expect(outside.text).toBe('Sam Office is outside working hours until 2026-12-07T15:00:00.000Z.');

      // No working hours set: available whenever not on do-not-disturb, at any hour.
      const none = await inCall('check_user_availability', { user_id: staff.noHours });
      expect(none.structured).toMatchObject({ available: true, within_working_hours: null, reason: 'available' });
    } finally {
      fixedNow = null;
    }
  });

  it('security: an unknown id, another business’s staff member and a malformed id are the same not_found, revealing nothing', async () => {
    const answers = await Promise.all([randomUUID(), staff.elsewhere, 'not-a-staff-id'].map((id) => inCall('check_user_availability', { user_id: id })));
    for (const answer of answers) {
      expect(answer.isError).toBe(true);
      expect(answer.structured).toMatchObject({ success: false, error_code: 'not_found' });
      expect(answer.text).toMatch(/Staff member not found/);
    }
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    expect(JSON.stringify(answers[1])).not.toContain('Elsie');
    expect(JSON.stringify(answers[1])).not.toContain(staff.elsewhere);
  });

  it('the attached tools are listed for their persona only', async () => {
    const names = async (values: Parameters<typeof headers>[0]) => {
      const { client } = await connectClient(`${t.mcpUrl}/in-call`, { headers: headers(values) });
      try {
        return (await client.listTools()).tools.map((tool) => tool.name);
      } finally {
        await client.close();
      }
    };
    expect((await names({})).slice(8)).toEqual(['to_pat', 'to_dee', 'to_sam', 'to_billing', 'to_front_line', 'to_night_desk', 'to_reception', 'text_caller']);
    expect(await names({ persona: own.otherAgent, call: own.otherCall })).not.toContain('to_pat');
  });
});

describe('attached transfer tools on a call the carrier carries', () => {
  it('transfer_to_user: a staff member on do-not-disturb is refused and nothing is transferred; another is transferred to their phone', async () => {
    const callId = await liveCall('+14155550131');
    const refused = await inCall('to_dee', {}, { call: callId, caller: '+14155550131' });
    expect(refused.isError).toBe(true);
    expect(refused.structured.error_code).toBe('unavailable');
    expect(refused.text).toBe('Dee Dispatcher is on do-not-disturb; take a message instead.');
    expect((await callStatus(callId)).transfers).toEqual([]);

    const done = await inCall('to_pat', {}, { call: callId, caller: '+14155550131' });
    expect(done.isError, done.text).toBe(false);
    expect(done.structured).toMatchObject({ success: true, transferred: true, destination: PHONES.pat, kind: 'staff', staff_id: staff.pat });

    const call = await callStatus(callId);
    expect(call.transfers).toEqual([{ at: expect.any(String), destination: PHONES.pat, kind: 'staff', target_id: staff.pat, tool: 'to_pat', status: 'completed' }]);
    expect(call.tool_calls.map((c: { tool: string; outcome: string; error_code: string | null }) => [c.tool, c.outcome, c.error_code])).toEqual([
      ['to_dee', 'error', 'unavailable'],
      ['to_pat', 'success', null],
    ]);
    expect((await auditOf(callId, 'in_call.to_pat')).map((r) => [r.outcome, r.details.agent_id, r.details.tool_kind])).toEqual([['success', own.agent, 'transfer_to_user']]);
    expect((await auditOf(callId, 'in_call.to_dee')).map((r) => [r.outcome, r.error_code])).toEqual([['error', 'unavailable']]);
  });

  it('transfer_to_user: a staff member outside their working hours is refused like check_user_availability says, and nothing is transferred', async () => {
    const callId = await liveCall('+14155550135');
    let late: ToolAnswer;
    try {
      // Friday 18:00 in Chicago: Sam has gone home.
      fixedNow = new Date('2026-12-05T00:00:00Z');
      late = await inCall('to_sam', {}, { call: callId, caller: '+14155550135' });
    } finally {
      fixedNow = null;
    }
    expect(late.isError).toBe(true);
    expect(late.structured.error_code).toBe('unavailable');
    expect(late.text).toBe('Sam Office is outside their working hours; take a message instead.');
    expect((await callStatus(callId)).transfers).toEqual([]);
  });

  it('transfer_to_queue: a queue without a line rings its first member available now; a queue with nobody available is refused', async () => {
    const callId = await liveCall('+14155550132');
    const nobody = await inCall('to_night_desk', {}, { call: callId, caller: '+14155550132' });
    expect(nobody.isError).toBe(true);
    expect(nobody.structured.error_code).toBe('unavailable');
    expect(nobody.text).toBe('Nobody in the Night desk queue can take the call now.');
    expect((await callStatus(callId)).transfers).toEqual([]);

    // Friday 18:00 in Chicago: Dee (first) is on do-not-disturb, Sam (second) has gone home: Pat takes it.
    let done: ToolAnswer;
    try {
      fixedNow = new Date('2026-12-05T00:00:00Z');
      done = await inCall('to_billing', {}, { call: callId, caller: '+14155550132' });
    } finally {
      fixedNow = null;
    }
    expect(done.isError, done.text).toBe(false);
    expect(done.structured).toMatchObject({ success: true, transferred: true, destination: PHONES.pat, queue_id: queues.billing });

    const call = await callStatus(callId);
    expect(call.transfers).toEqual([expect.objectContaining({ destination: PHONES.pat, target_id: staff.pat, tool: 'to_billing', status: 'completed' })]);
    expect((await auditOf(callId, 'in_call.to_billing')).map((r) => [r.outcome, r.details.tool_kind])).toEqual([['success', 'transfer_to_queue']]);
    expect((await auditOf(callId, 'in_call.to_night_desk')).map((r) => [r.outcome, r.error_code])).toEqual([['error', 'unavailable']]);
  });

  it('transfer_to_queue: a queue with a line of its own is transferred to that line, recorded as the queue', async () => {
    const callId = await liveCall('+14155550136');
    const done = await inCall('to_front_line', {}, { call: callId, caller: '+14155550136' });
    expect(done.isError, done.text).toBe(false);
    expect(done.structured).toMatchObject({ success: true, transferred: true, destination: PHONES.frontLine, kind: 'queue', queue_id: queues.frontLine });
    expect((await callStatus(callId)).transfers).toEqual([
      expect.objectContaining({ destination: PHONES.frontLine, kind: 'queue', target_id: queues.frontLine, tool: 'to_front_line', status: 'completed' }),
    ]);
  });

  it('transfer_call: only its fixed destinations; one outside them is refused before anything is dialed', async () => {
    const { client } = await connectClient(`${t.mcpUrl}/in-call`, { headers: headers() });
    const listed = (await client.listTools()).tools.find((tool) => tool.name === 'to_reception')!;
    await client.close();
    expect(listed.inputSchema).toMatchObject({ properties: { destination: { type: 'string', enum: [PHONES.frontDesk, PHONES.afterHours] } }, required: ['destination'] });

    const callId = await liveCall('+14155550133');
    const outside = await inCall('to_reception', { destination: '+19005550100' }, { call: callId, caller: '+14155550133' });
    expect(outside.isError).toBe(true);
    expect(outside.structured.error_code).toBe('invalid_argument');
    expect(outside.text).toContain('destination');

    const done = await inCall('to_reception', { destination: PHONES.afterHours }, { call: callId, caller: '+14155550133' });
    expect(done.isError, done.text).toBe(false);
    expect(done.structured).toMatchObject({ success: true, transferred: true, destination: PHONES.afterHours, kind: 'number' });

    const call = await callStatus(callId);
    expect(call.transfers).toEqual([expect.objectContaining({ destination: PHONES.afterHours, kind: 'number', tool: 'to_reception', status: 'completed' })]);
    expect((await auditOf(callId, 'in_call.to_reception')).map((r) => [r.outcome, r.error_code])).toEqual([
      ['error', 'invalid_argument'],
      ['success', null],
    ]);
  });
});

describe('attached sms tool', () => {
  it('texts the caller through the SMS service: the text is recorded, and the call lists the tool call', async () => {
    const done = await inCall('text_caller');
    expect(done.isError, done.text).toBe(false);
    expect(done.structured).toMatchObject({ success: true, sent: true, status: 'sent' });

    const messages = await accountCall('list_sms_messages', { direction: 'outbound' });
    const sent = messages.structured.messages.find((m: { id: string }) => m.id === done.structured.message_id);
    expect(sent).toMatchObject({ to: CALLER, from: AGENT_NUMBER, body: `Thanks for calling Acme Plumbing. Reference: ${own.call}` });
    expect((await auditOf(own.call, 'in_call.text_caller')).map((r) => [r.outcome, r.details.tool_kind])).toEqual([['success', 'sms']]);
  });

  it('compliance: a caller who opted out is not texted (opted_out), and nothing is recorded as sent to them', async () => {
    await t.app.db.kysely.insertInto('contact_blocks').values({ business_id: own.businessId, phone: OPTED_OUT, kind: 'opt_out', reason: 'STOP', source: 'sms_stop' }).execute();
    const refused = await inCall('text_caller', {}, { caller: OPTED_OUT });
    expect(refused.isError).toBe(true);
    expect(refused.structured.error_code).toBe('opted_out');
    expect(refused.text).toMatch(/opted out/);
    const rows = await t.app.db.kysely.selectFrom('sms_messages').select('id').where('business_id', '=', own.businessId).where('to_number', '=', OPTED_OUT).execute();
    expect(rows).toEqual([]);
    const audit = await auditOf(own.call, 'in_call.text_caller');
    expect(audit.map((r) => [r.outcome, r.error_code])).toEqual([
      ['success', null],
      ['error', 'opted_out'],
    ]);
    expect(JSON.stringify(audit)).not.toContain(OPTED_OUT);
  });
});

describe('hangup_call on a call the carrier carries', () => {
  it('ends it with assistant-ended-call; the carrier stops it, so no later state moves it', async () => {
    const callId = await liveCall('+14155550134');
    const answer = await inCall('hangup_call', {}, { call: callId, caller: '+14155550134' });
    expect(answer.isError, answer.text).toBe(false);
    expect(answer.structured).toMatchObject({ success: true, ended: true, ended_reason: 'assistant-ended-call' });
    const ended = await callStatus(callId);
    expect(ended).toMatchObject({ status: 'completed', ended_reason: 'assistant-ended-call' });

    // A call placed after the hang-up runs its whole course: by the time it completes, any step
    // still scheduled for the hung-up call would have come.
    const witness = await liveCall('+14155550135');
    await eventually(async () => {
      const row = await t.app.db.kysely.selectFrom('calls').select('status').where('id', '=', witness).executeTakeFirstOrThrow();
      return row.status === 'completed' ? true : undefined;
    }, 4 * STEP_MS);
    const after = await callStatus(callId);
    expect(after).toMatchObject({ status: 'completed', ended_reason: 'assistant-ended-call', ended_at: ended.ended_at, duration_seconds: ended.duration_seconds });
    expect((await auditOf(callId, 'in_call.hangup_call')).map((r) => r.outcome)).toEqual(['success']);

    // The call is over: acting tools are refused.
    const again = await inCall('to_pat', {}, { call: callId, caller: '+14155550134' });
    expect(again.structured.error_code).toBe('call_not_active');
    expect((await callStatus(callId)).transfers).toEqual([]);
  });
});
