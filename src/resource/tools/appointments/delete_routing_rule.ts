// delete_routing_rule: removes a rule, only at the current revision. Admin role.
import { z } from 'zod';
import { idempotencyKeyInput, replayedOutput } from '../../framework/idempotency-key.js';
import { defineEffectTool } from '../../framework/tool.js';
import { actorFromCredential } from '../../auth/actor.js';
import { once, optionalKeyNote } from './appointment-output.js';

export const deleteRoutingRule = defineEffectTool({
  name: 'delete_routing_rule',
  title: 'Delete routing rule',
  description: `Deletes a rule. Requires the current revision (stale → conflict naming the current one, nothing deleted) and the admin role. Cannot be undone.${optionalKeyNote}`,
  scopes: ['appointments:write'],
  externalEffect: false,
  annotations: { title: 'Delete routing rule', readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  input: {
    rule_id: z.guid().describe('The rule.'),
    revision: z.number().int().min(1).describe('The revision you read.'),
    idempotency_key: idempotencyKeyInput.optional(),
  },
  output: {
    deleted: z.object({ id: z.guid().describe('Rule id.'), revision: z.number().int().describe('Its last revision.') }).describe('The rule deleted.'),
    replayed: replayedOutput,
  },
  async run(input, ctx) {
    const { idempotency_key: key, ...args } = input;
    const { outcome: deleted, replayed } = await once(ctx, 'delete_routing_rule', key, args, () =>
      ctx.domain.appointments.deleteRule({ businessId: ctx.businessId, actor: actorFromCredential(ctx.credential), ruleId: input.rule_id, revision: input.revision }),
    );
    return { data: { deleted, replayed }, text: `Routing rule ${deleted.id} deleted (was revision ${deleted.revision}).` };
  },
});
