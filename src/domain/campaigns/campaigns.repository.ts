// Campaigns and their leads: created and launched by the campaign service, listed by the read tools,
// worked through by the dialer. The dialer takes one due lead at a time under FOR UPDATE SKIP
// LOCKED, so several nodes share the work without ever dialling the same lead twice.
import { sql, type Selectable } from 'kysely';
import type { CampaignCadence, CampaignsTable } from '../../../db/schema.js';
import type { OwnerDb, TenantTx } from '../../shared/db.js';
import type { Call } from '../calls/calls.types.js';
import { CAMPAIGN_LEAD_STATUSES, type Campaign, type CampaignFilters, type CampaignLeadStatus } from './campaigns.types.js';

type LeadCounts = Campaign['leadCounts'];

export interface DueCampaignLead {
  campaignId: string;
  leadId: string;
  agentId: string;
  attempts: number;
  cadence: CampaignCadence;
  phone: string | null;
  name: string | null;
}

const toCampaign = (r: Selectable<CampaignsTable>, counts: LeadCounts): Campaign => ({
  id: r.id,
  businessId: r.business_id,
  agentId: r.agent_id,
  name: r.name,
  status: r.status,
  cadence: r.cadence,
  createdBy: r.created_by,
  launchedAt: r.launched_at,
  createdAt: r.created_at,
  leadCounts: counts,
});

export function createCampaignsRepository(tx: TenantTx, businessId: string) {
  /** Lead counts of the given campaigns, in one query. */
  async function leadCounts(campaignIds: readonly string[]): Promise<Map<string, LeadCounts>> {
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
      if (r.status in c) c[r.status as CampaignLeadStatus] += r.n;
      c.total += r.n;
    }
    return counts;
  }

  return {
    /** The ids among `leadIds` that are leads of this business. */
    async existingLeadIds(leadIds: readonly string[]): Promise<Set<string>> {
      if (!leadIds.length) return new Set();
      const rows = await tx.selectFrom('leads').select('id').where('business_id', '=', businessId).where('id', 'in', leadIds).execute();
      return new Set(rows.map((r) => r.id));
    },

    async agentExists(agentId: string): Promise<boolean> {
      const row = await tx.selectFrom('agents').select('id').where('business_id', '=', businessId).where('id', '=', agentId).executeTakeFirst();
      return row !== undefined;
    },

    async insert(values: { name: string; agentId: string; cadence: CampaignCadence; createdBy: string }): Promise<string> {
      const row = await tx
        .insertInto('campaigns')
        .values({ business_id: businessId, name: values.name, agent_id: values.agentId, cadence: JSON.stringify(values.cadence), created_by: values.createdBy })
        .returning('id')
        .executeTakeFirstOrThrow();
      return row.id;
    },

    async insertLeads(campaignId: string, leadIds: readonly string[]): Promise<void> {
      if (!leadIds.length) return;
      await tx
        .insertInto('campaign_leads')
        .values(leadIds.map((leadId) => ({ business_id: businessId, campaign_id: campaignId, lead_id: leadId })))
        .execute();
    },

    async find(campaignId: string, options: { lock?: boolean } = {}): Promise<Campaign | undefined> {
      let q = tx.selectFrom('campaigns').selectAll().where('business_id', '=', businessId).where('id', '=', campaignId);
      if (options.lock) q = q.forUpdate();
      const row = await q.executeTakeFirst();
      return row && toCampaign(row, (await leadCounts([row.id])).get(row.id)!);
    },

    /** Newest first, ties broken by id; `limit` rows plus one to tell whether more follow. */
    async list(filters: CampaignFilters, page: { limit: number; offset: number }): Promise<Campaign[]> {
      let q = tx.selectFrom('campaigns').selectAll().where('business_id', '=', businessId);
      if (filters.status) q = q.where('status', '=', filters.status);
      const rows = await q
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(page.limit + 1)
        .offset(page.offset)
        .execute();
      const counts = await leadCounts(rows.map((r) => r.id));
      return rows.map((r) => toCampaign(r, counts.get(r.id)!));
    },

    /** Activates a draft campaign and queues every pending lead for its first attempt now. */
    async launch(campaignId: string, now: Date): Promise<void> {
      await tx.updateTable('campaigns').set({ status: 'active', launched_at: now }).where('business_id', '=', businessId).where('id', '=', campaignId).execute();
      await tx
        .updateTable('campaign_leads')
        .set({ status: 'queued', next_attempt_at: now })
        .where('business_id', '=', businessId)
        .where('campaign_id', '=', campaignId)
        .where('status', '=', 'pending')
        .execute();
    },

    /** Takes the next due lead of an active campaign, skipping rows another node holds. */
    async lockNextDue(now: Date): Promise<DueCampaignLead | undefined> {
      const row = await tx
        .selectFrom('campaign_leads as cl')
        .innerJoin('campaigns as c', (j) => j.onRef('c.id', '=', 'cl.campaign_id').onRef('c.business_id', '=', 'cl.business_id'))
        .innerJoin('leads as l', (j) => j.onRef('l.id', '=', 'cl.lead_id').onRef('l.business_id', '=', 'cl.business_id'))
        .select(['cl.campaign_id', 'cl.lead_id', 'cl.attempts', 'c.agent_id', 'c.cadence', 'l.phone', 'l.name'])
        .where('cl.business_id', '=', businessId)
        .where('c.status', '=', 'active')
        .where('cl.status', '=', 'queued')
        .where('cl.next_attempt_at', '<=', now)
        .orderBy('cl.next_attempt_at')
        .orderBy('cl.lead_id')
        .limit(1)
        .forUpdate(['cl'])
        .skipLocked()
        .executeTakeFirst();
      return (
        row && {
          campaignId: row.campaign_id,
          leadId: row.lead_id,
          agentId: row.agent_id,
          attempts: row.attempts,
          cadence: row.cadence,
          phone: row.phone,
          name: row.name,
        }
      );
    },

    async markCalling(campaignId: string, leadId: string, callId: string): Promise<void> {
      await tx
        .updateTable('campaign_leads')
        .set((eb) => ({ status: 'calling', attempts: eb('attempts', '+', 1), last_call_id: callId, next_attempt_at: null }))
        .where('business_id', '=', businessId)
        .where('campaign_id', '=', campaignId)
        .where('lead_id', '=', leadId)
        .execute();
    },

    async defer(campaignId: string, leadId: string, until: Date): Promise<void> {
      await tx
        .updateTable('campaign_leads')
        .set({ next_attempt_at: until })
        .where('business_id', '=', businessId)
        .where('campaign_id', '=', campaignId)
        .where('lead_id', '=', leadId)
        .execute();
    },

    async settle(campaignId: string, leadId: string, status: 'skipped' | 'failed' | 'completed'): Promise<void> {
      await tx
        .updateTable('campaign_leads')
        .set({ status, next_attempt_at: null })
        .where('business_id', '=', businessId)
        .where('campaign_id', '=', campaignId)
        .where('lead_id', '=', leadId)
        .execute();
      await completeIfDone(campaignId);
    },

    /**
     * A campaign call ended: the lead is done when the call connected, retried after the cadence's
     * spacing while attempts remain, failed after the last attempt.
     */
    async onCallEnded(call: Call): Promise<{ leadStatus: CampaignLeadStatus } | undefined> {
      if (!call.campaignId || !call.leadId) return undefined;
      const row = await tx
        .selectFrom('campaign_leads as cl')
        .innerJoin('campaigns as c', 'c.id', 'cl.campaign_id')
        .select(['cl.attempts', 'c.cadence'])
        .where('cl.business_id', '=', businessId)
        .where('cl.campaign_id', '=', call.campaignId)
        .where('cl.lead_id', '=', call.leadId)
        .where('cl.last_call_id', '=', call.id)
        .where('cl.status', '=', 'calling')
        .forUpdate(['cl'])
        .executeTakeFirst();
      if (!row) return undefined;
      const ended = call.endedAt ?? new Date();
      let leadStatus: CampaignLeadStatus;
      if (call.status === 'completed') leadStatus = 'completed';
      else if (row.attempts < row.cadence.attempts) leadStatus = 'queued';
      else leadStatus = 'failed';
      await tx
        .updateTable('campaign_leads')
        .set({ status: leadStatus, next_attempt_at: leadStatus === 'queued' ? new Date(ended.getTime() + row.cadence.spacing_minutes * 60_000) : null })
        .where('business_id', '=', businessId)
        .where('campaign_id', '=', call.campaignId)
        .where('lead_id', '=', call.leadId)
        .execute();
      await completeIfDone(call.campaignId);
      return { leadStatus };
    },
  };

  /** An active campaign with no lead left to call is completed. */
  async function completeIfDone(campaignId: string): Promise<void> {
    await tx
      .updateTable('campaigns')
      .set({ status: 'completed' })
      .where('business_id', '=', businessId)
      .where('id', '=', campaignId)
      .where('status', '=', 'active')
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('campaign_leads')
              .select('lead_id')
              .where('business_id', '=', businessId)
              .where('campaign_id', '=', campaignId)
              .where('status', 'in', ['pending', 'queued', 'calling']),
          ),
        ),
      )
      .execute();
  }
}

/** System scans across businesses (owner connection): they find work, never change it. */
export function createCampaignScansRepository(db: OwnerDb) {
  return {
    /** Businesses with campaign leads due now. */
    async businessesWithDueLeads(now: Date): Promise<string[]> {
      const rows = await db
        .selectFrom('campaign_leads as cl')
        .innerJoin('campaigns as c', 'c.id', 'cl.campaign_id')
        .select('cl.business_id')
        .distinct()
        .where('c.status', '=', 'active')
        .where('cl.status', '=', 'queued')
        .where('cl.next_attempt_at', '<=', now)
        .execute();
      return rows.map((r) => r.business_id);
    },
  };
}
