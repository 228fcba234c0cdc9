// Outbound campaigns: a batch of leads called by one agent on a cadence (attempts, spacing, a daily
// calling window in the recipient's time). Creating and launching needs the admin role (see
// updates/authority.ts for what that means for an API key). Launching only queues the leads; the
// dialer takes them when due and every call passes the compliance gates at dial time, exactly like
// make_call, because consent and quiet hours are facts about the moment of dialling.
import { z } from 'zod';
import { createAuditRepository } from '../audit/audit.repository.js';
import type { CampaignCadence } from '../../../db/schema.js';
import type { Db, TenantTx } from '../../shared/db.js';
import { isUuid } from '../../shared/ids.js';
import { AppError, invalidArgument, invalidArgumentFrom, notFound } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import { checkContactHours, parseE164, recipientTimeZones, TRANSIENT_GATES, createComplianceRepository } from '../compliance/index.js';
import { actorLabel, auditActor, SYSTEM_ACTOR, type Actor } from '../audit/actor.js';
import { requireAdmin } from '../updates/authority.js';
import type { CallService, RecordCallResult } from '../calls/calls.service.js';
import { createCampaignScansRepository, createCampaignsRepository } from './campaigns.repository.js';
import type { Campaign, CampaignFilters } from './campaigns.types.js';
import type { DialRequest } from '../../providers/telephony.js';

const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$|^24:00$/, { message: 'must be a time HH:MM between 00:00 and 24:00' });

/** The cadence of a campaign, as create_campaign accepts it. */
export const CampaignCadenceSchema = z
  .strictObject({
    attempts: z.number().int().min(1).max(10).describe('Calls per lead at most, 1–10'),
    spacing_minutes: z.number().int().min(1).max(10_080).describe('Minutes between attempts to the same lead'),
    window_start: clockTime.describe("Start of the daily calling window, recipient's local time (HH:MM)"),
    window_end: clockTime.describe("End of the daily calling window, recipient's local time (HH:MM)"),
  })
  .refine((c) => c.window_start < c.window_end, { message: 'window_start must be earlier than window_end', path: ['window_start'] });

export const MAX_CAMPAIGN_LEADS = 1000;
/** How long a lead waits when the window or quiet hours say "not now". */
const RECHECK_MS = 15 * 60_000;

export interface CreateCampaignInput {
  businessId: string;
  actor: Actor;
  name: string;
  agentId: string;
  leadIds: readonly string[];
  cadence: CampaignCadence;
  launch?: boolean;
}

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

export function createCampaignService(deps: { db: Db; calls: CallService; log: Logger; clock: () => Date }) {
  const { db, calls, log, clock } = deps;
  const dialer = SYSTEM_ACTOR('dialer');

  async function launchInTx(tx: TenantTx, businessId: string, actor: Actor, campaignId: string) {
    const repo = createCampaignsRepository(tx, businessId);
    const campaign = await repo.find(campaignId, { lock: true });
    if (!campaign) throw notFound('Campaign');
    if (campaign.status !== 'draft')
      throw new AppError('conflict', `Campaign "${campaign.name}" is ${campaign.status}; only a draft campaign can be launched.`, { status: campaign.status });
    await repo.launch(campaignId, clock());
    await createAuditRepository(tx).append({
      businessId,
      ...auditActor(actor),
      action: 'campaign.launched',
      outcome: 'success',
      details: { campaign_id: campaignId, leads: campaign.leadCounts.total },
    });
    return (await repo.find(campaignId))!;
  }

  return {
    /** Creates a campaign over leads of this business, optionally launching it at once. */
    async createCampaign(input: CreateCampaignInput): Promise<Campaign> {
      const name = input.name.trim();
      if (!name || name.length > 200) throw invalidArgument('name must be 1–200 characters', { field: 'name' });
      const cadence = CampaignCadenceSchema.safeParse(input.cadence);
      if (!cadence.success) throw invalidArgumentFrom(cadence.error, ['cadence']);
      const leadIds = [...new Set(input.leadIds)];
      if (leadIds.length === 0) throw invalidArgument('lead_ids must name at least one lead', { field: 'lead_ids' });
      if (leadIds.length > MAX_CAMPAIGN_LEADS) throw invalidArgument(`lead_ids may name at most ${MAX_CAMPAIGN_LEADS} leads`, { field: 'lead_ids' });
      const badIds = leadIds.filter((id) => !isUuid(id));
      if (!isUuid(input.agentId)) throw notFound('Agent');

      return db.forBusiness(input.businessId, async (tx) => {
        await requireAdmin(tx, input.businessId, input.actor, 'create_campaign');
        const repo = createCampaignsRepository(tx, input.businessId);
        if (!(await repo.agentExists(input.agentId))) throw notFound('Agent');
        const found = await repo.existingLeadIds(leadIds.filter(isUuid));
        const missing = [...badIds, ...leadIds.filter((id) => isUuid(id) && !found.has(id))];
        if (missing.length) {
          throw new AppError(
            'not_found',
            `${missing.length} of the lead_ids ${missing.length === 1 ? 'was' : 'were'} not found: ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', …' : ''}`,
            {
              field: 'lead_ids',
              missing_lead_ids: missing,
            },
          );
        }
        const campaignId = await repo.insert({ name, agentId: input.agentId, cadence: cadence.data, createdBy: actorLabel(input.actor) });
        await repo.insertLeads(campaignId, leadIds);
        await createAuditRepository(tx).append({
          businessId: input.businessId,
          ...auditActor(input.actor),
          action: 'campaign.created',
          outcome: 'success',
          details: { campaign_id: campaignId, leads: leadIds.length, launch: Boolean(input.launch) },
        });
        if (input.launch) return launchInTx(tx, input.businessId, input.actor, campaignId);
        return (await repo.find(campaignId))!;
      });
    },

    /** Launches a draft campaign: its leads are queued for the dialer. */
    async launchCampaign(input: { businessId: string; actor: Actor; campaignId: string }): Promise<Campaign> {
      if (!isUuid(input.campaignId)) throw notFound('Campaign');
      return db.forBusiness(input.businessId, async (tx) => {
        await requireAdmin(tx, input.businessId, input.actor, 'launching a campaign');
        return launchInTx(tx, input.businessId, input.actor, input.campaignId);
      });
    },

    /** A page of the business's campaigns, newest first: `limit` campaigns plus one when more follow. */
    async list(tx: TenantTx, businessId: string, filters: CampaignFilters, page: { limit: number; offset: number }): Promise<Campaign[]> {
      return createCampaignsRepository(tx, businessId).list(filters, page);
    },

    async getCampaign(input: { businessId: string; campaignId: string }): Promise<Campaign> {
      if (!isUuid(input.campaignId)) throw notFound('Campaign');
      const campaign = await db.forBusiness(input.businessId, (tx) => createCampaignsRepository(tx, input.businessId).find(input.campaignId));
      if (!campaign) throw notFound('Campaign');
      return campaign;
    },

    /**
     * Places the calls of campaign leads that are due, at most `perBusiness` per business per run.
     * Each lead is taken under a row lock, checked against the cadence window and the gates, and its
     * call recorded, in one transaction; the provider is asked after the commit.
     */
    async dialDueLeads(now: Date, perBusiness = 20): Promise<number> {
      let dialled = 0;
      for (const businessId of await createCampaignScansRepository(db.kysely).businessesWithDueLeads(now)) {
        for (let i = 0; i < perBusiness; i++) {
          const next = await db.forBusiness(businessId, async (tx): Promise<'none' | 'handled' | DialRequest> => {
            const repo = createCampaignsRepository(tx, businessId);
            const lead = await repo.lockNextDue(now);
            if (!lead) return 'none';
            const audit = createAuditRepository(tx);
            const skip = async (gate: string, message: string) => {
              await repo.settle(lead.campaignId, lead.leadId, 'skipped');
              await audit.append({
                businessId,
                ...auditActor(dialer),
                action: 'campaign.lead_skipped',
                outcome: 'denied',
                errorCode: gate,
                details: { campaign_id: lead.campaignId, lead_id: lead.leadId, reason: message },
              });
              return 'handled' as const;
            };
            const parsed = parseE164(lead.phone);
            if (!parsed) return skip('invalid_phone_number', 'The lead has no valid E.164 phone number.');

            const zones = await recipientTimeZones(parsed, await createComplianceRepository(tx, businessId).businessTimeZone());
            const window = { start: minutesOf(lead.cadence.window_start), end: minutesOf(lead.cadence.window_end) };
            if (!checkContactHours(now, zones.zones, window).allowed) {
              await repo.defer(lead.campaignId, lead.leadId, new Date(now.getTime() + RECHECK_MS));
              return 'handled';
            }

            let result: RecordCallResult;
            try {
              result = await calls.recordCall(tx, {
                businessId,
                actor: dialer,
                agentId: lead.agentId,
                to: parsed.e164,
                leadId: lead.leadId,
                name: lead.name,
                campaignId: lead.campaignId,
                now,
              });
            } catch (err) {
              // The campaign's agent was paused or lost its number: try again later, say why.
              if (!(err instanceof AppError)) throw err;
              await repo.defer(lead.campaignId, lead.leadId, new Date(now.getTime() + RECHECK_MS));
              await audit.append({
                businessId,
                ...auditActor(dialer),
                action: 'campaign.lead_deferred',
                outcome: 'error',
                errorCode: err.code,
                details: { campaign_id: lead.campaignId, lead_id: lead.leadId, reason: err.message },
              });
              return 'handled';
            }
            if (!result.recorded) {
              const { verdict } = result;
              if (!TRANSIENT_GATES.has(verdict.gate)) return skip(verdict.gate, verdict.message);
              const wait = verdict.gate === 'rate_limited' ? Number(verdict.details.retry_after_seconds ?? 60) * 1000 : RECHECK_MS;
              await repo.defer(lead.campaignId, lead.leadId, new Date(now.getTime() + wait));
              return 'handled';
            }
            await repo.markCalling(lead.campaignId, lead.leadId, result.call.id);
            return result.dial ?? 'handled';
          });
          if (next === 'none') break;
          if (next !== 'handled') {
            await calls.dial(businessId, next);
            dialled++;
          }
        }
      }
      if (dialled) log.info({ dialled }, 'campaign calls placed');
      return dialled;
    },
  };
}

export type CampaignService = ReturnType<typeof createCampaignService>;
