// list_campaigns: the business's outbound calling campaigns, newest first, with how far each has got.
import { z } from 'zod';
import { CAMPAIGN_STATUSES } from '../../../domain/campaigns/campaigns.types.js';
import { pageFields, pageHeadline, paginationInput, paginationOutput, toPage } from '../../framework/pagination.js';
import { defineTool } from '../../framework/tool.js';
import { campaignOutput, describeCampaign, toCampaignOutput } from './campaign-output.js';

export const listCampaigns = defineTool({
  name: 'list_campaigns',
  title: 'List campaigns',
  description: 'List outbound call campaigns for the authenticated business.',
  scopes: ['calls:read'],
  externalEffect: false,
  annotations: { title: 'List campaigns', readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  input: {
    ...paginationInput(25),
    status: z.enum(CAMPAIGN_STATUSES).optional().describe('Only campaigns in this status.'),
  },
  output: {
    campaigns: z.array(campaignOutput).describe('Campaigns, newest first.'),
    ...paginationOutput,
    filters: z.object({ status: z.enum(CAMPAIGN_STATUSES).nullable().describe('The status filter applied, or null.') }).describe('The filters this page was selected with.'),
  },
  async run(input, ctx) {
    const rows = await ctx.domain.campaigns.list(ctx.tx, ctx.businessId, { status: input.status }, input);
    const page = toPage(rows, input.limit, input.offset);
    const campaigns = page.items.map(toCampaignOutput);
    return {
      data: {
        campaigns,
        ...pageFields(page),
        filters: { status: input.status ?? null },
      },
      text: [pageHeadline(page, 'campaign'), ...campaigns.map(describeCampaign)].join('\n'),
    };
  },
});
