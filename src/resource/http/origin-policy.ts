// DNS-rebinding protection for the MCP endpoint (Streamable HTTP "Security Warning"; interop.md
// 23). A page on evil.example whose name is made to resolve to this server reaches us with
// `Host: evil.example` and `Origin: http://evil.example`: both must name this server.
//
// - Host must be PUBLIC_URL's host (behind a trusted proxy, X-Forwarded-Host: Koa's ctx.host).
// - Origin, when a browser sends one, must be PUBLIC_URL's origin or one listed in
//   MCP_ALLOWED_ORIGINS (a web client, MCP Inspector in a browser).
// - When PUBLIC_URL is a loopback URL (a laptop), the other loopback names of the same port are the
//   same server, and browser tools on other loopback ports (MCP Inspector on :6274) are the user's
//   own. A rebinding attacker cannot produce a loopback Host or Origin: the browser sets both from
//   the attacker's own name.
import type { Config } from '../../shared/config.js';

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

export interface OriginPolicy {
  hostAllowed(host: string): boolean;
  originAllowed(origin: string): boolean;
}

export function createOriginPolicy(config: Pick<Config, 'publicUrl' | 'mcpAllowedOrigins'>): OriginPolicy {
  const publicUrl = new URL(config.publicUrl);
  const loopback = LOOPBACK_NAMES.includes(publicUrl.hostname);
  const port = publicUrl.port;
  const hosts = new Set(loopback ? LOOPBACK_NAMES.map((name) => (port ? `${name}:${port}` : name)) : [publicUrl.host.toLowerCase()]);
  const origins = new Set([publicUrl.origin, ...config.mcpAllowedOrigins]);

  return {
    hostAllowed: (host) => hosts.has(host.toLowerCase()),
    originAllowed(origin) {
      if (origins.has(origin)) return true;
      if (!loopback) return false;
      try {
        const u = new URL(origin);
        return (u.protocol === 'http:' || u.protocol === 'https:') && LOOPBACK_NAMES.includes(u.hostname) && u.origin === origin;
      } catch {
        return false;
      }
    },
  };
}
