// A call, inbound or outbound, as every surface and job sees it: one record type, its statuses, and
// the filters calls are listed by.
import type { CallStatus, CallTransfer, Direction } from '../../../db/schema.js';

export type { CallStatus, CallTransfer, Direction };

export const CALL_STATUSES = ['queued', 'ringing', 'in-progress', 'completed', 'no-answer', 'busy', 'failed', 'canceled'] as const satisfies readonly CallStatus[];
export const DIRECTIONS = ['inbound', 'outbound'] as const satisfies readonly Direction[];

/** A call not yet ended: a provider event or recovery may still move it. */
export const IN_FLIGHT_STATUSES = ['queued', 'ringing', 'in-progress'] as const satisfies readonly CallStatus[];
/** A call that ended; it is never rewritten. `canceled` is ours (blocked at dial time), never a provider's. */
export const TERMINAL_STATUSES = ['completed', 'no-answer', 'busy', 'failed', 'canceled'] as const satisfies readonly CallStatus[];
export type TerminalCallStatus = (typeof TERMINAL_STATUSES)[number];

/**
 * A call. The transcript is not part of it: it can run to many kilobytes and only one reader wants
 * it (getTranscript), so listing a hundred calls does not carry a hundred transcripts.
 */
export interface Call {
  id: string;
  businessId: string;
  agentId: string | null;
  /** The handling agent's name (null without an agent). */
  agentName: string | null;
  leadId: string | null;
  campaignId: string | null;
  direction: Direction;
  status: CallStatus;
  to: string;
  from: string;
  durationSeconds: number | null;
  summary: string | null;
  recordingUrl: string | null;
  /** The business outcome recorded when the call ended (`appointment_requested`, `no_answer`, …). */
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
  /** The {{name}} values the call was placed with (make_call variable_values), or null. */
  variableValues: Record<string, string> | null;
  /** Why the call ended, in the voice platform's words (customer-ended-call, assistant-ended-call…). */
  endedReason: string | null;
  /** Transfers during the call, in order. */
  transfers: CallTransfer[];
  /** What the provider charged for the call, in US dollars, once its report arrived; null before or without one. */
  costUsd: number | null;
}

export interface CallFilters {
  agentId?: string | undefined;
  status?: CallStatus | undefined;
  direction?: Direction | undefined;
  leadId?: string | undefined;
}
