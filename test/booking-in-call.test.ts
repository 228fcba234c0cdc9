// The in-call booking tools (booking.md) on /api/mcp/in-call, the way a voice runtime calls them: a
// fresh connection per tool call with a runtime key and the call's context headers. check_availability
// speaks the agent's default appointment type in the caller's zone (a San Francisco number on a
// Chicago business: Pacific time); book_appointment books the caller's lead (found or created from
// caller_id_number) and texts a confirmation; a slot taken meanwhile is `conflict`.
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiKey } from '../src/authz/api-keys.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { everyDay, insertAppointmentType, insertStaff, testClock } from './helpers/booking.js';
import { callToolWith, connectClient, createAgent, createBusiness, createCall, type ToolAnswer } from './helpers/mcp.js';

const CALLER = '+14155550142';
const clock = testClock(new Date('2026-06-01T12:00:00Z')); // 07:00 in Chicago, 05:00 in San Francisco
const validator = new AjvJsonSchemaValidator();

let t: TestApp;
let url: string;
let outputSchemas: Map<string, object>;
const own = { businessId: '', agent: '', call: '', endedCall: '', key: '' };

const headers = (call = own.call) => ({ 'x-api-key': own.key, account_id: own.businessId, persona_id: own.agent, call_id: call, caller_id_number: CALLER });

async function inCall(name: string, args: Record<string, unknown> = {}, call?: string): Promise<ToolAnswer> {
  const { client } = await connectClient(url, { headers: headers(call) });
  try {
    const answer = await callToolWith(client, name, args);
    const check = validator.getValidator(outputSchemas.get(name)!)(answer.structured);
    expect(check.valid, check.errorMessage).toBe(true);
    return answer;
  } finally {
    await client.close();
  }
}

beforeAll(async () => {
  t = await startTestApp({ CONTACT_HOURS_START: '00:00', CONTACT_HOURS_END: '24:00' }, undefined, { clock: clock.now });
  url = `${t.mcpUrl}/in-call`;
  const db = t.app.db;
  own.businessId = (await createBusiness(db, 'Acme Plumbing')).id; // America/Chicago
  own.agent = (await createAgent(db, own.businessId, { name: 'Ava', phone: '+13125550111' })).id;
  const staff = await insertStaff(db, own.businessId, 'Pat Plumber', everyDay(['09:00', '17:00']));
  await insertAppointmentType(db, own.businessId, [staff], { name: 'Callout' }); // the oldest type: not the agent's
  const typeId = await insertAppointmentType(db, own.businessId, [staff], { name: 'Estimate' });
  await db.kysely.updateTable('agents').set({ default_appointment_type_id: typeId }).where('id', '=', own.agent).execute();
  const live = { direction: 'inbound' as const, from: CALLER, agentId: own.agent, to: '+13125550111' };
  own.call = (await createCall(db, own.businessId, { ...live, status: 'in-progress' })).id;
  own.endedCall = (await createCall(db, own.businessId, { ...live, status: 'completed' })).id;
  own.key = (await issueApiKey(db.kysely, { kind: 'runtime', businessId: own.businessId, name: 'runtime', scopes: [] })).key;
  const { client } = await connectClient(url, { headers: headers() });
  outputSchemas = new Map((await client.listTools()).tools.map((tool) => [tool.name, tool.outputSchema!]));
  await client.close();
}, 60_000);

afterAll(async () => {
  await t?.stop();
});

describe('in-call booking', () => {
  it("check_availability: the agent's default type, the next five slots, in the caller's zone, in words", async () => {
    const answer = await inCall('check_availability');
    expect(answer.isError, answer.text).toBe(false);
    expect(answer.structured).toMatchObject({ appointment_type: 'Estimate', timezone: 'America/Los_Angeles' });
    // 09:00 in Chicago (14:00Z) is 07:00 in San Francisco.
    expect(answer.structured.slots[0]).toEqual({ start: '2026-06-01T07:00:00-07:00', spoken: 'Monday 1 June 2026 at 7:00 AM PDT' });
    expect(answer.structured.slots).toHaveLength(5);
    expect(answer.text).toContain('Monday 1 June 2026 at 7:00 AM PDT');
  });

  it('check_availability honours date_from and date_to', async () => {
    const answer = await inCall('check_availability', { date_from: '2026-06-03', date_to: '2026-06-03' });
    expect(answer.structured.slots.map((s: { start: string }) => s.start)).toEqual([
      '2026-06-03T07:00:00-07:00',
      '2026-06-03T08:00:00-07:00',
      '2026-06-03T09:00:00-07:00',
      '2026-06-03T10:00:00-07:00',
      '2026-06-03T11:00:00-07:00',
    ]);
  });

  it('book_appointment books the caller, links the call, texts a confirmation; the same slot again is conflict', async () => {
    const booked = await inCall('book_appointment', { start: '2026-06-02T07:00:00-07:00', name: 'Jamie Caller', notes: 'Water heater' });
    expect(booked.isError, booked.text).toBe(false);
    expect(booked.structured).toMatchObject({ start: '2026-06-02T07:00:00-07:00', spoken: 'Tuesday 2 June 2026 at 7:00 AM PDT', confirmation_text: 'sent' });
    const row = await t.app.db.kysely
      .selectFrom('appointments')
      .innerJoin('leads', 'leads.id', 'appointments.lead_id')
      .select(['appointments.status', 'appointments.booked_via', 'appointments.call_id', 'appointments.agent_id', 'appointments.starts_at', 'leads.phone', 'leads.name'])
      .where('appointments.id', '=', booked.structured.appointment_id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'booked', booked_via: 'in_call', call_id: own.call, agent_id: own.agent, phone: CALLER, name: 'Jamie Caller' });
    expect(row.starts_at.toISOString()).toBe('2026-06-02T14:00:00.000Z');
    const texts = await t.app.db.kysely.selectFrom('sms_messages').select(['body', 'status']).where('to_number', '=', CALLER).execute();
    expect(texts).toEqual([{ body: expect.stringContaining('Tuesday 2 June 2026 at 7:00 AM PDT'), status: 'sent' }]);

    const again = await inCall('book_appointment', { start: '2026-06-02T07:00:00-07:00' });
    expect(again.structured).toMatchObject({ success: false, error_code: 'conflict' });
    expect((await inCall('check_availability', { date_from: '2026-06-02', date_to: '2026-06-02' })).structured.slots[0].start).toBe('2026-06-02T08:00:00-07:00');
  });

  it('book_appointment on a call that has ended is refused', async () => {
    const refused = await inCall('book_appointment', { start: '2026-06-04T07:00:00-07:00' }, own.endedCall);
    expect(refused.structured).toMatchObject({ success: false, error_code: 'call_not_active' });
  });
});
