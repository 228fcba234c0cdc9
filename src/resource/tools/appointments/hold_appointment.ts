// hold_appointment: phase 1 of booking; the slot is the caller's for 5 minutes.
import { z } from 'zod';
import { HOLD_MINUTES } from '../../../domain/appointments/appointments.types.js';
import { inZone } from '../../../domain/appointments/slots.js';
import { idempotencyKeyInput, replayedOutput } from '../../framework/idempotency-key.js';
import { defineEffectTool } from '../../framework/tool.js';
import { actorFromCredential } from '../../auth/actor.js';
import { once, optionalKeyNote, startInput } from './appointment-output.js';

const holdOutput = z.object({
  hold_id: z.guid().describe('Pass to book_appointment.'),
  staff_id: z.guid().describe('Staff member the slot is held with.'),
  start: z.string().describe('ISO 8601 in the business zone.'),
  end: z.string().describe('ISO 8601 in the business zone.'),
  expires_at: z.string().describe('When the hold lapses (UTC).'),
});

export const holdAppointment = defineEffectTool({
  name: 'hold_appointment',
  title: 'Hold an appointment slot',
  description: `Phase 1 of 2: holds a slot for ${HOLD_MINUTES} minutes (conflict if taken). Without staff_id, routing rules choose the staff member. Then book_appointment with the hold_id.${optionalKeyNote}`,
  scopes: ['appointments:write'],
  externalEffect: false,
  annotations: { title: 'Hold an appointment slot', readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  input: {
    appointment_type_id: z.guid().describe('The appointment type.'),
    start: startInput,
    staff_id: z.guid().optional().describe('A specific staff member.'),
    lead_id: z.guid().optional().describe('The customer, if known (routing may use it).'),
    idempotency_key: idempotencyKeyInput.optional(),
  },
  output: { hold: holdOutput.describe('The hold.'), replayed: replayedOutput },
  async run(input, ctx) {
    const { idempotency_key: key, ...args } = input;
    const { outcome: hold, replayed } = await once(ctx, 'hold_appointment', key, args, async () => {
      const held = await ctx.domain.appointments.hold({
        businessId: ctx.businessId,
        actor: actorFromCredential(ctx.credential),
        appointmentTypeId: input.appointment_type_id,
        start: input.start,
        staffId: input.staff_id,
        leadId: input.lead_id,
        via: 'mcp',
      });
      return {
        hold_id: held.id,
        staff_id: held.staffId,
        start: inZone(held.startsAt, held.timezone),
        end: inZone(held.endsAt, held.timezone),
        expires_at: held.holdExpiresAt!.toISOString(),
      };
    });
    return { data: { hold, replayed }, text: `Held ${hold.start} with staff ${hold.staff_id} until ${hold.expires_at}; book it with hold_id ${hold.hold_id}.` };
  },
});
