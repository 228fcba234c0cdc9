// The telephony and SMS providers, chosen by configuration. Every vendor's knowledge stays in its
// folder here; the domain sees only the port (telephony.ts).
import type { Config } from '../shared/config.js';
import type { Logger } from '../shared/log.js';
import { createSimulatorSms, createSimulatorTelephony, type SimulatedRuntime } from './simulator/simulator.js';
import type { CallEventSink, ProviderWebhookSink, SmsProvider, TelephonyProvider } from './telephony.js';
import { createVapiTelephony } from './vapi/vapi.js';
import { vapiWebhook } from './vapi/webhook.js';
import { WEBHOOK_PATH } from './vapi/messages.js';
import type { WebhookMetrics } from '../shared/metrics.js';
import type { Middleware } from 'koa';

export type ProvidersConfig = Pick<Config, 'telephonyProvider' | 'simulatorStepMs' | 'publicUrl'> & Partial<Pick<Config, 'vapi' | 'mcpUrl'>>;

export interface Providers {
  readonly telephony: TelephonyProvider;
  readonly sms: SmsProvider;
}

/** Builds the configured providers; `onCallEvent` receives what the telephony provider learns about each call. */
export function createProviders(config: ProvidersConfig, log: Logger, onCallEvent: CallEventSink, runtime?: SimulatedRuntime): Providers {
  if (config.telephonyProvider === 'vapi' && config.vapi) {
    // Vapi carries calls and its own runtime; texts stay simulated (Vapi sends no SMS of ours).
    return {
      telephony: createVapiTelephony({ settings: config.vapi, publicUrl: config.publicUrl, mcpUrl: config.mcpUrl ?? `${config.publicUrl}/api/mcp`, log }),
      sms: createSimulatorSms(),
    };
  }
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

/** The configured provider's webhook route (`/webhooks/<provider>`), or none for the simulator. */
export function providerWebhooks(
  config: Pick<Config, 'telephonyProvider' | 'vapi' | 'bodyLimitBytes'>,
  deps: { sink: ProviderWebhookSink; metrics: WebhookMetrics; log: Logger },
): { path: string; middleware: Middleware } | undefined {
  if (config.telephonyProvider !== 'vapi' || !config.vapi) return undefined;
  return { path: WEBHOOK_PATH, middleware: vapiWebhook({ settings: config.vapi, bodyLimitBytes: config.bodyLimitBytes, ...deps }) };
}
