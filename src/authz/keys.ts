// Key material of the authorization server, generated once and persisted so every node signs and
// verifies with the same keys and a restart invalidates nothing:
// - signing keys: ES256 (P-256) JWKs; the current one signs access tokens, retired ones stay in the
//   JWKS until every token they signed has expired;
// - cookie keys: random secrets that sign oidc-provider's session and interaction cookies.
// See db/STORAGE.md for why private keys live in the database.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { calculateJwkThumbprint, createLocalJWKSet, errors as joseErrors, type JWK, type JWSHeaderParameters, type FlattenedJWSInput } from 'jose';
import type { Config } from '../shared/config.js';
import { createSigningKeysRepository, type SigningKeyRow } from './keys.repository.js';
import type { OwnerDb } from '../shared/db.js';

export const SIGNING_ALG = 'ES256';

/**
 * How often a running node looks for a key rotation done elsewhere (another node, the admin CLI).
 * A node may keep signing with a just-retired key for this long, so retired keys stay published
 * for the access-token lifetime plus this interval plus clock tolerance.
 */
export const KEY_RELOAD_SECONDS = 30;
const CLOCK_TOLERANCE_SECONDS = 60;

export interface SigningKey {
  kid: string;
  alg: string;
  /** The private JWK (with kid, alg and use), for oidc-provider's keystore only. */
  privateJwk: JWK;
  publicJwk: JWK;
  current: boolean;
}

export interface KeyMaterial {
  /** Published signing keys, the current one first. */
  signing: SigningKey[];
  /** Cookie secrets, newest first. */
  cookieKeys: string[];
  /** Changes whenever the set of published keys or the current key changes. */
  fingerprint: string;
}

export interface KeyRotation {
  /** The new current key. */
  kid: string;
  /** Keys retired by this rotation, with the time until which they stay published. */
  retired: { kid: string; publishUntil: Date }[];
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k', 'priv'];

function publicPart(jwk: JWK): JWK {
  return Object.fromEntries(Object.entries(jwk).filter(([k]) => !PRIVATE_MEMBERS.includes(k))) as JWK;
}

async function newSigningJwk(): Promise<{ kid: string; jwk: JWK }> {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = privateKey.export({ format: 'jwk' }) as JWK;
  // RFC 7638 thumbprint: stable, collision-free, and reveals nothing but the public key.
  const kid = await calculateJwkThumbprint(publicPart(jwk), 'sha256');
  return { kid, jwk: { ...jwk, kid, alg: SIGNING_ALG, use: 'sig' } };
}

function toSigningKey(row: SigningKeyRow): SigningKey {
  const privateJwk = { ...(row.privateJwk as JWK), kid: row.kid, alg: row.alg, use: 'sig' };
  return { kid: row.kid, alg: row.alg, privateJwk, publicJwk: publicPart(privateJwk), current: row.retiredAt === null };
}

function fingerprintOf(signing: SigningKey[]): string {
  return signing.map((k) => `${k.current ? '*' : ''}${k.kid}`).join(',');
}

/**
 * Loads the key material, creating the first signing key and cookie key if there are none. Safe to
 * run on several nodes at once: creation happens under an advisory lock.
 */
export async function loadKeyMaterial(db: OwnerDb): Promise<KeyMaterial> {
  const read = async (): Promise<KeyMaterial> => {
    const repo = createSigningKeysRepository(db);
    const signing = (await repo.listPublishedSigning()).map(toSigningKey);
    const cookieKeys = (await repo.listCookieKeys()).map((k) => k.secret);
    return { signing, cookieKeys, fingerprint: fingerprintOf(signing) };
  };
  const existing = await read();
  if (existing.signing.some((k) => k.current) && existing.cookieKeys.length > 0) return existing;

  await db.transaction().execute(async (tx) => {
    const repo = createSigningKeysRepository(tx);
    await repo.lock();
    const signing = await repo.listPublishedSigning();
    if (!signing.some((k) => k.retiredAt === null)) {
      const { kid, jwk } = await newSigningJwk();
      await repo.insertSigning({ kid, alg: SIGNING_ALG, privateJwk: jwk as Record<string, unknown> });
    }
    if ((await repo.listCookieKeys()).length === 0) {
      await repo.insertCookieKey({ kid: `cookie-${randomBytes(8).toString('hex')}`, secret: randomBytes(32).toString('base64url') });
    }
  });
  return read();
}

/**
 * Makes a new signing key current. The previous current key is retired but stays published until
 * every access token it may still sign or has signed has expired: the access-token lifetime, plus
 * the interval in which running nodes notice the rotation, plus clock tolerance.
 *
 * Used by the admin CLI (`keys rotate`): `await rotateSigningKeys(db.kysely, config)`.
 */
export async function rotateSigningKeys(db: OwnerDb, config: Pick<Config, 'accessTokenTtlSeconds'>): Promise<KeyRotation> {
  const publishSeconds = config.accessTokenTtlSeconds + KEY_RELOAD_SECONDS + CLOCK_TOLERANCE_SECONDS;
  return db.transaction().execute(async (tx) => {
    const repo = createSigningKeysRepository(tx);
    await repo.lock();
    const retired = await repo.retireCurrentSigning(publishSeconds);
    const { kid, jwk } = await newSigningJwk();
    await repo.insertSigning({ kid, alg: SIGNING_ALG, privateJwk: jwk as Record<string, unknown> });
    return { kid, retired };
  });
}

export interface KeyStore {
  /** The published public keys (current and retired-but-published), cached. */
  publicJwks(): Promise<{ keys: JWK[] }>;
  /**
   * A key resolver for `jose.jwtVerify(token, keyStore.getKey, …)`. An unknown `kid` triggers a
   * reload from the database, so a key made current on another node or by the CLI verifies at once
   * (interop.md 20: a client gives up after one 401 following a successful authorization).
   * Such forced reloads are shared by concurrent requests and happen at most once a second, so
   * tokens with made-up kids cannot turn into a query each.
   */
  getKey(header: JWSHeaderParameters, token: FlattenedJWSInput): ReturnType<LocalKeyResolver>;
}

type LocalKeyResolver = ReturnType<typeof createLocalJWKSet>;

const CACHE_MS = 5 * 60_000;
const MIN_FORCED_RELOAD_MS = 1_000;

/** Local verification of our access tokens, for the resource server: no network round trip. */
export function createKeyStore(db: OwnerDb): KeyStore {
  let cached: { jwks: { keys: JWK[] }; resolve: LocalKeyResolver; loadedAt: number } | undefined;
  let loading: Promise<NonNullable<typeof cached>> | undefined;
  let forcedAt = 0;

  const load = () =>
    (loading ??= (async () => {
      try {
        const rows = await createSigningKeysRepository(db).listPublishedSigning();
        const jwks = { keys: rows.map((r) => toSigningKey(r).publicJwk) };
        cached = { jwks, resolve: createLocalJWKSet(jwks), loadedAt: Date.now() };
        return cached;
      } finally {
        loading = undefined;
      }
    })());

  const fresh = async () => (cached && Date.now() - cached.loadedAt < CACHE_MS ? cached : load());

  return {
    async publicJwks() {
      return structuredClone((await fresh()).jwks);
    },
    async getKey(header, token) {
      const current = await fresh();
      try {
        return await current.resolve(header, token);
      } catch (err) {
        if (!(err instanceof joseErrors.JWKSNoMatchingKey)) throw err;
        if (loading) return (await loading).resolve(header, token);
        if (Date.now() - forcedAt < MIN_FORCED_RELOAD_MS) throw err;
        forcedAt = Date.now();
        return (await load()).resolve(header, token);
      }
    },
  };
}
