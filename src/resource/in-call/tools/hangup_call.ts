// hangup_call (seed 002): ends the active call through the provider; the call ends with
// `ended_reason: assistant-ended-call`.
import { z } from 'zod';
import { defineInCallTool } from '../tool.js';

export const hangupCall = defineInCallTool({
  name: 'hangup_call',
  title: 'Hang up',
  description: 'Ends the active call.',
  annotations: { title: 'Hang up', readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  acts: true,
  mode: 'effect',
  input: {},
  output: {
    ended: z.boolean().describe('True: the call has ended.'),
    ended_reason: z.string().describe('Why the call ended, as recorded on it: assistant-ended-call.'),
  },
  async run(_input, ctx) {
    const { endedReason } = await ctx.domain.inCall.hangUp(ctx.call);
    return { text: 'The call has ended.', data: { ended: true, ended_reason: endedReason } };
  },
});
