// Every migration, in order. Names are date-prefixed and frozen once landed.
import type { Migration } from 'kysely';
import * as initial from './2026-11-21-001-initial.js';
import * as idempotencyLease from './2026-12-05-002-idempotency-lease.js';
import * as placedCounts from './2026-12-05-003-placed-counts.js';
import * as dashboardSessions from './2026-12-05-004-dashboard-sessions.js';
import * as voiceRuntime from './2026-12-05-005-voice-runtime.js';
import * as runtimeKeys from './2026-12-05-006-runtime-keys.js';
import * as booking from './2026-12-05-007-booking.js';
import * as providerSync from './2026-12-06-008-provider-sync.js';

export const MIGRATIONS: Record<string, Migration> = {
  '2026-11-21-001-initial': initial,
  '2026-12-05-002-idempotency-lease': idempotencyLease,
  '2026-12-05-003-placed-counts': placedCounts,
  '2026-12-05-004-dashboard-sessions': dashboardSessions,
  '2026-12-05-005-voice-runtime': voiceRuntime,
  '2026-12-05-006-runtime-keys': runtimeKeys,
  '2026-12-05-007-booking': booking,
  '2026-12-06-008-provider-sync': providerSync,
};
