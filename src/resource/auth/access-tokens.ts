// Verifies OAuth access tokens locally, as JWTs (RFC 9068), against this server's own published
// signing keys: no introspection round trip, so a token minted on one node works on every node at
// once (interop.md 20), and a token meant for any other audience or issuer is refused (RFC 8707;
// no token passthrough).
import { createHash } from 'node:crypto';
import { errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { LRUCache } from 'lru-cache';
import { isScope, type Scope } from '../../scopes/index.js';
import { isUuid } from '../../shared/ids.js';

export interface AccessTokenClaims {
  /** The signed-in user (`sub`). */
  subject: string;
  clientId: string;
  /** The business the user chose on the consent screen: the only one this token can touch. */
  businessId: string;
  /** The OAuth grant (connected app) the token was issued under: revoking it ends the token too. */
  grantId: string;
  /** Granted scopes of our catalog (other values, such as `offline_access`, are dropped). */
  scopes: Scope[];
  /** Seconds since the epoch. */
  expiresAt: number;
  tokenId: string | undefined;
}

export type AccessTokenCheck = { ok: true; claims: AccessTokenClaims } | { ok: false; reason: string };

export interface AccessTokenVerifierOptions {
  issuer: string;
  /** The canonical MCP URL (interop.md 1): `aud` must contain it exactly. */
  audience: string;
  /** The key resolver of the authorization server's key store (reloads on an unknown `kid`). */
  getKey: JWTVerifyGetKey;
  algorithms: readonly string[];
  /** Most verified tokens remembered at once; the least recently used is forgotten first. 0 turns the cache off. */
  cacheSize?: number;
}

export interface AccessTokenVerifier {
  verify(token: string): Promise<AccessTokenCheck>;
}

const DEFAULT_CACHE_SIZE = 10_000;

export function createAccessTokenVerifier(options: AccessTokenVerifierOptions): AccessTokenVerifier {
  const maxEntries = options.cacheSize ?? DEFAULT_CACHE_SIZE;
  // A signature check costs ~150–200 µs of CPU; a client sends the same token for an hour. Entries
  // are keyed by the token's SHA-256 (the token itself is never kept as a key) and die at `exp`, so
  // the cache can never stretch a token's life. Only successes are cached.
  const verified = maxEntries > 0 ? new LRUCache<string, AccessTokenClaims>({ max: maxEntries }) : undefined;

  return {
    async verify(token) {
      const key = createHash('sha256').update(token).digest('base64url');
      const hit = verified?.get(key);
      if (hit) {
        // The entry's ttl ends at `exp` on the cache's own (monotonic) clock; `exp` is wall-clock
        // time, so it is checked here too: this is the line that must never pass an expired token.
        if (hit.expiresAt * 1000 > Date.now()) return { ok: true, claims: hit };
        verified!.delete(key);
      }

      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, options.getKey, {
          issuer: options.issuer,
          audience: options.audience,
          // RFC 9068 §4: only a JWT typed as an access token is one (an ID token is not).
          typ: 'at+jwt',
          algorithms: [...options.algorithms],
          requiredClaims: ['exp', 'sub', 'client_id'],
        }));
      } catch (err) {
        return { ok: false, reason: describeFailure(err) };
      }

      const claims = toClaims(payload);
      if (typeof claims === 'string') return { ok: false, reason: claims };
      const ttl = claims.expiresAt * 1000 - Date.now();
      if (verified && ttl > 0) verified.set(key, claims, { ttl });
      return { ok: true, claims };
    },
  };
}

function toClaims(payload: JWTPayload): AccessTokenClaims | string {
  const businessId = payload.business_id;
  if (!isUuid(businessId)) return 'the token names no business';
  if (typeof payload.client_id !== 'string' || typeof payload.sub !== 'string') return 'the token lacks sub or client_id';
  if (typeof payload.grant_id !== 'string' || payload.grant_id === '') return 'the token names no grant';
  const scope = typeof payload.scope === 'string' ? payload.scope : '';
  return {
    subject: payload.sub,
    clientId: payload.client_id,
    businessId,
    grantId: payload.grant_id,
    scopes: scope.split(' ').filter(isScope),
    expiresAt: payload.exp as number,
    tokenId: typeof payload.jti === 'string' ? payload.jti : undefined,
  };
}

/** A short reason for `error_description`: enough for a developer, nothing about our keys. */
function describeFailure(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'the access token has expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    switch (err.claim) {
      case 'aud':
        return 'the access token was issued for another resource';
      case 'iss':
        return 'the access token was issued by another authorization server';
      case 'typ':
        return 'the token is not an access token (typ must be at+jwt)';
      default:
        return `the access token's ${err.claim} claim is missing or invalid`;
    }
  }
  if (err instanceof joseErrors.JWKSNoMatchingKey) return 'the access token was signed by an unknown key';
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'the access token signature is invalid';
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return 'the access token uses a signing algorithm this server does not accept';
  return 'the access token is malformed';
}
