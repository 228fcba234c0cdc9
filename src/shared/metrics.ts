// Prometheus metrics (prom-client), one registry per app: two apps in one process (tests, the bench)
// never share or collide on a series. createApp builds the Metrics object and hands each part the
// narrow interface it records through; nothing here knows a surface.
//
// Every label takes its values from a set the code bounds, never from what a client sends: a route
// is the pattern a router matched (or one of the app's fixed paths), a tool a registered tool's name,
// a grant type one the token endpoint accepted. A raw path or id as a label would make a new series
// per request and grow the scrape without bound.
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { Context, Next } from 'koa';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export const METRICS_PATH = '/metrics';

/** The outcome of a tool call, as the audit log records it: `denied` is a missing scope. */
export type ToolCallOutcome = 'success' | 'error' | 'denied';

/** Records tool calls (the resource server's tool runner). */
export interface ToolCallMetrics {
  observeToolCall(surface: string, tool: string, outcome: ToolCallOutcome, seconds: number): void;
}

/** Records tokens the authorization server issued. */
export interface TokenMetrics {
  /** One successful token request: its grant type and each kind of token in the answer. */
  tokensIssued(grantType: string, tokenTypes: readonly string[]): void;
}

/** Counts a surface's live MCP sessions when scraped. */
export interface SessionMetrics {
  trackSessions(surface: string, count: () => number): void;
}

export interface PoolStats {
  /** Connections checked out by a unit of work. */
  readonly inUse: number;
  readonly idle: number;
  /** Units of work waiting for a connection. */
  readonly waiting: number;
}

export interface DialerMetrics {
  /** One pass of the dialer finished (or failed), having started at `startedAt` (ms since the epoch). */
  dialerPass(outcome: 'success' | 'error', startedAt: number, seconds: number): void;
}

export interface WebhookMetrics {
  webhookEvent(provider: string, type: string, outcome: string): void;
}

export interface Metrics extends ToolCallMetrics, TokenMetrics, SessionMetrics, DialerMetrics, WebhookMetrics {
  readonly registry: Registry;
  /** Reads the database pool's state at each scrape (call once; nothing is declared without a pool: PGlite). */
  trackDbPool(stats: () => PoolStats | undefined): void;
  /**
   * HTTP requests and their latency by method, route and status. `knownPaths` are the app's fixed
   * paths that no router matches (the MCP endpoint, the discovery documents): each is its own route,
   * and one ending in `/*` stands for everything under it; any other unrouted path is `unmatched`.
   */
  http(knownPaths: Iterable<string>): (ctx: Context, next: Next) => Promise<void>;
  /** `/metrics`, to loopback clients or a holder of the token; everyone else gets the app's 404. */
  endpoint(options: { token: string | undefined }): (ctx: Context, next: Next) => Promise<void>;
}

// Seconds. A prepared tools/list answers in well under a millisecond; a tool placing a call may
// wait on the provider for seconds.
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export function createMetrics(): Metrics {
  const registry = new Registry();
  const registers = [registry];
  collectDefaultMetrics({ register: registry });

  /** A count and a latency histogram over the same labels, recorded together. */
  const timed = <L extends string>(labelNames: readonly L[], count: { name: string; help: string }, latency: { name: string; help: string }) => {
    const counter = new Counter({ ...count, labelNames, registers });
    const histogram = new Histogram({ ...latency, labelNames, buckets: LATENCY_BUCKETS, registers });
    return (labels: Record<L, string>, seconds: number) => {
      counter.inc(labels);
      histogram.observe(labels, seconds);
    };
  };

  const observeHttp = timed(
    ['method', 'route', 'status'],
    { name: 'kaicalls_http_requests_total', help: 'HTTP requests answered, by method, route (the matched pattern) and status.' },
    {
      name: 'kaicalls_http_request_duration_seconds',
      help: 'Time to answer an HTTP request (to the end of the handlers; a stream is counted until its headers), by method, route and status.',
    },
  );
  const observeTool = timed(
    ['surface', 'tool', 'outcome'],
    { name: 'kaicalls_tool_calls_total', help: 'MCP tool calls, by surface, tool and outcome (success, error, or denied for a missing scope).' },
    { name: 'kaicalls_tool_call_duration_seconds', help: 'Time to run an MCP tool call, audit row included, by surface, tool and outcome.' },
  );
  const tokens = new Counter({
    name: 'kaicalls_oauth_tokens_issued_total',
    help: 'Tokens the authorization server issued, by grant type and token type (access_token, refresh_token, id_token).',
    labelNames: ['grant_type', 'token_type'] as const,
    registers,
  });

  const sessionSources = new Map<string, () => number>();
  new Gauge({
    name: 'kaicalls_mcp_sessions_active',
    help: 'MCP sessions this node holds in memory, by surface.',
    labelNames: ['surface'] as const,
    registers,
    collect() {
      for (const [surface, count] of sessionSources) this.set({ surface }, count());
    },
  });

  // Declared only for a database that has a pool: on PGlite (one connection) a 0 would read as "idle".
  const trackDbPool = (stats: () => PoolStats | undefined) => {
    if (stats() === undefined) return;
    const gauge = (name: string, help: string, pick: (s: PoolStats) => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          const now = stats();
          if (now) this.set(pick(now));
        },
      });
    gauge('kaicalls_db_pool_connections_in_use', 'Database connections checked out by a unit of work (Postgres pool).', (s) => s.inUse);
    gauge('kaicalls_db_pool_connections_idle', 'Open database connections waiting in the pool (Postgres pool).', (s) => s.idle);
    gauge('kaicalls_db_pool_waiting', 'Units of work waiting for a database connection (Postgres pool).', (s) => s.waiting);
  };

  // Until the first pass, counted from the start: a dialer that never runs shows a growing lag, not 0.
  let lastPassStartedAt = Date.now();
  new Gauge({
    name: 'kaicalls_dialer_lag_seconds',
    help:
      'Seconds since the start of the last successful dialer pass (or of the process): at most how long work that fell due since has waited. ' +
      'Healthy: about DIALER_INTERVAL_MS plus one pass; it grows while passes fail, hang or stop.',
    registers,
    collect() {
      this.set((Date.now() - lastPassStartedAt) / 1000);
    },
  });
  const dialerPasses = new Counter({
    name: 'kaicalls_dialer_passes_total',
    help: 'Dialer passes, by outcome.',
    labelNames: ['outcome'] as const,
    registers,
  });
  const dialerPassDuration = new Histogram({
    name: 'kaicalls_dialer_pass_duration_seconds',
    help: 'Time one dialer pass took (recovery, scheduled calls, campaign leads).',
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const webhookEvents = new Counter({
    name: 'kaicalls_webhook_events_total',
    help: "Voice provider webhook events received, by provider, event type and outcome (the provider's own types).",
    labelNames: ['provider', 'type', 'outcome'] as const,
    registers,
  });

  return {
    registry,
    observeToolCall(surface, tool, outcome, seconds) {
      observeTool({ surface, tool, outcome }, seconds);
    },
    tokensIssued(grantType, tokenTypes) {
      for (const tokenType of tokenTypes) tokens.inc({ grant_type: grantType, token_type: tokenType });
    },
    trackSessions(surface, count) {
      sessionSources.set(surface, count);
    },
    trackDbPool,
    dialerPass(outcome, startedAt, seconds) {
      dialerPasses.inc({ outcome });
      dialerPassDuration.observe(seconds);
      if (outcome === 'success') lastPassStartedAt = startedAt;
    },
    webhookEvent(provider, type, outcome) {
      webhookEvents.inc({ provider, type, outcome });
    },
    http(knownPaths) {
      const all = [...knownPaths];
      const known = {
        exact: new Set(all.filter((p) => !p.endsWith('/*'))),
        prefixes: all.filter((p) => p.endsWith('/*')).map((p) => ({ route: p, prefix: p.slice(0, -1) })),
      };
      return async function measureRequest(ctx, next) {
        const started = performance.now();
        try {
          await next();
        } finally {
          const labels = { method: METHODS.has(ctx.method) ? ctx.method : 'other', route: routeOf(ctx, known), status: String(ctx.status) };
          observeHttp(labels, (performance.now() - started) / 1000);
        }
      };
    },
    endpoint({ token }) {
      const expected = token === undefined ? undefined : digest(token);
      return async function serveMetrics(ctx, next) {
        if (ctx.path !== METRICS_PATH || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) return next();
        if (!(isLocalScrape(ctx) || (expected !== undefined && presentsToken(ctx, expected)))) return next();
        ctx.set('Cache-Control', 'no-store');
        ctx.type = registry.contentType;
        ctx.body = await registry.metrics();
      };
    },
  };
}

/** The route a router matched (@koa/router and oidc-provider's both record it), a fixed path, or `unmatched`. */
function routeOf(ctx: Context, known: { exact: ReadonlySet<string>; prefixes: readonly { route: string; prefix: string }[] }): string {
  const matched = (ctx as { _matchedRoute?: string | RegExp })._matchedRoute;
  if (matched !== undefined) return String(matched);
  // The MCP endpoint also serves its URL with a trailing slash.
  const path = ctx.path.length > 1 && ctx.path.endsWith('/') ? ctx.path.slice(0, -1) : ctx.path;
  if (known.exact.has(path)) return path;
  return known.prefixes.find((p) => ctx.path.startsWith(p.prefix))?.route ?? 'unmatched';
}

/**
 * Loopback means the TCP peer, never a header: X-Forwarded-For is whatever the client wrote (Koa's
 * ctx.ip, with proxy trust on, is its first entry, which the client chose). And behind a reverse
 * proxy on the same host every request arrives from loopback, so a loopback peer counts only when
 * the request bears no forwarding header, i.e. did not come through a proxy: a scraper on the host
 * calling the node directly. A proxied request needs the token, whether or not TRUST_PROXY says a
 * proxy is there (a forgotten TRUST_PROXY must not open /metrics to the internet).
 */
function isLocalScrape(ctx: Context): boolean {
  if (!isLoopback(ctx.req.socket.remoteAddress)) return false;
  return ctx.get('X-Forwarded-For') === '' && ctx.get('Forwarded') === '' && ctx.get('X-Real-IP') === '';
}

function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (isIP(v4) === 4) return v4.startsWith('127.');
  return address === '::1';
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Compared as digests, so that the comparison takes the same time whatever was sent, its length included. */
function presentsToken(ctx: Context, expected: Buffer): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(ctx.get('Authorization'));
  return match !== null && timingSafeEqual(digest(match[1]!), expected);
}
