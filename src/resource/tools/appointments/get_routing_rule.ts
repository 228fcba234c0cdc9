// get_routing_rule: one routing rule with its revision.
import { z } from 'zod';
import { defineTool } from '../../framework/tool.js';
import { ruleOutput, toRuleOutput } from './appointment-output.js';

export const getRoutingRule = defineTool({
  name: 'get_routing_rule',
  title: 'Get routing rule',
  description: 'One routing rule with its current revision.',
  scopes: ['appointments:read'],
  externalEffect: false,
  annotations: { title: 'Get routing rule', readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  input: { rule_id: z.guid().describe('The rule.') },
  output: { rule: ruleOutput.describe('The rule.') },
  async run(input, ctx) {
    const rule = toRuleOutput(await ctx.domain.appointments.getRule(ctx.tx, ctx.businessId, input.rule_id));
    return { data: { rule }, text: `${rule.name}: priority ${rule.priority}, revision ${rule.revision}${rule.active ? '' : ', inactive'}.` };
  },
});
