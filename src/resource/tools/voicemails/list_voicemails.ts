// list_voicemails: messages callers left, newest first, with what they said and where to listen.
import { z } from 'zod';
import { pageFields, pageHeadline, paginationInput, paginationOutput, toPage } from '../../framework/pagination.js';
import { defineTool } from '../../framework/tool.js';

const voicemailOutput = z.object({
  id: z.guid().describe('Voicemail id.'),
  caller: z.string().describe('The number the caller left the message from, E.164.'),
  caller_name: z.string().nullable().describe("The caller's name when known (caller ID or a matching lead), or null."),
  agent_id: z.guid().nullable().describe('The agent whose line took the message, or null.'),
  agent_name: z.string().nullable().describe("That agent's name, or null."),
  call_id: z.guid().nullable().describe('The call the voicemail came from, when it was recorded (pass it to check_call_status).'),
  transcript: z.string().nullable().describe('What the caller said, transcribed, or null when not transcribed.'),
  recording_url: z.string().nullable().describe('Where the message can be played, or null.'),
  duration_seconds: z.number().int().nullable().describe('Length of the message in seconds, or null.'),
  created_at: z.string().describe('When the message was left, ISO 8601 (UTC).'),
});

export const listVoicemails = defineTool({
  name: 'list_voicemails',
  title: 'List voicemails',
  description: 'List recent voicemails for the authenticated business, including transcripts and recording URLs.',
  scopes: ['calls:read'],
  externalEffect: false,
  annotations: { title: 'List voicemails', readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  input: { ...paginationInput(20) },
  output: {
    voicemails: z.array(voicemailOutput).describe('Voicemails, newest first.'),
    ...paginationOutput,
  },
  async run(input, ctx) {
    const rows = await ctx.domain.voicemails.list(ctx.tx, ctx.businessId, input);
    const page = toPage(rows, input.limit, input.offset);
    const voicemails = page.items.map((v) => ({
      id: v.id,
      caller: v.callerNumber,
      caller_name: v.callerName,
      agent_id: v.agentId,
      agent_name: v.agentName,
      call_id: v.callId,
      transcript: v.transcript,
      recording_url: v.recordingUrl,
      duration_seconds: v.durationSeconds,
      created_at: v.createdAt.toISOString(),
    }));
    const lines = voicemails.map((v) => {
      const when = v.created_at.slice(0, 16).replace('T', ' ');
      const said = v.transcript ? `: "${v.transcript.length > 120 ? `${v.transcript.slice(0, 120)}…` : v.transcript}"` : '';
      return `- ${when} UTC from ${v.caller_name ? `${v.caller_name} ` : ''}${v.caller}${said}`;
    });
    return {
      data: { voicemails, ...pageFields(page) },
      text: [pageHeadline(page, 'voicemail'), ...lines].join('\n'),
    };
  },
});
