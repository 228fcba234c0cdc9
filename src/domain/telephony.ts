// Composition of the external-effects side: providers chosen by configuration, the compliance
// gates, the call / SMS / campaign services, and one background loop (the dialer) that places due
// scheduled and campaign calls, recovers calls and texts interrupted elsewhere, and sweeps expired
// idempotency records. createApp builds one of these, starts it after migrating, stops it first
// on shutdown (before the database closes).
import type { Config } from '../shared/config.js';
import type { Db } from '../shared/db.js';
import type { Logger } from '../shared/log.js';
import { createOutboundGates, type OutboundGates } from './compliance/index.js';
import { purgeExpiredIdempotencyRecords } from './idempotency/index.js';
import { createCallService, type CallService } from './calls/calls.service.js';
import { createCampaignService, type CampaignService } from './campaigns/campaigns.service.js';
import { createSimulatorSms, createSimulatorTelephony } from '../providers/simulator/simulator.js';
import { createSmsService, type SmsService } from './sms/sms.service.js';
import type { SmsProvider, TelephonyProvider } from '../providers/telephony.js';

export type TelephonyConfig = Pick<
  Config,
  'telephonyProvider' | 'simulatorStepMs' | 'dialerIntervalMs' | 'contactHours' | 'outboundRateLimits' | 'publicUrl'
>;

export interface Telephony {
  readonly gates: OutboundGates;
  readonly calls: CallService;
  readonly sms: SmsService;
  readonly campaigns: CampaignService;
  readonly provider: TelephonyProvider;
  readonly smsProvider: SmsProvider;
  /** One pass of the background work (tests call it directly instead of waiting for the timer). */
  runOnce(now?: Date): Promise<void>;
  /** Recovers what a previous process left in flight, then starts the dialer loop. */
  start(): Promise<void>;
  /** Stops the loop and the provider; calls the provider was carrying are recorded as failed. */
  stop(): Promise<void>;
}

export interface TelephonyOptions {
  db: Db;
  config: TelephonyConfig;
  log: Logger;
  clock?: () => Date;
  /** Replaces the configured providers (tests that need a provider that refuses, for instance). */
  providers?: { telephony?: (onEvent: Parameters<typeof createSimulatorTelephony>[0]['onEvent']) => TelephonyProvider; sms?: SmsProvider };
}

const SWEEP_IDEMPOTENCY_EVERY_MS = 3600_000;

export function createTelephony(options: TelephonyOptions): Telephony {
  const { db, config, log } = options;
  const clock = options.clock ?? (() => new Date());
  const gates = createOutboundGates({ contactHours: config.contactHours, rateLimits: config.outboundRateLimits });

  // The provider reports into the call service, which is built after it: late-bound on purpose.
  let calls: CallService;
  const onEvent = (event: Parameters<CallService['handleProviderEvent']>[0]) => calls.handleProviderEvent(event);
  const provider =
    options.providers?.telephony?.(onEvent) ??
    createSimulatorTelephony({
      stepMs: config.simulatorStepMs,
      recordingBaseUrl: `${config.publicUrl}/simulator/recordings`,
      onEvent,
      onError: (err, context) => log.error({ err, ...context }, 'recording a provider event failed'),
    });
  const smsProvider = options.providers?.sms ?? createSimulatorSms();
  calls = createCallService({ db, provider, gates, log, clock });
  const sms = createSmsService({ db, provider: smsProvider, gates, log, clock });
  const campaigns = createCampaignService({ db, calls, log, clock });

  // On one embedded database only this process can be carrying calls, so anything in flight at
  // start was interrupted. On a shared Postgres another node may be carrying them: a call is only
  // suspect once it has not moved for several simulator steps.
  const staleAfterMs = Math.max(5 * config.simulatorStepMs, 30_000);
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  let lastSweep = 0;

  async function runOnce(now = clock()): Promise<void> {
    await calls.recoverInterruptedCalls({ olderThanMs: staleAfterMs });
    await sms.recoverInterruptedMessages({ olderThanMs: staleAfterMs });
    await calls.dialDueScheduledCalls(now);
    await campaigns.dialDueLeads(now);
    if (Date.now() - lastSweep >= SWEEP_IDEMPOTENCY_EVERY_MS) {
      lastSweep = Date.now();
      await purgeExpiredIdempotencyRecords(db.kysely);
    }
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
    gates,
    calls,
    sms,
    campaigns,
    provider,
    smsProvider,
    runOnce,
    async start() {
      const olderThanMs = db.kind === 'pglite' ? 0 : staleAfterMs;
      await calls.recoverInterruptedCalls({ olderThanMs });
      await sms.recoverInterruptedMessages({ olderThanMs });
      schedule();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
      const abandoned = await provider.stop();
      try {
        await calls.failAbandoned(abandoned);
      } catch (err) {
        // The database may already be gone; recovery at the next start records them instead.
        log.warn({ err, calls: abandoned.length }, 'could not record abandoned calls at shutdown');
      }
    },
  };
}
