// list_leads: the business's leads, newest first, filtered and paginated, each with its latest AI score.
import { z } from 'zod';
import { pageFields, pageHeadline, paginationInput, paginationOutput, toPage } from '../../framework/pagination.js';
import { defineTool } from '../../framework/tool.js';
import { LEAD_STATUSES, describeLead, leadSummaryOutput, toLeadSummaryOutput } from '../../../domain/leads/leads.types.js';

export const listLeads = defineTool({
  name: 'list_leads',
  title: 'List leads',
  description: 'List leads for the authenticated business, with optional status/source/agent filters. Includes the latest AI lead score when available.',
  scopes: ['calls:read'],
  externalEffect: false,
  annotations: { title: 'List leads', readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  input: {
    ...paginationInput(50),
    status: z.enum(LEAD_STATUSES).optional().describe('Only leads in this status.'),
    source: z.string().trim().min(1).max(100).optional().describe('Only leads from this source (such as website or referral), matched without regard to case.'),
    agent_id: z.guid().optional().describe('Only leads assigned to this agent (an id from list_agents); an unknown id is "not found".'),
  },
  output: {
    leads: z.array(leadSummaryOutput).describe('Leads, newest first.'),
    ...paginationOutput,
    filters: z
      .object({
        status: z.enum(LEAD_STATUSES).nullable().describe('The status filter applied, or null.'),
        source: z.string().nullable().describe('The source filter applied, or null.'),
        agent_id: z.guid().nullable().describe('The agent filter applied, or null.'),
      })
      .describe('The filters this page was selected with.'),
  },
  async run(input, ctx) {
    const filters = { status: input.status, source: input.source, agentId: input.agent_id };
    const rows = await ctx.domain.leads.list(ctx.tx, ctx.businessId, filters, input);
    const page = toPage(rows, input.limit, input.offset);
    const leads = page.items.map(toLeadSummaryOutput);
    return {
      data: {
        leads,
        ...pageFields(page),
        filters: { status: input.status ?? null, source: input.source ?? null, agent_id: input.agent_id ?? null },
      },
      text: [pageHeadline(page, 'lead'), ...leads.map(describeLead)].join('\n'),
    };
  },
});
