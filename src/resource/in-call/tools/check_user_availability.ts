// check_user_availability (seed 002): whether a staff member can take a call now: their
// do-not-disturb setting and their working hours, in the business's time zone.
import { z } from 'zod';
import { defineInCallTool } from '../tool.js';

export const checkUserAvailability = defineInCallTool({
  name: 'check_user_availability',
  title: 'Check a user’s availability',
  description:
    'Checks if a user (a staff member) is available to receive calls now, based on their Do Not Disturb (DND) status and working hours. Returns user availability status and DND setting.',
  annotations: { title: 'Check a user’s availability', readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  acts: false,
  mode: 'transaction',
  input: {
    user_id: z.string().max(64).describe('The staff member to check (their staff id).'),
  },
  output: {
    user_id: z.guid().describe('The staff member checked.'),
    name: z.string().describe('Their name.'),
    available: z.boolean().describe('True when they can take a call now: not on do-not-disturb and within their working hours (or none set).'),
    do_not_disturb: z.boolean().describe('Their do-not-disturb setting.'),
    within_working_hours: z.boolean().nullable().describe('Whether now is within their working hours; null when they have none set.'),
    reason: z.enum(['available', 'do_not_disturb', 'outside_working_hours']).describe('Why they are or are not available.'),
    available_from: z.string().nullable().describe('When outside working hours: when they next start, ISO 8601 (UTC), within two weeks; else null.'),
  },
  async run(input, ctx) {
    const a = await ctx.domain.inCall.staffAvailability(ctx.tx, ctx.call, input.user_id, ctx.now);
    const text = a.available
      ? `${a.name} is available.`
      : a.reason === 'do_not_disturb'
        ? `${a.name} is on do not disturb.`
        : `${a.name} is outside working hours${a.availableFrom ? ` until ${a.availableFrom.toISOString()}` : ''}.`;
    return {
      text,
      data: {
        user_id: a.staffId,
        name: a.name,
        available: a.available,
        do_not_disturb: a.doNotDisturb,
        within_working_hours: a.withinWorkingHours,
        reason: a.reason,
        available_from: a.availableFrom?.toISOString() ?? null,
      },
    };
  },
});
