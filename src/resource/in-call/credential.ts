// Who may call the in-call surface, and in which call (spec/voice-runtime.md §B; seed 002):
//
// - the credential is a runtime key, `X-API-Key: kc_rt_…` (seed 002's header) or
//   `Authorization: Bearer kc_rt_…`. An account key or an OAuth token is refused by name: the account
//   surface's credentials read the business's data, which a voice platform holding this key in an
//   assistant's configuration must never be able to do.
// - the context headers name the call: `account_id` (the key's business), `persona_id` (one of its
//   agents), `call_id` (a call of that agent, our id or the provider's; `X-Call-Id` is accepted too),
//   `caller_id_number` (optional, E.164). HTTP header names are case-insensitive; Node lowercases them.
import { LRUCache } from 'lru-cache';
import { createApiKeysRepository } from '../../authz/api-keys.repository.js';
import { API_KEY_PREFIX, hashApiKey, RUNTIME_KEY_PREFIX, verifyRuntimeKey, type ApiKeyRejection } from '../../authz/api-keys.js';
import { parseE164 } from '../../domain/compliance/phone.js';
import type { Db } from '../../shared/db.js';
import { isUuid } from '../../shared/ids.js';

type Headers = Record<string, string | string[] | undefined>;

export type RuntimeCredential = { ok: true; keyId: string; businessId: string } | { ok: false; reason: string };

const BEARER = /^Bearer[ ]+(\S+)[ ]*$/i;

const REFUSALS: Record<ApiKeyRejection, string> = {
  malformed: 'the runtime key is malformed',
  unknown: 'the runtime key is not valid',
  revoked: 'the runtime key has been revoked',
  expired: 'the runtime key has expired',
};

const ACCOUNT_CREDENTIAL_HERE =
  'this surface takes a runtime key (kc_rt_…) only; account keys (kc_live_…) and OAuth tokens are for /api/mcp (create a runtime key with: npm run admin -- api-key create --kind runtime)';

/** How often a key's `last_used_at` is refreshed. */
const TOUCH_INTERVAL_SECONDS = 60;

export interface RuntimeKeyVerifier {
  /** The presented credential, or `none` when there is none. */
  verify(headers: Headers): Promise<RuntimeCredential | 'none'>;
}

/**
 * How long this node trusts a runtime key it found valid before asking the database again. A
 * runtime sends three requests per tool call (initialize, initialized, tools/call, each on a fresh
 * session), so checking each one would triple the lookups of the hot path; this bounds a
 * revocation to seconds for one lookup per key per window, as OAuth grants are rechecked
 * (resource/auth/credentials.ts GRANT_RECHECK_MS). Account keys stay checked on every request.
 * Keyed by the key's SHA-256, never the key; a key expiring within the window is not cached past
 * its expiry. Only valid keys are remembered: a refusal is asked again every time.
 */
const RECHECK_MS = 5_000;

export function createRuntimeKeyVerifier(db: Db): RuntimeKeyVerifier {
  const recentlyTouched = new LRUCache<string, true>({ max: 100_000, ttl: TOUCH_INTERVAL_SECONDS * 1000 });
  const valid = new LRUCache<string, { keyId: string; businessId: string }>({ max: 100_000 });
  return {
    async verify(headers) {
      const presented = presentedKey(headers);
      if (presented === 'none' || !presented.ok) return presented;
      const hash = hashApiKey(presented.key);
      const known = valid.get(hash);
      if (known) return { ok: true, ...known };
      const started = Date.now();
      const check = await verifyRuntimeKey(db.kysely, presented.key);
      if (!check.ok) return { ok: false, reason: REFUSALS[check.reason] };
      const { id: keyId, businessId, expiresAt } = check.key;
      // The window counts from before the lookup, so a revocation committed while it ran is seen in time.
      const ttl = Math.min(RECHECK_MS, (expiresAt?.getTime() ?? Number.POSITIVE_INFINITY) - Date.now()) - (Date.now() - started);
      if (ttl > 0) valid.set(hash, { keyId, businessId }, { ttl });
      if (!recentlyTouched.has(keyId)) {
        recentlyTouched.set(keyId, true);
        await createApiKeysRepository(db.kysely).touch(keyId, TOUCH_INTERVAL_SECONDS);
      }
      return { ok: true, keyId, businessId };
    },
  };
}

function presentedKey(headers: Headers): { ok: true; key: string } | { ok: false; reason: string } | 'none' {
  const single = (name: string): string | undefined | null => {
    const value = headers[name];
    if (Array.isArray(value)) return null;
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };
  const header = single('x-api-key');
  const authorization = single('authorization');
  if (header === null) return { ok: false, reason: 'send one X-API-Key header' };
  if (authorization === null) return { ok: false, reason: 'send one Authorization header' };
  let key = header;
  if (authorization !== undefined) {
    const token = BEARER.exec(authorization)?.[1];
    if (!token) return { ok: false, reason: 'the Authorization header must be "Bearer kc_rt_…"' };
    if (key !== undefined && key !== token) return { ok: false, reason: 'X-API-Key and Authorization name different keys; send one' };
    key = token;
  }
  if (key === undefined) {
    if (single('x-kaicalls-api-key')) return { ok: false, reason: ACCOUNT_CREDENTIAL_HERE };
    return 'none';
  }
  if (key.startsWith(RUNTIME_KEY_PREFIX)) return { ok: true, key };
  if (key.startsWith(API_KEY_PREFIX) || key.split('.').length === 3) return { ok: false, reason: ACCOUNT_CREDENTIAL_HERE };
  return { ok: false, reason: 'the credential is not a runtime key (kc_rt_…)' };
}

/** The context headers, checked for form; which of them names nothing is the domain's to say. */
export type ContextHeaders = { ok: true; accountId: string; personaId: string; callRef: string; callerNumber: string | null } | { ok: false; header: string; message: string };

const CALL_REF = /^[A-Za-z0-9._:-]{1,128}$/;

export function readContextHeaders(headers: Headers): ContextHeaders {
  const read = (name: string): string | undefined | null => {
    const value = headers[name];
    if (Array.isArray(value)) return null;
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };
  const required = (name: string, describe: string, valid: (v: string) => boolean, alias?: string): { value: string } | { header: string; message: string } => {
    let value = read(name);
    if (value === undefined && alias) value = read(alias);
    if (value === null) return { header: name, message: `send one ${name} header` };
    if (value === undefined) return { header: name, message: `the ${name} header is required: ${describe}` };
    if (!valid(value)) return { header: name, message: `the ${name} header must be ${describe}` };
    return { value };
  };
  const account = required('account_id', 'the account (business) id, a UUID', isUuid);
  if ('header' in account) return { ok: false, ...account };
  const persona = required('persona_id', 'the id of the agent (persona) on the call, a UUID', isUuid);
  if ('header' in persona) return { ok: false, ...persona };
  const call = required('call_id', 'the id of the live call, ours or the voice provider’s (up to 128 letters, digits, ".", "_", ":", "-")', (v) => CALL_REF.test(v), 'x-call-id');
  if ('header' in call) return { ok: false, ...call };
  const caller = read('caller_id_number');
  if (caller === null) return { ok: false, header: 'caller_id_number', message: 'send one caller_id_number header' };
  if (caller !== undefined && !parseE164(caller)) {
    return { ok: false, header: 'caller_id_number', message: 'the caller_id_number header must be the caller’s number in E.164, such as +14155552671' };
  }
  return { ok: true, accountId: account.value.toLowerCase(), personaId: persona.value.toLowerCase(), callRef: call.value, callerNumber: caller ?? null };
}
