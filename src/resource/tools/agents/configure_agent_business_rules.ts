// configure_agent_business_rules: adds, replaces or extends one named rules section of an agent's
// inbound prompt (between markers, so it can be found again without touching the rest of the
// prompt), as an agent.patch through the update broker. The inbound prompt is high-impact, so a
// real change needs `authority` or becomes a pending approval; re-sending the same rules is a no-op.
import { z } from 'zod';
import { idempotencyKeyInput } from '../../framework/idempotency-key.js';
import { defineEffectTool } from '../../framework/tool.js';
import { actorFromCredential } from '../../auth/actor.js';
import { authorityInput, brokerOutcomeOutput, dryRunInput, outcomeText, queueForApprovalInput, toOutcomeOutput, type BrokerOutcomeOutput } from '../../framework/broker-outcome.js';
import { DEFAULT_SECTION_TITLE } from '../../../domain/updates/business-rules.js';

const sectionOutput = z.object({
  key: z.string().describe('The section’s stable key, derived from its title (the marker that finds it again).'),
  title: z.string().describe('The section title as written into the prompt.'),
  action: z.enum(['added', 'replaced', 'appended', 'unchanged']).describe('What the edit does to the prompt (or would do, when not executed).'),
});

type Result = { outcome: BrokerOutcomeOutput; section: z.infer<typeof sectionOutput> };

export const configureAgentBusinessRules = defineEffectTool({
  name: 'configure_agent_business_rules',
  title: 'Configure agent business rules',
  description:
    "Add or replace a named rules section of an agent's inbound prompt (through the agent.patch broker), without resending the whole prompt: " +
    'handoffs, callback wording, alert promises, client-specific rules.',
  scopes: ['agents:write'],
  externalEffect: false,
  annotations: { title: 'Configure agent business rules', readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  input: {
    agent_id: z.guid().describe('The agent whose inbound prompt gets the section (from list_agents).'),
    rules: z.string().min(1).max(10_000).describe('The rules text of the section (plain text or Markdown, up to 10,000 characters).'),
    section_title: z.string().max(120).optional().describe(`The section’s title; the same title finds the same section again. Default "${DEFAULT_SECTION_TITLE}".`),
    mode: z
      .enum(['replace', 'append'])
      .default('replace')
      .describe('replace (default): the section holds exactly these rules; append: add these rules after the section’s existing ones.'),
    idempotency_key: idempotencyKeyInput
      .optional()
      .describe('Optional unique key (8–128 printable characters, no spaces): repeating it with the same arguments returns the first outcome and changes nothing again.'),
    authority: authorityInput,
    dry_run: dryRunInput,
    queue_for_approval: queueForApprovalInput,
  },
  output: {
    agent_id: z.guid().describe('The agent the request was about.'),
    section: sectionOutput.describe('The section that was edited.'),
    ...brokerOutcomeOutput,
    replayed: z.boolean().describe('True when this is the stored first outcome of this idempotency_key, returned again without acting.'),
  },
  async run(input, ctx) {
    const { idempotency_key: key, ...args } = input;
    const edit = async (): Promise<Result> => {
      const { outcome, section } = await ctx.domain.agentConfig.configureBusinessRules({
        businessId: ctx.businessId,
        actor: actorFromCredential(ctx.credential),
        agentId: args.agent_id,
        rules: args.rules,
        sectionTitle: args.section_title,
        mode: args.mode,
        authority: args.authority,
        queueForApproval: args.queue_for_approval,
        dryRun: args.dry_run,
      });
      return { outcome: toOutcomeOutput(outcome), section };
    };
    // The key is optional here (tools.md); a dry run never spends it.
    const { outcome: result, replayed } =
      key && !args.dry_run
        ? await ctx.domain.idempotency.run<Result>({ businessId: ctx.businessId, key, tool: 'configure_agent_business_rules', args }, edit)
        : { outcome: await edit(), replayed: false };
    const { outcome, section } = result;
    return {
      data: { agent_id: args.agent_id, section, ...outcome, replayed },
      text: `Section "${section.title}" (${section.action}). ${outcomeText(outcome, replayed)}`,
    };
  },
  auditDetails: (input) => ({
    agent_id: input.agent_id,
    section_title: input.section_title ?? DEFAULT_SECTION_TITLE,
    mode: input.mode,
    rules_length: input.rules.length,
    queue_for_approval: input.queue_for_approval,
    dry_run: input.dry_run,
    authority: input.authority ? { user_email: input.authority.user_email ?? null, user_id: input.authority.user_id ?? null } : null,
  }),
});
