// No double booking under concurrent requests, through the real MCP endpoint over a real migrated
// database (PGlite, and Postgres with TEST_DATABASE_URL): 50 book_appointment calls for one slot
// give exactly one booking and 49 `conflict`, never a 5xx; the same with hold_appointment; a
// round-robin type with two staff gives exactly two; and the database's exclusion constraint
// refuses an overlapping row even when the application's checks are bypassed.
import { randomUUID } from 'node:crypto';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiKey } from '../src/authz/api-keys.js';
import { SCOPES } from '../src/scopes/index.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { everyDay, insertAppointmentType, insertStaff, testClock } from './helpers/booking.js';
import { createTenant, type Tenant } from './helpers/domain-fixtures.js';
import { advertisedOutputSchemas, callChecked, connectClient } from './helpers/mcp.js';

const CONCURRENT = 50;
const clock = testClock(new Date('2026-06-01T12:00:00Z'));

let t: TestApp;
let tenant: Tenant;
let client: Client;
let outputSchemas: ReadonlyMap<string, object>;
let typeId: string;
let staffId: string;
let pairTypeId: string;

const call = (name: string, args: Record<string, unknown>) => callChecked(client, name, args, { outputSchemas, timeout: 60_000 });

beforeAll(async () => {
  t = await startTestApp({ CONTACT_HOURS_START: '00:00', CONTACT_HOURS_END: '24:00', RATE_LIMIT_SMS_PER_MINUTE: '1000', RATE_LIMIT_SMS_PER_HOUR: '10000' }, undefined, {
    clock: clock.now,
  });
  const db = t.app.db;
  tenant = await createTenant(db, 'conc');
  staffId = await insertStaff(db, tenant.businessId, 'Dana Dentist', everyDay(['09:00', '17:00']));
  typeId = await insertAppointmentType(db, tenant.businessId, [staffId], { name: 'Checkup' });
  const second = await insertStaff(db, tenant.businessId, 'Sam Surgeon', everyDay(['09:00', '17:00']));
  pairTypeId = await insertAppointmentType(db, tenant.businessId, [staffId, second], { name: 'Cleaning', durationMinutes: 30 });
  const { key } = await issueApiKey(db.kysely, { businessId: tenant.businessId, name: 'booking', scopes: SCOPES, createdBy: tenant.owner.id });
  ({ client } = await connectClient(t.mcpUrl, { headers: { authorization: `Bearer ${key}` } }));
  outputSchemas = await advertisedOutputSchemas(client);
}, 60_000);

afterAll(async () => {
  await client?.close();
  await t?.stop();
});

const liveAt = (start: string) =>
  t.app.db.kysely
    .selectFrom('appointments')
    .select(['id', 'status', 'staff_id'])
    .where('business_id', '=', tenant.businessId)
    .where('starts_at', '=', new Date(start))
    .where('status', 'in', ['held', 'booked'])
    .execute();

function tally(answers: Array<{ isError: boolean; structured: Record<string, any> }>) {
  const codes = answers.filter((a) => a.isError).map((a) => a.structured.error_code);
  return { ok: answers.filter((a) => !a.isError).length, conflicts: codes.filter((c) => c === 'conflict').length, other: codes.filter((c) => c !== 'conflict') };
}

describe('one slot, many requests at once', () => {
  it(`${CONCURRENT} concurrent book_appointment for one slot: exactly 1 booked, ${CONCURRENT - 1} conflict`, async () => {
    const start = '2026-06-02T09:00:00-04:00';
    const answers = await Promise.all(
      Array.from({ length: CONCURRENT }, (_, i) =>
        call('book_appointment', {
          appointment_type_id: typeId,
          start,
          contact: { name: `Caller ${i}`, phone: `+1415555${String(1000 + i).padStart(4, '0')}` },
          idempotency_key: randomUUID(),
        }),
      ),
    );
    expect(tally(answers)).toEqual({ ok: 1, conflicts: CONCURRENT - 1, other: [] });
    const winner = answers.find((a) => !a.isError)!.structured.appointment;
    expect(winner).toMatchObject({ status: 'booked', start, staff_id: staffId });
    const rows = await liveAt(start);
    expect(rows).toEqual([{ id: winner.id, status: 'booked', staff_id: staffId }]);
    // Every loser was told why, in words.
    for (const loser of answers.filter((a) => a.isError)) expect(loser.structured.error).toMatch(/taken|no longer available|not available/);
  }, 120_000);

  it(`${CONCURRENT} concurrent hold_appointment for one slot: exactly 1 held, ${CONCURRENT - 1} conflict`, async () => {
    const start = '2026-06-02T11:00:00-04:00';
    const answers = await Promise.all(Array.from({ length: CONCURRENT }, () => call('hold_appointment', { appointment_type_id: typeId, start })));
    expect(tally(answers)).toEqual({ ok: 1, conflicts: CONCURRENT - 1, other: [] });
    const hold = answers.find((a) => !a.isError)!.structured.hold;
    expect(hold.expires_at).toBe(new Date(clock.now().getTime() + 5 * 60_000).toISOString());
    expect(await liveAt(start)).toEqual([{ id: hold.hold_id, status: 'held', staff_id: staffId }]);
  }, 120_000);

  it(`${CONCURRENT} concurrent bookings of one slot of a two-person round-robin type: exactly 2, one per staff member`, async () => {
    const start = '2026-06-03T10:30:00-04:00';
    const answers = await Promise.all(
      Array.from({ length: CONCURRENT }, () => call('book_appointment', { appointment_type_id: pairTypeId, start, lead_id: tenant.leadId, idempotency_key: randomUUID() })),
    );
    expect(tally(answers)).toEqual({ ok: 2, conflicts: CONCURRENT - 2, other: [] });
    const rows = await liveAt(start);
    expect(new Set(rows.map((r) => r.staff_id)).size).toBe(2);
  }, 120_000);

  it('20 concurrent book_appointment of one hold: it is used once, the rest answer hold_expired', async () => {
    const held = await call('hold_appointment', { appointment_type_id: typeId, start: '2026-06-04T09:00:00-04:00' });
    const holdId = held.structured.hold.hold_id;
    const answers = await Promise.all(Array.from({ length: 20 }, () => call('book_appointment', { hold_id: holdId, lead_id: tenant.leadId, idempotency_key: randomUUID() })));
    const codes = answers.filter((a) => a.isError).map((a) => a.structured.error_code);
    expect(answers.filter((a) => !a.isError)).toHaveLength(1);
    expect(codes).toEqual(Array(19).fill('hold_expired'));
  }, 120_000);
});

describe('the database is the guarantee', () => {
  it('refuses an overlapping held or booked row written past the application (exclusion constraint), buffers included', async () => {
    const db = t.app.db.kysely;
    const row = (from: string, until: string, status: 'held' | 'booked' | 'cancelled') => ({
      business_id: tenant.businessId,
      appointment_type_id: typeId,
      staff_id: staffId,
      starts_at: new Date(from),
      ends_at: new Date(until),
      blocked_from: new Date(new Date(from).getTime() - 15 * 60_000),
      blocked_until: new Date(new Date(until).getTime() + 15 * 60_000),
      timezone: 'America/New_York',
      status,
      hold_expires_at: status === 'held' ? new Date('2030-01-01T00:00:00Z') : null,
      booked_via: 'dashboard' as const,
      created_by: 'test',
    });
    await db
      .insertInto('appointments')
      .values(row('2026-07-01T14:00:00Z', '2026-07-01T15:00:00Z', 'booked'))
      .execute();
    // Starts 10 minutes after the first ends: only the buffers overlap.
    await expect(
      db
        .insertInto('appointments')
        .values(row('2026-07-01T15:10:00Z', '2026-07-01T16:00:00Z', 'held'))
        .execute(),
    ).rejects.toMatchObject({ code: '23P01' });
    // A cancelled appointment blocks nothing.
    await db
      .insertInto('appointments')
      .values(row('2026-07-01T14:00:00Z', '2026-07-01T15:00:00Z', 'cancelled'))
      .execute();
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from appointments where staff_id = ${staffId} and starts_at = '2026-07-01T14:00:00Z'`.execute(db);
    expect(rows[0]!.n).toBe(2);
  });
});
