// check_availability (booking.md, in-call): the next free slots of the agent's default appointment
// type, in the caller's zone when their number tells it, else the business's, each with the words
// the agent can say.
import { z } from 'zod';
import { describeInZone, inZone } from '../../../domain/appointments/slots.js';
import { defineInCallTool } from '../tool.js';

const when = (what: string) => z.string().min(10).max(40).optional().describe(`${what}: a date YYYY-MM-DD or an ISO 8601 date-time with offset.`);

export const checkAvailability = defineInCallTool({
  name: 'check_availability',
  title: 'Check availability',
  description:
    'The next free appointment slots (up to 5) between date_from and date_to (default: the coming week), in the caller’s time zone when known. Book one with book_appointment(start).',
  annotations: { title: 'Check availability', readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  acts: false,
  mode: 'effect',
  input: { date_from: when('From'), date_to: when('Until (a date counts through its end)') },
  output: {
    appointment_type: z.string().describe('What would be booked.'),
    timezone: z.string().describe('The zone of the times below.'),
    slots: z
      .array(z.object({ start: z.string().describe('Pass to book_appointment.'), spoken: z.string().describe('The slot in words, to say to the caller.') }))
      .describe('Free slots, earliest first.'),
  },
  async run(input, ctx) {
    const found = await ctx.domain.appointments.checkAvailabilityForAgent({
      businessId: ctx.call.businessId,
      agentId: ctx.call.agent.id,
      callerNumber: ctx.call.callerNumber,
      dateFrom: input.date_from,
      dateTo: input.date_to,
    });
    const slots = found.slots.map((s) => ({ start: inZone(s.start, found.timezone), spoken: describeInZone(s.start, found.timezone) }));
    return {
      data: { appointment_type: found.appointmentType.name, timezone: found.timezone, slots },
      text: slots.length === 0 ? 'No free slots in that period.' : `Free ${found.appointmentType.name} slots: ${slots.map((s) => s.spoken).join('; ')}.`,
    };
  },
});
