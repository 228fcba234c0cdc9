// get_business_info: who the credential acts for, how many agents it has, how busy it has been.
import { z } from 'zod';
import { defineTool } from '../../framework/tool.js';
import { businessIdInput, businessOutput, requireOwnBusiness } from '../../framework/business-id.js';

export const getBusinessInfo = defineTool({
  name: 'get_business_info',
  title: 'Get business info',
  description: 'Get business information, agent count, and recent call stats',
  scopes: ['agents:read'],
  externalEffect: false,
  annotations: { title: 'Get business info', readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  input: { business_id: businessIdInput },
  output: {
    business: businessOutput.extend({ created_at: z.string().describe('When the business was created, ISO 8601 (UTC).') }).describe('The business this credential is bound to.'),
    agent_count: z.number().int().describe('How many agents the business has.'),
    calls_last_30_days: z.number().int().describe('Calls (inbound and outbound) created in the last 30 days.'),
  },
  async run(input, ctx) {
    requireOwnBusiness(input.business_id, ctx.businessId);
    const summary = await ctx.domain.business.summary(ctx.tx, ctx.businessId);
    return {
      data: {
        business: {
          id: summary.id,
          name: summary.name,
          timezone: summary.timezone,
          phone: summary.phone,
          created_at: summary.createdAt.toISOString(),
        },
        agent_count: summary.agentCount,
        calls_last_30_days: summary.callsLast30Days,
      },
      text: `${summary.name} (${summary.timezone}): ${summary.agentCount} agent${summary.agentCount === 1 ? '' : 's'}, ${summary.callsLast30Days} call${summary.callsLast30Days === 1 ? '' : 's'} in the last 30 days.`,
    };
  },
});
