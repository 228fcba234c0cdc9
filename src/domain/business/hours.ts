// Weekly hours in the business's time zone: an agent's office hours, the business's own, and a staff
// member's working hours share this one shape, so is_office_open and check_user_availability read
// them the same way. A day absent or empty is closed; 00:00–24:00 is open all day; a closure closes
// a whole date.
import { z } from 'zod';
import type { WeeklyHours } from '../../../db/schema.js';

export type { WeeklyHours };

export const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;

const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, { message: 'must be HH:MM between 00:00 and 24:00' });

const interval = z.strictObject({ start: clockTime, end: clockTime }).refine((i) => i.start < i.end, { message: 'start must be before end', path: ['end'] });

const day = z
  .array(interval)
  .max(6)
  .refine((list) => [...list].sort((a, b) => a.start.localeCompare(b.start)).every((i, n, all) => n === 0 || all[n - 1]!.end <= i.start), {
    message: 'intervals overlap',
  });

export const WeeklyHoursSchema = z
  .strictObject({
    // One schema for every day (not a property per day): the listing carries it once.
    weekly: z.partialRecord(z.enum(WEEKDAYS), day).describe('Per weekday: [{start, end}].'),
    closures: z
      .array(z.strictObject({ date: z.iso.date().describe('YYYY-MM-DD.'), reason: z.string().trim().max(200).nullable().optional().describe('Why.') }))
      .max(366)
      .optional()
      .describe('Whole dates closed.'),
  })
  .describe(
    'weekly: {monday…sunday: [{start, end}]}, HH:MM in the business time zone (absent or [] = closed; 00:00–24:00 = all day); closures: [{date YYYY-MM-DD, reason?}], closed all day.',
  );
