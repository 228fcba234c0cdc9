// What the appointment and routing tools share: the appointment and rule shapes they answer with,
// one line of text per appointment, and the optional idempotency_key wrapper of their writes.
import { z } from 'zod';
import { APPOINTMENT_STATUSES, BOOKED_VIA, type Appointment, type RoutingRule } from '../../../domain/appointments/appointments.types.js';
import { inZone } from '../../../domain/appointments/slots.js';
import type { EffectToolContext } from '../../framework/tool.js';

export const appointmentIdInput = z.guid().describe('The appointment (an id from list_appointments or book_appointment).');
export const startInput = z.iso.datetime({ offset: true }).describe('Slot start from get_availability: ISO 8601 with offset, e.g. 2026-03-09T09:00:00-04:00.');

export const appointmentOutput = z.object({
  id: z.guid().describe('Appointment id (for a hold: the hold_id).'),
  status: z.enum(APPOINTMENT_STATUSES).describe('held → booked → cancelled / completed / no_show.'),
  appointment_type_id: z.guid().describe('Its appointment type.'),
  appointment_type_name: z.string().describe("That type's name."),
  staff_id: z.guid().describe('The staff member it is with.'),
  staff_name: z.string().nullable().describe("That staff member's name."),
  lead_id: z.guid().nullable().describe('The customer (lead), if known.'),
  lead_name: z.string().nullable().describe("The lead's name."),
  start: z.string().describe('Start, ISO 8601 in `timezone`.'),
  end: z.string().describe('End, ISO 8601 in `timezone`.'),
  timezone: z.string().describe('IANA zone it was booked in.'),
  hold_expires_at: z.string().nullable().describe('When a hold lapses (UTC), else null.'),
  booked_via: z.enum(BOOKED_VIA).describe('mcp, in_call or dashboard.'),
  call_id: z.guid().nullable().describe('The call it was booked during.'),
  notes: z.string().nullable().describe('Notes.'),
  cancel_reason: z.string().nullable().describe('Why it was cancelled (hold_expired for a lapsed hold).'),
  routing_rule_id: z.guid().nullable().describe('The routing rule that chose the staff member.'),
  created_at: z.string().describe('When it was made (UTC).'),
});
export type AppointmentOutput = z.infer<typeof appointmentOutput>;

export function toAppointmentOutput(a: Appointment): AppointmentOutput {
  return {
    id: a.id,
    status: a.status,
    appointment_type_id: a.appointmentTypeId,
    appointment_type_name: a.appointmentTypeName,
    staff_id: a.staffId,
    staff_name: a.staffName,
    lead_id: a.leadId,
    lead_name: a.leadName,
    start: inZone(a.startsAt, a.timezone),
    end: inZone(a.endsAt, a.timezone),
    timezone: a.timezone,
    hold_expires_at: a.holdExpiresAt?.toISOString() ?? null,
    booked_via: a.bookedVia,
    call_id: a.callId,
    notes: a.notes,
    cancel_reason: a.cancelReason,
    routing_rule_id: a.routingRuleId,
    created_at: a.createdAt.toISOString(),
  };
}

/** What the write tools answer with (get_appointment has the rest): lean, since tools/list carries every schema. */
export const bookingOutput = appointmentOutput.pick({
  id: true,
  status: true,
  appointment_type_name: true,
  staff_id: true,
  staff_name: true,
  lead_id: true,
  start: true,
  end: true,
  timezone: true,
});
export type BookingOutput = z.infer<typeof bookingOutput>;

export const toBookingOutput = (a: Appointment): BookingOutput => {
  const { id, status, appointment_type_name, staff_id, staff_name, lead_id, start, end, timezone } = toAppointmentOutput(a);
  return { id, status, appointment_type_name, staff_id, staff_name, lead_id, start, end, timezone };
};

export function describeAppointment(
  a: Pick<AppointmentOutput, 'start' | 'appointment_type_name' | 'staff_name' | 'staff_id' | 'status' | 'id'> & { lead_name?: string | null },
): string {
  const who = a.lead_name ? ` for ${a.lead_name}` : '';
  return `${a.start} ${a.appointment_type_name}${who} with ${a.staff_name ?? a.staff_id} (${a.status}) id ${a.id}`;
}

export const confirmationOutput = z
  .object({
    status: z
      .enum(['sent', 'failed', 'blocked', 'skipped', 'deferred'])
      .describe('sent; failed (provider); blocked (a compliance gate); skipped (no number or line); deferred (retried later).'),
    detail: z.string().nullable().describe('Why, when not sent.'),
  })
  .nullable()
  .describe('The confirmation text to the customer, or null if another attempt already handles it.');

// ── Routing rules ───────────────────────────────────────────────────────────────────────────────

const textList = (what: string) => z.array(z.string().trim().min(1).max(100)).min(1).max(50).optional().describe(what);

export const conditionsInput = z
  .strictObject({
    lead_source: textList('Lead sources, any of (case-insensitive).'),
    state: textList('Lead states, any of (case-insensitive).'),
    zip: textList('Lead zip codes, any of; "941*" matches a prefix.'),
    score_at_least: z.number().int().min(0).max(100).optional().describe("The lead's latest score at least this."),
    appointment_type_ids: z.array(z.guid()).min(1).max(50).optional().describe('Appointment types, any of.'),
  })
  .describe('All given must hold; {} matches every booking.');

export const actionInput = z
  .discriminatedUnion('type', [
    z.strictObject({
      type: z.literal('staff'),
      staff: z
        .array(z.strictObject({ staff_id: z.guid().describe('Staff member.'), weight: z.number().int().min(1).max(100).describe('Share, relative to the others.') }))
        .min(1)
        .max(50)
        .describe('Who gets the bookings, weighted round robin.'),
    }),
    z.strictObject({ type: z.literal('queue'), queue_id: z.guid().describe('A staff queue; its members share equally.') }),
  ])
  .describe('{type:"staff", staff:[{staff_id, weight}]} or {type:"queue", queue_id}.');

export const ruleOutput = z.object({
  id: z.guid().describe('Rule id.'),
  name: z.string().describe('Name.'),
  priority: z.number().int().describe('Higher is tried first.'),
  conditions: z.record(z.string(), z.unknown()).describe('What a booking must match.'),
  action: z.record(z.string(), z.unknown()).describe('Who gets it.'),
  active: z.boolean().describe('Inactive rules are skipped.'),
  revision: z.number().int().describe('Pass it to update/delete; any change increments it.'),
  created_at: z.string().describe('UTC.'),
  updated_at: z.string().describe('UTC.'),
});

export function toRuleOutput(r: RoutingRule): z.infer<typeof ruleOutput> {
  return {
    id: r.id,
    name: r.name,
    priority: r.priority,
    conditions: { ...r.conditions },
    action: { ...r.action },
    active: r.active,
    revision: r.revision,
    created_at: r.createdAt.toISOString(),
    updated_at: r.updatedAt.toISOString(),
  };
}

export const optionalKeyNote = ' Optional idempotency_key: a retry with it returns the first outcome.';

/** Runs a write once per idempotency_key when one is given (stored as JSON, so first answer and replay look alike). */
export async function once<T>(ctx: EffectToolContext, tool: string, key: string | undefined, args: unknown, write: () => Promise<T>): Promise<{ outcome: T; replayed: boolean }> {
  if (!key) return { outcome: JSON.parse(JSON.stringify(await write())) as T, replayed: false };
  return ctx.domain.idempotency.run<T>({ businessId: ctx.businessId, key, tool, args }, write);
}
