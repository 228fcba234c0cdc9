// Who is calling: an OAuth access token or a `kc_live_…` API key, read from request headers only.
// Order (product.md "Resource server"): `Authorization: Bearer <JWT>`, `Authorization: Bearer
// kc_live_…`, `X-KaiCalls-API-Key: kc_live_…`. A key in the query string or a cookie is never read:
// URLs end up in logs and browser history, and a cookie would make every page the user visits able
// to spend the key (RFC 6750 §5.3 advises against tokens in URLs).
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { LRUCache } from 'lru-cache';
import { createApiKeysRepository } from '../../authz/api-keys.repository.js';
import { createGrantsRepository } from '../../authz/grants.repository.js';
import { API_KEY_PREFIX, RUNTIME_KEY_PREFIX, verifyApiKey, type ApiKeyRejection } from '../../authz/api-keys.js';
import { isScope, type Scope } from '../../scopes/index.js';
import type { Db } from '../../shared/db.js';
import type { AccessTokenVerifier } from './access-tokens.js';

interface CredentialBase {
  /** The one business this credential may touch. */
  readonly businessId: string;
  readonly scopes: readonly Scope[];
}

export interface OAuthCredential extends CredentialBase {
  readonly kind: 'oauth';
  readonly subject: string;
  readonly clientId: string;
  readonly expiresAt: number;
}

export interface ApiKeyCredential extends CredentialBase {
  readonly kind: 'api_key';
  readonly keyId: string;
}

export type Credential = OAuthCredential | ApiKeyCredential;

/** What the request presented, before any check. */
export type Presented = { kind: 'none' } | { kind: 'access_token'; token: string } | { kind: 'api_key'; key: string } | { kind: 'malformed'; reason: string };

export type CredentialCheck = { ok: true; credential: Credential } | { ok: false; reason: string };

const BEARER = /^Bearer[ ]+([A-Za-z0-9\-._~+/]+=*)[ ]*$/i;

/** A runtime key is the in-call surface's credential only (spec/voice-runtime.md §B): refused here by name. */
const RUNTIME_KEY_HERE = 'a runtime key (kc_rt_…) works only on the in-call surface /api/mcp/in-call; use an account key (kc_live_…) or OAuth here';

/** Reads the credential headers. Nothing else of the request is looked at. */
export function presentedCredential(headers: { authorization?: string | undefined; 'x-kaicalls-api-key'?: string | string[] | undefined }): Presented {
  const authorization = headers.authorization;
  if (authorization !== undefined && authorization !== '') {
    const token = BEARER.exec(authorization)?.[1];
    if (!token) return { kind: 'malformed', reason: 'the Authorization header must be "Bearer <token>"' };
    if (token.startsWith(RUNTIME_KEY_PREFIX)) return { kind: 'malformed', reason: RUNTIME_KEY_HERE };
    return token.startsWith(API_KEY_PREFIX) ? { kind: 'api_key', key: token } : { kind: 'access_token', token };
  }
  const header = headers['x-kaicalls-api-key'];
  if (Array.isArray(header)) return { kind: 'malformed', reason: 'send one X-KaiCalls-API-Key header' };
  if (header !== undefined && header !== '') {
    if (header.trim().startsWith(RUNTIME_KEY_PREFIX)) return { kind: 'malformed', reason: RUNTIME_KEY_HERE };
    return { kind: 'api_key', key: header.trim() };
  }
  return { kind: 'none' };
}

/**
 * A stable name for "the same caller" across requests: an MCP session is bound to it, so a session
 * id learned by someone else is useless with their own credential. Not a secret.
 */
export function principalOf(credential: Credential): string {
  return credential.kind === 'oauth' ? `oauth:${credential.clientId}:${credential.subject}:${credential.businessId}` : `api_key:${credential.keyId}`;
}

const API_KEY_REFUSALS: Record<ApiKeyRejection, string> = {
  malformed: 'the API key is malformed',
  unknown: 'the API key is not valid',
  revoked: 'the API key has been revoked',
  expired: 'the API key has expired',
};

/** How often a key's `last_used_at` is refreshed, per node and in the database. */
const TOUCH_INTERVAL_SECONDS = 60;

/**
 * How long this node trusts that a token's grant is still live before asking the database again.
 * A JWT is verified locally, so without this check a revoked connection (or a user removed from the
 * business) would keep working until the token expires, up to an hour. Rechecking on every request
 * would cost a query per call; this bounds revocation to seconds for one cheap lookup per token per
 * window.
 */
const GRANT_RECHECK_MS = 10_000;

/** Most keys and grants each of the two caches below remembers; the least recently used is forgotten first. */
const MAX_REMEMBERED = 100_000;

export interface CredentialResolver {
  resolve(presented: Exclude<Presented, { kind: 'none' | 'malformed' }>): Promise<CredentialCheck>;
}

export function createCredentialResolver(deps: { db: Db; accessTokens: AccessTokenVerifier }): CredentialResolver {
  // The keys whose use this node recorded within the interval: `last_used_at` costs no write per
  // request. Bounded; a key forgotten early only costs one more (conditional) update.
  const recentlyTouched = new LRUCache<string, true>({ max: MAX_REMEMBERED, ttl: TOUCH_INTERVAL_SECONDS * 1000 });

  const touch = async (keyId: string) => {
    if (recentlyTouched.has(keyId)) return;
    recentlyTouched.set(keyId, true);
    await createApiKeysRepository(deps.db.kysely).touch(keyId, TOUCH_INTERVAL_SECONDS);
  };

  // grant id → the user and business it was found live for, forgotten GRANT_RECHECK_MS after the
  // check began. Only live answers are remembered: a refusal is asked again every time.
  const liveGrants = new LRUCache<string, { userId: string; businessId: string }>({ max: MAX_REMEMBERED });

  const grantIsLive = async (grantId: string, userId: string, businessId: string): Promise<boolean> => {
    const cached = liveGrants.get(grantId);
    if (cached) return cached.userId === userId && cached.businessId === businessId;
    const started = Date.now();
    const binding = await createGrantsRepository(deps.db.kysely).findBinding(grantId);
    // Live = not revoked, and the user still belongs to the business the token was issued for.
    const live = Boolean(binding && !binding.revokedAt && binding.role && binding.userId === userId && binding.businessId === businessId);
    // The window counts from before the query, so a revocation that committed while it ran is seen
    // within GRANT_RECHECK_MS of it.
    const ttl = GRANT_RECHECK_MS - (Date.now() - started);
    if (live && ttl > 0) liveGrants.set(grantId, { userId, businessId }, { ttl });
    else liveGrants.delete(grantId);
    return live;
  };

  return {
    async resolve(presented) {
      if (presented.kind === 'access_token') {
        const check = await deps.accessTokens.verify(presented.token);
        if (!check.ok) return check;
        const { claims } = check;
        if (!(await grantIsLive(claims.grantId, claims.subject, claims.businessId))) {
          return { ok: false, reason: 'this connection has been revoked or no longer has access to the business; connect the app again' };
        }
        return {
          ok: true,
          credential: {
            kind: 'oauth',
            businessId: claims.businessId,
            scopes: claims.scopes,
            subject: claims.subject,
            clientId: claims.clientId,
            expiresAt: claims.expiresAt,
          },
        };
      }
      // Checked on every request, not cached: a revoked key stops working at once, on every node.
      const check = await verifyApiKey(deps.db.kysely, presented.key);
      if (!check.ok) return { ok: false, reason: API_KEY_REFUSALS[check.reason] };
      await touch(check.key.id);
      return {
        ok: true,
        credential: { kind: 'api_key', businessId: check.key.businessId, scopes: check.key.scopes.filter(isScope), keyId: check.key.id },
      };
    },
  };
}

/**
 * The SDK hands `authInfo` to tool handlers. It carries the checked credential, never the raw token
 * or key: nothing downstream can replay or forward it (no token passthrough).
 */
export function toAuthInfo(credential: Credential): AuthInfo {
  return {
    token: '[verified]',
    clientId: credential.kind === 'oauth' ? credential.clientId : credential.keyId,
    scopes: [...credential.scopes],
    ...(credential.kind === 'oauth' ? { expiresAt: credential.expiresAt } : {}),
    extra: { credential },
  };
}

export function credentialFrom(authInfo: AuthInfo | undefined): Credential | undefined {
  return authInfo?.extra?.credential as Credential | undefined;
}
