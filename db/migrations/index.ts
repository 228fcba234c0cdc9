// Every migration, in order. Names are date-prefixed and frozen once landed.
import type { Migration } from 'kysely';
import * as initial from './2026-11-21-001-initial.js';
import * as idempotencyLease from './2026-12-05-002-idempotency-lease.js';
import * as placedCounts from './2026-12-05-003-placed-counts.js';

export const MIGRATIONS: Record<string, Migration> = {
  '2026-11-21-001-initial': initial,
  '2026-12-05-002-idempotency-lease': idempotencyLease,
  '2026-12-05-003-placed-counts': placedCounts,
};
