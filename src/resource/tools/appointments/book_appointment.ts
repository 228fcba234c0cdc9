// book_appointment: phase 2 (a hold, consumed once) or hold-and-book in one transaction; the
// customer then gets a confirmation text through the SMS service (compliance gates apply).
import { z } from 'zod';
import { idempotencyKeyInput, replayedOutput } from '../../framework/idempotency-key.js';
import { defineEffectTool } from '../../framework/tool.js';
import { invalidArgument } from '../../../shared/errors.js';
import { actorFromCredential } from '../../auth/actor.js';
import { bookingOutput, confirmationOutput, describeAppointment, once, startInput, toBookingOutput } from './appointment-output.js';

export const bookAppointment = defineEffectTool({
  name: 'book_appointment',
  title: 'Book an appointment',
  description:
    'Phase 2: books a hold (hold_id, single use; expired or used → hold_expired), or appointment_type_id + start directly (conflict if taken). Needs lead_id or contact. Texts the customer a confirmation. Requires idempotency_key.',
  scopes: ['appointments:write'],
  externalEffect: true,
  annotations: { title: 'Book an appointment', readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  input: {
    hold_id: z.guid().optional().describe('A hold from hold_appointment.'),
    appointment_type_id: z.guid().optional().describe('Without hold_id: the type.'),
    start: startInput.optional(),
    staff_id: z.guid().optional().describe('Without hold_id: a specific staff member.'),
    lead_id: z.guid().optional().describe('The customer (from list_leads).'),
    contact: z
      .strictObject({
        name: z.string().trim().min(1).max(200).optional().describe('Name.'),
        phone: z.string().max(20).optional().describe('E.164.'),
        email: z.email().max(320).optional().describe('Email.'),
      })
      .optional()
      .describe('Instead of lead_id: found by phone or created as a lead.'),
    notes: z.string().trim().max(2000).optional().describe('Notes for the staff member.'),
    idempotency_key: idempotencyKeyInput,
  },
  output: {
    appointment: bookingOutput.describe('The booking.'),
    confirmation: confirmationOutput,
    replayed: replayedOutput,
  },
  async run(input, ctx) {
    const { idempotency_key: key, ...args } = input;
    if (input.hold_id && (input.appointment_type_id || input.start || input.staff_id)) {
      throw invalidArgument('hold_id: give either hold_id or appointment_type_id + start, not both', { field: 'hold_id' });
    }
    if (!input.hold_id && !input.appointment_type_id) throw invalidArgument('appointment_type_id: required without hold_id', { field: 'appointment_type_id' });
    if (!input.hold_id && !input.start) throw invalidArgument('start: required without hold_id', { field: 'start' });
    if (input.lead_id && input.contact) throw invalidArgument('contact: give either lead_id or contact, not both', { field: 'contact' });
    const { outcome, replayed } = await once(ctx, 'book_appointment', key, args, async () => {
      const common = {
        businessId: ctx.businessId,
        actor: actorFromCredential(ctx.credential),
        leadId: input.lead_id,
        contact: input.contact,
        notes: input.notes,
        via: 'mcp' as const,
      };
      const booked = await ctx.domain.appointments.book(
        input.hold_id ? { ...common, holdId: input.hold_id } : { ...common, appointmentTypeId: input.appointment_type_id!, start: input.start!, staffId: input.staff_id },
      );
      return { appointment: toBookingOutput(booked.appointment), confirmation: booked.confirmation };
    });
    const text = `${replayed ? 'Already booked with this idempotency_key: ' : 'Booked: '}${describeAppointment(outcome.appointment)}. Confirmation text: ${outcome.confirmation?.status ?? 'pending'}.`;
    return { data: { ...outcome, replayed }, text };
  },
});
