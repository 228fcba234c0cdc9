// Signing keys (private JWKs) and cookie-signing secrets in the signing_keys table. A signing key
// is "current" while retired_at is null; a retired key stays published (its public half in the
// JWKS) until publish_until, so tokens it signed keep verifying until they expire.
import { sql } from 'kysely';
import type { TenantTx, OwnerDb } from '../shared/db.js';

export interface SigningKeyRow {
  kid: string;
  alg: string;
  privateJwk: Record<string, unknown>;
  createdAt: Date;
  retiredAt: Date | null;
  publishUntil: Date | null;
}

export interface CookieKeyRow {
  kid: string;
  secret: string;
}

// Any constant works: it only has to be the same on every node.
const KEY_LOCK = 0x6b63_6b79;

export function createSigningKeysRepository(db: OwnerDb | TenantTx) {
  return {
    /** Serialises key creation and rotation across nodes for the rest of the transaction. */
    async lock(): Promise<void> {
      await sql`select pg_advisory_xact_lock(${KEY_LOCK})`.execute(db);
    },

    /** Signing keys still published: the current one first, then retired ones, newest first. */
    async listPublishedSigning(): Promise<SigningKeyRow[]> {
      const rows = await db
        .selectFrom('signing_keys')
        .selectAll()
        .where('use', '=', 'sig')
        .where((eb) => eb.or([eb('retired_at', 'is', null), eb('publish_until', '>', sql<Date>`now()`)]))
        .orderBy(sql`retired_at is null`, 'desc')
        .orderBy('created_at', 'desc')
        .orderBy('kid')
        .execute();
      return rows.map((r) => ({
        kid: r.kid,
        alg: r.alg ?? 'ES256',
        privateJwk: r.private_jwk ?? {},
        createdAt: r.created_at,
        retiredAt: r.retired_at,
        publishUntil: r.publish_until,
      }));
    },

    async insertSigning(values: { kid: string; alg: string; privateJwk: Record<string, unknown> }): Promise<void> {
      await db
        .insertInto('signing_keys')
        .values({ kid: values.kid, use: 'sig', alg: values.alg, private_jwk: JSON.stringify(values.privateJwk) })
        .execute();
    },

    /** Retires every current signing key, keeping it published for `publishSeconds`. Returns their kids. */
    async retireCurrentSigning(publishSeconds: number): Promise<{ kid: string; publishUntil: Date }[]> {
      const rows = await db
        .updateTable('signing_keys')
        .set({ retired_at: sql<Date>`now()`, publish_until: sql<Date>`now() + make_interval(secs => ${publishSeconds})` })
        .where('use', '=', 'sig')
        .where('retired_at', 'is', null)
        .returning(['kid', 'publish_until'])
        .execute();
      return rows.map((r) => ({ kid: r.kid, publishUntil: r.publish_until as Date }));
    },

    /** Cookie secrets, newest first (the first one signs, all of them verify). */
    async listCookieKeys(): Promise<CookieKeyRow[]> {
      const rows = await db
        .selectFrom('signing_keys')
        .select(['kid', 'secret'])
        .where('use', '=', 'cookie')
        .where('retired_at', 'is', null)
        .orderBy('created_at', 'desc')
        .orderBy('kid')
        .execute();
      return rows.filter((r): r is CookieKeyRow => typeof r.secret === 'string');
    },

    async insertCookieKey(values: { kid: string; secret: string }): Promise<void> {
      await db.insertInto('signing_keys').values({ kid: values.kid, use: 'cookie', secret: values.secret }).execute();
    },
  };
}
