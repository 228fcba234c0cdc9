// The authorization server as one Koa middleware: edge policies (CORS, registration rate limit,
// default scope), the discovery documents, the sign-in and consent pages, and oidc-provider
// mounted at the root for its /oauth/* routes. Also owns the key lifecycle: a rotation done on
// another node or by the CLI is picked up within KEY_RELOAD_SECONDS by rebuilding the provider
// (all provider state is in the database, so a rebuilt provider continues every flow).
import compose from 'koa-compose';
import type { Context, Middleware, Next } from 'koa';
import type Provider from 'oidc-provider';
import type { ToolsForScope } from '../scopes/index.js';
import type { Config } from '../shared/config.js';
import type { Db } from '../shared/db.js';
import type { Logger } from '../shared/log.js';
import type { TokenMetrics } from '../shared/metrics.js';
import { AUTHORIZATION_SERVER_METADATA_PATHS, authorizationServerMetadata } from './metadata.js';
import type { FetchLike, HostResolver } from './cimd.js';
import { openCors } from '../shared/cors.js';
import { interactionsRouter } from './interactions.js';
import { createKeyStore, KEY_RELOAD_SECONDS, loadKeyMaterial, type KeyMaterial, type KeyStore } from './keys.js';
import { createOidcProvider, INTERACTION_PATH, OAUTH_ROUTES } from './provider.js';
import { createOidcRepository } from './oidc.repository.js';
import { registrationRateLimit } from './registration-policy.js';
import { defaultAuthorizationScope } from './resource-indicator.js';
import { createThrottleRepository } from './throttle.repository.js';

export interface AuthorizationServerOptions {
  config: Config;
  db: Db;
  log: Logger;
  /** Outbound fetch for Client ID Metadata Documents (tests stand in for the remote host). */
  fetch?: FetchLike;
  /** The tools each scope unlocks, for the consent screen (from the resource server's registry). */
  toolsForScope: ToolsForScope;
  resolveHost?: HostResolver;
  /** Counts issued tokens (oidc-provider's grant.success). */
  metrics?: TokenMetrics;
}

export interface AuthorizationServer {
  /** Everything above, as one middleware for createApp. */
  readonly middleware: Middleware;
  /** Local verification keys for the resource server (refreshes on an unknown kid). */
  readonly keyStore: KeyStore;
  /** The provider currently in use. */
  provider(): Promise<Provider>;
  /** Re-reads the signing keys now and rebuilds the provider if they changed. */
  reloadKeys(): Promise<void>;
  stop(): void;
}

const HOUSEKEEPING_MS = 10 * 60_000;
const OAUTH_PREFIX = '/oauth/';
// Endpoints a browser-based client calls directly (interop.md 6).
const CORS_PATHS: ReadonlySet<string> = new Set<string>([OAUTH_ROUTES.registration, OAUTH_ROUTES.token, OAUTH_ROUTES.revocation, OAUTH_ROUTES.introspection, OAUTH_ROUTES.jwks]);

/**
 * Interop.md 7: oidc-provider builds its endpoint URLs (discovery, registration_client_uri,
 * redirects to the sign-in page) from the request's origin, and decides whether cookies are
 * Secure from its protocol. Both come from the configured public URL instead, never from a Host
 * or X-Forwarded-* header.
 */
function pinPublicOrigin(ctx: Context, publicUrl: URL): void {
  const protocol = publicUrl.protocol.slice(0, -1);
  Object.defineProperties(ctx.request, {
    protocol: { configurable: true, get: () => protocol },
    host: { configurable: true, get: () => publicUrl.host },
    hostname: { configurable: true, get: () => publicUrl.hostname },
    origin: { configurable: true, get: () => publicUrl.origin },
  });
}

export async function createAuthorizationServer(options: AuthorizationServerOptions): Promise<AuthorizationServer> {
  const { config, db, log } = options;
  const publicUrl = new URL(config.publicUrl);

  let keys: KeyMaterial = await loadKeyMaterial(db.kysely);
  const build = (material: KeyMaterial) =>
    createOidcProvider({ config, db: db.kysely, log, keys: material, fetch: options.fetch, resolveHost: options.resolveHost, metrics: options.metrics });
  let provider = build(keys);
  let exec = compose(provider.middleware);
  let checkedAt = Date.now();
  let reloading: Promise<void> | undefined;

  const reloadKeys = () =>
    (reloading ??= (async () => {
      try {
        const latest = await loadKeyMaterial(db.kysely);
        if (latest.fingerprint !== keys.fingerprint) {
          provider = build(latest);
          exec = compose(provider.middleware);
          keys = latest;
          log.info({ keys: latest.fingerprint }, 'signing keys changed; authorization server reloaded');
        }
        checkedAt = Date.now();
      } finally {
        reloading = undefined;
      }
    })());

  const currentProvider = async () => {
    if (Date.now() - checkedAt > KEY_RELOAD_SECONDS * 1000) {
      // A failed check (database briefly away) must not fail the request: keep signing with the
      // keys at hand and look again at the next interval.
      await reloadKeys().catch((err: unknown) => {
        checkedAt = Date.now();
        log.warn({ err }, 'could not check for rotated signing keys');
      });
    }
    return provider;
  };

  const interactions = interactionsRouter({ config, db, log, provider: currentProvider, csrfSecret: keys.cookieKeys[0]!, toolsForScope: options.toolsForScope });
  const throttle = createThrottleRepository(db.kysely);

  const discoveryCors = openCors('GET,HEAD,OPTIONS');
  const endpointCors = openCors('GET,POST,OPTIONS');

  async function cors(ctx: Context, next: Next) {
    if (AUTHORIZATION_SERVER_METADATA_PATHS.has(ctx.path)) return discoveryCors(ctx, next);
    if (CORS_PATHS.has(ctx.path)) return endpointCors(ctx, next);
    return next();
  }

  async function mountProvider(ctx: Context, next: Next) {
    const ours = (ctx.path.startsWith(OAUTH_PREFIX) && !ctx.path.startsWith(`${INTERACTION_PATH}/`)) || AUTHORIZATION_SERVER_METADATA_PATHS.has(ctx.path);
    if (!ours) return next();
    pinPublicOrigin(ctx, publicUrl);
    const current = await currentProvider();
    // oidc-provider sets some cookies through ctx.cookies: they must be signed with its keys (which
    // this Koa app does not have), exactly like the ones it sets through its own context.
    const cookies = current.createContext(ctx.req, ctx.res).cookies;
    cookies.secure = ctx.secure;
    ctx.cookies = cookies;
    return exec(ctx, next);
  }

  const middleware = compose<Context>([
    cors,
    registrationRateLimit({ throttle, registrationPath: OAUTH_ROUTES.registration, perHour: config.registrationRateLimitPerHour }),
    defaultAuthorizationScope(OAUTH_ROUTES.authorization),
    authorizationServerMetadata(config),
    interactions.routes() as Middleware,
    interactions.allowedMethods() as Middleware,
    mountProvider,
  ]) as Middleware;

  // Housekeeping: expired OAuth records and old throttle counters. Any node may do it; it is
  // idempotent. Deleting a day after expiry keeps recently expired records for diagnosis.
  const oidc = createOidcRepository(db.kysely);
  const timer = setInterval(() => {
    Promise.all([oidc.deleteExpired(86400), throttle.deleteOlderThan(86400)]).catch((err: unknown) => log.warn({ err }, 'oauth housekeeping failed'));
  }, HOUSEKEEPING_MS);
  timer.unref();

  return {
    middleware,
    keyStore: createKeyStore(db.kysely),
    provider: currentProvider,
    reloadKeys,
    stop() {
      clearInterval(timer);
    },
  };
}
