// The telephony and SMS providers, chosen by configuration. Every vendor's knowledge stays in its
// folder here; the domain sees only the port (telephony.ts).
import type { Config } from '../shared/config.js';
import type { Logger } from '../shared/log.js';
import { createSimulatorSms, createSimulatorTelephony, type SimulatedRuntime } from './simulator/simulator.js';
import type { CallEventSink, SmsProvider, TelephonyProvider } from './telephony.js';

export type ProvidersConfig = Pick<Config, 'telephonyProvider' | 'simulatorStepMs' | 'publicUrl'>;

export interface Providers {
  readonly telephony: TelephonyProvider;
  readonly sms: SmsProvider;
}

/** Builds the configured providers; `onCallEvent` receives what the telephony provider learns about each call. */
export function createProviders(config: ProvidersConfig, log: Logger, onCallEvent: CallEventSink, runtime?: SimulatedRuntime): Providers {
  return {
    telephony: createSimulatorTelephony({
      stepMs: config.simulatorStepMs,
      recordingBaseUrl: `${config.publicUrl}/simulator/recordings`,
      onEvent: onCallEvent,
      onError: (err, context) => log.error({ err, ...context }, 'recording a provider event failed'),
      runtime,
    }),
    sms: createSimulatorSms(),
  };
}
