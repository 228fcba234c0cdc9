// check_call_status: one call, by id, as it stands now.
import { z } from 'zod';
import { notFound } from '../../../shared/errors.js';
import { defineTool } from '../../framework/tool.js';
import { createCallsReadRepository } from '../../../domain/calls/call-views.repository.js';
import { callOutput, describeCall, toCallOutput } from '../../../domain/calls/call-views.types.js';

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
    const call = await createCallsReadRepository(ctx.tx).find(ctx.businessId, input.call_id);
    if (!call) throw notFound('Call');
    const out = toCallOutput(call);
    return { data: { call: out }, text: describeCall(out) + (out.summary ? `\nSummary: ${out.summary}` : '') };
  },
});
