// API keys at rest: a SHA-256 of the key, a display prefix, the business, the scopes. The plaintext
// key exists only in the return value of create(); nothing stores or logs it.
import { sql } from 'kysely';
import type { ApiKeyKind, ApiKeyRow } from '../../db/schema.js';
import type { TenantTx, OwnerDb } from '../shared/db.js';

export interface ApiKeyRecord {
  id: string;
  /** `account` (kc_live_, /api/mcp) or `runtime` (kc_rt_, /api/mcp/in-call). */
  kind: ApiKeyKind;
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
  kind: row.kind,
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
      kind?: ApiKeyKind;
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
          kind: values.kind ?? 'account',
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

    /** One key by id (in a business's unit of work, RLS confines it to that business). */
    async find(id: string): Promise<ApiKeyRecord | undefined> {
      const row = await db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toRecord(row) : undefined;
    },

    /**
     * Keys of a business, newest first, with the email of the member who created each (null when
     * none, or when that user is no longer a member: RLS shows only the business's staff).
     * `createdBy` narrows the list to one member's keys.
     */
    async listWithCreators(businessId: string, createdBy?: string): Promise<(ApiKeyRecord & { createdByEmail: string | null })[]> {
      let q = db
        .selectFrom('api_keys as k')
        .leftJoin('users as u', 'u.id', 'k.created_by')
        .selectAll('k')
        .select('u.email as created_by_email')
        .where('k.business_id', '=', businessId);
      if (createdBy) q = q.where('k.created_by', '=', createdBy);
      const rows = await q.orderBy('k.created_at', 'desc').orderBy('k.id', 'desc').execute();
      return rows.map(({ created_by_email, ...row }) => ({ ...toRecord(row), createdByEmail: created_by_email }));
    },

    /** Makes a live key expire within `seconds` (sooner if it already expires sooner); returns it. */
    async expireWithin(id: string, seconds: number): Promise<ApiKeyRecord | undefined> {
      const deadline = sql<Date>`now() + make_interval(secs => ${seconds})`;
      const row = await db
        .updateTable('api_keys')
        .set({ expires_at: sql<Date>`least(coalesce(expires_at, ${deadline}), ${deadline})` })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .returningAll()
        .executeTakeFirst();
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
