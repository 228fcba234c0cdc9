// Compliance: the gates every outbound call and text passes, and the lists they read.
export { createOutboundGates, gateError, TRANSIENT_GATES, type GateName, type OutboundGates, type OutboundPolicy, type OutboundVerdict, type OutboundContactInput, type Channel } from './compliance.service.js';
export { createComplianceRepository, type BlockKind, type ContactBlock } from './compliance.repository.js';
export { parseE164, requireE164, recipientTimeZones, type ParsedPhone, type RecipientZones } from './phone.js';
export { checkContactHours, localMinutes, formatMinutes, type ContactHours } from './contact-hours.js';
