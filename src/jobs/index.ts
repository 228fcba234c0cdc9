// The background loop: one pass of every job each `intervalMs`, never two passes at once in a
// process. createApp starts it after migrating and stops it first on shutdown.
import type { Domain } from '../domain/index.js';
import type { Config } from '../shared/config.js';
import type { Logger } from '../shared/log.js';
import type { DialerMetrics } from '../shared/metrics.js';
import { dialerPass, recoverAtStart } from './dialer.js';
import { createIdempotencySweep } from './sweeps.js';
import { bookingTextsPass } from './reminders.js';
import { createProviderPass } from './provider-sync.js';

export type JobsConfig = Pick<Config, 'simulatorStepMs' | 'dialerIntervalMs'>;

export interface Jobs {
  /** One pass of the background work (tests call it directly instead of waiting for the timer). */
  runOnce(now?: Date): Promise<void>;
  /** Recovers what a previous process left in flight, then starts the loop. */
  start(): Promise<void>;
  /** Stops the loop, after the pass in progress. */
  stop(): Promise<void>;
}

export function createJobs(domain: Domain, config: JobsConfig, log: Logger, metrics?: DialerMetrics): Jobs {
  // On one embedded database only this process can be carrying calls, so anything in flight at
  // start was interrupted. On a shared Postgres another node may be carrying them: a call is only
  // suspect once it has not moved for several simulator steps.
  const staleAfterMs = Math.max(5 * config.simulatorStepMs, 30_000);
  const sweepIdempotency = createIdempotencySweep(domain);
  const providerPass = createProviderPass(domain);
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;

  async function runOnce(now = domain.clock()): Promise<void> {
    await dialerPass(domain, now, staleAfterMs, metrics);
    await sweepIdempotency();
    await bookingTextsPass(domain, now);
    // Last: the provider may be slow or down, and the passes above must not wait on it.
    await providerPass();
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      running = runOnce()
        .catch((err) => log.error({ err }, 'dialer pass failed'))
        .finally(() => {
          running = undefined;
          schedule();
        });
    }, config.dialerIntervalMs);
  }

  return {
    runOnce,
    async start() {
      await recoverAtStart(domain, domain.db.kind === 'pglite' ? 0 : staleAfterMs);
      schedule();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
