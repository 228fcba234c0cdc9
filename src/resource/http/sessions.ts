// MCP sessions (Streamable HTTP `Mcp-Session-Id`) across several nodes.
//
// Why sessions at all: a server-to-client request (elicitation, sampling) is answered by the client
// in a later POST, which must reach the server object that is waiting for it; and a client that
// initialized expects its negotiated protocol version and capabilities to hold for the session.
//
// Why they survive a node (product.md "Operating it": nothing one node needs may live only in
// another node's memory): every session is a row in `mcp_sessions` written before its id is handed
// out. A node that gets a request for a session it does not hold in memory finds the row and
// rebuilds the session by replaying the client's stored `initialize` into a fresh server object,
// so the client carries on without noticing. Unknown, ended or expired ids get 404, after which
// clients start a new session (Streamable HTTP, "Session Management").
//
// What stays per node, by nature: open SSE streams and a tool call that is waiting for the client's
// answer to an elicitation or sampling request. That answer must come back to the node that asked,
// so a load balancer in front of several nodes keeps affinity on the `Mcp-Session-Id` header; every
// other request may land anywhere.
//
// Ending: DELETE marks the row ended at once; other nodes holding the session in memory re-check the
// row at least every RECHECK_MS, so an ended session stops working everywhere within that time.
import { randomUUID } from 'node:crypto';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { InitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { Db } from '../../shared/db.js';
import { isUuid } from '../../shared/ids.js';
import type { Logger } from '../../shared/log.js';
import { internalRequest } from './http-bridge.js';
import type { ServerFactory } from '../framework/mcp-server.js';
import { createMcpSessionsRepository, type McpSessionRecord } from './sessions.repository.js';
import { KEEP_ALIVE_MS, SessionTransport } from './session-transport.js';

export interface LiveSession {
  readonly id: string;
  /** The SDK's transport: every request of the session that `exchange` does not answer. */
  readonly transport: WebStandardStreamableHTTPServerTransport;
  /** What the server is connected to: answers one-request POSTs itself, hands the rest to `transport`. */
  readonly exchange: SessionTransport;
  readonly server: McpServer;
  /** Who the session is bound to; null until a credential first uses it. */
  principal: string | null;
  lastUsedAt: number;
  checkedAt: number;
}

export type SessionLookup =
  | { status: 'ok'; session: LiveSession }
  | { status: 'not_found' }
  /** The session belongs to a credential and this request brought none. */
  | { status: 'unauthenticated' };

export interface SessionManager {
  /** Records a new session and makes it live here; the caller then hands it the client's initialize. */
  open(init: InitializeRequest['params'], principal: string | null): Promise<LiveSession>;
  /** Finds a session for a request by `principal` (null when the request has no credential). */
  resolve(id: string, principal: string | null): Promise<SessionLookup>;
  /** Ends a session everywhere (DELETE); the caller then lets its transport close it here. */
  end(session: LiveSession): Promise<void>;
  /** Ends the standalone event streams (GET) held here; requests in flight carry on. */
  drain(): void;
  /** How many sessions this node holds in memory now (the active sessions gauge). */
  liveCount(): number;
  close(): Promise<void>;
}

/** How long a node trusts its in-memory copy before checking the row again. */
const RECHECK_MS = 10_000;
/** A session not used for this long is dropped from memory (its row stays; it can be rebuilt). */
const MEMORY_IDLE_MS = 30 * 60_000;
/** Most sessions one node keeps in memory; the least recently used one is dropped first. */
const MAX_LIVE = 2_000;
const SWEEP_MS = 60_000;

export interface SessionManagerDeps {
  db: Db;
  log: Logger;
  /** `main` or `conformance`: a session id is only valid on the endpoint that created it. */
  surface: string;
  /** The endpoint's URL, for requests the manager makes to its own transports. */
  url: string;
  createServer: ServerFactory;
  idleTtlSeconds: number;
}

export function createSessionManager(deps: SessionManagerDeps): SessionManager {
  const { surface, idleTtlSeconds, log } = deps;
  const repo = createMcpSessionsRepository(deps.db.kysely);
  const live = new Map<string, LiveSession>();
  const rebuilding = new Map<string, Promise<LiveSession | undefined>>();

  const drop = (session: LiveSession) => {
    if (live.get(session.id) === session) live.delete(session.id);
    // Closing the server closes its transport and any stream still open on it.
    session.server.close().catch((err: unknown) => log.warn({ err }, 'closing an MCP session failed'));
  };

  const attach = async (id: string, principal: string | null): Promise<LiveSession> => {
    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: () => id });
    const exchange = new SessionTransport(transport, deps.url, () => {
      if (live.get(id) === session) live.delete(id);
    });
    const server = deps.createServer();
    await server.connect(exchange);
    const now = Date.now();
    const session: LiveSession = { id, transport, exchange, server, principal, lastUsedAt: now, checkedAt: now };
    if (live.size >= MAX_LIVE) {
      let oldest: LiveSession | undefined;
      for (const s of live.values()) if (!oldest || s.lastUsedAt < oldest.lastUsedAt) oldest = s;
      if (oldest) drop(oldest);
    }
    live.set(id, session);
    return session;
  };

  /** Rebuilds a session from its row: the SDK keeps what initialize negotiated in memory only. */
  const rebuild = async (record: McpSessionRecord): Promise<LiveSession | undefined> => {
    const session = await attach(record.id, record.principal);
    const initialize = {
      jsonrpc: '2.0',
      id: `rebuild-${record.id}`,
      method: 'initialize',
      params: { protocolVersion: record.protocolVersion, capabilities: record.clientCapabilities, clientInfo: record.clientInfo },
    };
    const answered = await session.transport.handleRequest(internalRequest(deps.url), { parsedBody: initialize });
    await answered.text();
    const initialized = await session.transport.handleRequest(internalRequest(deps.url, record.id), {
      parsedBody: { jsonrpc: '2.0', method: 'notifications/initialized' },
    });
    if (answered.status !== 200 || initialized.status !== 202) {
      log.warn({ session: record.id, status: answered.status }, 'an MCP session could not be rebuilt from its stored initialize');
      drop(session);
      return undefined;
    }
    return session;
  };

  const sweep = setInterval(() => {
    const cutoff = Date.now() - MEMORY_IDLE_MS;
    for (const session of live.values()) if (session.lastUsedAt < cutoff) drop(session);
    repo.deleteStale(idleTtlSeconds).catch((err: unknown) => log.warn({ err }, 'could not delete stale MCP sessions'));
  }, SWEEP_MS);
  sweep.unref();
  // One timer for every session's long-running requests, rather than one per request.
  const keepAlive = setInterval(() => {
    const now = Date.now();
    for (const session of live.values()) session.exchange.keepAlive(now);
  }, KEEP_ALIVE_MS);
  keepAlive.unref();

  return {
    async open(init, principal) {
      const id = randomUUID();
      await repo.insert({
        id,
        surface,
        principal,
        protocolVersion: init.protocolVersion,
        clientInfo: init.clientInfo as unknown as Record<string, unknown>,
        clientCapabilities: init.capabilities as Record<string, unknown>,
      });
      return attach(id, principal);
    },

    liveCount: () => live.size,

    async resolve(id, principal) {
      if (!isUuid(id)) return { status: 'not_found' };
      let session = live.get(id);
      if (session && Date.now() - session.checkedAt > RECHECK_MS) {
        const record = await repo.touch(id, surface, idleTtlSeconds);
        if (!record) {
          drop(session);
          return { status: 'not_found' };
        }
        session.principal = record.principal;
        session.checkedAt = Date.now();
      }
      if (!session) {
        let pending = rebuilding.get(id);
        if (!pending) {
          pending = (async () => {
            const record = await repo.touch(id, surface, idleTtlSeconds);
            // A session bound to someone else is not rebuilt for this caller.
            if (!record || (record.principal !== null && principal !== null && record.principal !== principal)) return undefined;
            return rebuild(record);
          })().finally(() => rebuilding.delete(id));
          rebuilding.set(id, pending);
        }
        session = await pending;
        if (!session) return { status: 'not_found' };
      }

      if (session.principal === null && principal !== null) {
        const bound = await repo.bind(id, surface, principal);
        if (bound === undefined) {
          drop(session);
          return { status: 'not_found' };
        }
        session.principal = bound;
      }
      // A session id someone else learned is worthless with their own credential: it reads as
      // unknown, exactly like a made-up id.
      if (session.principal !== null) {
        if (principal === null) return { status: 'unauthenticated' };
        if (session.principal !== principal) return { status: 'not_found' };
      }
      session.lastUsedAt = Date.now();
      return { status: 'ok', session };
    },

    async end(session) {
      await repo.end(session.id);
      if (live.get(session.id) === session) live.delete(session.id);
    },

    drain() {
      for (const session of live.values()) session.transport.closeStandaloneSSEStream();
    },

    async close() {
      clearInterval(sweep);
      clearInterval(keepAlive);
      await Promise.all([...live.values()].map((s) => s.server.close().catch(() => {})));
      live.clear();
    },
  };
}
