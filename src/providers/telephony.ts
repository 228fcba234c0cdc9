// The telephony and SMS provider boundary, and the domain shapes of calls and messages. A provider
// is the one true external system here: everything on our side of these interfaces is real code
// against the real database; the simulator stands in on the other side.
import type { CallStatus, Direction } from '../../db/schema.js';

export type { CallStatus, Direction };

/** Statuses a provider reports after it accepted a call. */
export type ProviderCallStatus = 'ringing' | 'in-progress' | 'completed' | 'no-answer' | 'busy' | 'failed';
export type TerminalCallStatus = 'completed' | 'no-answer' | 'busy' | 'failed' | 'canceled';

export const IN_FLIGHT_STATUSES = ['queued', 'ringing', 'in-progress'] as const satisfies readonly CallStatus[];
export const TERMINAL_STATUSES = ['completed', 'no-answer', 'busy', 'failed', 'canceled'] as const satisfies readonly CallStatus[];

export interface CallView {
  id: string;
  businessId: string;
  agentId: string | null;
  leadId: string | null;
  campaignId: string | null;
  direction: Direction;
  status: CallStatus;
  to: string;
  from: string;
  durationSeconds: number | null;
  summary: string | null;
  transcript: string | null;
  recordingUrl: string | null;
  outcome: string | null;
  failureReason: string | null;
  provider: string | null;
  providerCallId: string | null;
  context: string | null;
  firstMessage: string | null;
  scheduledAt: Date | null;
  dialedAt: Date | null;
  startedAt: Date | null;
  endedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface DialRequest {
  businessId: string;
  callId: string;
  to: string;
  from: string;
  agent: { id: string; name: string; firstMessage: string };
  /** Name of the person called, when known (for the agent's greeting). */
  contactName: string | null;
  context: string | null;
  firstMessage: string | null;
}

/** What a provider found out about a call it accepted. Completion carries the conversation. */
export interface ProviderCallEvent {
  businessId: string;
  callId: string;
  provider: string;
  providerCallId: string;
  status: ProviderCallStatus;
  at: Date;
  result?: {
    durationSeconds: number;
    transcript: string;
    summary: string;
    /** The business outcome of the conversation (`appointment_requested`, `callback_requested`, …). */
    outcome: string;
    recordingUrl: string;
  };
  failureReason?: string;
}

export type CallEventSink = (event: ProviderCallEvent) => Promise<void>;

export interface TelephonyProvider {
  readonly name: string;
  /**
   * Asks the provider to place the call. Resolves once the provider accepted it, with its id;
   * progress arrives later through the event sink the provider was created with. Rejects when the
   * provider refuses (the call is then recorded as failed with the reason).
   */
  dial(request: DialRequest): Promise<{ providerCallId: string }>;
  /** The provider's view of a call, or `unknown` when it has no record of it (lost in a restart). */
  lookup(providerCallId: string): Promise<{ status: ProviderCallStatus } | 'unknown'>;
  /** Stops every timer and connection; returns the calls it was still carrying (they are lost). */
  stop(): Promise<Array<{ businessId: string; callId: string; providerCallId: string }>>;
}

export interface SmsSendRequest {
  businessId: string;
  messageId: string;
  from: string;
  to: string;
  body: string;
}

export interface SmsProvider {
  readonly name: string;
  /** Hands a message to the carrier; resolves with the provider's id, rejects when refused. */
  send(request: SmsSendRequest): Promise<{ providerMessageId: string }>;
}

export const SMS_STATUSES = ['queued', 'sent', 'delivered', 'failed', 'received'] as const;
export type SmsStatus = (typeof SMS_STATUSES)[number];

export interface SmsView {
  id: string;
  businessId: string;
  conversationId: string;
  agentId: string | null;
  leadId: string | null;
  direction: Direction;
  from: string;
  to: string;
  body: string;
  status: SmsStatus;
  failureReason: string | null;
  provider: string | null;
  providerMessageId: string | null;
  createdAt: Date;
}
