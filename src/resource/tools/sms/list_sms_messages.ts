// list_sms_messages: the business's text messages, newest first, by conversation or direction.
import { z } from 'zod';
import { DIRECTIONS } from '../../../domain/calls/calls.types.js';
import { pageFields, pageHeadline, paginationInput, paginationOutput, toPage } from '../../framework/pagination.js';
import { defineTool } from '../../framework/tool.js';
import { describeSmsMessage, smsMessageOutput, toSmsMessageOutput } from './sms-output.js';

export const listSmsMessages = defineTool({
  name: 'list_sms_messages',
  title: 'List SMS messages',
  description: 'List recent SMS messages for the authenticated business. Filter by conversation or direction (inbound/outbound).',
  scopes: ['calls:read'],
  externalEffect: false,
  annotations: { title: 'List SMS messages', readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  input: {
    ...paginationInput(50),
    conversation_id: z.guid().optional().describe('Only the messages of this conversation (a conversation_id from an earlier result); an unknown id is "not found".'),
    direction: z.enum(DIRECTIONS).optional().describe('Only inbound or only outbound messages.'),
  },
  output: {
    messages: z.array(smsMessageOutput).describe('Messages, newest first.'),
    ...paginationOutput,
    filters: z
      .object({
        conversation_id: z.guid().nullable().describe('The conversation filter applied, or null.'),
        direction: z.enum(DIRECTIONS).nullable().describe('The direction filter applied, or null.'),
      })
      .describe('The filters this page was selected with.'),
  },
  async run(input, ctx) {
    const rows = await ctx.domain.sms.list(ctx.tx, ctx.businessId, { conversationId: input.conversation_id, direction: input.direction }, input);
    const page = toPage(rows, input.limit, input.offset);
    const messages = page.items.map(toSmsMessageOutput);
    return {
      data: {
        messages,
        ...pageFields(page),
        filters: { conversation_id: input.conversation_id ?? null, direction: input.direction ?? null },
      },
      text: [pageHeadline(page, 'message'), ...messages.map(describeSmsMessage)].join('\n'),
    };
  },
});
