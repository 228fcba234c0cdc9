// Sweeps: housekeeping that keeps tables from growing without bound.
import type { Domain } from '../domain/index.js';

const SWEEP_IDEMPOTENCY_EVERY_MS = 3600_000;

/** Expired idempotency records, at most once an hour per process. */
export function createIdempotencySweep(domain: Domain): () => Promise<void> {
  let lastSweep = 0;
  return async () => {
    if (Date.now() - lastSweep < SWEEP_IDEMPOTENCY_EVERY_MS) return;
    lastSweep = Date.now();
    await domain.idempotency.purgeExpired();
  };
}
