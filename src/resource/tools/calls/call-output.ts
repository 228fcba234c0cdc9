// A call as the call tools (and get_lead) answer with it: the output schema, the mapping from the
// domain's Call, and one line of text per call.
import { z } from 'zod';
import { CALL_STATUSES, DIRECTIONS, type Call } from '../../../domain/calls/calls.types.js';

export const callOutput = z.object({
  id: z.guid().describe('Call id: pass it as call_id to check_call_status or get_transcript.'),
  status: z.enum(CALL_STATUSES).describe('queued → ringing → in-progress → completed, or no-answer, busy, failed, canceled.'),
  direction: z.enum(DIRECTIONS).describe('inbound (someone called an agent) or outbound (an agent called out).'),
  to: z.string().describe('The number called, E.164.'),
  from: z.string().describe('The number the call came from, E.164.'),
  duration_seconds: z.number().int().nullable().describe('Talk time in seconds, once the call has ended.'),
  agent_id: z.guid().nullable().describe('The agent that handled the call.'),
  agent_name: z.string().nullable().describe("That agent's name."),
  lead_id: z.guid().nullable().describe('The lead the call belongs to, if any.'),
  summary: z.string().nullable().describe('A short summary of the conversation, once the call has ended.'),
  recording_url: z.string().nullable().describe('Where the recording can be played, once available.'),
  created_at: z.string().describe('When the call was created, ISO 8601 (UTC).'),
  ended_at: z.string().nullable().describe('When the call ended, ISO 8601 (UTC), or null while it is still going.'),
});

export type CallOutput = z.infer<typeof callOutput>;

export function toCallOutput(call: Call): CallOutput {
  return {
    id: call.id,
    status: call.status,
    direction: call.direction,
    to: call.to,
    from: call.from,
    duration_seconds: call.durationSeconds,
    agent_id: call.agentId,
    agent_name: call.agentName,
    lead_id: call.leadId,
    summary: call.summary,
    recording_url: call.recordingUrl,
    created_at: call.createdAt.toISOString(),
    ended_at: call.endedAt ? call.endedAt.toISOString() : null,
  };
}

/** One line per call for the text content. */
export function describeCall(call: CallOutput): string {
  const when = call.created_at.slice(0, 16).replace('T', ' ');
  const duration = call.duration_seconds == null ? '' : `, ${call.duration_seconds}s`;
  const counterpart = call.direction === 'inbound' ? `from ${call.from}` : `to ${call.to}`;
  return `${when} UTC ${call.direction} ${counterpart} (${call.status}${duration})${call.agent_name ? ` via ${call.agent_name}` : ''} id ${call.id}`;
}
