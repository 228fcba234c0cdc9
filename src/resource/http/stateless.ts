// Requests without a session id (clients that never initialize, one-shot scripts, load balancers
// that do not keep affinity) are served statelessly, by server objects borrowed from a small pool.
//
// The common case, one JSON-RPC request, goes through a transport of our own that stays connected
// to its server for the server's whole life: the request is handed to the SDK's McpServer (which
// still does all JSON-RPC dispatch and result checks; tool arguments are the tool runner's to
// validate) and its one response is the HTTP answer, as JSON. The SDK's per-request Streamable HTTP transport cannot be reused, and
// building it, converting the request to a web Request and its Response back, and connecting and
// closing the server each time was most of the endpoint's own cost (bench/README.md). Everything
// else (batches, notifications, responses, unknown protocol versions, a missing Accept type) goes
// through the SDK transport, so its answers stay the SDK's own.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import {
  isJSONRPCErrorResponse,
  isJSONRPCResultResponse,
  SUPPORTED_PROTOCOL_VERSIONS,
  type JSONRPCMessage,
  type JSONRPCRequest,
  type MessageExtraInfo,
  type RequestId,
} from '@modelcontextprotocol/sdk/types.js';
import type { Context } from 'koa';
import { PROTOCOL_HEADERS, sendWebResponse, toWebRequest } from './http-bridge.js';
import type { ServerFactory } from '../framework/mcp-server.js';

export type StatelessDispatcher = (ctx: Context, options: { parsedBody: unknown; messages: readonly JSONRPCMessage[]; authInfo: AuthInfo | undefined }) => Promise<void>;

const POOL_SIZE = 64;

type Answer = JSONRPCMessage;

/**
 * One request in, its response out. Without a session there is no stream to carry anything else
 * the server might send during the request (progress, log messages, requests to the client): the
 * SDK transport drops those in JSON response mode too, and so does this one.
 */
class SingleExchangeTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage, extra?: MessageExtraInfo) => void;
  private pending: { id: RequestId; resolve: (answer: Answer) => void } | undefined;

  async start(): Promise<void> {}

  async send(message: JSONRPCMessage): Promise<void> {
    const pending = this.pending;
    if (pending && (isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message)) && message.id === pending.id) {
      this.pending = undefined;
      pending.resolve(message);
    }
  }

  async close(): Promise<void> {
    this.onclose?.();
  }

  exchange(request: JSONRPCRequest, extra: MessageExtraInfo): Promise<Answer> {
    return new Promise((resolve) => {
      this.pending = { id: request.id, resolve };
      this.onmessage?.(request, extra);
    });
  }
}

interface PooledServer {
  server: McpServer;
  transport: SingleExchangeTransport;
}

export function createStatelessDispatcher(createServer: ServerFactory, url: string): StatelessDispatcher {
  const idle: PooledServer[] = [];
  const closedIdle: McpServer[] = [];

  const borrow = async (): Promise<PooledServer> => {
    const pooled = idle.pop();
    if (pooled) return pooled;
    const transport = new SingleExchangeTransport();
    const server = createServer();
    await server.connect(transport);
    return { server, transport };
  };

  // A server goes back once its request's bookkeeping (the handler's abort controller, removed
  // right after the response is sent) has settled, on a later turn of the event loop, so that the
  // next request with the same JSON-RPC id cannot have its own bookkeeping removed.
  const giveBack = (pooled: PooledServer) => {
    setImmediate(() => {
      if (idle.length < POOL_SIZE) idle.push(pooled);
      else void pooled.server.close().catch(() => {});
    });
  };

  /** The SDK's transport, new per request, on a server of its own pool (closed after use). */
  const viaSdkTransport: StatelessDispatcher = async (ctx, { parsedBody, authInfo }) => {
    const server = closedIdle.pop() ?? createServer();
    // JSON responses: with no session the client cannot answer a server-to-client request anyway,
    // and a JSON body settles when the last response is ready.
    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    try {
      await server.connect(transport);
      await sendWebResponse(ctx, await transport.handleRequest(toWebRequest(ctx, url), { parsedBody, authInfo }));
    } finally {
      // Closed once the answer has left, on a later turn of the event loop (closing earlier would
      // abort its finished handler and build errors nobody reads).
      setImmediate(() => {
        server.close().then(
          () => {
            if (closedIdle.length < POOL_SIZE) closedIdle.push(server);
          },
          () => {},
        );
      });
    }
  };

  return async (ctx, options) => {
    // (A one-element batch is answered with the bare response too: the SDK transport does the same.)
    const request = options.messages.length === 1 ? singleRequest(options.messages[0]!) : undefined;
    if (!request || !servedDirectly(ctx)) return viaSdkTransport(ctx, options);

    const pooled = await borrow();
    try {
      const answer = await pooled.transport.exchange(request, { authInfo: options.authInfo, requestInfo: requestInfoOf(ctx, url) });
      ctx.status = 200;
      ctx.set('Content-Type', 'application/json');
      ctx.body = JSON.stringify(answer);
    } finally {
      giveBack(pooled);
    }
  };
}

/**
 * Whether a request passes the checks the SDK transport makes before it dispatches (Streamable HTTP
 * "Sending Messages to the Server"; "Protocol Version Header"): an Accept naming JSON and SSE, and no
 * or a supported MCP-Protocol-Version. When one fails, the SDK transport answers itself.
 */
export function servedDirectly(ctx: Context): boolean {
  const accept = ctx.get('Accept');
  const version = ctx.get('Mcp-Protocol-Version');
  return accept.includes('application/json') && accept.includes('text/event-stream') && (version === '' || SUPPORTED_PROTOCOL_VERSIONS.includes(version));
}

/** The message when it is a request other than initialize (initialize opens a session, sessions.ts). */
function singleRequest(message: JSONRPCMessage): JSONRPCRequest | undefined {
  if (!('method' in message) || !('id' in message) || message.method === 'initialize') return undefined;
  return message as JSONRPCRequest;
}

/** What handlers may see of the HTTP request: the protocol headers only (see http-bridge.ts). */
export function requestInfoOf(ctx: Context, url: string): NonNullable<MessageExtraInfo['requestInfo']> {
  const headers: Record<string, string> = {};
  for (const name of PROTOCOL_HEADERS) {
    const value = ctx.get(name);
    if (value) headers[name] = value;
  }
  return { headers, url: new URL(url) };
}
