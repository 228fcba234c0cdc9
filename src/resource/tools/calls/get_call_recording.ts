// get_call_recording: where to listen to a call, so a reviewer can hear it rather than rely only on
// the transcript. The URL is the provider's recording link, exactly as it reported it.
import { z } from 'zod';
import { defineTool } from '../../framework/tool.js';
import { callOutput, describeCall, toCallOutput } from './call-output.js';

export const getCallRecording = defineTool({
  name: 'get_call_recording',
  title: 'Get call recording',
  description: 'Get the real call recording URL for a call so reviewers can listen to the voice/audio instead of relying only on the transcript.',
  scopes: ['calls:read'],
  externalEffect: false,
  annotations: { title: 'Get call recording', readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  input: {
    call_id: z.guid().describe('The call whose recording to fetch (an id from list_recent_calls, make_call or get_lead).'),
  },
  output: {
    call: callOutput.describe('The call.'),
    recording_available: z.boolean().describe('True when the call has a recording. False while it is still going, and for calls that never connected (busy, no-answer, failed).'),
    recording_url: z.string().nullable().describe('Where the recording can be played or downloaded, or null when there is none.'),
  },
  async run(input, ctx) {
    const call = await ctx.domain.calls.get(ctx.tx, ctx.businessId, input.call_id);
    const out = toCallOutput(call);
    const available = Boolean(call.recordingUrl);
    const text = available
      ? `Recording: ${call.recordingUrl}\n${describeCall(out)}`
      : `No recording for call ${call.id} (status ${call.status}${call.endedAt ? '' : ', still in progress'}).`;
    return { data: { call: out, recording_available: available, recording_url: call.recordingUrl || null }, text };
  },
});
