// check_call_status: one call, by id, as it stands now.
import { z } from 'zod';
import { defineTool } from '../../framework/tool.js';
import { callOutput, describeCall, toCallOutput } from './call-output.js';

export const checkCallStatus = defineTool({
  name: 'check_call_status',
  title: 'Check call status',
  description: 'Check the status of a call by its ID',
  scopes: ['calls:read'],
  externalEffect: false,
  annotations: { title: 'Check call status', readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  input: {
    call_id: z.guid().describe('The call to check (an id from list_recent_calls or make_call).'),
  },
  output: {
    call: callOutput.describe('The call.'),
  },
  async run(input, ctx) {
    const out = toCallOutput(await ctx.domain.calls.get(ctx.tx, ctx.businessId, input.call_id));
    return { data: { call: out }, text: describeCall(out) + (out.summary ? `\nSummary: ${out.summary}` : '') };
  },
});
