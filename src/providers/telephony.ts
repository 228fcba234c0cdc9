// The telephony and SMS provider boundary: what a provider is asked and what it reports, nothing
// more. A provider is the one true external system here: everything on our side of these interfaces
// is real code against the real database; the simulator stands in on the other side. The domain
// imports these types (calls.service, sms.service), so this file imports nothing of the domain.

/** Statuses a provider reports after it accepted a call. */
export type ProviderCallStatus = 'ringing' | 'in-progress' | 'completed' | 'no-answer' | 'busy' | 'failed' | 'canceled';

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
  /** The provider's id of the number called from (a provider that holds numbers: listNumbers). */
  fromNumberId?: string | null;
  /** The agent as this provider keeps it (a provider with syncAgent), synced before the call is placed. */
  providerAgent?: ProviderAgentRef | null;
  /** Dial at this time, not now: only for a provider that keeps scheduled calls itself (schedulesCalls). */
  scheduledAt?: Date | null;
}

/** What a provider keeps for one of our agents (a Vapi assistant and its in-call tool). */
export interface ProviderAgentRef {
  assistantId: string;
  toolId: string | null;
}

/** An agent's configuration as a provider is asked to keep it. */
export interface AgentSyncRequest {
  businessId: string;
  agentId: string;
  name: string;
  firstMessage: string;
  firstMessageMode: 'assistant_speaks_first' | 'assistant_waits_for_user';
  /** The system prompt. */
  instructions: string;
  voice: string;
  model: string;
  /** `provider:model`, such as deepgram:nova-3. */
  transcriber: string;
  /** BCP 47, such as en-US. */
  language: string;
  maxCallDurationSeconds: number;
  /**
   * A new runtime key for the provider's tool that reaches our in-call surface: given when that tool
   * is created or its key replaced (the key is never stored here, only its hash), else absent and
   * the tool is left as it is.
   */
  runtimeKey?: string;
}

/** A phone number as the provider holds it. */
export interface ProviderNumber {
  providerNumberId: string;
  e164: string;
  name: string | null;
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
  /**
   * True when the provider keeps scheduled calls itself: a scheduled call is handed over when it is
   * made (DialRequest.scheduledAt) and, at its time, only the gates are checked again (cancel()
   * withdraws a call they now refuse).
   */
  readonly schedulesCalls?: boolean;
  /** Creates or updates the provider's copy of an agent; `existing` is what an earlier sync made. */
  syncAgent?(request: AgentSyncRequest, existing: ProviderAgentRef | null): Promise<ProviderAgentRef>;
  /** The phone numbers the provider holds for this account. */
  listNumbers?(): Promise<ProviderNumber[]>;
  /** Withdraws a call that has not started (a scheduled one); `unknown` when it can no longer be withdrawn. */
  cancel?(providerCallId: string): Promise<LiveCallAction>;
  /** Stops every timer and connection; returns the calls it was still carrying (they are lost). */
  stop(): Promise<Array<{ businessId: string; callId: string; providerCallId: string }>>;
}

/** What ends a provider's call, as a status of ours. */
export type ProviderEndStatus = Exclude<ProviderCallStatus, 'ringing' | 'in-progress'>;

/**
 * One webhook event of a provider about a call, read into our terms: a status change, or the
 * end-of-call report (what the conversation was, once it is over).
 */
export interface ProviderWebhookEvent {
  provider: string;
  /** What makes two deliveries the same event: a repeated key changes nothing. */
  key: string;
  /** The provider's event type (for the record and the metrics). */
  type: string;
  providerCallId: string;
  /** Our ids as the provider echoes them back (we handed them over when placing the call). */
  echoed: { businessId?: string | undefined; callId?: string | undefined };
  at: Date;
  change:
    | { kind: 'status'; status: 'queued' | ProviderCallStatus; endedReason?: string | undefined; failureReason?: string | undefined }
    | {
        kind: 'report';
        status: ProviderEndStatus;
        endedReason: string | null;
        durationSeconds: number | null;
        transcript: string | null;
        summary: string | null;
        recordingUrl: string | null;
        costUsd: number | null;
        failureReason: string | null;
      };
}

/** What became of a webhook event: applied now, seen before, of no call of ours, or kept to apply later. */
export type WebhookOutcome = 'applied' | 'duplicate' | 'unknown_call' | 'deferred';

/** An inbound call the provider asks us to answer (which agent takes it). */
export interface InboundCallRequest {
  provider: string;
  providerCallId: string;
  /** Our number that was called, E.164. */
  calledNumber: string;
  /** The caller, E.164 when known. */
  callerNumber: string | null;
}

export type InboundCallAnswer =
  | { ok: true; businessId: string; callId: string; agentId: string; agentName: string; providerAgent: ProviderAgentRef }
  | { ok: false; reason: string };

/** A tool call the provider's runtime makes during a call (a function tool pointed at our webhook). */
export interface ProviderToolCall {
  id: string;
  name: string;
  arguments: Record<string, unknown>;
}

export interface ProviderToolResult {
  toolCallId: string;
  name: string;
  ok: boolean;
  /** What the model hears back: the tool's answer, or why it failed. */
  text: string;
}

/** What a provider's webhook route hands our side (wired by app.ts). */
export interface ProviderWebhookSink {
  record(event: ProviderWebhookEvent): Promise<WebhookOutcome>;
  inbound(request: InboundCallRequest): Promise<InboundCallAnswer>;
  toolCalls(request: {
    provider: string;
    key: string;
    providerCallId: string;
    echoed: ProviderWebhookEvent['echoed'];
    calls: ProviderToolCall[];
  }): Promise<{ ok: true; duplicate: boolean; results: ProviderToolResult[] } | { ok: false; reason: 'unknown_call' }>;
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
