// transfer_call (seed 002): hands the caller to another number, but only to one the business allows
// (its staff, its queues, the agent's transfer settings): a model talked into dialing a premium-rate
// number gets `destination_not_allowed`, and nothing is recorded or dialed.
import { z } from 'zod';
import { defineInCallTool } from '../tool.js';

export const transferCall = defineInCallTool({
  name: 'transfer_call',
  title: 'Transfer the call',
  description:
    'Transfers the active call to a specified destination number. Only numbers the business allows are accepted: its staff, its queues and the agent’s transfer destinations.',
  annotations: { title: 'Transfer the call', readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  acts: true,
  mode: 'effect',
  input: {
    destination: z.string().max(32).describe('The phone number to transfer the call to, E.164 (for example +14155552671).'),
  },
  output: {
    transferred: z.boolean().describe('True when the provider took the transfer.'),
    destination: z.string().describe('The number the call was handed to, E.164.'),
    kind: z.enum(['number', 'staff', 'queue']).describe('What the number is: a transfer destination of the agent, a staff member’s, or a queue’s.'),
    target_id: z.string().nullable().describe('The staff member, queue or agent tool the number belongs to, when one does.'),
  },
  async run(input, ctx) {
    const transfer = await ctx.domain.inCall.transfer(ctx.call, input.destination, 'transfer_call');
    return {
      text: `Transferring the call to ${transfer.destination}.`,
      data: { transferred: transfer.status === 'completed', destination: transfer.destination, kind: transfer.kind, target_id: transfer.target_id ?? null },
    };
  },
});
