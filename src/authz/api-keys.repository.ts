// API keys at rest: a SHA-256 of the key, a display prefix, the business, the scopes. The plaintext
// key exists only in the return value of create(); nothing stores or logs it.
import { sql } from 'kysely';
import type { ApiKeyRow } from '../../db/schema.js';
import type { TenantTx, OwnerDb } from '../shared/db.js';

export interface ApiKeyRecord {
  id: string;
  businessId: string;
  name: string;
  prefix: string;
  scopes: string[];
  createdBy: string | null;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  createdAt: Date;
}

const toRecord = (row: ApiKeyRow): ApiKeyRecord => ({
  id: row.id,
  businessId: row.business_id,
  name: row.name,
  prefix: row.prefix,
  scopes: row.scopes,
  createdBy: row.created_by,
  expiresAt: row.expires_at,
  lastUsedAt: row.last_used_at,
  revokedAt: row.revoked_at,
  createdAt: row.created_at,
});

export function createApiKeysRepository(db: OwnerDb | TenantTx) {
  return {
    async insert(values: {
      businessId: string;
      name: string;
      prefix: string;
      keyHash: string;
      scopes: string[];
      createdBy?: string | null;
      expiresAt?: Date | null;
    }): Promise<ApiKeyRecord> {
      const row = await db
        .insertInto('api_keys')
        .values({
          business_id: values.businessId,
          name: values.name,
          prefix: values.prefix,
          key_hash: values.keyHash,
          scopes: values.scopes,
          created_by: values.createdBy ?? null,
          expires_at: values.expiresAt ?? null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toRecord(row);
    },

    async listForBusiness(businessId: string): Promise<ApiKeyRecord[]> {
      const rows = await db.selectFrom('api_keys').selectAll().where('business_id', '=', businessId).orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
      return rows.map(toRecord);
    },

    /**
     * System lookup (before the business is known): by hash, through the unique index. Equality on
     * the hash is the whole check (api-keys.ts says why no constant-time compare follows); the hash
     * itself never leaves this module.
     */
    async findByHash(keyHash: string): Promise<ApiKeyRecord | undefined> {
      const row = await db.selectFrom('api_keys').selectAll().where('key_hash', '=', keyHash).executeTakeFirst();
      return row ? toRecord(row) : undefined;
    },

    async findByPrefix(prefix: string): Promise<ApiKeyRecord | undefined> {
      const row = await db.selectFrom('api_keys').selectAll().where('prefix', '=', prefix).executeTakeFirst();
      return row ? toRecord(row) : undefined;
    },

    /** Marks a key revoked; returns it, or undefined when no such key exists. Idempotent. */
    async revoke(id: string): Promise<ApiKeyRecord | undefined> {
      const row = await db.updateTable('api_keys').set({ revoked_at: sql<Date>`coalesce(revoked_at, now())` }).where('id', '=', id).returningAll().executeTakeFirst();
      return row ? toRecord(row) : undefined;
    },

    /** Records use at most once per `minIntervalSeconds`, so a busy key does not write per request. */
    async touch(id: string, minIntervalSeconds: number): Promise<void> {
      await db
        .updateTable('api_keys')
        .set({ last_used_at: sql<Date>`now()` })
        .where('id', '=', id)
        .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', sql<Date>`now() - make_interval(secs => ${minIntervalSeconds})`)]))
        .execute();
    },
  };
}
