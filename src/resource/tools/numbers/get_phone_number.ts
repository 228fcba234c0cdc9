// get_phone_number: one number of the business; another business's id reads as not found.
import { z } from 'zod';
import { defineTool } from '../../framework/tool.js';
import { describeNumber, phoneNumberOutput, toPhoneNumberOutput } from './number-output.js';

export const getPhoneNumber = defineTool({
  name: 'get_phone_number',
  title: 'Get a phone number',
  description: 'Read one phone number: number, provider, assigned agent, capabilities, emergency address set or not.',
  scopes: ['agents:read'],
  externalEffect: false,
  annotations: { title: 'Get a phone number', readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  input: { phone_number_id: z.guid().describe('The number (from list_phone_numbers).') },
  output: { phone_number: phoneNumberOutput.describe('The number.') },
  async run(input, ctx) {
    const number = toPhoneNumberOutput(await ctx.domain.numbers.get(ctx.tx, ctx.businessId, input.phone_number_id));
    return { data: { phone_number: number }, text: describeNumber(number) };
  },
});
