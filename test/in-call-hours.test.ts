// is_office_open's rule (src/domain/in-call/hours-status.ts) at fixed instants: each of seed 002's
// four sentences, closures, open stretches across midnight, and the days daylight saving time starts
// and ends, in the business's zone.
import { describe, expect, it } from 'vitest';
import { hoursStatus } from '../src/domain/in-call/hours-status.js';

const nineToFive = { start: '09:00', end: '17:00' };
const weekdays = { monday: [nineToFive], tuesday: [nineToFive], wednesday: [nineToFive], thursday: [nineToFive], friday: [nineToFive] };
const at = (iso: string) => new Date(iso);
const iso = (d: Date | null) => d?.toISOString() ?? null;

describe('is_office_open: hours in the business’s time zone', () => {
  it('open inside today’s hours, closing at their end: "Office is currently open"', () => {
    // Tuesday 2026-12-01, 10:15 in Chicago (16:15Z).
    const s = hoursStatus({ weekly: weekdays }, 'America/Chicago', at('2026-12-01T16:15:00Z'));
    expect([s.sentence, s.open, s.reason, iso(s.closesAt), s.opensAt]).toEqual(['Office is currently open', true, 'within_hours', '2026-12-01T23:00:00.000Z', null]);
  });

  it('closed outside today’s hours, opening at the next start: "Office is currently closed"', () => {
    // Friday 2026-12-04, 18:00 in Chicago: next opening Monday 09:00.
    const s = hoursStatus({ weekly: weekdays }, 'America/Chicago', at('2026-12-05T00:00:00Z'));
    expect([s.sentence, s.open, s.reason, iso(s.opensAt)]).toEqual(['Office is currently closed', false, 'outside_hours', '2026-12-07T15:00:00.000Z']);
  });

  it('no hours today: "Office is closed today"; a closure date likewise, with its reason', () => {
    const sunday = hoursStatus({ weekly: weekdays }, 'America/Chicago', at('2026-12-06T18:00:00Z'));
    expect([sunday.sentence, sunday.reason, iso(sunday.opensAt)]).toEqual(['Office is closed today', 'closed_today', '2026-12-07T15:00:00.000Z']);
    const christmas = hoursStatus({ weekly: weekdays, closures: [{ date: '2026-12-25', reason: 'Christmas Day' }] }, 'Europe/London', at('2026-12-25T10:00:00Z'));
    expect([christmas.sentence, christmas.reason, christmas.closure, iso(christmas.opensAt)]).toEqual([
      'Office is closed today',
      'closure',
      'Christmas Day',
      '2026-12-28T09:00:00.000Z',
    ]);
  });

  it('00:00–24:00: "Office is open 24 hours today", open until the stretch of open days ends', () => {
    const s = hoursStatus({ weekly: { monday: [{ start: '00:00', end: '24:00' }], tuesday: [{ start: '00:00', end: '12:00' }] } }, 'Europe/Paris', at('2026-12-07T08:00:00Z'));
    expect([s.sentence, s.reason, iso(s.closesAt)]).toEqual(['Office is open 24 hours today', 'open_24_hours', '2026-12-08T11:00:00.000Z']);
  });

  it('an evening stretch that continues after midnight closes when the next day’s interval ends', () => {
    const s = hoursStatus({ weekly: { friday: [{ start: '22:00', end: '24:00' }], saturday: [{ start: '00:00', end: '02:00' }] } }, 'America/New_York', at('2026-12-05T04:30:00Z'));
    expect([s.sentence, iso(s.closesAt)]).toEqual(['Office is currently open', '2026-12-05T07:00:00.000Z']);
  });

  it('daylight saving time: the wall-clock hours hold on the days the offset changes (America/New_York)', () => {
    const sundays = { weekly: { sunday: [nineToFive] } };
    // 2026-03-08: clocks go from 02:00 EST to 03:00 EDT. 01:00 EST is 06:00Z; 09:00 EDT is 13:00Z.
    const before = hoursStatus(sundays, 'America/New_York', at('2026-03-08T06:00:00Z'));
    expect([before.sentence, iso(before.opensAt)]).toEqual(['Office is currently closed', '2026-03-08T13:00:00.000Z']);
    const during = hoursStatus(sundays, 'America/New_York', at('2026-03-08T13:30:00Z'));
    expect([during.sentence, iso(during.closesAt)]).toEqual(['Office is currently open', '2026-03-08T21:00:00.000Z']);
    // 2026-11-01: clocks go from 02:00 EDT back to 01:00 EST. 09:00 EST is 14:00Z, 17:00 EST is 22:00Z.
    const fall = hoursStatus(sundays, 'America/New_York', at('2026-11-01T13:30:00Z'));
    expect([fall.sentence, iso(fall.opensAt)]).toEqual(['Office is currently closed', '2026-11-01T14:00:00.000Z']);
    expect(iso(hoursStatus(sundays, 'America/New_York', at('2026-11-01T15:00:00Z')).closesAt)).toBe('2026-11-01T22:00:00.000Z');
  });

  it('no office hours anywhere: closed, saying so', () => {
    expect(hoursStatus(null, 'UTC', at('2026-12-01T12:00:00Z'))).toMatchObject({
      sentence: 'Office is currently closed',
      open: false,
      reason: 'no_hours_configured',
      opensAt: null,
    });
  });
});
