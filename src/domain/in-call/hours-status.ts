// Whether weekly hours (business/hours.ts: an agent's office hours, the business's, a staff member's
// working hours) are open at an instant, in the business's time zone, with whole-day closures; and
// which of seed 002's four sentences says so. Wall-clock times become instants through the zone's
// rules for that date (luxon), so the answer is right on the days daylight saving time changes.
import { DateTime } from 'luxon';
import { WEEKDAYS, type WeeklyHours } from '../business/hours.js';

/** Seed 002's `is_office_open` answers, verbatim: the text of every answer is exactly one of these. */
export const OFFICE_SENTENCES = ['Office is currently open', 'Office is currently closed', 'Office is closed today', 'Office is open 24 hours today'] as const;
export type OfficeSentence = (typeof OFFICE_SENTENCES)[number];

export type HoursReason =
  /** Inside one of today's intervals. */
  | 'within_hours'
  /** Today has hours, but not now. */
  | 'outside_hours'
  /** Today has no hours at all. */
  | 'closed_today'
  /** Today is a closure date. */
  | 'closure'
  /** Today's hours are 00:00–24:00. */
  | 'open_24_hours'
  /** No hours are configured anywhere. */
  | 'no_hours_configured';

export interface HoursStatus {
  open: boolean;
  sentence: OfficeSentence;
  reason: HoursReason;
  /** The closure's reason, on a closure date. */
  closure: string | null;
  /** When closed: the next opening within two weeks, else null. */
  opensAt: Date | null;
  /** When open: when this stretch of open time ends (across midnight when the next day continues it), within two weeks. */
  closesAt: Date | null;
}

/** How far ahead the next opening or closing is looked for. */
const HORIZON_DAYS = 14;

interface Interval {
  start: DateTime;
  end: DateTime;
}

/** A local date's intervals as instants; none on a closure date. */
function intervalsOn(hours: WeeklyHours, day: DateTime): Interval[] {
  const date = day.toISODate()!;
  if (hours.closures?.some((c) => c.date === date)) return [];
  const list = hours.weekly[WEEKDAYS[day.weekday - 1]!] ?? [];
  return list
    .map((i) => ({ start: at(day, i.start), end: at(day, i.end) }))
    .filter((i) => i.start < i.end)
    .sort((a, b) => a.start.toMillis() - b.start.toMillis());
}

/** `HH:MM` on a local date; `24:00` is the next day's midnight. */
function at(day: DateTime, clock: string): DateTime {
  if (clock === '24:00') return day.plus({ days: 1 }).startOf('day');
  const [hour, minute] = clock.split(':').map(Number) as [number, number];
  return day.set({ hour, minute, second: 0, millisecond: 0 });
}

export function hoursStatus(hours: WeeklyHours | null, timeZone: string, now: Date): HoursStatus {
  if (!hours) return { open: false, sentence: 'Office is currently closed', reason: 'no_hours_configured', closure: null, opensAt: null, closesAt: null };
  const here = DateTime.fromJSDate(now, { zone: timeZone });
  const today = here.startOf('day');
  const todays = intervalsOn(hours, today);
  const closure = hours.closures?.find((c) => c.date === today.toISODate()) ?? null;
  // Later days are read only as far as an answer needs (this runs on every is_office_open).
  const laterDays = function* () {
    for (let n = 1; n <= HORIZON_DAYS; n++) yield intervalsOn(hours, today.plus({ days: n }));
  };
  // An interval ends by 24:00 of its own day, so the one open now, if any, is today's.
  const current = todays.find((i) => i.start <= here && here < i.end);

  if (current) {
    // Contiguous intervals (22:00–24:00 then 00:00–02:00) are one stretch of open time.
    let closesAt = current.end;
    for (const next of todays) if (next.start <= closesAt && next.end > closesAt) closesAt = next.end;
    for (const day of laterDays()) {
      const continuing = day.find((i) => i.start <= closesAt && i.end > closesAt);
      if (!continuing) break;
      closesAt = continuing.end;
    }
    const allDay = todays.length === 1 && todays[0]!.start.equals(today) && todays[0]!.end.equals(today.plus({ days: 1 }).startOf('day'));
    return {
      open: true,
      sentence: allDay ? 'Office is open 24 hours today' : 'Office is currently open',
      reason: allDay ? 'open_24_hours' : 'within_hours',
      closure: null,
      opensAt: null,
      closesAt: closesAt.toJSDate(),
    };
  }
  let opensAt = todays.find((i) => i.start > here)?.start ?? null;
  if (!opensAt) {
    for (const day of laterDays()) {
      if (day.length === 0) continue;
      opensAt = day[0]!.start;
      break;
    }
  }
  const opens = opensAt?.toJSDate() ?? null;
  if (closure) return { open: false, sentence: 'Office is closed today', reason: 'closure', closure: closure.reason ?? null, opensAt: opens, closesAt: null };
  if (todays.length === 0) return { open: false, sentence: 'Office is closed today', reason: 'closed_today', closure: null, opensAt: opens, closesAt: null };
  return { open: false, sentence: 'Office is currently closed', reason: 'outside_hours', closure: null, opensAt: opens, closesAt: null };
}
