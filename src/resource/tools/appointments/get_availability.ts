// get_availability: free slots of an appointment type over at most 31 days, in the zone asked for.
import { z } from 'zod';
import { MAX_RANGE_DAYS } from '../../../domain/appointments/appointments.types.js';
import { inZone } from '../../../domain/appointments/slots.js';
import { defineTool } from '../../framework/tool.js';

const boundary = (edge: string) => z.string().min(10).max(40).describe(`${edge}: a date YYYY-MM-DD (whole day in \`timezone\`) or ISO 8601 date-time with offset.`);

export const getAvailability = defineTool({
  name: 'get_availability',
  title: 'Get availability',
  description: `Free slots of an appointment type between from and to (at most ${MAX_RANGE_DAYS} days), in \`timezone\` (default: the business's). Bookings, live holds, buffers, notice and time off are respected. Book a slot's start with hold_appointment or book_appointment.`,
  scopes: ['appointments:read'],
  externalEffect: false,
  annotations: { title: 'Get availability', readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  input: {
    appointment_type_id: z.guid().describe('The appointment type.'),
    from: boundary('Range start'),
    to: boundary('Range end (a date counts through its end)'),
    timezone: z.string().min(1).max(64).optional().describe('IANA zone for input dates and output times, e.g. America/New_York.'),
    staff_id: z.guid().optional().describe('Only this staff member.'),
  },
  output: {
    appointment_type: z
      .object({ id: z.guid().describe('Type id.'), name: z.string().describe('Name.'), duration_minutes: z.number().int().describe('Length in minutes.') })
      .describe('The type.'),
    timezone: z.string().describe('Zone of the times below.'),
    from: z.string().describe('Range start applied.'),
    to: z.string().describe('Range end applied (exclusive).'),
    slots: z
      .array(
        z.object({
          start: z.string().describe('ISO 8601 with offset.'),
          end: z.string().describe('ISO 8601 with offset.'),
          staff_ids: z.array(z.guid()).describe('Staff free for it.'),
        }),
      )
      .describe('Free slots, earliest first.'),
    count: z.number().int().describe('Number of slots.'),
  },
  async run(input, ctx) {
    const found = await ctx.domain.appointments.getAvailability(ctx.tx, ctx.businessId, {
      appointmentTypeId: input.appointment_type_id,
      from: input.from,
      to: input.to,
      timezone: input.timezone,
      staffId: input.staff_id,
    });
    const zone = found.timezone;
    const slots = found.slots.map((s) => ({ start: inZone(s.start, zone), end: inZone(s.end, zone), staff_ids: s.staffIds }));
    const type = found.appointmentType;
    return {
      data: {
        appointment_type: { id: type.id, name: type.name, duration_minutes: type.durationMinutes },
        timezone: zone,
        from: inZone(found.from, zone),
        to: inZone(found.to, zone),
        slots,
        count: slots.length,
      },
      text: [
        `${slots.length} free ${type.name} slot${slots.length === 1 ? '' : 's'} (${zone}).`,
        ...slots.slice(0, 50).map((s) => `${s.start} (${s.staff_ids.length} staff)`),
      ].join('\n'),
    };
  },
});
