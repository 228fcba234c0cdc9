// The telephony and SMS provider boundary: what a provider is asked and what it reports, nothing
// more. A provider is the one true external system here: everything on our side of these interfaces
// is real code against the real database; the simulator stands in on the other side. The domain
// imports these types (calls.service, sms.service), so this file imports nothing of the domain.

/** Statuses a provider reports after it accepted a call. */
export type ProviderCallStatus = 'ringing' | 'in-progress' | 'completed' | 'no-answer' | 'busy' | 'failed';

export interface DialRequest {
  businessId: string;
  callId: string;
  to: string;
  from: string;
  /** The agent's first message and system prompt, with this call's variable values filled in. */
  agent: { id: string; name: string; firstMessage: string; instructions?: string };
  /** Name of the person called, when known (for the agent's greeting). */
  contactName: string | null;
  context: string | null;
  /** This call's own first message (variable values filled in), or null for the agent's. */
  firstMessage: string | null;
  /** The {{name}} values of this call, for a provider that fills its own templates (seed 000's variableValues). */
  variableValues?: Record<string, string> | null;
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
  /** Why the call ended, in the voice platform's words (`assistant-ended-call`, `customer-ended-call`…). */
  endedReason?: string;
}

/** What a provider answered when asked to act in a live call: done, or it carries no such call (any more). */
export type LiveCallAction = 'accepted' | 'unknown';

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
  /**
   * Hands a live call to another number (a warm or cold transfer is the provider's to perform). The
   * transfer itself is recorded on the call by the caller of this method.
   */
  transfer(providerCallId: string, destination: string): Promise<LiveCallAction>;
  /**
   * Ends a live call because the assistant hung up. The end arrives through the event sink like any
   * other (`completed`, `endedReason: assistant-ended-call`), with the conversation so far.
   */
  hangup(providerCallId: string): Promise<LiveCallAction>;
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
