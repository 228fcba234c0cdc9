// The booking texts as two nodes run them: two apps on one database (on Postgres, two connection
// pools), each with its own job loop, run their passes at the same moment. The reminder 24 hours
// before a booking goes out once; a confirmation the booking could not send itself goes out once;
// a booking further off, or cancelled, gets none; expired holds are swept. The SMS provider is the
// simulator (the boundary); the texts are read back from the messages the SMS service recorded.
import { randomUUID } from 'node:crypto';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiKey } from '../src/authz/api-keys.js';
import { SCOPES } from '../src/scopes/index.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { everyDay, insertAppointmentType, insertStaff, testClock } from './helpers/booking.js';
import { createTenant, type Tenant } from './helpers/domain-fixtures.js';
import { advertisedOutputSchemas, callChecked, connectClient } from './helpers/mcp.js';

const HOUR = 3600_000;
const clock = testClock(new Date('2026-06-01T12:00:00Z'));
const ENV = {
  CONTACT_HOURS_START: '00:00',
  CONTACT_HOURS_END: '24:00',
  RATE_LIMIT_SMS_PER_MINUTE: '1000',
  RATE_LIMIT_SMS_PER_HOUR: '10000',
  // The loops stay idle: the test runs each node's pass itself, both at once.
  DIALER_INTERVAL_MS: '600000',
};

let a: TestApp;
let b: TestApp;
let tenant: Tenant;
let client: Client;
let outputSchemas: ReadonlyMap<string, object>;
let typeId: string;
let staffId: string;
let phoneCounter = 0;

const nextPhone = () => `+1415555${String(2100 + phoneCounter++).padStart(4, '0')}`;
const bothNodes = () => Promise.all([a.app.jobs.runOnce(), b.app.jobs.runOnce()]);

const textsTo = async (phone: string) =>
  (
    await a.app.db.kysely
      .selectFrom('sms_messages')
      .select(['body', 'status'])
      .where('business_id', '=', tenant.businessId)
      .where('to_number', '=', phone)
      .where('direction', '=', 'outbound')
      .orderBy('created_at')
      .execute()
  ).map((m) => ({ kind: m.body.includes('reminder') ? 'reminder' : 'confirmation', status: m.status, body: m.body }));

async function book(start: string, phone: string) {
  const answer = await callChecked(
    client,
    'book_appointment',
    { appointment_type_id: typeId, start, contact: { name: 'Jo', phone }, idempotency_key: randomUUID() },
    { outputSchemas },
  );
  expect(answer.isError, answer.text).toBe(false);
  return answer.structured;
}

beforeAll(async () => {
  a = await startTestApp(ENV, undefined, { clock: clock.now });
  b = await startTestApp(ENV, a.database, { clock: clock.now });
  tenant = await createTenant(a.app.db, 'remind');
  staffId = await insertStaff(a.app.db, tenant.businessId, 'Riley', everyDay(['00:00', '24:00']));
  typeId = await insertAppointmentType(a.app.db, tenant.businessId, [staffId], { name: 'Estimate' });
  const { key } = await issueApiKey(a.app.db.kysely, { businessId: tenant.businessId, name: 'remind', scopes: SCOPES, createdBy: tenant.owner.id });
  ({ client } = await connectClient(a.mcpUrl, { headers: { authorization: `Bearer ${key}` } }));
  outputSchemas = await advertisedOutputSchemas(client);
}, 60_000);

afterAll(async () => {
  await client?.close();
  await b?.stop();
  await a?.stop();
});

describe('reminders, with two nodes running their jobs', () => {
  it('the 24-hour reminder goes out once, in the zone booked in, even with both nodes passing at once (and again)', async () => {
    const phone = nextPhone();
    const booked = await book('2026-06-02T07:00:00-04:00', phone); // 11:00Z tomorrow: 23 h ahead
    expect(booked.confirmation).toEqual({ status: 'sent', detail: null });
    await bothNodes();
    await bothNodes();
    const texts = await textsTo(phone);
    expect(texts.map((t) => t.kind)).toEqual(['confirmation', 'reminder']);
    expect(texts[1]!.body).toContain('Tuesday 2 June 2026 at 7:00 AM EDT');
    expect(texts[1]!.status).toBe('sent');
    const row = await a.app.db.kysely
      .selectFrom('appointments')
      .select(['reminder_status', 'reminder_claimed_at'])
      .where('id', '=', booked.appointment.id)
      .executeTakeFirstOrThrow();
    expect(row.reminder_status).toBe('sent');
    expect(row.reminder_claimed_at).not.toBeNull();
  });

  it('a booking more than 24 hours off waits; once within 24 hours it gets exactly one reminder', async () => {
    const phone = nextPhone();
    await book('2026-06-02T18:00:00-04:00', phone); // 22:00Z tomorrow: 34 h ahead
    await bothNodes();
    expect((await textsTo(phone)).map((t) => t.kind)).toEqual(['confirmation']);
    clock.advance(11 * HOUR); // now 23 h ahead
    await Promise.all([bothNodes(), bothNodes()]);
    expect((await textsTo(phone)).map((t) => t.kind)).toEqual(['confirmation', 'reminder']);
  });

  it('a cancelled booking gets no reminder', async () => {
    const phone = nextPhone();
    const booked = await book('2026-06-02T20:00:00-04:00', phone);
    const cancelled = await callChecked(client, 'cancel_appointment', { appointment_id: booked.appointment.id }, { outputSchemas });
    expect(cancelled.isError).toBe(false);
    await bothNodes();
    expect((await textsTo(phone)).map((t) => t.kind)).toEqual(['confirmation']);
  });

  it('a confirmation the booking never sent (the process died after booking) is sent once by the job', async () => {
    const phone = nextPhone();
    const lead = await a.app.db.kysely.insertInto('leads').values({ business_id: tenant.businessId, name: 'Orphan', phone }).returning('id').executeTakeFirstOrThrow();
    const start = new Date(clock.now().getTime() + 3 * 24 * HOUR);
    await a.app.db.kysely
      .insertInto('appointments')
      .values({
        business_id: tenant.businessId,
        appointment_type_id: typeId,
        staff_id: staffId,
        lead_id: lead.id,
        starts_at: start,
        ends_at: new Date(start.getTime() + HOUR),
        blocked_from: start,
        blocked_until: new Date(start.getTime() + HOUR),
        timezone: 'America/New_York',
        status: 'booked',
        booked_via: 'mcp',
        created_by: 'test',
        booked_at: new Date(clock.now().getTime() - 5 * 60_000),
      })
      .execute();
    await Promise.all([bothNodes(), bothNodes()]);
    expect((await textsTo(phone)).map((t) => t.kind)).toEqual(['confirmation']);
  });

  it('expired holds are swept by the job: cancelled as hold_expired', async () => {
    const held = await callChecked(client, 'hold_appointment', { appointment_type_id: typeId, start: '2026-06-05T10:00:00-04:00' }, { outputSchemas });
    expect(held.isError, held.text).toBe(false);
    clock.advance(6 * 60_000);
    await bothNodes();
    const row = await a.app.db.kysely.selectFrom('appointments').select(['status', 'cancel_reason']).where('id', '=', held.structured.hold.hold_id).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'cancelled', cancel_reason: 'hold_expired' });
  });
});
