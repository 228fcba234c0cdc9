// list_recent_calls: the business's calls, newest first, filtered and paginated.
import { z } from 'zod';
import { CALL_STATUSES, DIRECTIONS } from '../../../domain/calls/calls.types.js';
import { pageFields, pageHeadline, paginationInput, paginationOutput, toPage } from '../../framework/pagination.js';
import { defineTool } from '../../framework/tool.js';
import { callOutput, describeCall, toCallOutput } from './call-output.js';

export const listRecentCalls = defineTool({
  name: 'list_recent_calls',
  title: 'List recent calls',
  description: 'List recent calls for the authenticated business',
  scopes: ['calls:read'],
  externalEffect: false,
  annotations: { title: 'List recent calls', readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  input: {
    ...paginationInput(20),
    agent_id: z.guid().optional().describe('Only calls handled by this agent (an id from list_agents); an unknown id is "not found".'),
    status: z.enum(CALL_STATUSES).optional().describe('Only calls in this status.'),
    direction: z.enum(DIRECTIONS).optional().describe('Only inbound or only outbound calls.'),
  },
  output: {
    calls: z.array(callOutput).describe('Calls, newest first.'),
    ...paginationOutput,
    filters: z
      .object({
        agent_id: z.guid().nullable().describe('The agent filter applied, or null.'),
        status: z.enum(CALL_STATUSES).nullable().describe('The status filter applied, or null.'),
        direction: z.enum(DIRECTIONS).nullable().describe('The direction filter applied, or null.'),
      })
      .describe('The filters this page was selected with.'),
  },
  async run(input, ctx) {
    const filters = { agentId: input.agent_id, status: input.status, direction: input.direction };
    const rows = await ctx.domain.calls.list(ctx.tx, ctx.businessId, filters, input);
    const page = toPage(rows, input.limit, input.offset);
    const calls = page.items.map(toCallOutput);
    return {
      data: {
        calls,
        ...pageFields(page),
        filters: { agent_id: input.agent_id ?? null, status: input.status ?? null, direction: input.direction ?? null },
      },
      text: [pageHeadline(page, 'call'), ...calls.map(describeCall)].join('\n'),
    };
  },
});
