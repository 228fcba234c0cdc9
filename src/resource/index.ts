// The resource server, assembled: token and key checks, the tool registry's MCP server, sessions,
// and the endpoints (/api/mcp, and /api/mcp/conformance when the fixtures are on).
import type { JWTVerifyGetKey } from 'jose';
import type { Middleware } from 'koa';
import { SIGNING_ALG } from '../authz/keys.js';
import type { Config } from '../shared/config.js';
import type { Db } from '../shared/db.js';
import type { Logger } from '../shared/log.js';
import type { SessionMetrics, ToolCallMetrics } from '../shared/metrics.js';
import { createAccessTokenVerifier } from './auth/access-tokens.js';
import { createChallenges } from './auth/challenges.js';
import { CONFORMANCE_TOOL_SCOPES, createConformanceServerFactory } from './conformance/fixtures.js';
import { createCredentialResolver } from './auth/credentials.js';
import { mcpEndpoint, type McpSurface } from './http/mcp-endpoint.js';
import { createToolServerFactory } from './framework/mcp-server.js';
import type { ToolRegistry } from './framework/tool.js';
import { PROVIDER, SERVER_INFO } from './framework/server-info.js';
import { discoveryEntries } from './framework/tool-listing.js';
import { createOriginPolicy } from './http/origin-policy.js';
import { createSessionManager, type SessionManager } from './http/sessions.js';
import { createStatelessDispatcher } from './http/stateless.js';
import { createToolRunner } from './framework/tool-runner.js';
import { withToolMetrics } from './framework/tool-metrics.js';
import { requiredScopesOf } from './framework/tool.js';
import type { Domain } from '../domain/index.js';

export interface ResourceServer {
  readonly middleware: Middleware;
  /** Ends the open event streams of this node's sessions (shutdown: let clients reconnect elsewhere). */
  drain(): void;
  /** Closes the sessions held by this node (their rows stay: another node can take them over). */
  close(): Promise<void>;
}

export interface ResourceServerDeps {
  config: Config;
  db: Db;
  log: Logger;
  /** The authorization server's key resolver (src/authz/keys.ts createKeyStore().getKey). */
  getKey: JWTVerifyGetKey;
  /** The domain core the tools act through. */
  domain: Domain;
  /** The account surface's tools. */
  tools: ToolRegistry;
  /** Where the protected resource metadata is (the WWW-Authenticate challenges point there). */
  resourceMetadataUrl: string;
  /** Tool calls and live sessions, for /metrics. */
  metrics?: ToolCallMetrics & SessionMetrics;
}

export function createResourceServer(deps: ResourceServerDeps): ResourceServer {
  const { config, db, log } = deps;
  const accessTokens = createAccessTokenVerifier({
    issuer: config.issuer,
    audience: config.mcpUrl,
    getKey: deps.getKey,
    algorithms: [SIGNING_ALG],
  });
  const credentials = createCredentialResolver({ db, accessTokens });
  const challenges = createChallenges(deps.resourceMetadataUrl);
  const origins = createOriginPolicy(config);
  const runner = createToolRunner({ db, log, domain: deps.domain, tools: deps.tools });

  const surfaces: McpSurface[] = [
    {
      name: 'main',
      path: new URL(config.mcpUrl).pathname,
      url: config.mcpUrl,
      scopesForTool: (name, args) => {
        const tool = deps.tools.find(name);
        return tool ? requiredScopesOf(tool, args) : undefined;
      },
      createServer: createToolServerFactory({ tools: deps.tools.list(), handlerFor: deps.metrics ? withToolMetrics(runner, 'main', deps.metrics) : runner }),
    },
  ];
  if (config.conformanceFixtures) {
    surfaces.push({
      name: 'conformance',
      path: `${new URL(config.mcpUrl).pathname}/conformance`,
      url: `${config.mcpUrl}/conformance`,
      scopesForTool: (name) => (Object.hasOwn(CONFORMANCE_TOOL_SCOPES, name) ? CONFORMANCE_TOOL_SCOPES[name] : undefined),
      createServer: createConformanceServerFactory(),
    });
  }

  const sessionManagers: SessionManager[] = [];
  const endpoints = surfaces.map((surface) => {
    const sessions = createSessionManager({
      db,
      log,
      surface: surface.name,
      url: surface.url,
      createServer: surface.createServer,
      idleTtlSeconds: config.mcpSessionIdleTtlSeconds,
    });
    sessionManagers.push(sessions);
    deps.metrics?.trackSessions(surface.name, () => sessions.liveCount());
    return mcpEndpoint({
      config,
      db,
      log,
      surface,
      origins,
      credentials,
      challenges,
      sessions,
      stateless: createStatelessDispatcher(surface.createServer, surface.url),
    });
  });

  return {
    async middleware(ctx, next) {
      // The canonical URL has no trailing slash (interop.md 1); a client that adds one is served too.
      const path = ctx.path.length > 1 && ctx.path.endsWith('/') ? ctx.path.slice(0, -1) : ctx.path;
      const endpoint = endpoints.find((_, i) => surfaces[i]!.path === path);
      return endpoint ? endpoint(ctx, next) : next();
    },
    drain() {
      for (const sessions of sessionManagers) sessions.drain();
    },
    async close() {
      await Promise.all(sessionManagers.map((s) => s.close()));
    },
  };
}

/** How the account surface describes itself in the discovery documents (mcp.json, the server card). */
export function describeAccountSurface(tools: ToolRegistry) {
  return { serverInfo: SERVER_INFO, provider: PROVIDER, tools: discoveryEntries(tools) };
}
