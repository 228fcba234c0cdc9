// A text message as the SMS tools (and get_lead) answer with it: the output schema, the mapping from
// the domain's SmsMessage, and one line of text per message.
import { z } from 'zod';
import { DIRECTIONS } from '../../../domain/calls/calls.types.js';
import { SMS_STATUSES, type SmsMessage } from '../../../domain/sms/sms.types.js';

export const smsMessageOutput = z.object({
  id: z.guid().describe('Message id.'),
  conversation_id: z.guid().describe('The conversation (one agent line and one contact) it belongs to: pass it as conversation_id to list_sms_messages.'),
  direction: z.enum(DIRECTIONS).describe('inbound (the contact texted an agent line) or outbound (sent from an agent line).'),
  from: z.string().describe('Sending number, E.164.'),
  to: z.string().describe('Receiving number, E.164.'),
  body: z.string().describe('The text of the message.'),
  status: z.enum(SMS_STATUSES).describe('Outbound: queued → sent → delivered, or failed. Inbound: received.'),
  failure_reason: z.string().nullable().describe('Why sending failed, or null.'),
  agent_id: z.guid().nullable().describe('The agent whose line sent or received it, or null.'),
  lead_id: z.guid().nullable().describe('The lead it is attributed to, or null.'),
  created_at: z.string().describe('When it was sent or received, ISO 8601 (UTC).'),
});

export type SmsMessageOutput = z.infer<typeof smsMessageOutput>;

export function toSmsMessageOutput(m: SmsMessage): SmsMessageOutput {
  return {
    id: m.id,
    conversation_id: m.conversationId,
    direction: m.direction,
    from: m.from,
    to: m.to,
    body: m.body,
    status: m.status,
    failure_reason: m.failureReason,
    agent_id: m.agentId,
    lead_id: m.leadId,
    created_at: m.createdAt.toISOString(),
  };
}

/** One line per message for the text content. */
export function describeSmsMessage(m: SmsMessageOutput): string {
  const when = m.created_at.slice(0, 16).replace('T', ' ');
  const body = m.body.length > 120 ? `${m.body.slice(0, 120)}…` : m.body;
  const counterpart = m.direction === 'inbound' ? `from ${m.from}` : `to ${m.to}`;
  return `${when} UTC ${m.direction} ${counterpart} (${m.status}): ${body}`;
}
