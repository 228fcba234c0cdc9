// RFC 8414 authorization server metadata and OIDC discovery, served at the root. oidc-provider
// writes the document (so every endpoint URL is the one it routes); this step pins what the
// product promises about it:
// - `issuer` is the configured public URL byte for byte (interop.md 3);
// - `scopes_supported` is the scope catalog, the same list as the PRM and the 401 challenge
//   (interop.md 4) — oidc-provider would list `openid` too;
// - revocation and introspection accept the same client authentication as the token endpoint
//   (RFC 8414 §2 would otherwise imply client_secret_basic only).
import type { Context, Middleware, Next } from 'koa';
import { SCOPES } from '../scopes/index.js';
import type { Config } from '../shared/config.js';

export const AUTHORIZATION_SERVER_METADATA_PATHS: ReadonlySet<string> = new Set(['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']);

export function authorizationServerMetadata(config: Pick<Config, 'issuer'>): Middleware {
  return async function pinMetadata(ctx: Context, next: Next) {
    if (!AUTHORIZATION_SERVER_METADATA_PATHS.has(ctx.path) || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) return next();
    await next();
    const doc = ctx.body as Record<string, unknown> | undefined;
    if (ctx.status !== 200 || !doc || typeof doc !== 'object') return;
    if (doc.issuer !== config.issuer) throw new Error(`metadata issuer ${String(doc.issuer)} differs from the configured issuer ${config.issuer}`);
    doc.scopes_supported = [...SCOPES];
    const authMethods = doc.token_endpoint_auth_methods_supported;
    if (doc.revocation_endpoint) doc.revocation_endpoint_auth_methods_supported = authMethods;
    if (doc.introspection_endpoint) doc.introspection_endpoint_auth_methods_supported = authMethods;
    ctx.set('Cache-Control', 'public, max-age=300');
  };
}
