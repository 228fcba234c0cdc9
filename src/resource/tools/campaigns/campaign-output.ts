// A campaign as the campaign tools answer with it: the output schema, the mapping from the domain's
// Campaign, and one line of text per campaign.
import { z } from 'zod';
import { CAMPAIGN_STATUSES, type Campaign } from '../../../domain/campaigns/campaigns.types.js';

const count = (what: string) => z.number().int().describe(what);

export const campaignOutput = z.object({
  id: z.guid().describe('Campaign id.'),
  name: z.string().describe('Campaign name.'),
  status: z.enum(CAMPAIGN_STATUSES).describe('draft (not launched), active (the dialer is working through it), paused, or completed.'),
  agent_id: z.guid().describe('The agent that places the calls.'),
  cadence: z
    .object({
      attempts: z.number().int().describe('Calls per lead at most.'),
      spacing_minutes: z.number().int().describe('Minutes between attempts to the same lead.'),
      window_start: z.string().describe("Start of the daily calling window, recipient's local time (HH:MM)."),
      window_end: z.string().describe("End of the daily calling window, recipient's local time (HH:MM)."),
    })
    .describe('How the leads are called.'),
  lead_counts: z
    .object({
      total: count('Leads in the campaign.'),
      pending: count('Leads not yet queued (the campaign is a draft).'),
      queued: count('Leads waiting for their next attempt.'),
      calling: count('Leads being called right now.'),
      completed: count('Leads reached.'),
      failed: count('Leads not reached after every attempt.'),
      skipped: count('Leads skipped by a compliance gate (do-not-call, opt-out, automation pause…).'),
    })
    .describe("The campaign's leads, by where each stands."),
  launched_at: z.string().nullable().describe('When the campaign was launched, ISO 8601 (UTC), or null for a draft.'),
  created_at: z.string().describe('When the campaign was created, ISO 8601 (UTC).'),
});

export type CampaignOutput = z.infer<typeof campaignOutput>;

export function toCampaignOutput(c: Campaign): CampaignOutput {
  return {
    id: c.id,
    name: c.name,
    status: c.status,
    agent_id: c.agentId,
    cadence: {
      attempts: c.cadence.attempts,
      spacing_minutes: c.cadence.spacing_minutes,
      window_start: c.cadence.window_start,
      window_end: c.cadence.window_end,
    },
    lead_counts: {
      total: c.leadCounts.total,
      pending: c.leadCounts.pending,
      queued: c.leadCounts.queued,
      calling: c.leadCounts.calling,
      completed: c.leadCounts.completed,
      failed: c.leadCounts.failed,
      skipped: c.leadCounts.skipped,
    },
    launched_at: c.launchedAt ? c.launchedAt.toISOString() : null,
    created_at: c.createdAt.toISOString(),
  };
}

/** One line per campaign for the text content. */
export function describeCampaign(c: CampaignOutput): string {
  const n = c.lead_counts;
  return `- ${c.name} (${c.status}): ${n.total} lead${n.total === 1 ? '' : 's'}, ${n.completed} reached, ${n.queued + n.calling + n.pending} to go id ${c.id}`;
}
