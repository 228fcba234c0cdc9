// is_office_open (seed 002): whether the office is open now, from the persona's office hours (else
// the business's) in the business's time zone, closures included. The text is exactly one of seed
// 002's four sentences; the structured result says why and when that changes.
import { z } from 'zod';
import { OFFICE_SENTENCES } from '../../../domain/in-call/hours-status.js';
import { defineInCallTool } from '../tool.js';

export const isOfficeOpen = defineInCallTool({
  name: 'is_office_open',
  title: 'Is the office open',
  description:
    "Checks if the office is currently open based on the persona's configured office hours (else the business's) and the account's time zone, closures included. " +
    `Answers one of: ${OFFICE_SENTENCES.map((s) => `"${s}"`).join(', ')}.`,
  annotations: { title: 'Is the office open', readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  acts: false,
  mode: 'transaction',
  input: {},
  output: {
    open: z.boolean().describe('True when the office is open at this moment.'),
    message: z.enum(OFFICE_SENTENCES).describe('The answer in words: exactly one of the four sentences.'),
    opens_at: z.string().nullable().describe('When closed: the next opening within two weeks, ISO 8601 (UTC); null when open or none is set.'),
    closes_at: z.string().nullable().describe('When open: when this stretch of open time ends, ISO 8601 (UTC); null when closed.'),
    reason: z
      .enum(['within_hours', 'outside_hours', 'closed_today', 'closure', 'open_24_hours', 'no_hours_configured'])
      .describe('Why: inside or outside today’s hours, no hours today, a closure date, open all day, or no office hours configured at all.'),
    closure: z.string().nullable().describe('On a closure date, its reason (such as "Christmas Day"), when one was given.'),
    time_zone: z.string().describe('The IANA time zone the hours are read in (the business’s).'),
  },
  async run(_input, ctx) {
    const status = ctx.domain.inCall.officeStatus(ctx.call, ctx.now);
    return {
      text: status.sentence,
      data: {
        open: status.open,
        message: status.sentence,
        opens_at: status.opensAt?.toISOString() ?? null,
        closes_at: status.closesAt?.toISOString() ?? null,
        reason: status.reason,
        closure: status.closure,
        time_zone: ctx.call.timeZone,
      },
    };
  },
});
