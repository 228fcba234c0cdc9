// update_agent_config: edits an agent's live configuration as an agent.patch through the update
// broker, so every applied change writes a config version and a change-history row, and changes to
// what callers hear or where calls go (prompts, voice, transfer) need a person's authority or an
// approval in the dashboard.
import { z } from 'zod';
import { invalidArgument } from '../../../shared/errors.js';
import { idempotencyKeyInput } from '../../framework/idempotency-key.js';
import { defineEffectTool } from '../../framework/tool.js';
import { actorFromCredential } from '../../auth/actor.js';
import { authorityInput, brokerOutcomeOutput, dryRunInput, outcomeText, queueForApprovalInput, toOutcomeOutput, type BrokerOutcomeOutput } from '../../framework/broker-outcome.js';
import { AgentChangesSchema, HIGH_IMPACT_AGENT_FIELDS } from '../../../domain/updates/intents.js';

const CHANGE_FIELDS = Object.keys(AgentChangesSchema.shape) as (keyof typeof AgentChangesSchema.shape)[];

export const updateAgentConfig = defineEffectTool({
  name: 'update_agent_config',
  title: 'Update agent configuration',
  description:
    "Edit an agent's live configuration: first message, inbound or SMS prompt, voice, model, max call duration, call transfer, office hours, attached tools (tool_ids). Each change is versioned and audited. " +
    'Needs an idempotency_key; high-impact changes need `authority` or queue_for_approval. For one named rules section, prefer configure_agent_business_rules.',
  scopes: ['agents:write'],
  externalEffect: false,
  annotations: { title: 'Update agent configuration', readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  input: {
    agent_id: z.guid().describe('The agent to change (from list_agents).'),
    idempotency_key: idempotencyKeyInput,
    ...AgentChangesSchema.shape,
    authority: authorityInput,
    queue_for_approval: queueForApprovalInput,
    dry_run: dryRunInput,
  },
  output: {
    agent_id: z.guid().describe('The agent the request was about.'),
    ...brokerOutcomeOutput,
    replayed: z.boolean().describe('True when this is the stored first outcome of this idempotency_key, returned again without acting.'),
  },
  async run(input, ctx) {
    const { idempotency_key: key, ...args } = input;
    const changes = Object.fromEntries(CHANGE_FIELDS.filter((f) => args[f] !== undefined).map((f) => [f, args[f]]));
    if (Object.keys(changes).length === 0) {
      throw invalidArgument(`Nothing to change: pass at least one of ${CHANGE_FIELDS.join(', ')}.`, { field: 'changes' });
    }
    const ask = async () =>
      toOutcomeOutput(
        await ctx.domain.broker.request({
          businessId: ctx.businessId,
          actor: actorFromCredential(ctx.credential),
          intent: 'agent.patch',
          payload: { agent_id: args.agent_id, changes },
          authority: args.authority,
          queueForApproval: args.queue_for_approval,
          dryRun: args.dry_run,
          source: 'update_agent_config',
        }),
      );
    // A dry run changes nothing: it does not spend the key the real request will use.
    const { outcome, replayed } = args.dry_run
      ? { outcome: await ask(), replayed: false }
      : await ctx.domain.idempotency.run<BrokerOutcomeOutput>({ businessId: ctx.businessId, key, tool: 'update_agent_config', args }, ask);
    return { data: { agent_id: args.agent_id, ...outcome, replayed }, text: outcomeText(outcome, replayed) };
  },
  auditDetails: (input) => ({
    // Field names only: prompts are long and a transfer number is a phone number.
    agent_id: input.agent_id,
    fields: CHANGE_FIELDS.filter((f) => input[f] !== undefined),
    high_impact_fields: CHANGE_FIELDS.filter((f) => input[f] !== undefined && HIGH_IMPACT_AGENT_FIELDS.includes(f)),
    authority: input.authority ? { user_email: input.authority.user_email ?? null, user_id: input.authority.user_id ?? null } : null,
    queue_for_approval: input.queue_for_approval,
    dry_run: input.dry_run,
  }),
});
