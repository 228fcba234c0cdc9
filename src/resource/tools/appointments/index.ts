// Appointment and routing tools (spec booking.md).
import type { AnyTool } from '../../framework/tool.js';
import { bookAppointment } from './book_appointment.js';
import { cancelAppointment } from './cancel_appointment.js';
import { createRoutingRule } from './create_routing_rule.js';
import { deleteRoutingRule } from './delete_routing_rule.js';
import { getAppointment } from './get_appointment.js';
import { getAvailability } from './get_availability.js';
import { getRoutingRule } from './get_routing_rule.js';
import { holdAppointment } from './hold_appointment.js';
import { listAppointments } from './list_appointments.js';
import { listRoutingRules } from './list_routing_rules.js';
import { markNoShow } from './mark_no_show.js';
import { rescheduleAppointment } from './reschedule_appointment.js';
import { updateRoutingRule } from './update_routing_rule.js';

export const APPOINTMENT_TOOLS: readonly AnyTool[] = [
  getAvailability,
  holdAppointment,
  bookAppointment,
  listAppointments,
  getAppointment,
  rescheduleAppointment,
  cancelAppointment,
  markNoShow,
  listRoutingRules,
  getRoutingRule,
  createRoutingRule,
  updateRoutingRule,
  deleteRoutingRule,
];
