// Outbound campaign tools.
import type { AnyTool } from '../../framework/tool.js';
import { listCampaigns } from './list_campaigns.js';
import { createCampaign } from './create_campaign.js';

export const CAMPAIGN_TOOLS: readonly AnyTool[] = [listCampaigns, createCampaign];
