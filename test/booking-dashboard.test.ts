// The Appointments page over HTTP against a real migrated database: one day of the business's
// appointments in its time zone, with status, staff and customer; Cancel for holds and bookings,
// No-show once an appointment has started; both audited with the signed-in user; another
// business's appointment is 404; a bad day is 400.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { everyDay, insertAppointmentType, insertStaff, testClock } from './helpers/booking.js';
import { signInOverHttp, type SignedInBrowser } from './helpers/dashboard.js';
import { createTeam, type Team } from './helpers/dashboard-team.js';
import { decodeEntities, type PageResponse } from './helpers/oauth.js';

const clock = testClock(new Date('2026-06-01T12:00:00Z')); // 08:00 in New York
let t: TestApp;
let team: Team;
let other: Team;
let member: SignedInBrowser;
const ids = { nine: '', ten: '', foreign: '' };

const url = (path = '') => `${t.baseUrl}/dashboard/${team.business.slug}/appointments${path}`;
const text = (page: PageResponse) => decodeEntities(page.body.replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ');

async function bookAt(teamOf: Team, start: string, lead: string): Promise<string> {
  const db = t.app.db;
  const staff = await insertStaff(db, teamOf.business.id, `Staff ${randomUUID().slice(0, 4)}`, everyDay(['08:00', '18:00']));
  const typeId = await insertAppointmentType(db, teamOf.business.id, [staff], { name: 'Inspection' });
  const booked = await t.app.domain.appointments.book({
    businessId: teamOf.business.id,
    actor: { kind: 'system', name: 'test' },
    appointmentTypeId: typeId,
    start,
    contact: { name: lead },
    via: 'dashboard',
  });
  return booked.appointment.id;
}

beforeAll(async () => {
  t = await startTestApp({}, undefined, { clock: clock.now });
  team = await createTeam(t.app.db, 'Booked Plumbing');
  other = await createTeam(t.app.db, 'Other Plumbing');
  ids.nine = await bookAt(team, '2026-06-01T09:00:00-04:00', 'Robin Early');
  ids.ten = await bookAt(team, '2026-06-01T10:00:00-04:00', 'Sam Later');
  ids.foreign = await bookAt(other, '2026-06-01T11:00:00-04:00', 'Not Yours');
  clock.set('2026-06-01T13:30:00Z'); // 09:30 in New York: nine has started, ten has not
  member = await signInOverHttp(t.baseUrl, team.member.email, team.member.password);
}, 60_000);
afterAll(async () => t?.stop());

describe('the appointments page', () => {
  it("shows today's appointments (in the business's zone) with staff, customer, status and the actions that apply", async () => {
    const page = await member.browser.get(url());
    expect(page.status).toBe(200);
    const words = text(page);
    expect(words).toContain('Appointments on 2026-06-01; times in America/New_York');
    expect(words).toMatch(/9:00 AM Inspection Staff \w+ Robin Early booked/);
    expect(words).toMatch(/10:00 AM Inspection Staff \w+ Sam Later booked/);
    expect(words).not.toContain('Not Yours');
    expect(page.body).toContain('>No-show 9:00 AM Robin Early</button>');
    expect(page.body).toContain('>Cancel 10:00 AM Sam Later</button>');
    expect(page.body).not.toContain('No-show 10:00 AM');
    expect((await member.browser.get(url('?date=2026-06-02'))).body).toContain('No appointments on this day.');
  });

  it('Cancel and No-show change the appointment, are audited with the user, and land back on the day', async () => {
    const cancelled = await member.browser.post(url(`/${ids.ten}/cancel?date=2026-06-01`), { _csrf: member.csrf });
    expect(cancelled.status).toBe(303);
    expect(new URL(cancelled.location!).pathname + new URL(cancelled.location!).search).toBe(`/dashboard/${team.business.slug}/appointments?date=2026-06-01`);
    const noShow = await member.browser.post(url(`/${ids.nine}/no-show?date=2026-06-01`), { _csrf: member.csrf });
    expect(noShow.status).toBe(303);
    const words = text(await member.browser.get(url('?date=2026-06-01')));
    expect(words).toMatch(/9:00 AM .* Robin Early no-show/);
    expect(words).toMatch(/10:00 AM .* Sam Later cancelled/);
    const audit = await t.app.db.kysely
      .selectFrom('audit_log')
      .select(['action', 'actor_kind', 'actor_id'])
      .where('business_id', '=', team.business.id)
      .where('action', 'in', ['appointment.cancelled', 'appointment.no_show'])
      .orderBy('action')
      .execute();
    expect(audit).toEqual([
      { action: 'appointment.cancelled', actor_kind: 'user', actor_id: team.member.user.id },
      { action: 'appointment.no_show', actor_kind: 'user', actor_id: team.member.user.id },
    ]);
  });

  it("another business's appointment is not found, a forged form is refused, and a bad day is 400", async () => {
    expect((await member.browser.post(url(`/${ids.foreign}/cancel`), { _csrf: member.csrf })).status).toBe(404);
    expect((await member.browser.post(url(`/${ids.foreign}/cancel`), { _csrf: 'forged' })).status).toBe(403);
    const status = await t.app.db.kysely.selectFrom('appointments').select('status').where('id', '=', ids.foreign).executeTakeFirstOrThrow();
    expect(status.status).toBe('booked');
    expect((await member.browser.get(url('?date=June+1st'))).status).toBe(400);
  });
});
