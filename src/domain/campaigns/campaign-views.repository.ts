// Campaigns as the read tools list them, each with its leads counted by status.
import { sql } from 'kysely';
import type { CampaignStatus } from '../../../db/schema.js';
import type { TenantTx } from '../../shared/db.js';
import { CAMPAIGN_LEAD_STATUSES, type CampaignRecord } from './campaign-views.types.js';

type LeadCounts = CampaignRecord['leadCounts'];

export function createCampaignsReadRepository(tx: TenantTx) {
  /** Lead counts of the given campaigns in one query. */
  async function leadCounts(businessId: string, campaignIds: readonly string[]): Promise<Map<string, LeadCounts>> {
    const counts = new Map<string, LeadCounts>();
    for (const id of campaignIds) counts.set(id, Object.fromEntries([['total', 0], ...CAMPAIGN_LEAD_STATUSES.map((s) => [s, 0])]) as LeadCounts);
    if (!campaignIds.length) return counts;
    const rows = await tx
      .selectFrom('campaign_leads')
      .select(['campaign_id', 'status', sql<number>`count(*)::int`.as('n')])
      .where('business_id', '=', businessId)
      .where('campaign_id', 'in', campaignIds)
      .groupBy(['campaign_id', 'status'])
      .execute();
    for (const r of rows) {
      const c = counts.get(r.campaign_id)!;
      if (r.status in c) c[r.status as keyof LeadCounts] += r.n;
      c.total += r.n;
    }
    return counts;
  }

  return {
    /** Newest first, ties broken by id; `limit` rows plus one to tell whether more follow. */
    async listPage(businessId: string, filters: { status?: CampaignStatus | undefined }, page: { limit: number; offset: number }): Promise<CampaignRecord[]> {
      let q = tx
        .selectFrom('campaigns')
        .select(['id', 'name', 'status', 'agent_id', 'cadence', 'launched_at', 'created_at'])
        .where('business_id', '=', businessId);
      if (filters.status) q = q.where('status', '=', filters.status);
      const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(page.limit + 1).offset(page.offset).execute();
      const counts = await leadCounts(businessId, rows.map((r) => r.id));
      return rows.map((r) => ({
        id: r.id,
        name: r.name,
        status: r.status,
        agentId: r.agent_id,
        cadence: r.cadence,
        launchedAt: r.launched_at,
        createdAt: r.created_at,
        leadCounts: counts.get(r.id)!,
      }));
    },
  };
}
