// The Appointments page in Chromium: a day's bookings, Cancel and No-show pressed by keyboard alone,
// axe-core with no serious or critical violation, and screenshots at 375 px and 1280 px.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { everyDay, insertAppointmentType, insertStaff, testClock } from '../helpers/booking.js';
import { launchChromium } from '../helpers/browser.js';
import { axeViolations, screenshots, signInInBrowser } from '../helpers/dashboard.js';
import { createTeam, type Team } from '../helpers/dashboard-team.js';

const clock = testClock(new Date('2026-06-01T12:00:00Z'));
let t: TestApp;
let browser: Browser;
let team: Team;

beforeAll(async () => {
  t = await startTestApp({}, undefined, { clock: clock.now });
  team = await createTeam(t.app.db, 'Keyboard Plumbing');
  const staff = await insertStaff(t.app.db, team.business.id, 'Morgan Fixer', everyDay(['08:00', '18:00']));
  const typeId = await insertAppointmentType(t.app.db, team.business.id, [staff], { name: 'Boiler service' });
  for (const [start, name] of [
    ['2026-06-01T09:00:00-04:00', 'Ada Early'],
    ['2026-06-01T11:00:00-04:00', 'Ben Later'],
  ] as const) {
    await t.app.domain.appointments.book({
      businessId: team.business.id,
      actor: { kind: 'system', name: 'test' },
      appointmentTypeId: typeId,
      start,
      contact: { name },
      via: 'dashboard',
    });
  }
  clock.set('2026-06-01T13:30:00Z'); // 09:30 in New York
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

describe('appointments in Chromium', () => {
  it('shows the day, passes axe, and takes Cancel and No-show by keyboard', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signInInBrowser(page, t.baseUrl, team.member);
    await page.goto(`${t.baseUrl}/dashboard/${team.business.slug}/appointments?date=2026-06-01`);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Appointments');
    const { serious } = await axeViolations(page);
    expect(serious, JSON.stringify(serious, null, 1)).toEqual([]);
    await screenshots(page, 'dashboard-appointments');

    await page.getByRole('button', { name: 'No-show 9:00 AM Ada Early' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('row', { name: /Ada Early/ }).textContent()).toContain('no-show');
    await page.getByRole('button', { name: 'Cancel 11:00 AM Ben Later' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('row', { name: /Ben Later/ }).textContent()).toContain('cancelled');
    expect(await page.getByRole('button', { name: /Cancel|No-show/ }).count()).toBe(0);
    await context.close();
  }, 60_000);
});
