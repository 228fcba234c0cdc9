// get_appointment: one appointment or hold.
import { defineTool } from '../../framework/tool.js';
import { appointmentIdInput, appointmentOutput, describeAppointment, toAppointmentOutput } from './appointment-output.js';

export const getAppointment = defineTool({
  name: 'get_appointment',
  title: 'Get appointment',
  description: 'One appointment or hold by id.',
  scopes: ['appointments:read'],
  externalEffect: false,
  annotations: { title: 'Get appointment', readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  input: { appointment_id: appointmentIdInput },
  output: { appointment: appointmentOutput.describe('The appointment.') },
  async run(input, ctx) {
    const appointment = toAppointmentOutput(await ctx.domain.appointments.get(ctx.tx, ctx.businessId, input.appointment_id));
    return { data: { appointment }, text: describeAppointment(appointment) };
  },
});
