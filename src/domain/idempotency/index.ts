// Idempotency for mutating tools: see idempotency.ts for the state machine.
export { withIdempotency, assertIdempotencyKey, requestHash, DEFAULT_IDEMPOTENCY_TTL_SECONDS, type IdempotencyOptions, type IdempotentResult } from './idempotency.service.js';
export { purgeExpiredIdempotencyRecords } from './idempotency.repository.js';
