// SQL of provider webhook events: recorded once per event key, applied, retried when applying failed.
import { sql } from 'kysely';
import type { OwnerDb, TenantTx } from '../../shared/db.js';

export function createProviderEventsRepository(tx: TenantTx, businessId: string) {
  return {
    /** Records an event; undefined when its key was recorded before (a repeated delivery). */
    async insert(event: {
      provider: string;
      key: string;
      type: string;
      callId: string;
      payload: Record<string, unknown> | null;
      processed: boolean;
      lastError?: string;
    }): Promise<string | undefined> {
      const row = await tx
        .insertInto('provider_events')
        .values({
          business_id: businessId,
          provider: event.provider,
          event_key: event.key,
          type: event.type,
          call_id: event.callId,
          payload: event.payload === null ? null : JSON.stringify(event.payload),
          processed_at: event.processed ? sql<Date>`now()` : null,
          attempts: event.processed ? 1 : 0,
          last_error: event.lastError ?? null,
        })
        .onConflict((oc) => oc.columns(['provider', 'event_key']).doNothing())
        .returning('id')
        .executeTakeFirst();
      return row?.id;
    },

    async find(provider: string, key: string): Promise<{ id: string; processed: boolean; result: Record<string, unknown> | null } | undefined> {
      const row = await tx
        .selectFrom('provider_events')
        .select(['id', 'processed_at', 'result'])
        .where('business_id', '=', businessId)
        .where('provider', '=', provider)
        .where('event_key', '=', key)
        .executeTakeFirst();
      return row && { id: row.id, processed: row.processed_at !== null, result: row.result };
    },

    /** Takes a pending event for applying (row lock: one node applies it); undefined when done or taken. */
    async lockPending(id: string): Promise<{ callId: string | null; payload: Record<string, unknown> | null } | undefined> {
      const row = await tx
        .selectFrom('provider_events')
        .select(['call_id', 'payload'])
        .where('business_id', '=', businessId)
        .where('id', '=', id)
        .where('processed_at', 'is', null)
        .forUpdate()
        .skipLocked()
        .executeTakeFirst();
      return row && { callId: row.call_id, payload: row.payload };
    },

    /** Marks an event applied; the payload is no longer needed (the call row has what it carried). */
    async markProcessed(id: string, result: Record<string, unknown> | null = null): Promise<void> {
      await tx
        .updateTable('provider_events')
        .set((eb) => ({
          processed_at: sql<Date>`now()`,
          payload: null,
          result: result === null ? null : JSON.stringify(result),
          attempts: eb('attempts', '+', 1),
          last_error: null,
        }))
        .where('business_id', '=', businessId)
        .where('id', '=', id)
        .execute();
    },

    async markFailed(id: string, error: string): Promise<void> {
      await tx
        .updateTable('provider_events')
        .set((eb) => ({ attempts: eb('attempts', '+', 1), last_error: error.slice(0, 1000) }))
        .where('business_id', '=', businessId)
        .where('id', '=', id)
        .execute();
    },
  };
}

/** System scans across businesses (owner connection). */
export function createProviderEventScansRepository(db: OwnerDb) {
  return {
    /** Events recorded but not applied, older than `olderThanSeconds`, fewest attempts first. */
    async pending(olderThanSeconds: number, limit: number): Promise<Array<{ businessId: string; id: string }>> {
      const rows = await db
        .selectFrom('provider_events')
        .select(['business_id', 'id'])
        .where('processed_at', 'is', null)
        .where('received_at', '<=', sql<Date>`now() - make_interval(secs => ${olderThanSeconds})`)
        .where('attempts', '<', 20)
        .orderBy('attempts')
        .orderBy('received_at')
        .limit(limit)
        .execute();
      return rows.map((r) => ({ businessId: r.business_id, id: r.id }));
    },

    /** Forgets applied events after `days`: a provider repeats an event within minutes, not weeks. */
    async pruneProcessed(days: number): Promise<number> {
      const r = await db.deleteFrom('provider_events').where('processed_at', '<', sql<Date>`now() - make_interval(days => ${days})`).executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}
