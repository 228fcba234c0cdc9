// The one protected resource (RFC 8707): the MCP URL. Clients name it with small variations —
// a trailing slash, an upper-case host, an explicit default port — which all mean the same
// resource (interop.md 14); anything else is another resource and is refused.
import type { Context, Next } from 'koa';
import { SCOPES, isScope } from '../scopes/index.js';

/** Scheme and host lower-cased, default port dropped, trailing slashes trimmed; undefined if not a plain URL. */
export function canonicalResource(value: string): string | undefined {
  const url = URL.parse(value);
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) return undefined;
  if (url.search || url.hash || value.includes('#') || url.username || url.password) return undefined;
  const path = url.pathname.replace(/\/+$/, '');
  return `${url.protocol}//${url.host}${path}`;
}

export function isSameResource(requested: string, canonical: string): boolean {
  const a = canonicalResource(requested);
  return a !== undefined && a === canonicalResource(canonical);
}

/**
 * RFC 6749 §3.3: a request without scope gets a documented default. An authorization request that
 * names no scope of the catalog asks for all of them; the consent screen lists each one, so the
 * user sees exactly what is being granted. (offline_access and openid are not catalog scopes.)
 * Runs before oidc-provider reads the query.
 */
export function defaultAuthorizationScope(authorizationPath: string) {
  return async function defaultScope(ctx: Context, next: Next) {
    if (ctx.method === 'GET' && ctx.path === authorizationPath) {
      const params = new URLSearchParams(ctx.querystring);
      const scopes = params.getAll('scope');
      // Duplicated parameters are left to oidc-provider, which refuses them.
      if (scopes.length <= 1) {
        const requested = (scopes[0] ?? '').split(' ').filter(Boolean);
        if (!requested.some(isScope)) {
          params.set('scope', [...requested, ...SCOPES].join(' '));
          ctx.querystring = params.toString();
        }
      }
    }
    return next();
  };
}
