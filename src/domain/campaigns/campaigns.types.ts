// An outbound campaign as every surface and job sees it: one record type, with its leads counted by
// where each stands, and the statuses of both.
import type { CampaignCadence, CampaignStatus } from '../../../db/schema.js';

export const CAMPAIGN_STATUSES = ['draft', 'active', 'paused', 'completed'] as const satisfies readonly CampaignStatus[];
export const CAMPAIGN_LEAD_STATUSES = ['pending', 'queued', 'calling', 'completed', 'failed', 'skipped'] as const;
export type CampaignLeadStatus = (typeof CAMPAIGN_LEAD_STATUSES)[number];

export interface Campaign {
  id: string;
  businessId: string;
  /** The agent that places the calls. */
  agentId: string;
  name: string;
  status: CampaignStatus;
  cadence: CampaignCadence;
  /** Who created it, as the audit log names actors. */
  createdBy: string;
  launchedAt: Date | null;
  createdAt: Date;
  leadCounts: Record<CampaignLeadStatus | 'total', number>;
}

export interface CampaignFilters {
  status?: CampaignStatus | undefined;
}
