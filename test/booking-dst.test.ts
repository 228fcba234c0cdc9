// Slots across daylight-saving changes, through get_availability and book_appointment on the real
// app: working hours are wall-clock times in the business's zone, so 09:00 stays 09:00 on both
// sides of a change (its instant moves by an hour), and a window that spans the change has one hour
// of slots fewer (spring) or more (autumn). Every expectation names the instant (UTC) and the local
// time with its offset.
//
// America/New_York: EDT begins 2026-03-08 02:00 EST (07:00Z); EST returns 2026-11-01 02:00 EDT (06:00Z).
// Europe/London: BST begins 2026-03-29 01:00 GMT (01:00Z); GMT returns 2026-10-25 02:00 BST (01:00Z).
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WeeklyHours } from '../db/schema.js';
import { issueApiKey } from '../src/authz/api-keys.js';
import { SCOPES } from '../src/scopes/index.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { everyDay, insertAppointmentType, insertStaff, testClock } from './helpers/booking.js';
import { createTenant } from './helpers/domain-fixtures.js';
import { advertisedOutputSchemas, callChecked, connectClient } from './helpers/mcp.js';

// Well before every change tested, so notice and horizon allow them all.
const clock = testClock(new Date('2026-02-01T00:00:00Z'));
const sundayNights: WeeklyHours = { weekly: { sunday: [{ start: '00:00', end: '04:00' }] } };
const londonSundayNights: WeeklyHours = { weekly: { sunday: [{ start: '00:00', end: '03:00' }] } };

let t: TestApp;
let client: Client;
let outputSchemas: ReadonlyMap<string, object>;
const ny = { dayType: '', nightType: '', leadId: '' };
const london = { dayType: '', nightType: '' };
let londonClient: Client;

async function setUp(zone: string, night: WeeklyHours) {
  const db = t.app.db;
  const tenant = await createTenant(db, zone.split('/')[1]!.toLowerCase().replace('_', '-'), { timezone: zone });
  const day = await insertStaff(db, tenant.businessId, 'Day shift', everyDay(['09:00', '17:00']));
  const nightStaff = await insertStaff(db, tenant.businessId, 'Night shift', night);
  const { key } = await issueApiKey(db.kysely, { businessId: tenant.businessId, name: 'dst', scopes: SCOPES, createdBy: tenant.owner.id });
  const { client: c } = await connectClient(t.mcpUrl, { headers: { authorization: `Bearer ${key}` } });
  return {
    tenant,
    client: c,
    dayType: await insertAppointmentType(db, tenant.businessId, [day], { name: 'Visit' }),
    nightType: await insertAppointmentType(db, tenant.businessId, [nightStaff], { name: 'Emergency' }),
  };
}

beforeAll(async () => {
  t = await startTestApp({ CONTACT_HOURS_START: '00:00', CONTACT_HOURS_END: '24:00' }, undefined, { clock: clock.now });
  const a = await setUp('America/New_York', sundayNights);
  ({ client } = a);
  Object.assign(ny, { dayType: a.dayType, nightType: a.nightType, leadId: a.tenant.leadId });
  const b = await setUp('Europe/London', londonSundayNights);
  londonClient = b.client;
  Object.assign(london, { dayType: b.dayType, nightType: b.nightType });
  outputSchemas = await advertisedOutputSchemas(client);
}, 60_000);

afterAll(async () => {
  await client?.close();
  await londonClient?.close();
  await t?.stop();
});

async function slots(c: Client, typeId: string, from: string, to: string, timezone?: string) {
  const answer = await callChecked(c, 'get_availability', { appointment_type_id: typeId, from, to, ...(timezone ? { timezone } : {}) }, { outputSchemas });
  expect(answer.isError, answer.text).toBe(false);
  return answer.structured.slots as Array<{ start: string; end: string }>;
}

const utc = (iso: string) => new Date(iso).toISOString();
const firstOfDay = (list: Array<{ start: string }>, date: string) => list.find((s) => s.start.startsWith(date))!.start;

describe('America/New_York', () => {
  it('09:00 is 14:00Z on Saturday 2026-03-07 (EST) and 13:00Z on Sunday 2026-03-08 (EDT); the last slot 16:00 EDT is 20:00Z', async () => {
    const list = await slots(client, ny.dayType, '2026-03-07', '2026-03-08');
    expect(list).toHaveLength(16);
    expect(firstOfDay(list, '2026-03-07')).toBe('2026-03-07T09:00:00-05:00');
    expect(utc(firstOfDay(list, '2026-03-07'))).toBe('2026-03-07T14:00:00.000Z');
    expect(firstOfDay(list, '2026-03-08')).toBe('2026-03-08T09:00:00-04:00');
    expect(utc(firstOfDay(list, '2026-03-08'))).toBe('2026-03-08T13:00:00.000Z');
    expect(list.at(-1)).toEqual({ start: '2026-03-08T16:00:00-04:00', end: '2026-03-08T17:00:00-04:00', staff_ids: expect.any(Array) });
    expect(utc(list.at(-1)!.start)).toBe('2026-03-08T20:00:00.000Z');
  });

  it('09:00 is 13:00Z on Saturday 2026-10-31 (EDT) and 14:00Z on Sunday 2026-11-01 (EST)', async () => {
    const list = await slots(client, ny.dayType, '2026-10-31', '2026-11-01');
    expect(utc(firstOfDay(list, '2026-10-31'))).toBe('2026-10-31T13:00:00.000Z');
    expect(firstOfDay(list, '2026-11-01')).toBe('2026-11-01T09:00:00-05:00');
    expect(utc(firstOfDay(list, '2026-11-01'))).toBe('2026-11-01T14:00:00.000Z');
  });

  it('00:00–04:00 on the spring-forward night is three hours: 05:00Z, 06:00Z, 07:00Z (02:00–03:00 does not exist)', async () => {
    const list = await slots(client, ny.nightType, '2026-03-08', '2026-03-08');
    expect(list.map((s) => s.start)).toEqual(['2026-03-08T00:00:00-05:00', '2026-03-08T01:00:00-05:00', '2026-03-08T03:00:00-04:00']);
    expect(list.map((s) => utc(s.start))).toEqual(['2026-03-08T05:00:00.000Z', '2026-03-08T06:00:00.000Z', '2026-03-08T07:00:00.000Z']);
    expect(list.at(-1)!.end).toBe('2026-03-08T04:00:00-04:00');
  });

  it('00:00–04:00 on the fall-back night is five hours: 04:00Z … 08:00Z, 01:00 twice (EDT, then EST)', async () => {
    const list = await slots(client, ny.nightType, '2026-11-01', '2026-11-01');
    expect(list.map((s) => s.start)).toEqual([
      '2026-11-01T00:00:00-04:00',
      '2026-11-01T01:00:00-04:00',
      '2026-11-01T01:00:00-05:00',
      '2026-11-01T02:00:00-05:00',
      '2026-11-01T03:00:00-05:00',
    ]);
    expect(list.map((s) => utc(s.start))).toEqual([
      '2026-11-01T04:00:00.000Z',
      '2026-11-01T05:00:00.000Z',
      '2026-11-01T06:00:00.000Z',
      '2026-11-01T07:00:00.000Z',
      '2026-11-01T08:00:00.000Z',
    ]);
  });

  it('the same instants shown in another zone: 2026-03-08 09:00 EDT is 13:00 in London (still GMT)', async () => {
    const list = await slots(client, ny.dayType, '2026-03-08', '2026-03-08', 'Europe/London');
    expect(list[0]!.start).toBe('2026-03-08T13:00:00+00:00');
  });

  it('books 2026-03-08 09:00 EDT as 13:00Z and shows it back in the zone it was booked in; a time in the skipped hour is not a slot', async () => {
    const booked = await callChecked(
      client,
      'book_appointment',
      { appointment_type_id: ny.dayType, start: '2026-03-08T13:00:00Z', lead_id: ny.leadId, idempotency_key: randomUUID() },
      { outputSchemas },
    );
    expect(booked.isError, booked.text).toBe(false);
    expect(booked.structured.appointment).toMatchObject({ start: '2026-03-08T09:00:00-04:00', end: '2026-03-08T10:00:00-04:00', timezone: 'America/New_York' });
    const row = await t.app.db.kysely.selectFrom('appointments').select('starts_at').where('id', '=', booked.structured.appointment.id).executeTakeFirstOrThrow();
    expect(row.starts_at.toISOString()).toBe('2026-03-08T13:00:00.000Z');

    // 07:30Z is 03:30 EDT: inside the night window, but between its slots (03:00 EDT = 07:00Z).
    const gap = await callChecked(
      client,
      'book_appointment',
      { appointment_type_id: ny.nightType, start: '2026-03-08T02:30:00-05:00', lead_id: ny.leadId, idempotency_key: randomUUID() },
      { outputSchemas },
    );
    expect(gap.structured).toMatchObject({ success: false, error_code: 'invalid_argument' });
    expect(gap.structured.error).toMatch(/^start: /);
  });
});

describe('Europe/London', () => {
  it('09:00 is 09:00Z on Saturday 2026-03-28 (GMT) and 08:00Z on Sunday 2026-03-29 (BST)', async () => {
    const list = await slots(londonClient, london.dayType, '2026-03-28', '2026-03-29');
    expect(firstOfDay(list, '2026-03-28')).toBe('2026-03-28T09:00:00+00:00');
    expect(utc(firstOfDay(list, '2026-03-28'))).toBe('2026-03-28T09:00:00.000Z');
    expect(firstOfDay(list, '2026-03-29')).toBe('2026-03-29T09:00:00+01:00');
    expect(utc(firstOfDay(list, '2026-03-29'))).toBe('2026-03-29T08:00:00.000Z');
  });

  it('09:00 is 08:00Z on Saturday 2026-10-24 (BST) and 09:00Z on Sunday 2026-10-25 (GMT)', async () => {
    const list = await slots(londonClient, london.dayType, '2026-10-24', '2026-10-25');
    expect(utc(firstOfDay(list, '2026-10-24'))).toBe('2026-10-24T08:00:00.000Z');
    expect(firstOfDay(list, '2026-10-25')).toBe('2026-10-25T09:00:00+00:00');
    expect(utc(firstOfDay(list, '2026-10-25'))).toBe('2026-10-25T09:00:00.000Z');
  });

  it('00:00–03:00 on 2026-03-29 is two hours: 00:00Z and 01:00Z (= 02:00 BST)', async () => {
    const list = await slots(londonClient, london.nightType, '2026-03-29', '2026-03-29');
    expect(list.map((s) => s.start)).toEqual(['2026-03-29T00:00:00+00:00', '2026-03-29T02:00:00+01:00']);
    expect(list.map((s) => utc(s.start))).toEqual(['2026-03-29T00:00:00.000Z', '2026-03-29T01:00:00.000Z']);
  });

  it('00:00–03:00 on 2026-10-25 is four hours: 23:00Z the day before … 02:00Z, 01:00 twice (BST, then GMT)', async () => {
    const list = await slots(londonClient, london.nightType, '2026-10-25', '2026-10-25');
    expect(list.map((s) => s.start)).toEqual(['2026-10-25T00:00:00+01:00', '2026-10-25T01:00:00+01:00', '2026-10-25T01:00:00+00:00', '2026-10-25T02:00:00+00:00']);
    expect(list.map((s) => utc(s.start))).toEqual(['2026-10-24T23:00:00.000Z', '2026-10-25T00:00:00.000Z', '2026-10-25T01:00:00.000Z', '2026-10-25T02:00:00.000Z']);
  });
});
