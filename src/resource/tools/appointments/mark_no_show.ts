// mark_no_show: the customer did not come; only after the start. Final.
import { idempotencyKeyInput, replayedOutput } from '../../framework/idempotency-key.js';
import { defineEffectTool } from '../../framework/tool.js';
import { actorFromCredential } from '../../auth/actor.js';
import { appointmentIdInput, bookingOutput, describeAppointment, once, optionalKeyNote, toBookingOutput } from './appointment-output.js';

export const markNoShow = defineEffectTool({
  name: 'mark_no_show',
  title: 'Mark a no-show',
  description: `Marks a booking as a no-show. Only after its start time. Cannot be undone.${optionalKeyNote}`,
  scopes: ['appointments:write'],
  externalEffect: false,
  annotations: { title: 'Mark a no-show', readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  input: { appointment_id: appointmentIdInput, idempotency_key: idempotencyKeyInput.optional() },
  output: { appointment: bookingOutput.describe('The appointment, now no_show.'), replayed: replayedOutput },
  async run(input, ctx) {
    const { idempotency_key: key, ...args } = input;
    const { outcome: appointment, replayed } = await once(ctx, 'mark_no_show', key, args, async () =>
      toBookingOutput(await ctx.domain.appointments.markNoShow({ businessId: ctx.businessId, actor: actorFromCredential(ctx.credential), appointmentId: input.appointment_id })),
    );
    return { data: { appointment, replayed }, text: `No-show: ${describeAppointment(appointment)}.` };
  },
});
