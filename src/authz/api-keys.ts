// Issuing and checking `kc_live_…` API keys. A key is `kc_live_` + 40 base62 characters (~238 bits);
// the database holds its SHA-256 and a display prefix. Checking a presented key hashes it and finds
// the row by equality on the unique index of the hash; finding it is the whole check.
//
// Why no constant-time comparison, though secrets are otherwise compared in constant time (STYLE.md
// habit 9; db/STORAGE.md): the only comparison is inside the index lookup, and its timing can at
// most tell how many leading bytes of the presented key's *hash* match a stored hash. The attacker
// chooses the key, not its hash, so those bytes are of no use: a key with a given hash is a SHA-256
// preimage. A constant-time compare of the found row's hash with the hash it was found by could
// only ever succeed, so it is not done.
import { createHash } from 'node:crypto';
import { parseScopes, type Scope } from '../scopes/index.js';
import type { TenantTx, OwnerDb } from '../shared/db.js';
import { invalidArgument } from '../shared/errors.js';
import { randomBase62 } from '../shared/random.js';
import { createApiKeysRepository, type ApiKeyRecord } from './api-keys.repository.js';

export const API_KEY_PREFIX = 'kc_live_';
const RANDOM_LENGTH = 40;
/** `kc_live_` + the first 8 random characters: enough to tell keys apart, useless to an attacker. */
const DISPLAY_LENGTH = API_KEY_PREFIX.length + 8;
const API_KEY_SHAPE = new RegExp(`^${API_KEY_PREFIX}[0-9A-Za-z]{32,128}$`);

export const hashApiKey = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');
export const looksLikeApiKey = (value: string): boolean => API_KEY_SHAPE.test(value);

export interface IssuedApiKey {
  /** The plaintext key: shown once, never stored. */
  key: string;
  record: ApiKeyRecord;
}

/** Validates a scope list against the catalog, naming every unknown scope. */
export function requireScopes(input: string | readonly string[]): Scope[] {
  const { scopes, unknown } = parseScopes(Array.isArray(input) ? input.join(' ') : (input as string));
  if (unknown.length > 0) {
    throw invalidArgument(`unknown scope${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`);
  }
  if (scopes.length === 0) throw invalidArgument('at least one scope is required');
  return scopes;
}

export async function issueApiKey(
  db: OwnerDb | TenantTx,
  input: { businessId: string; name: string; scopes: readonly string[]; expiresAt?: Date | null; createdBy?: string | null },
): Promise<IssuedApiKey> {
  const scopes = requireScopes(input.scopes);
  const name = input.name.trim();
  if (!name || name.length > 100) throw invalidArgument('name must be 1–100 characters');
  if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) throw invalidArgument('expiry must be in the future');
  const key = `${API_KEY_PREFIX}${randomBase62(RANDOM_LENGTH)}`;
  const record = await createApiKeysRepository(db).insert({
    businessId: input.businessId,
    name,
    prefix: key.slice(0, DISPLAY_LENGTH),
    keyHash: hashApiKey(key),
    scopes,
    expiresAt: input.expiresAt ?? null,
    createdBy: input.createdBy ?? null,
  });
  return { key, record };
}

export type ApiKeyRejection = 'malformed' | 'unknown' | 'revoked' | 'expired';

/**
 * Resolves a presented key to its record, or says why it is refused. Runs as system work (the
 * business is not known until the key is found).
 */
export async function verifyApiKey(db: OwnerDb, presented: string): Promise<{ ok: true; key: ApiKeyRecord } | { ok: false; reason: ApiKeyRejection }> {
  if (!looksLikeApiKey(presented)) return { ok: false, reason: 'malformed' };
  const key = await createApiKeysRepository(db).findByHash(hashApiKey(presented));
  if (!key) return { ok: false, reason: 'unknown' };
  if (key.revokedAt) return { ok: false, reason: 'revoked' };
  if (key.expiresAt && key.expiresAt.getTime() <= Date.now()) return { ok: false, reason: 'expired' };
  return { ok: true, key };
}
