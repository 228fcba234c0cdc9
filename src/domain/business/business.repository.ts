// The business with its agent count and recent calls, in one round trip.
import { sql } from 'kysely';
import type { TenantTx } from '../../shared/db.js';
import type { BusinessSummary } from './business.types.js';

export function createBusinessRepository(tx: TenantTx) {
  return {
    /** The business with its agent count and the calls of the last 30 days (one round trip). */
    async summary(businessId: string): Promise<BusinessSummary | undefined> {
      const row = await tx
        .selectFrom('businesses as b')
        .select([
          'b.id',
          'b.name',
          'b.timezone',
          'b.phone',
          'b.created_at',
          sql<number>`(select count(*)::int from agents a where a.business_id = b.id)`.as('agent_count'),
          sql<number>`(select count(*)::int from calls c where c.business_id = b.id and c.created_at > now() - interval '30 days')`.as('calls_last_30_days'),
        ])
        .where('b.id', '=', businessId)
        .executeTakeFirst();
      if (!row) return undefined;
      return {
        id: row.id,
        name: row.name,
        timezone: row.timezone,
        phone: row.phone,
        createdAt: row.created_at,
        agentCount: row.agent_count,
        callsLast30Days: row.calls_last_30_days,
      };
    },
  };
}
