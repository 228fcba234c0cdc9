// book_appointment (booking.md, in-call): books the caller (their lead found by caller_id_number or
// created) on the agent's default appointment type, then texts them a confirmation.
import { z } from 'zod';
import { describeInZone, inZone } from '../../../domain/appointments/slots.js';
import { defineInCallTool } from '../tool.js';

export const bookAppointmentInCall = defineInCallTool({
  name: 'book_appointment',
  title: 'Book an appointment',
  description: 'Books the caller into a slot from check_availability and texts them a confirmation. A slot taken meanwhile answers conflict: offer another.',
  annotations: { title: 'Book an appointment', readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  acts: true,
  mode: 'effect',
  input: {
    start: z.iso.datetime({ offset: true }).describe('A slot start from check_availability.'),
    name: z.string().trim().min(1).max(200).optional().describe('The caller’s name.'),
    notes: z.string().trim().max(2000).optional().describe('What the appointment is about.'),
  },
  output: {
    appointment_id: z.guid().describe('The booking.'),
    start: z.string().describe('ISO 8601 in the caller’s zone.'),
    spoken: z.string().describe('The time in words.'),
    lead_id: z.guid().nullable().describe('The caller’s lead.'),
    confirmation_text: z.string().describe('sent, failed, blocked, skipped, deferred or pending.'),
  },
  async run(input, ctx) {
    const booked = await ctx.domain.appointments.bookForCaller({
      businessId: ctx.call.businessId,
      actor: ctx.actor,
      agentId: ctx.call.agent.id,
      callId: ctx.call.call.id,
      callerNumber: ctx.call.callerNumber,
      start: input.start,
      name: input.name,
      notes: input.notes,
    });
    const a = booked.appointment;
    const spoken = describeInZone(a.startsAt, a.timezone);
    return {
      data: { appointment_id: a.id, start: inZone(a.startsAt, a.timezone), spoken, lead_id: a.leadId, confirmation_text: booked.confirmation?.status ?? 'pending' },
      text: `Booked ${a.appointmentTypeName} for ${spoken}.${booked.confirmation?.status === 'sent' ? ' A confirmation text is on its way.' : ''}`,
    };
  },
});
