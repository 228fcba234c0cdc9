// The idempotency_records table: one row per (business, key), claimed before an effect and
// completed with its outcome after. Expired rows count as absent and are swept by purgeExpired.
// While the effect runs, its holder renews `lease_expires_at`; every time is the database's clock,
// so nodes whose clocks disagree still agree on whether a lease has lapsed.
import { sql } from 'kysely';
import type { TenantTx, OwnerDb } from '../../shared/db.js';

export interface IdempotencyRecord {
  key: string;
  tool: string;
  requestHash: string;
  state: 'in_progress' | 'completed';
  response: Record<string, unknown> | null;
  createdAt: Date;
  expiresAt: Date;
  /** Seconds since the claim, on the database's clock. */
  ageSeconds: number;
  /** An in_progress claim whose holder stopped renewing it. False for rows claimed before leases (null lease). */
  leaseLapsed: boolean;
}

export function createIdempotencyRepository(tx: TenantTx, businessId: string) {
  const find = async (key: string): Promise<IdempotencyRecord | undefined> => {
    const row = await tx
      .selectFrom('idempotency_records')
      .select(['key', 'tool', 'request_hash', 'state', 'response', 'created_at', 'expires_at'])
      .select(sql<number>`extract(epoch from (now() - created_at))::float8`.as('age_seconds'))
      .select(sql<boolean>`coalesce(lease_expires_at <= now(), false)`.as('lease_lapsed'))
      .where('business_id', '=', businessId)
      .where('key', '=', key)
      .where('expires_at', '>', sql<Date>`now()`)
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      key: row.key,
      tool: row.tool,
      requestHash: row.request_hash,
      state: row.state,
      response: row.response,
      createdAt: row.created_at,
      expiresAt: row.expires_at,
      ageSeconds: Number(row.age_seconds),
      leaseLapsed: row.lease_lapsed === true,
    };
  };

  return {
    find,

    /**
     * Claims the key for this request. Returns true when this request now owns it. A concurrent
     * claim of the same key waits on the primary key until the first commits, then does nothing,
     * so exactly one claimant wins on Postgres and on PGlite alike. Without `leaseSeconds` the
     * claim has no lease, like the claims written before leases existed.
     */
    async claim(values: { key: string; tool: string; requestHash: string; ttlSeconds: number; leaseSeconds?: number }): Promise<boolean> {
      // An expired record no longer holds the key.
      await tx.deleteFrom('idempotency_records').where('business_id', '=', businessId).where('key', '=', values.key).where('expires_at', '<=', sql<Date>`now()`).execute();
      const inserted = await tx
        .insertInto('idempotency_records')
        .values({
          business_id: businessId,
          key: values.key,
          tool: values.tool,
          request_hash: values.requestHash,
          state: 'in_progress',
          response: null,
          expires_at: sql<Date>`now() + make_interval(secs => ${values.ttlSeconds})`,
          lease_expires_at: values.leaseSeconds === undefined ? null : sql<Date>`now() + make_interval(secs => ${values.leaseSeconds})`,
        })
        .onConflict((oc) => oc.columns(['business_id', 'key']).doNothing())
        .returning('key')
        .executeTakeFirst();
      return inserted !== undefined;
    },

    /** Extends the holder's lease; false once the claim is no longer in progress (completed or given back). */
    async renewLease(key: string, requestHash: string, leaseSeconds: number): Promise<boolean> {
      const result = await tx
        .updateTable('idempotency_records')
        .set({ lease_expires_at: sql<Date>`now() + make_interval(secs => ${leaseSeconds})` })
        .where('business_id', '=', businessId)
        .where('key', '=', key)
        .where('request_hash', '=', requestHash)
        .where('state', '=', 'in_progress')
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async complete(key: string, requestHash: string, response: Record<string, unknown>): Promise<void> {
      await tx
        .updateTable('idempotency_records')
        // A completed record answers by its outcome; nobody needs to be alive for it any more.
        .set({ state: 'completed', response: JSON.stringify(response), lease_expires_at: null })
        .where('business_id', '=', businessId)
        .where('key', '=', key)
        .where('request_hash', '=', requestHash)
        .where('state', '=', 'in_progress')
        .execute();
    },

    /** Gives the key back after a refused request, so a corrected retry may use it. */
    async release(key: string, requestHash: string): Promise<void> {
      await tx
        .deleteFrom('idempotency_records')
        .where('business_id', '=', businessId)
        .where('key', '=', key)
        .where('request_hash', '=', requestHash)
        .where('state', '=', 'in_progress')
        .execute();
    },
  };
}

/** Deletes expired records of every business (system work, owner connection). */
export async function purgeExpiredIdempotencyRecords(db: OwnerDb): Promise<number> {
  const result = await db.deleteFrom('idempotency_records').where('expires_at', '<=', sql<Date>`now()`).executeTakeFirst();
  return Number(result.numDeletedRows);
}
