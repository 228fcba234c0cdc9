// get_transcript: what was said on a call, and its summary, cut to a size a model can take in.
import { z } from 'zod';
import { defineTool } from '../../framework/tool.js';
import { callOutput, toCallOutput } from './call-output.js';

const DEFAULT_MAX_CHARS = 20_000;

export const getTranscript = defineTool({
  name: 'get_transcript',
  title: 'Get call transcript',
  description: 'Get the transcript and summary of a completed call',
  scopes: ['calls:read'],
  externalEffect: false,
  annotations: { title: 'Get call transcript', readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  input: {
    call_id: z.guid().describe('The call whose transcript to read (an id from list_recent_calls).'),
    max_chars: z
      .number()
      .int()
      .min(100)
      .max(200_000)
      .default(DEFAULT_MAX_CHARS)
      .describe(`Longest transcript to return, in characters (100–200000, default ${DEFAULT_MAX_CHARS}); longer ones are cut.`),
  },
  output: {
    call: callOutput.describe('The call.'),
    transcript_available: z.boolean().describe('False while the call is in progress or when nothing was recorded.'),
    transcript: z.string().nullable().describe('The transcript, possibly cut to max_chars, or null.'),
    transcript_truncated: z.boolean().describe('True when the transcript was cut to max_chars.'),
    transcript_length: z.number().int().describe('Length of the full transcript in characters (0 when none).'),
    summary: z.string().nullable().describe('A short summary of the call, or null.'),
  },
  async run(input, ctx) {
    const { call, transcript: recorded } = await ctx.domain.calls.getWithTranscript(ctx.tx, ctx.businessId, input.call_id);
    const full = recorded ?? '';
    const truncated = full.length > input.max_chars;
    const transcript = recorded === null ? null : truncated ? full.slice(0, input.max_chars) : full;
    const available = full.length > 0;
    const text = available
      ? `${transcript}${truncated ? `\n[cut at ${input.max_chars} of ${full.length} characters]` : ''}`
      : `No transcript for call ${call.id} (status ${call.status}).`;
    return {
      data: {
        call: toCallOutput(call),
        transcript_available: available,
        transcript,
        transcript_truncated: truncated,
        transcript_length: full.length,
        summary: call.summary,
      },
      text: call.summary ? `Summary: ${call.summary}\n\n${text}` : text,
    };
  },
});
