// The in-call surface's global tools (seed 002), in the order every persona's tools/list shows them
// before the agent's own tools.
import type { AnyInCallTool } from '../tool.js';
import { bookAppointmentInCall } from './book_appointment.js';
import { checkAvailability } from './check_availability.js';
import { checkUserAvailability } from './check_user_availability.js';
import { createLead } from './create_lead.js';
import { hangupCall } from './hangup_call.js';
import { isOfficeOpen } from './is_office_open.js';
import { lookupContact } from './lookup_contact.js';
import { transferCall } from './transfer_call.js';

export const globalInCallTools: readonly AnyInCallTool[] = [
  transferCall,
  isOfficeOpen,
  lookupContact,
  checkUserAvailability,
  createLead,
  hangupCall,
  checkAvailability,
  bookAppointmentInCall,
];
