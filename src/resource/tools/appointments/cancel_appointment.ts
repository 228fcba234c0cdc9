// cancel_appointment: cancels a booking or hold and frees its slot. Final.
import { z } from 'zod';
import { idempotencyKeyInput, replayedOutput } from '../../framework/idempotency-key.js';
import { defineEffectTool } from '../../framework/tool.js';
import { actorFromCredential } from '../../auth/actor.js';
import { appointmentIdInput, bookingOutput, describeAppointment, once, optionalKeyNote, toBookingOutput } from './appointment-output.js';

export const cancelAppointment = defineEffectTool({
  name: 'cancel_appointment',
  title: 'Cancel an appointment',
  description: `Cancels a booking or hold and frees its slot. Cannot be undone.${optionalKeyNote}`,
  scopes: ['appointments:write'],
  externalEffect: false,
  annotations: { title: 'Cancel an appointment', readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  input: {
    appointment_id: appointmentIdInput,
    reason: z.string().trim().min(1).max(500).optional().describe('Why.'),
    idempotency_key: idempotencyKeyInput.optional(),
  },
  output: { appointment: bookingOutput.describe('The cancelled appointment.'), replayed: replayedOutput },
  async run(input, ctx) {
    const { idempotency_key: key, ...args } = input;
    const { outcome: appointment, replayed } = await once(ctx, 'cancel_appointment', key, args, async () =>
      toBookingOutput(
        await ctx.domain.appointments.cancel({ businessId: ctx.businessId, actor: actorFromCredential(ctx.credential), appointmentId: input.appointment_id, reason: input.reason }),
      ),
    );
    return { data: { appointment, replayed }, text: `Cancelled: ${describeAppointment(appointment)}.` };
  },
});
