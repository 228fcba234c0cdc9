// CORS for browser-based MCP clients (MCP Inspector) on the discovery documents and the endpoints
// a browser client calls directly: registration, token, revocation, introspection, JWKS
// (interop.md 6). These requests carry no ambient credentials (no cookies: CORS here never sets
// Allow-Credentials), so an open origin gives a hostile page nothing it could not do from a server.
import cors from '@koa/cors';
import type { Middleware } from 'koa';

/** Request headers MCP clients send (interop.md 6). */
export const CORS_ALLOW_HEADERS = ['Authorization', 'Content-Type', 'Accept', 'Mcp-Protocol-Version', 'Mcp-Session-Id', 'Mcp-Method', 'Mcp-Name', 'Last-Event-ID', 'DPoP'] as const;

/** Response headers a browser client must be able to read. */
export const CORS_EXPOSE_HEADERS = ['WWW-Authenticate', 'Mcp-Session-Id', 'Retry-After', 'X-Request-Id'] as const;

export function openCors(allowMethods: string): Middleware {
  return cors({
    origin: '*',
    allowMethods,
    allowHeaders: [...CORS_ALLOW_HEADERS],
    exposeHeaders: [...CORS_EXPOSE_HEADERS],
    maxAge: 3600,
  });
}
