// The appointment and routing tools through the real MCP SDK client, on a real migrated database,
// with the app's clock under the test's control (holds lapse, appointments start): holds (an
// expired hold frees its slot and cannot be booked; a hold is used once), reschedule (atomic),
// cancel, no-show (not before the start), routing-rule revisions (a stale one never overwrites),
// weighted round robin over 100 bookings, another business's ids, and bad input naming its field.
import { randomUUID } from 'node:crypto';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiKey } from '../src/authz/api-keys.js';
import { SCOPES } from '../src/scopes/index.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { everyDay, insertAppointmentType, insertStaff, testClock } from './helpers/booking.js';
import { createTenant, type Tenant } from './helpers/domain-fixtures.js';
import { advertisedOutputSchemas, callChecked, connectClient } from './helpers/mcp.js';

const clock = testClock(new Date('2026-06-01T12:00:00Z'));
const MINUTE = 60_000;

let t: TestApp;
let own: Tenant;
let other: Tenant;
let owner: Client;
let member: Client;
let readOnly: Client;
let otherOwner: Client;
let outputSchemas: ReadonlyMap<string, object>;
const ids = { consult: '', alex: '', quick: '', heavy: '', light: '', otherType: '' };

const call = (c: Client, name: string, args: Record<string, unknown> = {}) => callChecked(c, name, args, { outputSchemas, timeout: 60_000 });
const ok = async (c: Client, name: string, args: Record<string, unknown> = {}) => {
  const answer = await call(c, name, args);
  expect(answer.isError, answer.text).toBe(false);
  return answer.structured;
};
const failure = async (c: Client, name: string, args: Record<string, unknown>) => {
  const answer = await call(c, name, args);
  expect(answer.isError, `${name} should have failed: ${answer.text}`).toBe(true);
  return answer.structured as { error_code: string; error: string };
};
const key = () => ({ idempotency_key: randomUUID() });

async function clientFor(tenant: Tenant, createdBy: string, scopes: readonly string[] = SCOPES) {
  const { key: secret } = await issueApiKey(t.app.db.kysely, { businessId: tenant.businessId, name: `k-${randomUUID().slice(0, 6)}`, scopes, createdBy });
  return (await connectClient(t.mcpUrl, { headers: { authorization: `Bearer ${secret}` } })).client;
}

const freeStarts = async (typeId: string, from: string, to: string) =>
  ((await ok(owner, 'get_availability', { appointment_type_id: typeId, from, to })).slots as Array<{ start: string }>).map((s) => s.start);

beforeAll(async () => {
  t = await startTestApp({ CONTACT_HOURS_START: '00:00', CONTACT_HOURS_END: '24:00', RATE_LIMIT_SMS_PER_MINUTE: '1000', RATE_LIMIT_SMS_PER_HOUR: '10000' }, undefined, {
    clock: clock.now,
  });
  const db = t.app.db;
  own = await createTenant(db, 'tools');
  other = await createTenant(db, 'others');
  ids.alex = await insertStaff(db, own.businessId, 'Alex', everyDay(['09:00', '17:00']));
  ids.consult = await insertAppointmentType(db, own.businessId, [ids.alex], { name: 'Consult', specific: true, minNoticeMinutes: 60 });
  ids.heavy = await insertStaff(db, own.businessId, 'Heavy', everyDay(['00:00', '24:00']));
  ids.light = await insertStaff(db, own.businessId, 'Light', everyDay(['00:00', '24:00']));
  ids.quick = await insertAppointmentType(db, own.businessId, [ids.heavy, ids.light], { name: 'Quick call', durationMinutes: 30 });
  const otherStaff = await insertStaff(db, other.businessId, 'Elsewhere', everyDay(['09:00', '17:00']));
  ids.otherType = await insertAppointmentType(db, other.businessId, [otherStaff]);
  owner = await clientFor(own, own.owner.id);
  member = await clientFor(own, own.member.id);
  readOnly = await clientFor(own, own.owner.id, ['appointments:read']);
  otherOwner = await clientFor(other, other.owner.id);
  outputSchemas = await advertisedOutputSchemas(owner);
}, 60_000);

afterAll(async () => {
  for (const c of [owner, member, readOnly, otherOwner]) await c?.close();
  await t?.stop();
});

describe('holds', () => {
  it('an expired hold frees its slot for get_availability and cannot be booked', async () => {
    const start = '2026-06-02T09:00:00-04:00';
    expect(await freeStarts(ids.consult, '2026-06-02', '2026-06-02')).toContain(start);
    const { hold } = await ok(owner, 'hold_appointment', { appointment_type_id: ids.consult, start, lead_id: own.leadId });
    expect(hold).toMatchObject({ staff_id: ids.alex, start, expires_at: '2026-06-01T12:05:00.000Z' });
    expect(await freeStarts(ids.consult, '2026-06-02', '2026-06-02')).not.toContain(start);
    // Someone else cannot take it while it is live.
    expect((await failure(member, 'hold_appointment', { appointment_type_id: ids.consult, start })).error_code).toBe('conflict');

    clock.advance(5 * MINUTE + 1000);
    expect(await freeStarts(ids.consult, '2026-06-02', '2026-06-02')).toContain(start);
    const late = await failure(owner, 'book_appointment', { hold_id: hold.hold_id, ...key() });
    expect(late.error_code).toBe('hold_expired');
    expect(late.error).toMatch(/expired/);
    // Its slot is free again: another hold takes it, and the expired one is still refused.
    const again = await ok(member, 'hold_appointment', { appointment_type_id: ids.consult, start });
    expect(again.hold.hold_id).not.toBe(hold.hold_id);
    expect((await failure(owner, 'book_appointment', { hold_id: hold.hold_id, ...key() })).error_code).toBe('hold_expired');
    const row = await ok(owner, 'get_appointment', { appointment_id: hold.hold_id });
    expect(row.appointment).toMatchObject({ status: 'cancelled', cancel_reason: 'hold_expired', hold_expires_at: null });
  });

  it('a hold is used once: booked, then refused as hold_expired; the booking keeps the lead of the hold', async () => {
    const start = '2026-06-02T11:00:00-04:00';
    const { hold } = await ok(owner, 'hold_appointment', { appointment_type_id: ids.consult, start, lead_id: own.leadId });
    clock.advance(4 * MINUTE);
    const booked = await ok(owner, 'book_appointment', { hold_id: hold.hold_id, notes: 'Leaky tap', ...key() });
    expect(booked.appointment).toMatchObject({ id: hold.hold_id, status: 'booked', start, lead_id: own.leadId });
    expect((await ok(owner, 'get_appointment', { appointment_id: hold.hold_id })).appointment).toMatchObject({ notes: 'Leaky tap', hold_expires_at: null, booked_via: 'mcp' });
    expect(booked.confirmation).toEqual({ status: 'sent', detail: null });
    const second = await failure(owner, 'book_appointment', { hold_id: hold.hold_id, ...key() });
    expect(second.error_code).toBe('hold_expired');
    expect(second.error).toMatch(/already used/);
  });

  it('replaying book_appointment with its idempotency_key answers the first booking, without a second', async () => {
    const args = { appointment_type_id: ids.consult, start: '2026-06-02T13:00:00-04:00', contact: { name: 'Robin', phone: '+14155550177' }, ...key() };
    const first = await ok(owner, 'book_appointment', args);
    const replay = await ok(owner, 'book_appointment', args);
    expect(replay).toMatchObject({ replayed: true, appointment: { id: first.appointment.id } });
    const rows = await t.app.db.kysely.selectFrom('appointments').select('id').where('lead_id', '=', first.appointment.lead_id).execute();
    expect(rows).toHaveLength(1);
  });
});

describe('availability', () => {
  it('respects buffers (a booking blocks the slot its buffer reaches) and time off', async () => {
    const db = t.app.db;
    const sam = await insertStaff(db, own.businessId, 'Sam', everyDay(['09:00', '13:00']));
    const typeId = await insertAppointmentType(db, own.businessId, [sam], { name: 'Install', bufferAfterMinutes: 30 });
    expect(await freeStarts(typeId, '2026-06-06', '2026-06-06')).toEqual([
      '2026-06-06T09:00:00-04:00',
      '2026-06-06T10:00:00-04:00',
      '2026-06-06T11:00:00-04:00',
      '2026-06-06T12:00:00-04:00',
    ]);
    await ok(owner, 'book_appointment', { appointment_type_id: typeId, start: '2026-06-06T09:00:00-04:00', lead_id: own.leadId, ...key() });
    // 09:00–10:00 plus 30 minutes after: 10:00 would overlap the buffer.
    await db.kysely
      .insertInto('staff_time_off')
      .values({ business_id: own.businessId, staff_id: sam, starts_at: new Date('2026-06-06T16:00:00Z'), ends_at: new Date('2026-06-06T16:30:00Z'), reason: 'Dentist' })
      .execute();
    expect(await freeStarts(typeId, '2026-06-06', '2026-06-06')).toEqual(['2026-06-06T11:00:00-04:00']);
    const taken = await failure(owner, 'hold_appointment', { appointment_type_id: typeId, start: '2026-06-06T10:00:00-04:00' });
    expect(taken.error_code).toBe('conflict');
  });
});

describe('reschedule, cancel, no-show', () => {
  it('reschedule is atomic: a taken slot is a conflict and the booking keeps its time; a free one moves it and frees the old', async () => {
    const a = (await ok(owner, 'book_appointment', { appointment_type_id: ids.consult, start: '2026-06-03T09:00:00-04:00', lead_id: own.leadId, ...key() })).appointment;
    const b = (await ok(owner, 'book_appointment', { appointment_type_id: ids.consult, start: '2026-06-03T10:00:00-04:00', lead_id: own.leadId, ...key() })).appointment;
    const clash = await failure(owner, 'reschedule_appointment', { appointment_id: a.id, start: b.start });
    expect(clash.error_code).toBe('conflict');
    expect((await ok(owner, 'get_appointment', { appointment_id: a.id })).appointment.start).toBe('2026-06-03T09:00:00-04:00');

    const moved = await ok(owner, 'reschedule_appointment', { appointment_id: a.id, start: '2026-06-03T14:00:00-04:00' });
    expect(moved.appointment).toMatchObject({ id: a.id, status: 'booked', start: '2026-06-03T14:00:00-04:00' });
    const free = await freeStarts(ids.consult, '2026-06-03', '2026-06-03');
    expect(free).toContain('2026-06-03T09:00:00-04:00');
    expect(free).not.toContain('2026-06-03T14:00:00-04:00');
    expect(free).not.toContain(b.start);
  });

  it('cancel frees the slot and cannot be undone', async () => {
    const start = '2026-06-03T16:00:00-04:00';
    const booked = (await ok(owner, 'book_appointment', { appointment_type_id: ids.consult, start, lead_id: own.leadId, ...key() })).appointment;
    const cancelled = await ok(owner, 'cancel_appointment', { appointment_id: booked.id, reason: 'Customer called to cancel' });
    expect(cancelled.appointment.status).toBe('cancelled');
    expect((await ok(owner, 'get_appointment', { appointment_id: booked.id })).appointment.cancel_reason).toBe('Customer called to cancel');
    expect(await freeStarts(ids.consult, '2026-06-03', '2026-06-03')).toContain(start);
    expect((await failure(owner, 'cancel_appointment', { appointment_id: booked.id })).error_code).toBe('conflict');
    expect((await failure(owner, 'reschedule_appointment', { appointment_id: booked.id, start: '2026-06-03T15:00:00-04:00' })).error_code).toBe('conflict');
  });

  it('mark_no_show is refused before the start, accepted after it, and final', async () => {
    const start = '2026-06-04T09:00:00-04:00';
    const booked = (await ok(owner, 'book_appointment', { appointment_type_id: ids.consult, start, lead_id: own.leadId, ...key() })).appointment;
    const early = await failure(owner, 'mark_no_show', { appointment_id: booked.id });
    expect(early.error_code).toBe('conflict');
    expect(early.error).toMatch(/only after it has started/);
    expect((await ok(owner, 'get_appointment', { appointment_id: booked.id })).appointment.status).toBe('booked');

    clock.set('2026-06-04T13:20:00Z');
    expect((await ok(owner, 'mark_no_show', { appointment_id: booked.id })).appointment.status).toBe('no_show');
    expect((await failure(owner, 'mark_no_show', { appointment_id: booked.id })).error_code).toBe('conflict');
    expect((await failure(owner, 'cancel_appointment', { appointment_id: booked.id })).error_code).toBe('conflict');
    clock.set('2026-06-01T12:30:00Z');
  });

  it('list_appointments filters by status and staff, latest start first, with pagination', async () => {
    const page = await ok(owner, 'list_appointments', { status: 'booked', staff_id: ids.alex, limit: 2 });
    expect(page.appointments).toHaveLength(2);
    expect(page.has_more).toBe(true);
    expect(page.next_offset).toBe(2);
    const starts = page.appointments.map((a: { start: string }) => new Date(a.start).getTime());
    expect(starts[0]).toBeGreaterThan(starts[1]);
    expect(page.appointments.every((a: { status: string; staff_id: string }) => a.status === 'booked' && a.staff_id === ids.alex)).toBe(true);
  });
});

describe('routing rules', () => {
  it('a stale revision never overwrites, and the conflict names the current revision', async () => {
    const { rule } = await ok(owner, 'create_routing_rule', {
      name: 'Big jobs',
      priority: 10,
      conditions: { score_at_least: 80 },
      action: { type: 'staff', staff: [{ staff_id: ids.heavy, weight: 1 }] },
    });
    expect(rule.revision).toBe(1);
    const updated = await ok(owner, 'update_routing_rule', { rule_id: rule.id, revision: 1, name: 'Large jobs' });
    expect(updated.rule).toMatchObject({ name: 'Large jobs', revision: 2, priority: 10 });

    const stale = await failure(owner, 'update_routing_rule', { rule_id: rule.id, revision: 1, name: 'Overwritten?' });
    expect(stale.error_code).toBe('conflict');
    expect(stale.error).toMatch(/revision 2/);
    expect((await ok(owner, 'get_routing_rule', { rule_id: rule.id })).rule).toMatchObject({ name: 'Large jobs', revision: 2 });

    // Two writers at once with the same revision: one wins, the other is told the new revision.
    const race = await Promise.all([
      call(owner, 'update_routing_rule', { rule_id: rule.id, revision: 2, priority: 20 }),
      call(owner, 'update_routing_rule', { rule_id: rule.id, revision: 2, priority: 30 }),
    ]);
    expect(race.filter((r) => !r.isError)).toHaveLength(1);
    expect(race.find((r) => r.isError)!.structured).toMatchObject({ error_code: 'conflict', error: expect.stringMatching(/revision 3/) });
    const winner = race.find((r) => !r.isError)!.structured.rule;
    expect((await ok(owner, 'get_routing_rule', { rule_id: rule.id })).rule).toMatchObject({ revision: 3, priority: winner.priority });

    expect((await failure(owner, 'delete_routing_rule', { rule_id: rule.id, revision: 2 })).error).toMatch(/revision 3/);
    expect((await ok(owner, 'delete_routing_rule', { rule_id: rule.id, revision: 3 })).deleted).toEqual({ id: rule.id, revision: 3 });
    expect((await failure(owner, 'get_routing_rule', { rule_id: rule.id })).error_code).toBe('not_found');
  });

  it('rule writes need the admin role; reads do not', async () => {
    const refused = await failure(member, 'create_routing_rule', { name: 'Nope', priority: 1, action: { type: 'staff', staff: [{ staff_id: ids.light, weight: 1 }] } });
    expect(refused.error_code).toBe('forbidden');
    expect(refused.error).toMatch(/admin/);
    expect((await ok(member, 'list_routing_rules', {})).rules).toBeInstanceOf(Array);
  });

  it('weighted round robin over 100 concurrent-ish bookings matches the weights 3:1 within ±5', async () => {
    const { rule } = await ok(owner, 'create_routing_rule', {
      name: 'Quick calls',
      priority: 5,
      conditions: { appointment_type_ids: [ids.quick] },
      action: {
        type: 'staff',
        staff: [
          { staff_id: ids.heavy, weight: 3 },
          { staff_id: ids.light, weight: 1 },
        ],
      },
    });
    const starts = (await freeStarts(ids.quick, '2026-06-10', '2026-06-12')).slice(0, 100);
    expect(starts).toHaveLength(100);
    const staffOf: string[] = [];
    for (let i = 0; i < starts.length; i += 10) {
      const batch = await Promise.all(
        starts.slice(i, i + 10).map((start) => ok(owner, 'book_appointment', { appointment_type_id: ids.quick, start, lead_id: own.leadId, ...key() })),
      );
      for (const b of batch) staffOf.push(b.appointment.staff_id);
    }
    const listed = await ok(owner, 'list_appointments', { from: '2026-06-10T00:00:00-04:00', to: '2026-06-13T00:00:00-04:00', limit: 100 });
    expect(listed.appointments.map((a: { routing_rule_id: string }) => a.routing_rule_id)).toEqual(Array(100).fill(rule.id));
    const heavy = staffOf.filter((s) => s === ids.heavy).length;
    const light = staffOf.filter((s) => s === ids.light).length;
    expect(heavy + light).toBe(100);
    expect(Math.abs(heavy - 75)).toBeLessThanOrEqual(5);
    expect(Math.abs(light - 25)).toBeLessThanOrEqual(5);
  }, 120_000);
});

describe('tenancy and scopes', () => {
  it("another business's ids read as not found", async () => {
    const theirs = (await ok(otherOwner, 'book_appointment', { appointment_type_id: ids.otherType, start: '2026-06-05T10:00:00-04:00', lead_id: other.leadId, ...key() }))
      .appointment;
    const { rule } = await ok(otherOwner, 'create_routing_rule', { name: 'Theirs', priority: 1, action: { type: 'staff', staff: [{ staff_id: theirs.staff_id, weight: 1 }] } });
    for (const [name, args] of [
      ['get_appointment', { appointment_id: theirs.id }],
      ['cancel_appointment', { appointment_id: theirs.id }],
      ['mark_no_show', { appointment_id: theirs.id }],
      ['reschedule_appointment', { appointment_id: theirs.id, start: '2026-06-05T11:00:00-04:00' }],
      ['book_appointment', { hold_id: theirs.id, ...key() }],
      ['get_availability', { appointment_type_id: ids.otherType, from: '2026-06-05', to: '2026-06-06' }],
      ['hold_appointment', { appointment_type_id: ids.otherType, start: '2026-06-05T12:00:00-04:00' }],
      ['book_appointment', { appointment_type_id: ids.consult, start: '2026-06-05T12:00:00-04:00', lead_id: other.leadId, ...key() }],
      ['get_routing_rule', { rule_id: rule.id }],
      ['update_routing_rule', { rule_id: rule.id, revision: 1, name: 'Mine now' }],
      ['delete_routing_rule', { rule_id: rule.id, revision: 1 }],
    ] as const) {
      const refused = await failure(owner, name, args);
      expect(refused.error_code, `${name}: ${refused.error}`).toBe('not_found');
    }
    expect((await ok(otherOwner, 'get_appointment', { appointment_id: theirs.id })).appointment.status).toBe('booked');
    expect((await ok(otherOwner, 'get_routing_rule', { rule_id: rule.id })).rule.revision).toBe(1);
    expect((await ok(owner, 'list_appointments', { lead_id: other.leadId })).appointments).toEqual([]);
  });

  it('appointments:read alone cannot hold or book', async () => {
    const refused = await failure(readOnly, 'hold_appointment', { appointment_type_id: ids.consult, start: '2026-06-05T09:00:00-04:00' });
    expect(refused).toMatchObject({ error_code: 'missing_scope', error: 'Missing required scope: appointments:write' });
    await ok(readOnly, 'get_availability', { appointment_type_id: ids.consult, from: '2026-06-05', to: '2026-06-05' });
  });
});

describe('bad input names the field', () => {
  const cases: Array<[string, string, Record<string, unknown>, RegExp]> = [
    ['a range over 31 days', 'get_availability', { from: '2026-06-01', to: '2026-07-15' }, /^to: .*31 days/],
    ['to before from', 'get_availability', { from: '2026-06-10', to: '2026-06-09' }, /^to: must be after from/],
    ['an unknown time zone', 'get_availability', { from: '2026-06-10', to: '2026-06-11', timezone: 'Mars/Olympus_Mons' }, /^timezone: /],
    ['a malformed date', 'get_availability', { from: 'next tuesday', to: '2026-06-11' }, /^from: /],
    ['a start not on a slot', 'hold_appointment', { start: '2026-06-08T09:20:00-04:00' }, /^start: .*not a slot/],
    ['a start outside working hours', 'hold_appointment', { start: '2026-06-08T20:00:00-04:00' }, /^start: .*not a slot/],
    ['a start without an offset', 'hold_appointment', { start: '2026-06-08T09:00:00' }, /start/],
    ['a start inside the minimum notice', 'hold_appointment', { start: '2026-06-01T09:00:00-04:00' }, /^start: .*at least 60 minutes ahead/],
    [
      'a bad contact phone',
      'book_appointment',
      { start: '2026-06-08T09:00:00-04:00', contact: { name: 'X', phone: '555-1234' }, idempotency_key: 'bad-phone-1' },
      /^contact\.phone: /,
    ],
    ['no lead or contact', 'book_appointment', { start: '2026-06-08T09:00:00-04:00', idempotency_key: 'no-lead-1' }, /^lead_id: /],
    ['a staff member who does not take the type', 'hold_appointment', { start: '2026-06-08T09:00:00-04:00', staff_id: 'STAFF' }, /^staff_id: /],
  ];
  for (const [what, tool, args, message] of cases) {
    it(`${what}: invalid_argument`, async () => {
      const filled = { appointment_type_id: ids.consult, ...args, ...(args.staff_id === 'STAFF' ? { staff_id: ids.heavy } : {}) };
      const refused = await failure(owner, tool, filled);
      expect(refused.error_code).toBe('invalid_argument');
      expect(refused.error.replace(/^Invalid arguments for \w+: /, '')).toMatch(message);
    });
  }
});
