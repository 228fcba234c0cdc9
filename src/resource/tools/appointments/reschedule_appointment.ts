// reschedule_appointment: moves a booking atomically; on conflict it stays where it was.
import { z } from 'zod';
import { idempotencyKeyInput, replayedOutput } from '../../framework/idempotency-key.js';
import { defineEffectTool } from '../../framework/tool.js';
import { actorFromCredential } from '../../auth/actor.js';
import { appointmentIdInput, bookingOutput, confirmationOutput, describeAppointment, once, optionalKeyNote, startInput, toBookingOutput } from './appointment-output.js';

export const rescheduleAppointment = defineEffectTool({
  name: 'reschedule_appointment',
  title: 'Reschedule an appointment',
  description: `Moves a booking to a new start, atomically: the new slot is taken, or conflict and the booking keeps its time. Same staff member unless staff_id is given. Texts the new time.${optionalKeyNote}`,
  scopes: ['appointments:write'],
  externalEffect: true,
  annotations: { title: 'Reschedule an appointment', readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  input: {
    appointment_id: appointmentIdInput,
    start: startInput,
    staff_id: z.guid().optional().describe('Move to this staff member.'),
    idempotency_key: idempotencyKeyInput.optional(),
  },
  output: {
    appointment: bookingOutput.describe('The booking at its new time.'),
    confirmation: confirmationOutput,
    replayed: replayedOutput,
  },
  async run(input, ctx) {
    const { idempotency_key: key, ...args } = input;
    const { outcome, replayed } = await once(ctx, 'reschedule_appointment', key, args, async () => {
      const moved = await ctx.domain.appointments.reschedule({
        businessId: ctx.businessId,
        actor: actorFromCredential(ctx.credential),
        appointmentId: input.appointment_id,
        start: input.start,
        staffId: input.staff_id,
      });
      return { appointment: toBookingOutput(moved.appointment), confirmation: moved.confirmation };
    });
    return { data: { ...outcome, replayed }, text: `Rescheduled: ${describeAppointment(outcome.appointment)}.` };
  },
});
