// Slots from weekly working hours, in instants. Working hours are wall-clock times in the business's
// zone; each date's windows become instants through luxon (the IANA rules), and slots then step
// through real time from the window's start. So across a daylight-saving change nobody works an
// hour too many or too few: 00:00–04:00 on a spring-forward night is three hours of slots, on a
// fall-back night five, and 09:00 stays 09:00 on both sides. Nothing here does offset arithmetic.
import { DateTime, IANAZone } from 'luxon';
import type { WeeklyHours } from '../business/hours.js';
import type { AppointmentType, Slot } from './appointments.types.js';

const WEEKDAY_NAMES = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;

export const isTimeZone = (zone: string): boolean => IANAZone.isValidZone(zone);

export interface StaffHours {
  staffId: string;
  hours: WeeklyHours | null;
}

export interface Interval {
  staffId: string;
  from: Date;
  until: Date;
}

/** A wall-clock "HH:MM" (or 24:00) of a local date as an instant; a time skipped by a change moves forward with it. */
function localInstant(date: DateTime, clock: string): DateTime {
  const [hour, minute] = clock.split(':').map(Number) as [number, number];
  if (hour === 24) return date.plus({ days: 1 }).startOf('day');
  return DateTime.fromObject({ year: date.year, month: date.month, day: date.day, hour, minute }, { zone: date.zone });
}

/**
 * The slot starts of one staff member between `from` and `to` (start in [from, to)): every step of
 * the type's interval from each window's start at which the whole appointment fits in the window.
 * Closures and absent days give none. Busy time, notice and the horizon are not applied here.
 */
export function gridStarts(type: Pick<AppointmentType, 'durationMinutes' | 'slotIntervalMinutes'>, zone: string, staff: StaffHours, from: Date, to: Date): Date[] {
  if (!staff.hours) return [];
  const starts: Date[] = [];
  const closed = new Set((staff.hours.closures ?? []).map((c) => c.date));
  // A window of the day before may run past midnight in instants (24:00), and one of the range's
  // last date starts before `to`: one date of margin on each side, then the filter.
  let day = DateTime.fromJSDate(from, { zone }).startOf('day').minus({ days: 1 });
  const lastDay = DateTime.fromJSDate(to, { zone }).startOf('day').plus({ days: 1 });
  const durationMs = type.durationMinutes * 60_000;
  const stepMs = type.slotIntervalMinutes * 60_000;
  for (; day <= lastDay; day = day.plus({ days: 1 })) {
    if (closed.has(day.toISODate()!)) continue;
    const windows = staff.hours.weekly[WEEKDAY_NAMES[day.weekday - 1]!] ?? [];
    for (const window of windows) {
      const start = localInstant(day, window.start).toMillis();
      const end = localInstant(day, window.end).toMillis();
      for (let t = start; t + durationMs <= end; t += stepMs) {
        if (t >= from.getTime() && t < to.getTime()) starts.push(new Date(t));
      }
    }
  }
  return starts;
}

const overlaps = (aFrom: number, aUntil: number, bFrom: number, bUntil: number) => aFrom < bUntil && bFrom < aUntil;

export interface SlotContext {
  type: AppointmentType;
  /** The business's zone, which working hours are in. */
  zone: string;
  staff: StaffHours[];
  timeOff: Interval[];
  /** Blocked ranges (buffers included) of live holds and bookings. */
  busy: Interval[];
  now: Date;
}

/** Why a start is not bookable for a staff member; null when it is. */
export type Unbookable = 'not_on_grid' | 'too_soon' | 'too_far' | 'time_off' | 'busy';

/** Whether `staffId` can take an appointment of the type starting at `start`, and if not why. */
export function checkStart(ctx: SlotContext, staffId: string, start: Date): Unbookable | null {
  const staff = ctx.staff.find((s) => s.staffId === staffId);
  if (!staff) return 'not_on_grid';
  const onGrid = gridStarts(ctx.type, ctx.zone, staff, start, new Date(start.getTime() + 1)).some((s) => s.getTime() === start.getTime());
  if (!onGrid) return 'not_on_grid';
  return checkTimes(ctx, staffId, start);
}

function checkTimes(ctx: SlotContext, staffId: string, start: Date): Unbookable | null {
  const s = start.getTime();
  if (s < ctx.now.getTime() + ctx.type.minNoticeMinutes * 60_000) return 'too_soon';
  if (s > ctx.now.getTime() + ctx.type.maxDaysAhead * 86_400_000) return 'too_far';
  const e = s + ctx.type.durationMinutes * 60_000;
  if (ctx.timeOff.some((o) => o.staffId === staffId && overlaps(s, e, o.from.getTime(), o.until.getTime()))) return 'time_off';
  const bFrom = s - ctx.type.bufferBeforeMinutes * 60_000;
  const bUntil = e + ctx.type.bufferAfterMinutes * 60_000;
  if (ctx.busy.some((b) => b.staffId === staffId && overlaps(bFrom, bUntil, b.from.getTime(), b.until.getTime()))) return 'busy';
  return null;
}

/** Every free slot starting in [from, to), each with the staff free for it. */
export function freeSlots(ctx: SlotContext, from: Date, to: Date): Slot[] {
  const byStart = new Map<number, string[]>();
  for (const staff of ctx.staff) {
    for (const start of gridStarts(ctx.type, ctx.zone, staff, from, to)) {
      if (checkTimes(ctx, staff.staffId, start) !== null) continue;
      const list = byStart.get(start.getTime()) ?? [];
      list.push(staff.staffId);
      byStart.set(start.getTime(), list);
    }
  }
  return [...byStart.entries()]
    .sort(([a], [b]) => a - b)
    .map(([start, staffIds]) => ({ start: new Date(start), end: new Date(start + ctx.type.durationMinutes * 60_000), staffIds: staffIds.sort() }));
}

/** The blocked range of an appointment of the type starting at `start`: what the exclusion constraint compares. */
export function blockedRange(type: Pick<AppointmentType, 'durationMinutes' | 'bufferBeforeMinutes' | 'bufferAfterMinutes'>, start: Date) {
  const end = new Date(start.getTime() + type.durationMinutes * 60_000);
  return {
    start,
    end,
    blockedFrom: new Date(start.getTime() - type.bufferBeforeMinutes * 60_000),
    blockedUntil: new Date(end.getTime() + type.bufferAfterMinutes * 60_000),
  };
}

/** An instant as ISO 8601 with the zone's offset at that instant, e.g. 2026-03-09T09:00:00-04:00. */
export function inZone(instant: Date, zone: string): string {
  return DateTime.fromJSDate(instant, { zone }).toISO({ suppressMilliseconds: true })!;
}

/**
 * A range boundary: an ISO date (YYYY-MM-DD, a whole day in `zone`: `from` its start, `to` its
 * end) or an ISO date-time with an offset or Z. Null when it is neither.
 */
export function parseBoundary(value: string, zone: string, edge: 'from' | 'to'): Date | null {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const day = DateTime.fromISO(value, { zone });
    if (!day.isValid) return null;
    return (edge === 'from' ? day.startOf('day') : day.plus({ days: 1 }).startOf('day')).toJSDate();
  }
  if (!/(Z|[+-]\d{2}:?\d{2})$/i.test(value)) return null;
  const instant = DateTime.fromISO(value, { setZone: true });
  return instant.isValid ? instant.toJSDate() : null;
}

/** A date-time with an offset or Z as an instant; null otherwise (a local time without a zone is ambiguous). */
export function parseInstant(value: string): Date | null {
  if (!/T.*(Z|[+-]\d{2}:?\d{2})$/i.test(value)) return null;
  const instant = DateTime.fromISO(value, { setZone: true });
  return instant.isValid ? instant.toJSDate() : null;
}

/** The local calendar date of an instant in a zone, e.g. to speak "Tuesday 3 March". */
export function describeInZone(instant: Date, zone: string): string {
  return DateTime.fromJSDate(instant, { zone }).toFormat("cccc d LLLL yyyy 'at' h:mm a ZZZZ");
}
