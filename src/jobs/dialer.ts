// The dialer's pass: recovers calls and texts interrupted elsewhere, then places the scheduled and
// campaign calls that are due.
import type { Domain } from '../domain/index.js';
import type { DialerMetrics } from '../shared/metrics.js';

export async function dialerPass(domain: Domain, now: Date, staleAfterMs: number, metrics?: DialerMetrics): Promise<void> {
  // Wall-clock time, not `now` (the domain's clock, which tests move): the lag is real waiting.
  const startedAt = Date.now();
  const started = performance.now();
  let outcome: 'success' | 'error' = 'error';
  try {
    await domain.calls.recoverInterruptedCalls({ olderThanMs: staleAfterMs });
    await domain.sms.recoverInterruptedMessages({ olderThanMs: staleAfterMs });
    await domain.calls.dialDueScheduledCalls(now);
    await domain.campaigns.dialDueLeads(now);
    outcome = 'success';
  } finally {
    metrics?.dialerPass(outcome, startedAt, (performance.now() - started) / 1000);
  }
}

/** At start: what a previous process left in flight. `olderThanMs: 0` takes everything (one embedded database, one process). */
export async function recoverAtStart(domain: Domain, olderThanMs: number): Promise<void> {
  await domain.calls.recoverInterruptedCalls({ olderThanMs });
  await domain.sms.recoverInterruptedMessages({ olderThanMs });
}
