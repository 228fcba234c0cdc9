// assign_phone_number: points a number of the business at one of its agents, or at none. Who answers
// real callers changes, so it needs the admin role and numbers:write; it is audited (number masked).
import { z } from 'zod';
import { maskPhone } from '../../../shared/log.js';
import { actorFromCredential } from '../../auth/actor.js';
import { idempotencyKeyInput, replayedOutput, replayNote } from '../../framework/idempotency-key.js';
import { defineEffectTool } from '../../framework/tool.js';
import { phoneNumberOutput, toPhoneNumberOutput, type PhoneNumberOutput } from './number-output.js';

type Outcome = { phone_number: PhoneNumberOutput; previous_agent_id: string | null };

export const assignPhoneNumber = defineEffectTool({
  name: 'assign_phone_number',
  title: 'Assign a phone number',
  description: 'Point a phone number at an agent (its calls reach that agent), or at none with agent_id null. Requires the admin role.',
  scopes: ['numbers:write'],
  externalEffect: false,
  annotations: { title: 'Assign a phone number', readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  input: {
    phone_number_id: z.guid().describe('The number (from list_phone_numbers).'),
    agent_id: z.guid().nullable().describe('The agent to answer it (from list_agents), or null for none.'),
    idempotency_key: idempotencyKeyInput,
  },
  output: {
    phone_number: phoneNumberOutput.describe('The number after the change.'),
    previous_agent_id: z.guid().nullable().describe('The agent it pointed at before.'),
    replayed: replayedOutput,
  },
  async run(input, ctx) {
    const { idempotency_key: key, ...args } = input;
    const { outcome, replayed } = await ctx.domain.idempotency.run<Outcome>({ businessId: ctx.businessId, key, tool: 'assign_phone_number', args }, async () => {
      const { number, previousAgentId } = await ctx.domain.numbers.assign({
        businessId: ctx.businessId,
        actor: actorFromCredential(ctx.credential),
        phoneNumberId: input.phone_number_id,
        agentId: input.agent_id,
      });
      return { phone_number: toPhoneNumberOutput(number), previous_agent_id: previousAgentId };
    });
    const n = outcome.phone_number;
    return {
      data: { ...outcome, replayed },
      text: `${replayNote(replayed)}${maskPhone(n.number)} now reaches ${n.agent_name ? `agent "${n.agent_name}"` : 'no agent'}.`,
    };
  },
});
