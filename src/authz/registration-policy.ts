// Who may register, and with which redirect URIs. Applied by oidc-provider to every client it
// loads: dynamically registered ones (RFC 7591) and Client ID Metadata Documents alike.
import type { Context, Next } from 'koa';
import { errors } from 'oidc-provider';
import type { ThrottleRepository } from './throttle.repository.js';

export const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '[::1]']);

// Schemes that would run code or read local data if a browser followed them (RFC 8252 §8.4 only
// allows private-use schemes that name an application).
const FORBIDDEN_SCHEMES = new Set(['javascript:', 'vbscript:', 'data:', 'blob:', 'file:', 'about:', 'ftp:', 'ws:', 'wss:', 'mailto:', 'tel:', 'sms:']);

export type RedirectKind = 'https' | 'loopback' | 'private-use';

/** Classifies one redirect URI, or says in words why it is refused. */
export function classifyRedirectUri(uri: string): { ok: true; kind: RedirectKind } | { ok: false; reason: string } {
  const parsed = URL.parse(uri);
  if (!parsed) return { ok: false, reason: 'is not an absolute URI' };
  if (uri.includes('#')) return { ok: false, reason: 'must not contain a fragment' };
  if (parsed.protocol === 'https:') return parsed.hostname ? { ok: true, kind: 'https' } : { ok: false, reason: 'has no host' };
  if (parsed.protocol === 'http:') {
    // RFC 8252 §7.3 and §8.3: plain http only to the loopback interface of the user's machine.
    if (LOOPBACK_HOSTS.has(parsed.hostname)) return { ok: true, kind: 'loopback' };
    return { ok: false, reason: 'uses http on a host that is not loopback: use https, or http://127.0.0.1, http://[::1] or http://localhost' };
  }
  if (FORBIDDEN_SCHEMES.has(parsed.protocol)) return { ok: false, reason: `uses the ${parsed.protocol.slice(0, -1)} scheme, which is not allowed` };
  // RFC 8252 §7.1: a private-use scheme (cursor://, vscode://, com.example.app:/) for a native app.
  return { ok: true, kind: 'private-use' };
}

/**
 * oidc-provider's `extraClientMetadata.validator`, registered for `redirect_uris`. Refuses the
 * whole registration on the first bad URI, naming it (an error whose description starts with
 * "redirect_uris" goes out as `invalid_redirect_uri`, RFC 7591 §3.2.2). A client with a loopback
 * or private-use redirect URI is a native app whatever it declared (interop.md 9–10): that is what
 * makes oidc-provider match loopback redirect URIs on any port (RFC 8252 §7.3).
 */
export function validateRedirectUris(metadata: Record<string, unknown>): void {
  const uris = metadata.redirect_uris;
  if (!Array.isArray(uris)) return; // oidc-provider reports a missing or malformed list itself
  let native = false;
  for (const uri of uris) {
    if (typeof uri !== 'string') continue; // likewise: "redirect_uris must only contain strings"
    const verdict = classifyRedirectUri(uri);
    if (!verdict.ok) throw new errors.InvalidClientMetadata(`redirect_uris: ${JSON.stringify(uri)} ${verdict.reason}`);
    if (verdict.kind !== 'https') native = true;
  }
  if (native) metadata.application_type = 'native';
}

/**
 * oidc-provider's `extraClientMetadata.validator`, registered for `scope`. A registered `scope` is
 * not kept (RFC 7591 §2 lets the server replace requested metadata): oidc-provider would make it a
 * ceiling on what the client may ever ask for, which protects nothing under open registration
 * (anyone can register another client with any scope) and breaks step-up, since MCP clients
 * register with the scope of their first challenge and, on a later 403 insufficient_scope,
 * re-authorize the same client for more (MCP authorization, "Scope challenge handling";
 * interop.md 25). What a client gets is decided where it matters: by the user, at every consent.
 */
export function dropRegisteredScope(metadata: Record<string, unknown>): void {
  delete metadata.scope;
}

/**
 * Open registration is rate-limited per source address (fixed window of an hour, counted in the
 * database so the limit holds across nodes). Over the limit: 429 with Retry-After, in RFC 7591's
 * error format.
 */
export function registrationRateLimit(deps: { throttle: ThrottleRepository; registrationPath: string; perHour: number }) {
  return async function limitRegistrations(ctx: Context, next: Next) {
    if (ctx.method !== 'POST' || ctx.path !== deps.registrationPath) return next();
    const count = await deps.throttle.hit(`register:${ctx.ip}`, 3600);
    if (count > deps.perHour) {
      const secondsLeft = 3600 - (Math.floor(Date.now() / 1000) % 3600);
      ctx.status = 429;
      ctx.set('Retry-After', String(secondsLeft));
      ctx.set('Cache-Control', 'no-store');
      ctx.body = {
        error: 'too_many_requests',
        error_description: `too many client registrations from this address (limit ${deps.perHour} per hour); retry in ${secondsLeft} seconds`,
      };
      return;
    }
    return next();
  };
}
