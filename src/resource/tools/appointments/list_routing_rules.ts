// list_routing_rules: the business's routing rules, highest priority first, with their revisions.
import { z } from 'zod';
import { pageFields, pageHeadline, paginationInput, paginationOutput, toPage } from '../../framework/pagination.js';
import { defineTool } from '../../framework/tool.js';
import { ruleOutput, toRuleOutput } from './appointment-output.js';

export const listRoutingRules = defineTool({
  name: 'list_routing_rules',
  title: 'List routing rules',
  description: 'Routing rules (who gets a booking when no staff member is named), highest priority first, each with its revision.',
  scopes: ['appointments:read'],
  externalEffect: false,
  annotations: { title: 'List routing rules', readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  input: { ...paginationInput(50) },
  output: { rules: z.array(ruleOutput).describe('Rules.'), ...paginationOutput },
  async run(input, ctx) {
    const page = toPage(await ctx.domain.appointments.listRules(ctx.tx, ctx.businessId, input), input.limit, input.offset);
    const rules = page.items.map(toRuleOutput);
    return {
      data: { rules, ...pageFields(page) },
      text: [pageHeadline(page, 'routing rule'), ...rules.map((r) => `${r.priority} ${r.name}${r.active ? '' : ' (inactive)'} rev ${r.revision} id ${r.id}`)].join('\n'),
    };
  },
});
