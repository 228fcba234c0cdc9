// list_phone_numbers: the business's numbers, newest first, with the agent answering each.
import { z } from 'zod';
import { pageFields, pageHeadline, paginationInput, paginationOutput, toPage } from '../../framework/pagination.js';
import { defineTool } from '../../framework/tool.js';
import { describeNumber, phoneNumberOutput, toPhoneNumberOutput } from './number-output.js';

export const listPhoneNumbers = defineTool({
  name: 'list_phone_numbers',
  title: 'List phone numbers',
  description: "List the business's phone numbers: number, provider, assigned agent, capabilities, emergency address set or not.",
  scopes: ['agents:read'],
  externalEffect: false,
  annotations: { title: 'List phone numbers', readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  input: {
    ...paginationInput(50),
    agent_id: z.guid().optional().describe('Only the numbers of this agent.'),
  },
  output: {
    phone_numbers: z.array(phoneNumberOutput).describe('Numbers, newest first.'),
    ...paginationOutput,
  },
  async run(input, ctx) {
    const rows = await ctx.domain.numbers.list(ctx.tx, ctx.businessId, { agentId: input.agent_id }, input);
    const page = toPage(rows, input.limit, input.offset);
    const numbers = page.items.map(toPhoneNumberOutput);
    return { data: { phone_numbers: numbers, ...pageFields(page) }, text: [pageHeadline(page, 'phone number'), ...numbers.map((n) => `- ${describeNumber(n)}`)].join('\n') };
  },
});
