// The in-call MCP endpoint, /api/mcp/in-call (spec/voice-runtime.md §B): Streamable HTTP without
// sessions. Voice runtimes open a new MCP session for every tool call, so `initialize` and then
// `tools/call` on a fresh connection is the path that must be cheap: no session row is written or
// read, `initialize` is answered without one (the client then sends no Mcp-Session-Id), and every
// request carries its own credential and context. One small step after another:
//
//   1. Host and Origin name this server          → else 403 (DNS rebinding; http/origin-policy.ts)
//   2. POST only (there are no sessions to GET a stream of or DELETE)   → else 405
//   3. body: JSON-RPC within BODY_LIMIT_BYTES    → else 413 / 400
//   4. a runtime key                             → else 401 (account keys and OAuth tokens by name)
//   5. context headers well formed               → else 400 naming the header
//   6. account_id is the key's business, persona_id one of its agents, call_id a call of that agent
//                                                → else 403 naming the header, revealing nothing else
//   7. the SDK's McpServer answers (http/stateless.ts), tools/list and tools/call for this persona
//
// Notifications (the client's `notifications/initialized`) need only step 4.
import { bodyParser } from '@koa/bodyparser';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import {
  CallToolRequestSchema,
  type CallToolResult,
  isInitializeRequest,
  isJSONRPCNotification,
  isJSONRPCRequest,
  isJSONRPCResultResponse,
  JSONRPCMessageSchema,
  ListToolsRequestSchema,
  SUPPORTED_PROTOCOL_VERSIONS,
  type JSONRPCMessage,
  type RequestId,
} from '@modelcontextprotocol/sdk/types.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import type { Context, Middleware } from 'koa';
import { LRUCache } from 'lru-cache';
import { SYSTEM_ACTOR } from '../../domain/audit/actor.js';
import type { CallRefs, ContextRefusal } from '../../domain/in-call/in-call.service.js';
import type { Domain } from '../../domain/index.js';
import type { Config } from '../../shared/config.js';
import type { Db } from '../../shared/db.js';
import { isDatabaseUnavailable } from '../../shared/db-unavailable.js';
import type { Logger } from '../../shared/log.js';
import type { ServerFactory } from '../framework/mcp-server.js';
import { SERVER_INFO } from '../framework/server-info.js';
import { createOriginPolicy } from '../http/origin-policy.js';
import { createStatelessDispatcher, servedDirectly } from '../http/stateless.js';
import { createRuntimeKeyVerifier, readContextHeaders } from './credential.js';
import { createInCallTools } from './registry.js';
import { createInCallRunner, type InCallRequest } from './runner.js';
import type { AnyInCallTool } from './tool.js';

const PARSE_ERROR = -32700;
const INVALID_REQUEST = -32600;
const INTERNAL_ERROR = -32603;
const SERVER_ERROR = -32000;

const INSTRUCTIONS =
  'Tools for the live call named by the account_id, persona_id and call_id headers. Every result has structuredContent.success; on failure, error and error_code say why ' +
  '(call_not_active once the call has ended, destination_not_allowed for a transfer to a number the business has not allowed).';

/** The challenge of a 401: the scheme a runtime key is sent with (RFC 9110 §11.6.1). */
const CHALLENGE = 'Bearer realm="kaicalls-in-call"';

/** How long a call's binding to its agent and business is remembered. */
const BINDING_TTL_MS = 10 * 60_000;

/**
 * The `initialize` result of this surface's servers for each protocol version the SDK supports,
 * computed once by a real server over an in-memory transport: exactly what the SDK answers,
 * without a server and a transport per fresh session. Other versions go through the SDK each time.
 */
function preparedHandshake(createServer: ServerFactory): (version: string) => Promise<string | undefined> {
  const results = new Map<string, Promise<string>>();
  const prepare = async (version: string) => {
    const [client, server] = InMemoryTransport.createLinkedPair();
    const mcp = createServer();
    await mcp.connect(server);
    const answer = new Promise<JSONRPCMessage>((resolve) => {
      client.onmessage = resolve;
    });
    await client.start();
    await client.send({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: version, capabilities: {}, clientInfo: { name: 'prepare', version: '0' } } });
    const response = await answer;
    await mcp.close();
    if (!isJSONRPCResultResponse(response)) throw new Error('the in-call server did not answer initialize');
    return JSON.stringify(response.result);
  };
  return (version) => {
    if (!SUPPORTED_PROTOCOL_VERSIONS.includes(version)) return Promise.resolve(undefined);
    let result = results.get(version);
    if (!result) {
      result = prepare(version);
      results.set(version, result);
    }
    return result;
  };
}

export interface InCallEndpointDeps {
  config: Pick<Config, 'bodyLimitBytes' | 'publicUrl' | 'mcpAllowedOrigins' | 'mcpUrl'>;
  db: Db;
  log: Logger;
  domain: Domain;
  /** The global tools (seed 002 and others), in listing order. */
  globals: readonly AnyInCallTool[];
}

export interface InCallEndpoint {
  readonly path: string;
  readonly url: string;
  readonly middleware: Middleware;
  /**
   * A tool call in a live call from a runtime that is not a client of this endpoint: the simulator
   * (spec/voice-runtime.md §C) or a provider's function-tool webhook (§D). Same tools, runner and
   * audit as a request here, acting as the system actor `runtime`.
   */
  callAs(
    runtime: string,
    call: { businessId: string; callId: string; agentId: string; callerNumber: string },
    name: string,
    args: Record<string, unknown>,
  ): Promise<CallToolResult>;
}

export function createInCallEndpoint(deps: InCallEndpointDeps): InCallEndpoint {
  const { config, db, log, domain } = deps;
  const url = `${config.mcpUrl}/in-call`;
  const path = new URL(url).pathname;
  const origins = createOriginPolicy(config);
  const keys = createRuntimeKeyVerifier(db);
  const tools = createInCallTools({ globals: deps.globals, domain, run: createInCallRunner({ db, log, domain }) });
  const parseJson = bodyParser({ enableTypes: ['json'], jsonLimit: config.bodyLimitBytes, jsonStrict: true, encoding: 'utf-8' });

  // Every server shares one JSON Schema validator (an Ajv instance per server is costly).
  const jsonSchemaValidator = new AjvJsonSchemaValidator();
  const requestOf = (authInfo: AuthInfo | undefined): InCallRequest => authInfo?.extra?.inCall as InCallRequest;
  const createServer: ServerFactory = () => {
    const server = new McpServer(
      { name: `${SERVER_INFO.name}-in-call`, title: `${SERVER_INFO.title} in-call`, version: SERVER_INFO.version },
      { instructions: INSTRUCTIONS, jsonSchemaValidator, capabilities: { tools: { listChanged: false } } },
    );
    server.server.setRequestHandler(ListToolsRequestSchema, (_request, extra) => tools.list(requestOf(extra.authInfo)));
    server.server.setRequestHandler(CallToolRequestSchema, (request, extra) =>
      tools.call(request.params.name, request.params.arguments as Record<string, unknown> | undefined, requestOf(extra.authInfo)),
    );
    return server;
  };
  const dispatch = createStatelessDispatcher(createServer, url);
  const handshake = preparedHandshake(createServer);

  // Which agent a call belongs to, and whose business that agent is, never change: a binding found
  // once is remembered, so the session's initialize and its tools/call check it with one query
  // between them. Refusals are not remembered. The call's state (in progress or not) is always read
  // afresh where a tool runs (runner.ts), and a call deleted since reads as not found there.
  const bindings = new LRUCache<string, { agentId: string; callId: string }>({ max: 50_000, ttl: BINDING_TTL_MS });
  const bindingOf = async (businessId: string, refs: CallRefs): Promise<{ agentId: string; callId: string } | { refused: ContextRefusal }> => {
    const key = `${businessId}|${refs.personaId}|${refs.callRef}`;
    const known = bindings.get(key);
    if (known) return known;
    const call = await domain.inCall.resolveContext(businessId, refs);
    if ('refused' in call) return call;
    const binding = { agentId: call.agent.id, callId: call.call.id };
    bindings.set(key, binding);
    return binding;
  };

  const rpcError = (ctx: Context, status: number, code: number, message: string, id: RequestId | null = null) => {
    ctx.status = status;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { jsonrpc: '2.0', id, error: { code, message } };
  };

  const handle = async (ctx: Context) => {
    ctx.set('Cache-Control', 'no-store');
    if (ctx.method !== 'POST') {
      ctx.set('Allow', 'POST');
      return rpcError(ctx, 405, SERVER_ERROR, 'Method not allowed: this surface keeps no sessions; send each request as a POST');
    }
    // 3. Body.
    if (!ctx.is('application/json')) return rpcError(ctx, 415, SERVER_ERROR, 'Unsupported Media Type: the body must be JSON (Content-Type: application/json)');
    try {
      await parseJson(ctx, async () => {});
    } catch (err) {
      const status = (err as { status?: number }).status;
      if (status === 413) return rpcError(ctx, 413, SERVER_ERROR, `Payload too large: request bodies are limited to ${config.bodyLimitBytes} bytes`);
      if (status === 400) return rpcError(ctx, 400, PARSE_ERROR, 'Parse error: the body is not valid JSON');
      if (status === 415) return rpcError(ctx, 415, SERVER_ERROR, 'Unsupported Media Type: the body must be UTF-8 JSON');
      throw err;
    }
    const parsedBody: unknown = ctx.request.body;
    const list = Array.isArray(parsedBody) ? parsedBody : [parsedBody];
    const parsed = list.map((m) => JSONRPCMessageSchema.safeParse(m));
    if (list.length === 0 || parsed.some((p) => !p.success)) {
      return rpcError(ctx, 400, INVALID_REQUEST, 'Invalid Request: the body must be a JSON-RPC 2.0 message (jsonrpc, method or result/error, id)');
    }
    const messages = parsed.map((p) => p.data as JSONRPCMessage);
    const first = messages[0]!;
    const id = messages.length === 1 && isJSONRPCRequest(first) ? first.id : null;

    // 4. The runtime key.
    const credential = await keys.verify(ctx.headers);
    if (credential === 'none' || !credential.ok) {
      ctx.set('WWW-Authenticate', CHALLENGE);
      const reason = credential === 'none' ? 'send a runtime key as X-API-Key: kc_rt_… (or Authorization: Bearer kc_rt_…)' : credential.reason;
      return rpcError(ctx, 401, SERVER_ERROR, `Authentication required: ${reason}`, id);
    }

    let request: InCallRequest | undefined;
    if (messages.some(isJSONRPCRequest)) {
      // 5. The context headers.
      const headers = readContextHeaders(ctx.headers);
      if (!headers.ok) return rpcError(ctx, 400, INVALID_REQUEST, `Bad context header ${headers.header}: ${headers.message}`, id);
      // 6. The call they name. Another business's ids read exactly like ids that do not exist.
      if (headers.accountId !== credential.businessId) {
        return rpcError(ctx, 403, SERVER_ERROR, 'Forbidden: account_id does not name the account of this runtime key', id);
      }
      const binding = await bindingOf(credential.businessId, headers);
      if ('refused' in binding) {
        const message =
          binding.refused === 'persona_id'
            ? 'Forbidden: persona_id does not name an agent of this account'
            : 'Forbidden: call_id does not name a call of this persona (our call id or the voice provider’s)';
        return rpcError(ctx, 403, SERVER_ERROR, message, id);
      }
      request = { businessId: credential.businessId, actor: { kind: 'api_key', apiKeyId: credential.keyId, scopes: [] }, ...binding, callerNumber: headers.callerNumber };
    }

    // 7. The handshake of a fresh session, answered with the SDK server's own answer prepared once
    // per protocol version (it depends on nothing else), and the client's notifications, which a
    // server without sessions has nothing to do with: 202, as the SDK transport answers them. The
    // checks the SDK transport makes first (Accept, MCP-Protocol-Version) are servedDirectly's.
    if (servedDirectly(ctx)) {
      if (messages.length === 1 && isInitializeRequest(first)) {
        const result = await handshake(first.params.protocolVersion);
        if (result) {
          ctx.status = 200;
          ctx.set('Content-Type', 'application/json');
          ctx.body = `{"result":${result},"jsonrpc":"2.0","id":${JSON.stringify(id)}}`;
          return;
        }
      } else if (messages.every(isJSONRPCNotification)) {
        // (In this order: a null body set after the status would turn it into 204.)
        ctx.body = null;
        ctx.status = 202;
        return;
      }
    }
    // The SDK's server answers, with the checked call as what its handlers see.
    const authInfo: AuthInfo = { token: '[verified]', clientId: credential.keyId, scopes: [], extra: request ? { inCall: request } : {} };
    return dispatch(ctx, { parsedBody, messages, authInfo });
  };

  const middleware: Middleware = async (ctx, next) => {
    if (ctx.path !== path && ctx.path !== `${path}/`) return next();
    // 1. DNS rebinding: before anything else.
    if (!origins.hostAllowed(ctx.host)) return rpcError(ctx, 403, SERVER_ERROR, `Forbidden: Host ${JSON.stringify(ctx.host)} is not this server`);
    const origin = ctx.get('Origin');
    if (origin && !origins.originAllowed(origin)) return rpcError(ctx, 403, SERVER_ERROR, `Forbidden: Origin ${JSON.stringify(origin)} is not allowed`);
    try {
      await handle(ctx);
    } catch (err) {
      if (isDatabaseUnavailable(err)) {
        log.warn({ err, path: ctx.path }, 'in-call request refused: database unavailable');
        ctx.set('Retry-After', '5');
        return rpcError(ctx, 503, SERVER_ERROR, 'Service unavailable: the database cannot be reached; try again shortly');
      }
      log.error({ err, path: ctx.path }, 'in-call request failed');
      rpcError(ctx, 500, INTERNAL_ERROR, 'Internal error: the request failed and was logged');
    }
  };

  return {
    path,
    url,
    middleware,
    callAs: (runtime, call, name, args) =>
      tools.call(name, args, { businessId: call.businessId, actor: SYSTEM_ACTOR(runtime), agentId: call.agentId, callId: call.callId, callerNumber: call.callerNumber }),
  };
}
