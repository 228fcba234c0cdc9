// create_routing_rule: a new routing rule at revision 1. Admin role.
import { z } from 'zod';
import { idempotencyKeyInput, replayedOutput } from '../../framework/idempotency-key.js';
import { defineEffectTool } from '../../framework/tool.js';
import { actorFromCredential } from '../../auth/actor.js';
import { actionInput, conditionsInput, once, optionalKeyNote, ruleOutput, toRuleOutput } from './appointment-output.js';

export const createRoutingRule = defineEffectTool({
  name: 'create_routing_rule',
  title: 'Create routing rule',
  description: `Creates a routing rule: the highest-priority active rule a booking matches picks staff by weighted round robin. Requires the admin role.${optionalKeyNote}`,
  scopes: ['appointments:write'],
  externalEffect: false,
  annotations: { title: 'Create routing rule', readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  input: {
    name: z.string().trim().min(1).max(200).describe('Name.'),
    priority: z.number().int().min(0).max(1_000_000).describe('Higher is tried first.'),
    conditions: conditionsInput.default({}),
    action: actionInput,
    active: z.boolean().default(true).describe('Inactive rules are skipped.'),
    idempotency_key: idempotencyKeyInput.optional(),
  },
  output: { rule: ruleOutput.describe('The rule, revision 1.'), replayed: replayedOutput },
  async run(input, ctx) {
    const { idempotency_key: key, ...args } = input;
    const { outcome: rule, replayed } = await once(ctx, 'create_routing_rule', key, args, async () =>
      toRuleOutput(await ctx.domain.appointments.createRule({ businessId: ctx.businessId, actor: actorFromCredential(ctx.credential), rule: args })),
    );
    return { data: { rule, replayed }, text: `Routing rule "${rule.name}" created (id ${rule.id}, revision ${rule.revision}).` };
  },
});
