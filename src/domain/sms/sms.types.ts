// A text message, inbound or outbound, as every surface and job sees it: one record type, its
// statuses, and the filters messages are listed by.
import type { Direction } from '../calls/calls.types.js';

export const SMS_STATUSES = ['queued', 'sent', 'delivered', 'failed', 'received'] as const;
export type SmsStatus = (typeof SMS_STATUSES)[number];

export interface SmsMessage {
  id: string;
  businessId: string;
  /** The conversation (one agent line and one contact) it belongs to. */
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

export interface SmsFilters {
  conversationId?: string | undefined;
  direction?: Direction | undefined;
  /** Messages attributed to this lead, directly or through their conversation. */
  leadId?: string | undefined;
}
