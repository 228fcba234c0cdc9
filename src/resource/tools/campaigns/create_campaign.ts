// create_campaign: a batch of leads called by one agent on a cadence, optionally launched at once.
// The campaign service checks the admin role of the acting person (an API key speaks for its
// issuer), that the agent and every lead belong to this business, and records it all in one unit
// of work. Launching only queues the leads: the dialer places each call when it is due, through the
// same compliance gates as make_call, at dial time.
//
// idempotency_key is optional here (tools.md: every mutating tool takes one, only four require
// it). With one, a retried request answers with the first campaign; without one, a retry creates
// (and, with launch, queues) a second campaign — so the description asks clients to send one.
import { z } from 'zod';
import { idempotencyKeyInput } from '../../framework/idempotency-key.js';
import { CampaignCadenceSchema, MAX_CAMPAIGN_LEADS } from '../../../domain/campaigns/campaigns.service.js';
import { defineEffectTool } from '../../framework/tool.js';
import { actorFromCredential } from '../../auth/actor.js';
import { campaignOutput, toCampaignOutput, type CampaignOutput } from './campaign-output.js';

export const createCampaign = defineEffectTool({
  name: 'create_campaign',
  title: 'Create a call campaign',
  description:
    'Create an outbound call campaign (cadence and leads), optionally launched at once: its calls are queued for the dialer, and consent gates apply at dial time. ' +
    'Needs the admin role.',
  scopes: ['calls:write'],
  // Launching makes the dialer phone people: an external effect of this tool, though a later one.
  // The tool itself only writes our records (tools.md: destructive, not open-world).
  externalEffect: true,
  annotations: { title: 'Create a call campaign', readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  input: {
    name: z.string().trim().min(1).max(200).describe('A name people recognize the campaign by, 1–200 characters.'),
    agent_id: z.guid().describe('The agent that places the calls (an id from list_agents).'),
    lead_ids: z
      .array(z.guid())
      .min(1)
      .max(MAX_CAMPAIGN_LEADS)
      .describe(`The leads to call (ids from list_leads), 1–${MAX_CAMPAIGN_LEADS}; each must have a phone number to be called.`),
    cadence: CampaignCadenceSchema.describe("Attempts per lead (1–10), minutes between attempts, and the daily calling window in the recipient's local time (HH:MM–HH:MM)."),
    launch: z.boolean().optional().describe('True to launch at once (the leads are queued for the dialer); false or absent leaves a draft.'),
    idempotency_key: idempotencyKeyInput.optional(),
  },
  output: {
    campaign: campaignOutput.describe('The campaign as created (status active and its leads queued when launched).'),
    replayed: z.boolean().describe('True when this answer repeats the first request with the same idempotency_key; no new campaign was created.'),
  },
  async run(input, ctx) {
    const { idempotency_key: key, ...args } = input;
    const create = async (): Promise<CampaignOutput> =>
      toCampaignOutput(
        await ctx.domain.campaigns.createCampaign({
          businessId: ctx.businessId,
          actor: actorFromCredential(ctx.credential),
          name: input.name,
          agentId: input.agent_id,
          leadIds: input.lead_ids,
          cadence: input.cadence,
          launch: input.launch ?? false,
        }),
      );
    const { outcome: campaign, replayed } = key
      ? await ctx.domain.idempotency.run({ businessId: ctx.businessId, key, tool: 'create_campaign', args }, create)
      : { outcome: await create(), replayed: false };
    const prefix = replayed ? 'Already done with this idempotency_key (no new campaign): ' : '';
    const state =
      campaign.status === 'draft'
        ? 'created as a draft (not launched)'
        : `launched: ${campaign.lead_counts.queued} lead${campaign.lead_counts.queued === 1 ? '' : 's'} queued for the dialer`;
    return { data: { campaign, replayed }, text: `${prefix}Campaign "${campaign.name}" ${state}. Campaign id ${campaign.id}.` };
  },
});
