// What the in-call surface works with: the live call a runtime names through its context headers
// (spec/voice-runtime.md §B), and what the in-call tools answer.
import type { CallTransfer, CaseClassification, WeeklyHours } from '../../../db/schema.js';
import type { CallStatus, Direction } from '../calls/calls.types.js';

export type { CaseClassification };

export const CASE_CLASSIFICATIONS = ['lead', 'customer', 'spam', 'other'] as const satisfies readonly CaseClassification[];

/** The call a runtime acts in: one call of one agent of the key's business. */
export interface InCallContext {
  businessId: string;
  /** The business's IANA time zone: office hours are read in it. */
  timeZone: string;
  agent: {
    id: string;
    name: string;
    /** The agent's own office hours, or null: it follows the business's (`businessHours`). */
    officeHours: WeeklyHours | null;
    /** The number the agent's transfer settings name, when transfers are enabled. */
    transferNumber: string | null;
  };
  businessHours: WeeklyHours | null;
  call: {
    id: string;
    status: CallStatus;
    direction: Direction;
    provider: string | null;
    providerCallId: string | null;
    leadId: string | null;
    /** The other party of the call: the caller of an inbound call, the person called on an outbound one. */
    counterpart: string;
  };
  /** `caller_id_number` (E.164), else the other party's number on the call record. */
  callerNumber: string | null;
}

/** Only a call in progress can be acted in: transferred, hung up, or have leads and effects made from it. */
export const isLiveCall = (status: CallStatus): boolean => status === 'in-progress';

export interface ContactMatch {
  /** `lead` or `staff`: where the number was found. */
  source: 'lead' | 'staff';
  id: string;
  name: string | null;
  /** Every number known for the contact, E.164. */
  phoneNumbers: string[];
  email: string | null;
  company: string | null;
}

export interface LeadCase {
  id: string;
  leadId: string;
  callId: string | null;
  agentId: string | null;
  intent: string;
  classification: CaseClassification;
  summary: string | null;
  notes: string | null;
  createdAt: Date;
}

export interface CreateLeadInput {
  name: string;
  intent: string;
  classification?: CaseClassification | undefined;
  summary?: string | undefined;
  notes?: string | undefined;
}

export interface CreatedCase {
  /** True when the lead was made by this call; false when the caller's number already had one. */
  leadCreated: boolean;
  leadId: string;
  leadName: string | null;
  case: LeadCase;
  /** How many cases the lead has now, this one included. */
  caseCount: number;
}

export type TransferTarget = { kind: CallTransfer['kind']; destination: string; targetId: string | null; label: string };

/** One in-call tool call as listed on its call (from the audit log). */
export interface CallToolCall {
  tool: string;
  outcome: string;
  errorCode: string | null;
  durationMs: number | null;
  at: Date;
}
