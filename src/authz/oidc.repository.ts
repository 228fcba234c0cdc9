// oidc-provider's state (clients, grants, sessions, interactions, codes, refresh tokens…) in one
// table keyed by (model, id). Every time comparison uses the database clock, so nodes with skewed
// clocks agree on what has expired and on how long ago a token was consumed.
import { sql } from 'kysely';
import type { OwnerDb } from '../shared/db.js';

export interface OidcRecord {
  payload: Record<string, unknown>;
  /** When the record was consumed (codes, refresh tokens), or null. */
  consumedAt: Date | null;
  /** Seconds since consumption by the database clock, or null when not consumed. */
  consumedSecondsAgo: number | null;
}

export interface OidcUpsert {
  model: string;
  id: string;
  payload: Record<string, unknown>;
  /** Lifetime in seconds; undefined means the record never expires (registered clients). */
  expiresIn: number | undefined;
  grantId: string | null;
  userCode: string | null;
  uid: string | null;
}

type Row = { payload: Record<string, unknown>; consumed_at: Date | null; consumed_seconds_ago: number | string | null };

const toRecord = (row: Row): OidcRecord => ({
  payload: row.payload,
  consumedAt: row.consumed_at,
  consumedSecondsAgo: row.consumed_seconds_ago === null ? null : Number(row.consumed_seconds_ago),
});

export function createOidcRepository(db: OwnerDb) {
  // Expired rows are invisible: oidc-provider treats "not found" and "expired" alike for most
  // models, and a row past its expiry must never be resurrected by a lookup.
  const live = () =>
    db
      .selectFrom('oidc_models')
      .select(['payload', 'consumed_at', sql<number | null>`extract(epoch from (now() - consumed_at))`.as('consumed_seconds_ago')])
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', sql<Date>`now()`)]));

  return {
    async find(model: string, id: string): Promise<OidcRecord | undefined> {
      const row = await live().where('model', '=', model).where('id', '=', id).executeTakeFirst();
      return row ? toRecord(row) : undefined;
    },

    async findByUid(model: string, uid: string): Promise<OidcRecord | undefined> {
      const row = await live().where('model', '=', model).where('uid', '=', uid).executeTakeFirst();
      return row ? toRecord(row) : undefined;
    },

    async findByUserCode(model: string, userCode: string): Promise<OidcRecord | undefined> {
      const row = await live().where('model', '=', model).where('user_code', '=', userCode).executeTakeFirst();
      return row ? toRecord(row) : undefined;
    },

    /** Inserts or replaces a record; a replaced record starts unconsumed, as oidc-provider expects. */
    async upsert(values: OidcUpsert): Promise<void> {
      const expiresAt = values.expiresIn === undefined ? null : sql<Date>`now() + make_interval(secs => ${values.expiresIn})`;
      const row = {
        model: values.model,
        id: values.id,
        payload: JSON.stringify(values.payload),
        grant_id: values.grantId,
        user_code: values.userCode,
        uid: values.uid,
        expires_at: expiresAt,
        consumed_at: null,
      };
      await db
        .insertInto('oidc_models')
        .values(row)
        .onConflict((oc) =>
          oc.columns(['model', 'id']).doUpdateSet({
            payload: row.payload,
            grant_id: row.grant_id,
            user_code: row.user_code,
            uid: row.uid,
            expires_at: row.expires_at,
            consumed_at: null,
          }),
        )
        .execute();
    },

    /** Marks a record consumed. The first consumption time is kept: consuming twice does not move it. */
    async consume(model: string, id: string): Promise<void> {
      await db.updateTable('oidc_models').set({ consumed_at: sql<Date>`coalesce(consumed_at, now())` }).where('model', '=', model).where('id', '=', id).execute();
    },

    async destroy(model: string, id: string): Promise<void> {
      await db.deleteFrom('oidc_models').where('model', '=', model).where('id', '=', id).execute();
    },

    /** Deletes every record of `model` issued under a grant (through the grant_id index). */
    async revokeByGrantId(model: string, grantId: string): Promise<void> {
      await db.deleteFrom('oidc_models').where('grant_id', '=', grantId).where('model', '=', model).execute();
    },

    /** Deletes every record of a grant, of every model, and the grant itself. */
    async destroyGrant(grantId: string): Promise<void> {
      await db
        .deleteFrom('oidc_models')
        .where((eb) => eb.or([eb('grant_id', '=', grantId), eb.and([eb('model', '=', 'Grant'), eb('id', '=', grantId)])]))
        .execute();
    },

    /** Housekeeping: removes rows that expired more than `graceSeconds` ago. Returns how many. */
    async deleteExpired(graceSeconds: number): Promise<number> {
      const result = await db.deleteFrom('oidc_models').where('expires_at', '<', sql<Date>`now() - make_interval(secs => ${graceSeconds})`).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

export type OidcRepository = ReturnType<typeof createOidcRepository>;
