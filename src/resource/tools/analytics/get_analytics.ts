// get_analytics: a dashboard summary over the last `days` days, computed from the business's leads
// and calls at the moment of asking (the sums and their rules: domain/analytics/analytics.service.ts).
import { z } from 'zod';
import { CONVERTED_LEAD_STATUSES, TOP_AGENTS } from '../../../domain/analytics/analytics.types.js';
import { CALL_STATUSES } from '../../../domain/calls/calls.types.js';
import { LEAD_STATUSES } from '../../../domain/leads/leads.types.js';
import { defineTool } from '../../framework/tool.js';

const count = (what: string) => z.number().int().describe(what);
const byStatus = <T extends readonly [string, ...string[]]>(statuses: T, what: string) =>
  z.object(Object.fromEntries(statuses.map((s) => [s, count(`${what} now in status ${s}.`)])) as Record<T[number], z.ZodNumber>);

export const getAnalytics = defineTool({
  name: 'get_analytics',
  title: 'Get analytics',
  description: 'Get a dashboard summary (lead counts by status, conversion rate, call volume and duration, top agents, and business outcomes by type) over a recent time window.',
  scopes: ['calls:read'],
  externalEffect: false,
  annotations: { title: 'Get analytics', readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  input: {
    days: z.number().int().min(1).max(90).default(30).describe('The window: the last this many days, up to now (1–90, default 30).'),
  },
  output: {
    window: z
      .object({
        days: count('Length of the window in days.'),
        from: z.string().describe('Start of the window (exclusive), ISO 8601 (UTC).'),
        to: z.string().describe('End of the window (inclusive), the moment of the call, ISO 8601 (UTC).'),
      })
      .describe('The time window every figure covers: leads and calls created in it.'),
    leads: z
      .object({
        total: count('Leads created in the window.'),
        by_status: byStatus(LEAD_STATUSES, 'Leads created in the window and').describe('Leads created in the window, by their current status.'),
        converted: count(`Leads created in the window that are now ${CONVERTED_LEAD_STATUSES.join(' or ')}.`),
      })
      .describe('Leads created in the window.'),
    conversion_rate: z
      .number()
      .min(0)
      .max(1)
      .nullable()
      .describe(
        `Share of the leads created in the window that converted, i.e. are now ${CONVERTED_LEAD_STATUSES.join(' or ')}: leads.converted / leads.total, from 0 to 1, rounded to 4 decimals. Null when no lead was created in the window.`,
      ),
    calls: z
      .object({
        total: count('Calls created in the window (inbound and outbound, any status).'),
        inbound: count('Inbound calls among them.'),
        outbound: count('Outbound calls among them.'),
        by_status: byStatus(CALL_STATUSES, 'Calls created in the window and').describe('Calls created in the window, by their current status.'),
        total_duration_seconds: count('Talk time of all those calls added up, in seconds.'),
        average_duration_seconds: z
          .number()
          .nullable()
          .describe('Average talk time of the completed calls with a recorded duration, in seconds (1 decimal), or null when there are none.'),
      })
      .describe('Call volume and duration.'),
    top_agents: z
      .array(
        z.object({
          agent_id: z.guid().describe('Agent id.'),
          agent_name: z.string().describe('Agent name.'),
          calls: count('Calls the agent handled in the window.'),
          completed_calls: count('Of those, calls that completed (connected and ended normally).'),
          total_duration_seconds: count("The agent's talk time in the window, in seconds."),
        }),
      )
      .describe(`The agents that handled the most calls in the window, most first (at most ${TOP_AGENTS}; ties by name).`),
    outcomes: z
      .array(
        z.object({
          outcome: z.string().describe('The business outcome recorded when a call ended (such as appointment_requested, callback_requested, not_interested, no_answer).'),
          calls: count('Calls of the window with this outcome.'),
        }),
      )
      .describe('Calls of the window by outcome type, most frequent first; calls with no recorded outcome (still in progress) are not counted.'),
  },
  async run(input, ctx) {
    const summary = await ctx.domain.analytics.summary(ctx.tx, ctx.businessId, input.days);
    const { leads, calls, conversionRate } = summary;
    const data = {
      window: { days: summary.window.days, from: summary.window.since.toISOString(), to: summary.window.until.toISOString() },
      leads: { total: leads.total, by_status: leads.byStatus, converted: leads.converted },
      conversion_rate: conversionRate,
      calls: {
        total: calls.total,
        inbound: calls.inbound,
        outbound: calls.outbound,
        by_status: calls.byStatus,
        total_duration_seconds: calls.totalDurationSeconds,
        average_duration_seconds: calls.averageDurationSeconds,
      },
      top_agents: summary.topAgents.map((a) => ({
        agent_id: a.agentId,
        agent_name: a.agentName,
        calls: a.calls,
        completed_calls: a.completedCalls,
        total_duration_seconds: a.durationSeconds,
      })),
      outcomes: summary.outcomes,
    };
    const percent = conversionRate === null ? 'n/a' : `${(conversionRate * 100).toFixed(1)}%`;
    const average = calls.averageDurationSeconds;
    const lines = [
      `Last ${input.days} day${input.days === 1 ? '' : 's'}:`,
      `Leads: ${leads.total} new, ${leads.converted} converted (conversion rate ${percent}); ${LEAD_STATUSES.map((s) => `${s} ${leads.byStatus[s]}`).join(', ')}.`,
      `Calls: ${calls.total} (${calls.inbound} inbound, ${calls.outbound} outbound), ${calls.byStatus.completed} completed, ${Math.round(calls.totalDurationSeconds / 60)} min talk time${average === null ? '' : `, ${average}s average`}.`,
      `Top agents: ${data.top_agents.map((a) => `${a.agent_name} (${a.calls})`).join(', ') || 'none'}.`,
      `Outcomes: ${summary.outcomes.map((o) => `${o.outcome} ${o.calls}`).join(', ') || 'none'}.`,
    ];
    return { data, text: lines.join('\n') };
  },
});
