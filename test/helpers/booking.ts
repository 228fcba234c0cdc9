// Booking fixtures: staff of the directory with weekly working hours, and appointment types, written
// as system work (the owner connection) like the other fixtures. No tool manages these yet: the
// demo data and these fixtures are their writers.
import type { WeeklyHours } from '../../db/schema.js';
import type { Db } from '../../src/shared/db.js';

const DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;

/** The same hours every day of the week. */
export const everyDay = (...windows: Array<[string, string]>): WeeklyHours => ({
  weekly: Object.fromEntries(DAYS.map((d) => [d, windows.map(([start, end]) => ({ start, end }))])),
});

export async function insertStaff(db: Db, businessId: string, name: string, hours: WeeklyHours | null): Promise<string> {
  const row = await db.kysely
    .insertInto('staff_members')
    .values({ business_id: businessId, name, working_hours: hours === null ? null : JSON.stringify(hours) })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export interface TypeValues {
  name?: string;
  durationMinutes?: number;
  slotIntervalMinutes?: number;
  bufferBeforeMinutes?: number;
  bufferAfterMinutes?: number;
  minNoticeMinutes?: number;
  maxDaysAhead?: number;
  /** A `specific` type when one staff member is given with `specific: true`. */
  specific?: boolean;
}

export async function insertAppointmentType(db: Db, businessId: string, staffIds: string[], values: TypeValues = {}): Promise<string> {
  const row = await db.kysely
    .insertInto('appointment_types')
    .values({
      business_id: businessId,
      name: values.name ?? 'Consultation',
      duration_minutes: values.durationMinutes ?? 60,
      slot_interval_minutes: values.slotIntervalMinutes ?? values.durationMinutes ?? 60,
      buffer_before_minutes: values.bufferBeforeMinutes ?? 0,
      buffer_after_minutes: values.bufferAfterMinutes ?? 0,
      min_notice_minutes: values.minNoticeMinutes ?? 0,
      max_days_ahead: values.maxDaysAhead ?? 365,
      assignment: values.specific ? 'specific' : 'round_robin',
      staff_id: values.specific ? staffIds[0]! : null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  if (!values.specific && staffIds.length > 0) {
    await db.kysely
      .insertInto('appointment_type_staff')
      .values(staffIds.map((staffId) => ({ business_id: businessId, appointment_type_id: row.id, staff_id: staffId })))
      .execute();
  }
  return row.id;
}

/** A clock the test moves: the app's domain reads it for notice, holds, no-shows and reminders. */
export function testClock(start: Date) {
  let now = start.getTime();
  return {
    now: () => new Date(now),
    set(at: Date | string) {
      now = new Date(at).getTime();
    },
    advance(ms: number) {
      now += ms;
    },
  };
}
