// list_appointments: the business's appointments, latest start first, filtered and paginated.
import { z } from 'zod';
import { APPOINTMENT_STATUSES } from '../../../domain/appointments/appointments.types.js';
import { pageFields, pageHeadline, paginationInput, paginationOutput, toPage } from '../../framework/pagination.js';
import { defineTool } from '../../framework/tool.js';
import { appointmentOutput, describeAppointment, toAppointmentOutput } from './appointment-output.js';

export const listAppointments = defineTool({
  name: 'list_appointments',
  title: 'List appointments',
  description: 'List appointments (holds and bookings), latest start first, filtered by status, start range, staff or lead.',
  scopes: ['appointments:read'],
  externalEffect: false,
  annotations: { title: 'List appointments', readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  input: {
    ...paginationInput(50),
    status: z.enum(APPOINTMENT_STATUSES).optional().describe('Only this status.'),
    from: z.iso.datetime({ offset: true }).optional().describe('Starting at or after (ISO 8601 with offset).'),
    to: z.iso.datetime({ offset: true }).optional().describe('Starting before (ISO 8601 with offset).'),
    staff_id: z.guid().optional().describe('Only with this staff member.'),
    lead_id: z.guid().optional().describe('Only for this lead.'),
  },
  output: { appointments: z.array(appointmentOutput).describe('Appointments.'), ...paginationOutput },
  async run(input, ctx) {
    const filters = {
      status: input.status,
      from: input.from ? new Date(input.from) : undefined,
      to: input.to ? new Date(input.to) : undefined,
      staffId: input.staff_id,
      leadId: input.lead_id,
    };
    const rows = await ctx.domain.appointments.list(ctx.tx, ctx.businessId, filters, input);
    const page = toPage(rows, input.limit, input.offset);
    const appointments = page.items.map(toAppointmentOutput);
    return { data: { appointments, ...pageFields(page) }, text: [pageHeadline(page, 'appointment'), ...appointments.map(describeAppointment)].join('\n') };
  },
});
