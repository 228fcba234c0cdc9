// Counters shared by all nodes: failed sign-ins (per account and per address) and fixed-window
// request counters (registrations per address). Time is the database's, so nodes agree.
import { sql } from 'kysely';
import type { OwnerDb } from '../shared/db.js';

export function createThrottleRepository(db: OwnerDb) {
  return {
    async recordLoginFailure(accountKey: string, address: string): Promise<void> {
      await db.insertInto('login_attempts').values({ account_key: accountKey, address }).execute();
    },

    /** Failed sign-ins in the last `windowSeconds`, for the account and for the address. */
    async countLoginFailures(accountKey: string, address: string, windowSeconds: number): Promise<{ account: number; address: number }> {
      const since = sql<Date>`now() - make_interval(secs => ${windowSeconds})`;
      const [account, byAddress] = await Promise.all([
        db
          .selectFrom('login_attempts')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('account_key', '=', accountKey)
          .where('created_at', '>', since)
          .executeTakeFirstOrThrow(),
        db
          .selectFrom('login_attempts')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('address', '=', address)
          .where('created_at', '>', since)
          .executeTakeFirstOrThrow(),
      ]);
      return { account: Number(account.n), address: Number(byAddress.n) };
    },

    /** A successful sign-in forgives the account's failures (not the address's). */
    async clearLoginFailures(accountKey: string): Promise<void> {
      await db.deleteFrom('login_attempts').where('account_key', '=', accountKey).execute();
    },

    /**
     * Counts one hit in the current fixed window of `windowSeconds` for `bucket` and returns the
     * count including this hit. One statement, so concurrent hits on several nodes all count.
     */
    async hit(bucket: string, windowSeconds: number): Promise<number> {
      const windowStart = sql<Date>`to_timestamp(floor(extract(epoch from now()) / ${windowSeconds}) * ${windowSeconds})`;
      const row = await db
        .insertInto('rate_limits')
        .values({ bucket, window_start: windowStart, count: 1 })
        .onConflict((oc) => oc.columns(['bucket', 'window_start']).doUpdateSet({ count: sql<number>`rate_limits.count + 1` }))
        .returning('count')
        .executeTakeFirstOrThrow();
      return Number(row.count);
    },

    /** Housekeeping: forgets attempts and windows older than `seconds`. */
    async deleteOlderThan(seconds: number): Promise<void> {
      const before = sql<Date>`now() - make_interval(secs => ${seconds})`;
      await db.deleteFrom('login_attempts').where('created_at', '<', before).execute();
      await db.deleteFrom('rate_limits').where('window_start', '<', before).execute();
    },
  };
}

export type ThrottleRepository = ReturnType<typeof createThrottleRepository>;
