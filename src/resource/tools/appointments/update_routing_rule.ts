// update_routing_rule: changes the fields given, only at the current revision (optimistic lock).
import { z } from 'zod';
import { idempotencyKeyInput, replayedOutput } from '../../framework/idempotency-key.js';
import { defineEffectTool } from '../../framework/tool.js';
import { actorFromCredential } from '../../auth/actor.js';
import { actionInput, conditionsInput, once, optionalKeyNote, ruleOutput, toRuleOutput } from './appointment-output.js';

export const updateRoutingRule = defineEffectTool({
  name: 'update_routing_rule',
  title: 'Update routing rule',
  description: `Changes the fields given. Requires the current revision: a stale one answers conflict naming the current revision and changes nothing. Requires the admin role.${optionalKeyNote}`,
  scopes: ['appointments:write'],
  externalEffect: false,
  annotations: { title: 'Update routing rule', readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  input: {
    rule_id: z.guid().describe('The rule.'),
    revision: z.number().int().min(1).describe('The revision you read.'),
    name: z.string().trim().min(1).max(200).optional().describe('Name.'),
    priority: z.number().int().min(0).max(1_000_000).optional().describe('Higher is tried first.'),
    conditions: conditionsInput.optional(),
    action: actionInput.optional(),
    active: z.boolean().optional().describe('Inactive rules are skipped.'),
    idempotency_key: idempotencyKeyInput.optional(),
  },
  output: { rule: ruleOutput.describe('The rule at its new revision.'), replayed: replayedOutput },
  async run(input, ctx) {
    const { idempotency_key: key, rule_id: ruleId, revision, ...changes } = input;
    const { outcome: rule, replayed } = await once(ctx, 'update_routing_rule', key, { ruleId, revision, ...changes }, async () =>
      toRuleOutput(await ctx.domain.appointments.updateRule({ businessId: ctx.businessId, actor: actorFromCredential(ctx.credential), ruleId, revision, changes })),
    );
    return { data: { rule, replayed }, text: `Routing rule "${rule.name}" updated to revision ${rule.revision}.` };
  },
});
