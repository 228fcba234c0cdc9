// Compliance: the gates every outbound call and text passes, and the lists they read.
export { createOutboundGates, gateError, TRANSIENT_GATES, type OutboundGates, type OutboundPolicy, type OutboundVerdict } from './compliance.service.js';
export { createComplianceRepository } from './compliance.repository.js';
export { parseE164, requireE164, recipientTimeZones } from './phone.js';
export { checkContactHours } from './contact-hours.js';
