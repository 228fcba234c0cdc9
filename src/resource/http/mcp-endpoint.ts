// The MCP endpoint (Streamable HTTP: POST, GET for the SSE stream, DELETE to end a session), one
// small step after another:
//
//   1. Host and Origin name this server          → else 403   (DNS rebinding; origin-policy.ts)
//   2. CORS for browser clients                  (interop.md 6, on 401/403 too)
//   3. body: JSON within BODY_LIMIT_BYTES        → else 413, or a JSON-RPC parse error
//   4. credential from headers, checked          → else 401 invalid_token
//   5. access for these messages                 → else 401 challenge, or 403 insufficient_scope
//      (a lone `server/discover` probe passes without a credential when discovery is anonymous)
//   6. session: known and bound to this caller   → else 404 (or 401 when it needs a credential)
//   7. the SDK's McpServer answers: through the session's transport, or without a session through
//      a pooled server (stateless.ts); a lone tools/list without a session is answered with the
//      bytes of the SDK's answer, prepared once
//
// Every error is JSON-RPC shaped and says what is wrong; nothing here ever returns a stack trace.
import zlib from 'node:zlib';
import { bodyParser } from '@koa/bodyparser';
import cors from '@koa/cors';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import {
  isInitializeRequest,
  isJSONRPCRequest,
  JSONRPCMessageSchema,
  ListToolsRequestSchema,
  type JSONRPCMessage,
  type JSONRPCRequest,
  type RequestId,
} from '@modelcontextprotocol/sdk/types.js';
import type { Context, Middleware } from 'koa';
import { auditActor } from '../../domain/audit/actor.js';
import { createAuditRepository } from '../../domain/audit/audit.repository.js';
import { CORS_ALLOW_HEADERS, CORS_EXPOSE_HEADERS } from '../../shared/cors.js';
import type { Scope } from '../../scopes/index.js';
import type { Config } from '../../shared/config.js';
import type { Db } from '../../shared/db.js';
import type { Logger } from '../../shared/log.js';
import { decideAccess, type AccessDecision } from '../auth/access.js';
import { stepUpScopes, type Challenges } from '../auth/challenges.js';
import { actorFromCredential } from '../auth/actor.js';
import { presentedCredential, principalOf, toAuthInfo, type Credential, type CredentialResolver } from '../auth/credentials.js';
import { sendWebResponse, toWebRequest } from './http-bridge.js';
import type { ServerFactory } from '../framework/mcp-server.js';
import type { OriginPolicy } from './origin-policy.js';
import type { SessionManager } from './sessions.js';
import { servedDirectly, type StatelessDispatcher } from './stateless.js';
import { isDatabaseUnavailable } from '../../shared/db-unavailable.js';

/** One MCP endpoint: the main one at /api/mcp, or the conformance fixtures. */
export interface McpSurface {
  /** `main` or `conformance`; sessions are only valid on the surface that created them. */
  readonly name: string;
  /** Request path, e.g. `/api/mcp`. */
  readonly path: string;
  /** Public URL of the endpoint. */
  readonly url: string;
  scopesForTool(name: string, args: unknown): readonly Scope[] | undefined;
  readonly createServer: ServerFactory;
}

export interface McpEndpointDeps {
  config: Pick<Config, 'bodyLimitBytes' | 'anonymousDiscovery'>;
  db: Db;
  log: Logger;
  surface: McpSurface;
  origins: OriginPolicy;
  credentials: CredentialResolver;
  challenges: Challenges;
  sessions: SessionManager;
  stateless: StatelessDispatcher;
}

// JSON-RPC error codes: the spec's, and the SDK's for transport-level refusals.
const PARSE_ERROR = -32700;
const INVALID_REQUEST = -32600;
const INTERNAL_ERROR = -32603;
const SERVER_ERROR = -32000;
const SESSION_NOT_FOUND = -32001;

const ALLOWED_METHODS = 'GET, POST, DELETE';

export function mcpEndpoint(deps: McpEndpointDeps): Middleware {
  const { surface, origins, challenges, log } = deps;
  const parseJson = bodyParser({ enableTypes: ['json'], jsonLimit: deps.config.bodyLimitBytes, jsonStrict: true, encoding: 'utf-8' });
  const corsHeaders = cors({
    // Only origins the policy admits reach this point; echo the one that asked.
    origin: (ctx) => ctx.get('Origin'),
    allowMethods: `${ALLOWED_METHODS}, OPTIONS`,
    allowHeaders: [...CORS_ALLOW_HEADERS, 'X-KaiCalls-API-Key'],
    exposeHeaders: [...CORS_EXPOSE_HEADERS],
    maxAge: 3600,
  });

  const toolsList = surface.createServer.toolsListJson === undefined ? undefined : preparedToolsList(surface.createServer.toolsListJson);

  const rpcError = (ctx: Context, status: number, code: number, message: string, id: RequestId | null = null) => {
    ctx.status = status;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { jsonrpc: '2.0', id, error: { code, message } };
  };

  const audit = async (credential: Credential, action: string, errorCode: string, details: Record<string, unknown>) => {
    try {
      await deps.db.forBusiness(credential.businessId, (tx) =>
        createAuditRepository(tx).append({
          businessId: credential.businessId,
          ...auditActor(actorFromCredential(credential)),
          action,
          outcome: 'denied',
          errorCode,
          details,
        }),
      );
    } catch (err) {
      log.error({ err, action }, 'could not write the audit row of a refused call');
    }
  };

  /** Step 3: the parsed JSON body, or undefined when the content type is not JSON (the transport answers 415). */
  const readBody = async (ctx: Context): Promise<{ ok: true; body: unknown } | { ok: false }> => {
    if (!ctx.is('application/json')) return { ok: true, body: undefined };
    try {
      await parseJson(ctx, async () => {});
      return { ok: true, body: ctx.request.body };
    } catch (err) {
      const status = (err as { status?: number }).status;
      if (status === 413) {
        rpcError(ctx, 413, SERVER_ERROR, `Payload too large: request bodies are limited to ${deps.config.bodyLimitBytes} bytes`);
      } else if (status === 400) {
        rpcError(ctx, 400, PARSE_ERROR, 'Parse error: the body is not valid JSON');
      } else if (status === 415) {
        rpcError(ctx, 415, SERVER_ERROR, 'Unsupported Media Type: the body must be UTF-8 JSON');
      } else {
        throw err;
      }
      return { ok: false };
    }
  };

  const handle = async (ctx: Context) => {
    // Answers depend on who asks: never cache one for another caller (interop.md 22).
    ctx.set('Cache-Control', 'no-store');
    ctx.vary('Authorization');
    ctx.vary('X-KaiCalls-API-Key');
    if (ctx.method !== 'POST' && ctx.method !== 'GET' && ctx.method !== 'DELETE') {
      ctx.set('Allow', ALLOWED_METHODS);
      return rpcError(ctx, 405, SERVER_ERROR, `Method not allowed: use ${ALLOWED_METHODS}`);
    }

    // 3. Body.
    let parsedBody: unknown;
    let messages: JSONRPCMessage[] = [];
    if (ctx.method === 'POST') {
      const read = await readBody(ctx);
      if (!read.ok) return;
      parsedBody = read.body;
      if (parsedBody !== undefined) {
        const list = Array.isArray(parsedBody) ? parsedBody : [parsedBody];
        const parsed = list.map((m) => JSONRPCMessageSchema.safeParse(m));
        if (list.length === 0 || parsed.some((p) => !p.success)) {
          return rpcError(ctx, 400, INVALID_REQUEST, 'Invalid Request: the body must be a JSON-RPC 2.0 message (jsonrpc, method or result/error, id)');
        }
        messages = parsed.map((p) => p.data as JSONRPCMessage);
      }
    }
    const single = messages.length === 1 && isJSONRPCRequest(messages[0]!) ? messages[0].id : null;

    // 4. Credential.
    let credential: Credential | null = null;
    const presented = presentedCredential(ctx.headers);
    if (presented.kind === 'malformed') return unauthorized(ctx, challenges.invalidToken(presented.reason), presented.reason, single);
    if (presented.kind !== 'none') {
      const check = await deps.credentials.resolve(presented);
      if (!check.ok) return unauthorized(ctx, challenges.invalidToken(check.reason), `Invalid credential: ${check.reason}`, single);
      credential = check.credential;
    }

    // 5. Access.
    const decision: AccessDecision =
      credential === null && deps.config.anonymousDiscovery && isVersionProbe(messages)
        ? { kind: 'allow' }
        : decideAccess({
            messages,
            credential,
            anonymousDiscovery: deps.config.anonymousDiscovery,
            scopesForTool: (name, args) => surface.scopesForTool(name, args),
          });
    if (decision.kind === 'authenticate') {
      return unauthorized(ctx, challenges.authenticate(), 'Authentication required: sign in with OAuth or send an API key', single);
    }
    if (decision.kind === 'insufficient_scope' && credential?.kind === 'oauth') {
      const description = `${decision.tools.join(', ')} needs ${decision.missing.join(' ')}`;
      for (const tool of decision.tools) await audit(credential, tool, 'missing_scope', { required: decision.missing });
      ctx.set('WWW-Authenticate', challenges.insufficientScope(stepUpScopes(credential.scopes, decision.missing), description));
      return rpcError(ctx, 403, SERVER_ERROR, `Insufficient scope: ${description}`, single);
    }

    // 6. Session, and 7. the transport.
    const authInfo: AuthInfo | undefined = credential ? toAuthInfo(credential) : undefined;
    const principal = credential ? principalOf(credential) : null;
    const sessionId = ctx.get('Mcp-Session-Id');

    if (sessionId) {
      const lookup = await deps.sessions.resolve(sessionId, principal);
      if (lookup.status === 'unauthenticated') {
        return unauthorized(ctx, challenges.authenticate(), 'Authentication required: this session belongs to a signed-in client', single);
      }
      if (lookup.status === 'not_found') {
        return rpcError(ctx, 404, SESSION_NOT_FOUND, 'Session not found: it ended or never existed; send initialize without Mcp-Session-Id to start a new one', single);
      }
      if (ctx.method === 'DELETE') await deps.sessions.end(lookup.session);
      // One request (not initialize) is answered by the session's own transport, without the SDK's (session-transport.ts).
      const request = ctx.method === 'POST' && single !== null ? (messages[0] as JSONRPCRequest) : undefined;
      if (request && request.method !== 'initialize' && servedDirectly(ctx) && (await lookup.session.exchange.answer(ctx, request, authInfo))) return;
      return sendWebResponse(ctx, await lookup.session.transport.handleRequest(toWebRequest(ctx, surface.url), { parsedBody, authInfo }));
    }

    const first = messages[0];
    // (The method is compared first: a full schema check that fails is costly, and most requests are not initialize.)
    if (messages.length === 1 && first && 'method' in first && first.method === 'initialize' && isInitializeRequest(first)) {
      const session = await deps.sessions.open(first.params, principal);
      return sendWebResponse(ctx, await session.transport.handleRequest(toWebRequest(ctx, surface.url), { parsedBody, authInfo }));
    }
    if (toolsList && ctx.method === 'POST' && !Array.isArray(parsedBody) && first && isPlainToolsList(first) && servedDirectly(ctx)) {
      return toolsList.answer(ctx, first.id);
    }
    if (ctx.method === 'POST') return deps.stateless(ctx, { parsedBody, messages, authInfo });
    if (ctx.method === 'GET') {
      // The standalone SSE stream belongs to a session; without one there is nothing to stream.
      ctx.set('Allow', 'POST');
      return rpcError(ctx, 405, SERVER_ERROR, 'Method not allowed: GET opens the stream of a session; send Mcp-Session-Id');
    }
    return rpcError(ctx, 400, SERVER_ERROR, 'Bad Request: DELETE ends a session; send Mcp-Session-Id');
  };

  const unauthorized = (ctx: Context, challenge: string, message: string, id: RequestId | null) => {
    ctx.set('WWW-Authenticate', challenge);
    rpcError(ctx, 401, SERVER_ERROR, message, id);
  };

  return async function mcp(ctx, next) {
    if (ctx.path !== surface.path && ctx.path !== `${surface.path}/`) return next();
    // 1. DNS rebinding: before anything else, including CORS preflights and 401s.
    if (!origins.hostAllowed(ctx.host)) return rpcError(ctx, 403, SERVER_ERROR, `Forbidden: Host ${JSON.stringify(ctx.host)} is not this server`);
    const origin = ctx.get('Origin');
    if (origin && !origins.originAllowed(origin)) return rpcError(ctx, 403, SERVER_ERROR, `Forbidden: Origin ${JSON.stringify(origin)} is not allowed`);
    // 2. CORS (answers preflights itself).
    await corsHeaders(ctx, async () => {
      try {
        await handle(ctx);
      } catch (err) {
        if (isDatabaseUnavailable(err)) {
          log.warn({ err, path: ctx.path }, 'MCP request refused: database unavailable');
          ctx.set('Retry-After', '5');
          return rpcError(ctx, 503, SERVER_ERROR, 'Service unavailable: the database cannot be reached; try again shortly');
        }
        log.error({ err, path: ctx.path, method: ctx.method }, 'MCP request failed');
        rpcError(ctx, 500, INTERNAL_ERROR, 'Internal error: the request failed and was logged');
      }
    });
  };
}

/**
 * The first request of a client of the 2026-07-28 revision in version negotiation `auto` (the v2
 * SDK client): `server/discover`, which SDK 1.x does not speak. Anonymously it is as harmless as
 * tools/list (no server handles it; it reads nothing): with anonymous discovery on it is let through
 * to the transport, which refuses its version (400, -32000) as it refuses every 2026-07-28 request,
 * and the client falls back to an anonymous initialize. A 401 instead would leave it nowhere to go.
 * With anonymous discovery off it gets the 401 like everything else.
 */
function isVersionProbe(messages: readonly JSONRPCMessage[]): boolean {
  const [message] = messages;
  return messages.length === 1 && message !== undefined && isJSONRPCRequest(message) && message.method === 'server/discover';
}

/** A tools/list request whose answer is the fixed list (no parameters, or ones the SDK accepts and the list ignores: a cursor, _meta). */
function isPlainToolsList(message: JSONRPCMessage): message is JSONRPCRequest {
  if (!('method' in message) || message.method !== 'tools/list' || !('id' in message)) return false;
  return message.params === undefined || ListToolsRequestSchema.safeParse(message).success;
}

/**
 * tools/list without a session, answered with bytes prepared once: exactly the response the SDK's
 * McpServer would send through the stateless path (`{result, jsonrpc, id}`, in its key order, as
 * `application/json` with status 200), without a server, a JSON-RPC dispatch, or serializing the
 * whole list per request (bench/README.md). Every check before it (Host, Origin, body, credential,
 * access, session, Accept and MCP-Protocol-Version) has run as for any request.
 *
 * A client that accepts gzip (hosted chat clients, fetch, the SDK client all say so) gets the same
 * bytes gzip-compressed: about a tenth of the size, and no compression per request. The list is
 * compressed once, up to a sync flush; each answer then appends the request's id and `}` as a final
 * stored (uncompressed) deflate block and the gzip trailer (RFC 1951 3.2.4, RFC 1952): one gzip
 * member, whose CRC-32 continues the prepared one over those few bytes.
 */
function preparedToolsList(resultJson: string) {
  const head = Buffer.from(`{"result":${resultJson},"jsonrpc":"2.0","id":`);
  // Header: magic, deflate, no flags, no mtime, no extra flags, OS unknown (RFC 1952 2.3).
  const gzipHead = Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]), zlib.deflateRawSync(head, { level: 9, finishFlush: zlib.constants.Z_SYNC_FLUSH })]);
  const headCrc = zlib.crc32(head);
  const gzipTail = (tail: Buffer) => {
    const out = Buffer.allocUnsafe(5 + tail.length + 8);
    // A final stored block: BFINAL=1, BTYPE=00; the sync flush left the stream at a byte boundary.
    out[0] = 0x01;
    out.writeUInt16LE(tail.length, 1);
    out.writeUInt16LE(~tail.length & 0xffff, 3);
    tail.copy(out, 5);
    out.writeUInt32LE(zlib.crc32(tail, headCrc), 5 + tail.length);
    out.writeUInt32LE((head.length + tail.length) % 2 ** 32, 9 + tail.length);
    return out;
  };
  return {
    answer(ctx: Context, id: RequestId) {
      const tail = Buffer.from(`${JSON.stringify(id)}}`);
      // (A stored block holds at most 65,535 bytes: an id longer than that is answered uncompressed.)
      const gzip = tail.length <= 0xffff && ctx.acceptsEncodings('gzip', 'identity') === 'gzip';
      const [first, last] = gzip ? [gzipHead, gzipTail(tail)] : [head, tail];
      ctx.status = 200;
      ctx.set('Content-Type', 'application/json');
      ctx.vary('Accept-Encoding');
      if (gzip) ctx.set('Content-Encoding', 'gzip');
      ctx.set('Content-Length', String(first.length + last.length));
      // Written here as two buffers, the prepared one as it is: as one Koa body, the whole list was
      // copied per request to append the id (an eighth of this path's CPU). Every header, CORS's
      // and the endpoint's included, is already set; the request logger reads ctx.status as usual.
      ctx.respond = false;
      ctx.res.write(first);
      ctx.res.end(last);
    },
  };
}
