// Issuing and checking API keys of both kinds: account keys (`kc_live_…`, /api/mcp, with scopes) and
// runtime keys (`kc_rt_…`, /api/mcp/in-call, no scopes: a voice runtime during a live call,
// spec/voice-runtime.md §B). A key is its prefix + 40 base62 characters (~238 bits); the database
// holds its SHA-256, its kind and a display prefix. Checking a presented key hashes it and finds the
// row by equality on the unique index of the hash; finding it (of the expected kind) is the whole
// check. Each surface verifies only its own kind, so a leaked runtime key (it sits in a voice
// platform's assistant configuration) can never read the account surface, and an account key cannot
// act inside a call.
//
// Why no constant-time comparison, though secrets are otherwise compared in constant time (STYLE.md
// habit 9; db/STORAGE.md): the only comparison is inside the index lookup, and its timing can at
// most tell how many leading bytes of the presented key's *hash* match a stored hash. The attacker
// chooses the key, not its hash, so those bytes are of no use: a key with a given hash is a SHA-256
// preimage. A constant-time compare of the found row's hash with the hash it was found by could
// only ever succeed, so it is not done.
import { createHash } from 'node:crypto';
import { parseScopes, SCOPES, type Scope } from '../scopes/index.js';
import type { Db, TenantTx, OwnerDb } from '../shared/db.js';
import { AppError, invalidArgument, notFound } from '../shared/errors.js';
import { isUuid } from '../shared/ids.js';
import { auditActor } from '../domain/audit/actor.js';
import { createAuditRepository } from '../domain/audit/audit.repository.js';
import { randomBase62 } from '../shared/random.js';
import type { ApiKeyKind, Role } from '../../db/schema.js';
import { createApiKeysRepository, type ApiKeyRecord } from './api-keys.repository.js';
import type { RuntimeKeyIssuer } from '../domain/provider-sync/provider-sync.service.js';

export const API_KEY_PREFIX = 'kc_live_';
export const RUNTIME_KEY_PREFIX = 'kc_rt_';
const PREFIXES: Record<ApiKeyKind, string> = { account: API_KEY_PREFIX, runtime: RUNTIME_KEY_PREFIX };
const RANDOM_LENGTH = 40;
/** The kind's prefix + the first 8 random characters: enough to tell keys apart, useless to an attacker. */
const DISPLAY_RANDOM = 8;
const API_KEY_SHAPE = new RegExp(`^${API_KEY_PREFIX}[0-9A-Za-z]{32,128}$`);
const RUNTIME_KEY_SHAPE = new RegExp(`^${RUNTIME_KEY_PREFIX}[0-9A-Za-z]{32,128}$`);

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

/**
 * Issues a key. An account key (the default kind) needs at least one scope; a runtime key takes
 * none (what it may do is the in-call catalog, spec/voice-runtime.md §B).
 */
export async function issueApiKey(
  db: OwnerDb | TenantTx,
  input: { kind?: ApiKeyKind; businessId: string; name: string; scopes: readonly string[]; expiresAt?: Date | null; createdBy?: string | null },
): Promise<IssuedApiKey> {
  const kind = input.kind ?? 'account';
  if (kind === 'runtime' && input.scopes.length > 0) throw invalidArgument('a runtime key takes no scopes: it may call the in-call tools only');
  const scopes = kind === 'runtime' ? [] : requireScopes(input.scopes);
  const name = input.name.trim();
  if (!name || name.length > 100) throw invalidArgument('name must be 1–100 characters');
  if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) throw invalidArgument('expiry must be in the future');
  const key = `${PREFIXES[kind]}${randomBase62(RANDOM_LENGTH)}`;
  const record = await createApiKeysRepository(db).insert({
    kind,
    businessId: input.businessId,
    name,
    prefix: key.slice(0, PREFIXES[kind].length + DISPLAY_RANDOM),
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
  return verifyKind(db, presented, 'account');
}

/** The same check for a runtime key (`kc_rt_…`), the in-call surface's credential. */
export async function verifyRuntimeKey(db: OwnerDb, presented: string): Promise<{ ok: true; key: ApiKeyRecord } | { ok: false; reason: ApiKeyRejection }> {
  if (!RUNTIME_KEY_SHAPE.test(presented)) return { ok: false, reason: 'malformed' };
  return verifyKind(db, presented, 'runtime');
}

async function verifyKind(db: OwnerDb, presented: string, kind: ApiKeyKind): Promise<{ ok: true; key: ApiKeyRecord } | { ok: false; reason: ApiKeyRejection }> {
  const key = await createApiKeysRepository(db).findByHash(hashApiKey(presented));
  // The prefix already names the kind; the stored kind is checked too, so no row can cross over.
  if (!key || key.kind !== kind) return { ok: false, reason: 'unknown' };
  if (key.revokedAt) return { ok: false, reason: 'revoked' };
  if (key.expiresAt && key.expiresAt.getTime() <= Date.now()) return { ok: false, reason: 'expired' };
  return { ok: true, key };
}

// ── Managing keys: the dashboard's API keys page ─────────────────────────────────────────────────

/**
 * Scopes that change how the business itself runs (its agents, its numbers, where its transcripts
 * go): only an admin or owner may put them on a key. A member's keys cover the day-to-day work
 * (reading, calls, texts, leads). The same line the update broker draws for high-impact changes.
 */
const ADMIN_ONLY_KEY_SCOPES: ReadonlySet<Scope> = new Set<Scope>(['agents:write', 'numbers:write', 'webhooks:write']);

/** The scopes a member of `role` may put on a key, in catalog order. */
export function keyScopesForRole(role: Role): Scope[] {
  return SCOPES.filter((s) => role !== 'member' || !ADMIN_ONLY_KEY_SCOPES.has(s));
}

/** Who is managing keys: a signed-in member of the business, with their role there now. */
export interface KeyManager {
  userId: string;
  role: Role;
}

export type ListedApiKey = ApiKeyRecord & { createdByEmail: string | null };

const NAME_LIMIT = 100;

function checkName(raw: string): string {
  const name = raw.trim();
  if (!name) throw invalidArgument('Give the key a name, such as the app or person that will use it.', { field: 'name' });
  if (name.length > NAME_LIMIT) throw invalidArgument(`The name is ${name.length} characters long; the limit is ${NAME_LIMIT}.`, { field: 'name' });
  return name;
}

function checkScopes(raw: readonly string[], role: Role): Scope[] {
  const { scopes, unknown } = parseScopes(raw.join(' '));
  if (unknown.length > 0) throw invalidArgument(`Unknown scope${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}.`, { field: 'scopes' });
  if (scopes.length === 0) throw invalidArgument('Tick at least one scope: a key without scopes can do nothing.', { field: 'scopes' });
  const allowed = keyScopesForRole(role);
  const beyond = scopes.filter((s) => !allowed.includes(s));
  if (beyond.length > 0) {
    throw new AppError('forbidden', `As a ${role} you cannot give a key ${beyond.join(', ')}; ask an admin or owner of the business.`, { field: 'scopes' });
  }
  return scopes;
}

const keyDetails = (key: ApiKeyRecord) => ({ api_key_id: key.id, kind: key.kind, name: key.name, prefix: key.prefix, scopes: key.scopes, expires_at: key.expiresAt });

export function createApiKeyManagement(db: Db) {
  /** The key, if `by` may manage it: another business's id reads as not found, another member's key is refused. */
  async function manageable(tx: TenantTx, by: KeyManager, keyId: string): Promise<ApiKeyRecord> {
    const key = isUuid(keyId) ? await createApiKeysRepository(tx).find(keyId) : undefined;
    if (!key) throw notFound('API key');
    if (by.role === 'member' && key.createdBy !== by.userId) throw new AppError('forbidden', 'A member can manage only the keys they created; ask an admin or owner.');
    return key;
  }

  const audit = (tx: TenantTx, businessId: string, by: KeyManager, action: string, details: Record<string, unknown>) =>
    createAuditRepository(tx).append({ businessId, ...auditActor({ kind: 'user', userId: by.userId }), action, outcome: 'success', details });

  return {
    /** The keys `by` may see: all of the business's for an admin or owner, their own for a member. */
    list(businessId: string, by: KeyManager): Promise<ListedApiKey[]> {
      return db.forBusiness(businessId, (tx) => createApiKeysRepository(tx).listWithCreators(businessId, by.role === 'member' ? by.userId : undefined));
    },

    /** One key `by` may manage (for a confirmation page). */
    find(businessId: string, by: KeyManager, keyId: string): Promise<ApiKeyRecord> {
      return db.forBusiness(businessId, (tx) => manageable(tx, by, keyId));
    },

    /** Issues an account key with scopes within `by`'s role; audited as api_key.created. The plaintext is in the result only. */
    create(businessId: string, by: KeyManager, input: { name: string; scopes: readonly string[]; expiresAt: Date | null }): Promise<IssuedApiKey> {
      const name = checkName(input.name);
      const scopes = checkScopes(input.scopes, by.role);
      return db.forBusiness(businessId, async (tx) => {
        const issued = await issueApiKey(tx, { businessId, name, scopes, expiresAt: input.expiresAt, createdBy: by.userId });
        await audit(tx, businessId, by, 'api_key.created', keyDetails(issued.record));
        return issued;
      });
    },

    /**
     * Issues a runtime key (`kc_rt_…`: a voice platform's credential for the in-call tools during
     * live calls). Admin or owner only: it lets whoever holds it transfer calls, book and text within
     * calls of any of the business's agents. Audited as api_key.created.
     */
    createRuntime(businessId: string, by: KeyManager, input: { name: string; expiresAt: Date | null }): Promise<IssuedApiKey> {
      if (by.role === 'member') throw new AppError('forbidden', 'Only an admin or owner can create a runtime key.');
      const name = checkName(input.name);
      return db.forBusiness(businessId, async (tx) => {
        const issued = await issueApiKey(tx, { kind: 'runtime', businessId, name, scopes: [], expiresAt: input.expiresAt, createdBy: by.userId });
        await audit(tx, businessId, by, 'api_key.created', keyDetails(issued.record));
        return issued;
      });
    },

    /**
     * Revokes a key at once: presented keys are checked against the database on every request, so
     * no node accepts it afterwards. Audited as api_key.revoked (once: revoking again changes nothing).
     */
    revoke(businessId: string, by: KeyManager, keyId: string): Promise<ApiKeyRecord> {
      return db.forBusiness(businessId, async (tx) => {
        const key = await manageable(tx, by, keyId);
        if (key.revokedAt) return key;
        const revoked = (await createApiKeysRepository(tx).revoke(key.id))!;
        await audit(tx, businessId, by, 'api_key.revoked', keyDetails(revoked));
        return revoked;
      });
    },

    /**
     * Replaces a key: a new key with the same name, scopes and lifetime, while the old one keeps
     * working for `graceSeconds` (time to deploy the new one) and then expires. Audited as
     * api_key.created (the new key) and api_key.rotated (the old one).
     */
    rotate(businessId: string, by: KeyManager, keyId: string, graceSeconds: number): Promise<{ issued: IssuedApiKey; old: ApiKeyRecord }> {
      return db.forBusiness(businessId, async (tx) => {
        const key = await manageable(tx, by, keyId);
        if (key.revokedAt || (key.expiresAt && key.expiresAt.getTime() <= Date.now())) {
          throw new AppError('conflict', `${key.name} is already ${key.revokedAt ? 'revoked' : 'expired'}; create a new key instead.`);
        }
        // The replacement lives as long as the old one was given (a key that never expired: never).
        const lifetime = key.expiresAt ? key.expiresAt.getTime() - key.createdAt.getTime() : null;
        const issued = await issueApiKey(tx, {
          kind: key.kind,
          businessId,
          name: key.name,
          scopes: key.kind === 'account' ? checkScopes(key.scopes, by.role) : [],
          expiresAt: lifetime === null ? null : new Date(Date.now() + lifetime),
          createdBy: by.userId,
        });
        const old = (await createApiKeysRepository(tx).expireWithin(key.id, graceSeconds))!;
        await audit(tx, businessId, by, 'api_key.created', { ...keyDetails(issued.record), rotated_from: key.id });
        await audit(tx, businessId, by, 'api_key.rotated', { ...keyDetails(old), replaced_by: issued.record.id, grace_seconds: graceSeconds });
        return { issued, old };
      });
    },
  };
}

/**
 * The runtime keys a voice provider's assistants carry (domain/provider-sync): issued by the system
 * for one assistant, checked before each sync, revoked when replaced.
 */
export const runtimeKeyIssuer: RuntimeKeyIssuer = {
  async issue(tx, businessId, name) {
    const issued = await issueApiKey(tx, { kind: 'runtime', businessId, name, scopes: [] });
    return { id: issued.record.id, key: issued.key };
  },
  async isActive(tx, keyId) {
    const key = await createApiKeysRepository(tx).find(keyId);
    return Boolean(key && key.kind === 'runtime' && !key.revokedAt && (!key.expiresAt || key.expiresAt.getTime() > Date.now()));
  },
  async revoke(tx, keyId) {
    await createApiKeysRepository(tx).revoke(keyId);
  },
};
