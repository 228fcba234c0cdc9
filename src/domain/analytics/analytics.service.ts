// The analytics summary: leads and calls of the last `days` days, added up at the moment of asking
// (no stored figures, so it always agrees with the list tools). The rules live here: what counts as
// converted, how the conversion rate and the average talk time are rounded, which calls the average
// covers.
import type { CallStatus, LeadStatus } from '../../../db/schema.js';
import type { TenantTx } from '../../shared/db.js';
import { CALL_STATUSES } from '../calls/calls.types.js';
import { LEAD_STATUSES } from '../leads/leads.types.js';
import { createAnalyticsRepository } from './analytics.repository.js';
import { CONVERTED_LEAD_STATUSES, TOP_AGENTS, type AnalyticsSummary } from './analytics.types.js';

const DAY_MS = 86_400_000;

export function createAnalyticsService(deps: { clock: () => Date }) {
  const { clock } = deps;
  return {
    /** Calls created from `since` up to now (the dashboard's "calls today"). */
    async callsSince(tx: TenantTx, businessId: string, since: Date): Promise<number> {
      const groups = await createAnalyticsRepository(tx, businessId).callGroups({ since, until: clock() });
      return groups.reduce((n, g) => n + g.calls, 0);
    },

    /** The summary of the `days` days up to now: leads and calls created in that window. */
    async summary(tx: TenantTx, businessId: string, days: number): Promise<AnalyticsSummary> {
      const until = clock();
      const window = { since: new Date(until.getTime() - days * DAY_MS), until };
      const repo = createAnalyticsRepository(tx, businessId);
      const leadRows = await repo.leadsByStatus(window);
      const callGroups = await repo.callGroups(window);
      const topAgents = await repo.topAgents(window, TOP_AGENTS);
      const outcomes = await repo.outcomes(window);

      const leadsByStatus = Object.fromEntries(LEAD_STATUSES.map((s) => [s, 0])) as Record<LeadStatus, number>;
      for (const r of leadRows) leadsByStatus[r.status] += r.leads;
      const totalLeads = leadRows.reduce((n, r) => n + r.leads, 0);
      const converted = CONVERTED_LEAD_STATUSES.reduce((n, s) => n + leadsByStatus[s], 0);
      const conversionRate = totalLeads === 0 ? null : Math.round((converted / totalLeads) * 10_000) / 10_000;

      const callsByStatus = Object.fromEntries(CALL_STATUSES.map((s) => [s, 0])) as Record<CallStatus, number>;
      let totalCalls = 0;
      let inbound = 0;
      let totalDuration = 0;
      let completedDuration = 0;
      let completedTimed = 0;
      for (const g of callGroups) {
        callsByStatus[g.status] += g.calls;
        totalCalls += g.calls;
        if (g.direction === 'inbound') inbound += g.calls;
        totalDuration += g.durationSeconds;
        if (g.status === 'completed') {
          completedDuration += g.durationSeconds;
          completedTimed += g.timedCalls;
        }
      }
      const average = completedTimed === 0 ? null : Math.round((completedDuration / completedTimed) * 10) / 10;

      return {
        window: { days, since: window.since, until },
        leads: { total: totalLeads, byStatus: leadsByStatus, converted },
        conversionRate,
        calls: {
          total: totalCalls,
          inbound,
          outbound: totalCalls - inbound,
          byStatus: callsByStatus,
          totalDurationSeconds: totalDuration,
          averageDurationSeconds: average,
        },
        topAgents,
        outcomes,
      };
    },
  };
}

export type AnalyticsService = ReturnType<typeof createAnalyticsService>;
