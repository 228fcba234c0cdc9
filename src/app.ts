// The composition root: configuration → database → repositories → routers. Nothing else in the
// code base constructs long-lived dependencies; everything is handed down from here.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { migrateToLatest } from '../db/migrate.js';
import { createAuthorizationServer, type AuthorizationServer } from './authz/server.js';
import { runtimeKeyIssuer } from './authz/api-keys.js';
import type { FetchLike } from './authz/cimd.js';
import { createResourceServer, describeAccountSurface, type ResourceServer } from './resource/index.js';
import { accountTools } from './resource/tools/registry.js';
import { createInCallEndpoint, type InCallEndpoint } from './resource/in-call/endpoint.js';
import { globalInCallTools } from './resource/in-call/tools/index.js';
import type { HostResolver } from './shared/outbound-http.js';
import { createDomain, type Domain } from './domain/index.js';
import { createDashboard } from './dashboard/index.js';
import { connectRouter } from './dashboard/connect/index.js';
import { ASSETS_PATH } from './dashboard/layout.js';
import { AUTHORIZATION_SERVER_METADATA_PATHS } from './authz/metadata.js';
import { createJobs, type Jobs } from './jobs/index.js';
import { createProviders, providerWebhooks } from './providers/index.js';
import { createProviderWebhookSink } from './resource/in-call/provider-sink.js';
import type { SimulatedRuntime } from './providers/simulator/simulator.js';
import { simulatorRecordingsRouter } from './providers/simulator/recordings.js';
import type { Config } from './shared/config.js';
import { openDatabase, type Db } from './shared/db.js';
import { healthRouter } from './shared/health.js';
import { errorMapper, requestLogger } from './shared/http.js';
import { createLogger, type Logger } from './shared/log.js';
import { createMetrics, METRICS_PATH, type Metrics } from './shared/metrics.js';
import { requestIds } from './shared/request-id.js';
import { PRM_PATH, protectedResourceMetadataUrl } from './well-known/protected-resource.js';
import { resourceDocuments } from './well-known/resource-documents.js';

export interface App {
  readonly config: Config;
  readonly db: Db;
  readonly log: Logger;
  readonly koa: Koa;
  /** The OAuth authorization server (oidc-provider, sign-in, consent) and its verification keys. */
  readonly authz: AuthorizationServer;
  /** The MCP resource server: /api/mcp, its sessions and its tools. */
  readonly resource: ResourceServer;
  /** The domain core every surface acts through. */
  readonly domain: Domain;
  /** The background work: the dialer and the sweeps. */
  readonly jobs: Jobs;
  /** This app's Prometheus registry and the recorders handed to each part (served at /metrics). */
  readonly metrics: Metrics;
  /** Starts listening on config.host:config.port; resolves with the bound address. */
  listen(): Promise<{ port: number; url: string }>;
  /** Stops accepting, lets in-flight requests finish (up to a grace period), closes the database. */
  stop(): Promise<void>;
}

export interface AppOptions {
  log?: Logger;
  /** An already-open database (tests share one per file); it is not closed by stop(). */
  db?: Db;
  /** Outbound fetch for OAuth Client ID Metadata Documents (tests stand in for the remote host). */
  cimdFetch?: FetchLike;
  /** How agent tools' outbound requests resolve host names (tests stand in for DNS); the system's by default. */
  resolveHost?: HostResolver;
  /** The domain's clock (tests of time-dependent rules: booking notice, holds, reminders); the system's by default. */
  clock?: () => Date;
}

const SHUTDOWN_GRACE_MS = 10_000;
const IDLE_SWEEP_MS = 50;

export async function createApp(config: Config, options: AppOptions = {}): Promise<App> {
  const log = options.log ?? createLogger(config);
  const db = options.db ?? (await openDatabase(config));
  const ownsDb = !options.db;
  try {
    await migrateToLatest(db.kysely);
  } catch (err) {
    if (ownsDb) await db.close();
    throw err;
  }

  const koa = new Koa({ proxy: config.trustProxy });
  koa.silent = true;
  const metrics = createMetrics();
  metrics.trackDbPool(() => db.poolStats());
  // First, so that every response, error pages included, carries X-Request-Id and every log line of
  // the request its id; then the request is timed and logged.
  koa.use(requestIds());
  koa.use(metrics.http(unroutedPaths(config)));
  koa.use(requestLogger(log));
  koa.use(errorMapper(log));
  koa.use(metrics.endpoint({ token: config.metricsToken }));
  // Set at the start of stop(): from then on this node tells load balancers and clients to go elsewhere.
  let draining = false;
  const health = healthRouter(db, () => draining);
  koa.use(health.routes()).use(health.allowedMethods());

  // The simulator plays the voice runtime's part through the in-call tools (spec/voice-runtime.md §C);
  // the in-call surface is built after the domain, so the runtime reaches it late-bound.
  let inCallEndpoint: InCallEndpoint | undefined;
  const simulatedRuntime: SimulatedRuntime | undefined = config.simulatorRuntime
    ? {
        async callTool(call, name, args) {
          const result = await inCallEndpoint!.callAs('simulator', call, name, args);
          const [first] = result.content;
          return { ok: !result.isError, text: first?.type === 'text' ? first.text : '', data: (result.structuredContent ?? {}) as Record<string, unknown> };
        },
        firstTransferDestination: (call) =>
          domain.inCall.firstTransferDestination(call.businessId, { personaId: call.agentId, callRef: call.callId, callerNumber: call.callerNumber }),
      }
    : undefined;
  const domain = createDomain({
    db,
    config,
    log,
    clock: options.clock,
    resolveHost: options.resolveHost,
    runtimeKeys: runtimeKeyIssuer,
    providers: (onCallEvent) => createProviders(config, log, onCallEvent, simulatedRuntime),
  });
  const jobs = createJobs(domain, config, log, metrics);
  let authz: AuthorizationServer;
  try {
    authz = await createAuthorizationServer({ config, db, log, fetch: options.cimdFetch, toolsForScope: accountTools.forScope, metrics });
    // Recovers calls and texts a previous process left in flight, then starts the dialer.
    await jobs.start();
  } catch (err) {
    await jobs.stop();
    await domain.stop();
    if (ownsDb) await db.close();
    throw err;
  }

  // The MCP endpoint verifies access tokens locally against the authorization server's own keys.
  const resource = createResourceServer({
    config,
    db,
    log,
    domain,
    tools: accountTools,
    resourceMetadataUrl: protectedResourceMetadataUrl(config),
    getKey: (header, token) => authz.keyStore.getKey(header, token),
    metrics,
  });
  // The MCP endpoint first: it is the busiest path and answers only its own path, so its requests
  // skip the authorization server's middleware, none of which serves that path.
  koa.use(resource.middleware);
  // The in-call surface a voice runtime uses during a live call (runtime keys only): its own path.
  inCallEndpoint = createInCallEndpoint({ config, db, log, domain, globals: globalInCallTools });
  koa.use(inCallEndpoint.middleware);
  // A real provider's webhooks (/webhooks/vapi): verified, then applied through the domain.
  const webhooks = providerWebhooks(config, { sink: createProviderWebhookSink(domain, inCallEndpoint), metrics, log });
  if (webhooks) koa.use(webhooks.middleware);
  koa.use(authz.middleware);
  // The business dashboard answers only /dashboard and below.
  const dashboard = createDashboard({ config, db, log, domain });
  koa.use(dashboard.middleware);
  const surface = describeAccountSurface(accountTools);
  koa.use(resourceDocuments(config, surface));
  // The public connect page at `/`, from the same registry (the dashboard never imports src/resource).
  const connect = connectRouter({
    config,
    server: surface.serverInfo,
    tools: accountTools.summaries().map((t) => ({ ...t, readOnly: accountTools.find(t.name)?.annotations.readOnlyHint === true })),
  });
  koa.use(connect.routes()).use(connect.allowedMethods());
  const recordings = simulatorRecordingsRouter((providerCallId) => domain.calls.statusByProviderCallId('simulator', providerCallId));
  koa.use(recordings.routes());

  let server: http.Server | undefined;
  let stopping: Promise<void> | undefined;
  /** Responses under way, so that a drain can still mark the ones whose headers are not out yet. */
  const inFlight = new Set<http.ServerResponse>();

  return {
    config,
    db,
    log,
    koa,
    authz,
    resource,
    domain,
    jobs,
    metrics,
    listen() {
      return new Promise((resolve, reject) => {
        const handle = koa.callback();
        server = http.createServer((req, res) => {
          // While draining, every response closes its connection, so keep-alive clients move to
          // another node after the answer instead of being cut mid-request at the end of the grace.
          if (draining) res.setHeader('Connection', 'close');
          else {
            inFlight.add(res);
            res.once('close', () => inFlight.delete(res));
          }
          void handle(req, res);
        });
        server.once('error', reject);
        server.listen(config.port, config.host, () => {
          const { port } = server!.address() as AddressInfo;
          resolve({ port, url: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}` });
        });
      });
    },
    stop() {
      stopping ??= (async () => {
        draining = true;
        for (const res of inFlight) if (!res.headersSent) res.setHeader('Connection', 'close');
        // Open MCP event streams never finish on their own: end them so their clients reconnect
        // (to another node) while requests in flight complete.
        resource.drain();
        if (server) {
          // close() stops accepting and closes the connections that are idle now. A connection whose
          // answer went out before the drain began becomes idle only when that answer is done, so idle
          // ones are closed again until none is left; a request in flight is never cut before the grace.
          const closed = new Promise<void>((resolve) => server!.close(() => resolve()));
          const sweep = setInterval(() => server!.closeIdleConnections(), IDLE_SWEEP_MS);
          const timer = setTimeout(() => server!.closeAllConnections(), SHUTDOWN_GRACE_MS);
          await closed;
          clearInterval(sweep);
          clearTimeout(timer);
        }
        authz.stop();
        dashboard.stop();
        await resource.close();
        // Before the database closes: calls still in the provider's hands are recorded as failed.
        await jobs.stop();
        await domain.stop();
        if (ownsDb) await db.close();
      })();
      return stopping;
    },
  };
}

/**
 * Paths answered without a router (which would name the matched route itself): each is its own route
 * in the HTTP metrics; anything else unrouted is `unmatched`, so a label never holds a raw path.
 */
function unroutedPaths(config: Config): string[] {
  const mcp = new URL(config.mcpUrl).pathname;
  return [
    mcp,
    `${mcp}/conformance`,
    PRM_PATH,
    `${PRM_PATH}${mcp}`,
    '/.well-known/mcp.json',
    '/.well-known/mcp/server-card.json',
    ...AUTHORIZATION_SERVER_METADATA_PATHS,
    METRICS_PATH,
    `${ASSETS_PATH}/*`,
    ...(config.telephonyProvider === 'simulator' ? [] : [`/webhooks/${config.telephonyProvider}`]),
  ];
}
