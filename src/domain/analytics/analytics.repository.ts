// The figures of the analytics summary, computed from the business's own rows over a time window
// (nothing is stored or pre-aggregated). Every query is bounded by the window on created_at and
// served by the (business_id, created_at desc, id) indexes.
import { sql } from 'kysely';
import type { LeadStatus } from '../../../db/schema.js';
import type { TenantTx } from '../../shared/db.js';
import type { AgentActivity, AnalyticsWindow, CallGroup } from './analytics.types.js';

export function createAnalyticsRepository(tx: TenantTx, businessId: string) {
  return {
    /** Leads created in the window, counted by their current status. */
    async leadsByStatus(w: AnalyticsWindow): Promise<Array<{ status: LeadStatus; leads: number }>> {
      return tx
        .selectFrom('leads')
        .select(['status', sql<number>`count(*)::int`.as('leads')])
        .where('business_id', '=', businessId)
        .where('created_at', '>', w.since)
        .where('created_at', '<=', w.until)
        .groupBy('status')
        .execute();
    },

    /** Calls created in the window, grouped by status and direction, with their talk time. */
    async callGroups(w: AnalyticsWindow): Promise<CallGroup[]> {
      const rows = await tx
        .selectFrom('calls')
        .select([
          'status',
          'direction',
          sql<number>`count(*)::int`.as('calls'),
          sql<number>`coalesce(sum(duration_seconds), 0)::int`.as('duration_seconds'),
          sql<number>`count(duration_seconds)::int`.as('timed_calls'),
        ])
        .where('business_id', '=', businessId)
        .where('created_at', '>', w.since)
        .where('created_at', '<=', w.until)
        .groupBy(['status', 'direction'])
        .execute();
      return rows.map((r) => ({ status: r.status, direction: r.direction, calls: r.calls, durationSeconds: r.duration_seconds, timedCalls: r.timed_calls }));
    },

    /** The agents that handled the most calls in the window; ties broken by name, then id. */
    async topAgents(w: AnalyticsWindow, limit: number): Promise<AgentActivity[]> {
      const rows = await tx
        .selectFrom('calls as c')
        .innerJoin('agents as a', (join) => join.onRef('a.id', '=', 'c.agent_id').onRef('a.business_id', '=', 'c.business_id'))
        .select([
          'a.id',
          'a.name',
          sql<number>`count(*)::int`.as('calls'),
          sql<number>`(count(*) filter (where c.status = 'completed'))::int`.as('completed_calls'),
          sql<number>`coalesce(sum(c.duration_seconds), 0)::int`.as('duration_seconds'),
        ])
        .where('c.business_id', '=', businessId)
        .where('c.created_at', '>', w.since)
        .where('c.created_at', '<=', w.until)
        .groupBy(['a.id', 'a.name'])
        .orderBy(sql`count(*)`, 'desc')
        .orderBy('a.name')
        .orderBy('a.id')
        .limit(limit)
        .execute();
      return rows.map((r) => ({ agentId: r.id, agentName: r.name, calls: r.calls, completedCalls: r.completed_calls, durationSeconds: r.duration_seconds }));
    },

    /** Calls of the window by their recorded business outcome, most frequent first. */
    async outcomes(w: AnalyticsWindow): Promise<Array<{ outcome: string; calls: number }>> {
      const rows = await tx
        .selectFrom('calls')
        .select(['outcome', sql<number>`count(*)::int`.as('calls')])
        .where('business_id', '=', businessId)
        .where('created_at', '>', w.since)
        .where('created_at', '<=', w.until)
        .where('outcome', 'is not', null)
        .groupBy('outcome')
        .orderBy(sql`count(*)`, 'desc')
        .orderBy('outcome')
        .execute();
      return rows.map((r) => ({ outcome: r.outcome!, calls: r.calls }));
    },
  };
}
