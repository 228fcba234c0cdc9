// The transport a session's McpServer is connected to. Most of a session's traffic is one JSON-RPC
// request per POST (tools/call, tools/list…); those are answered here, written straight to the HTTP
// response. Everything else (initialize, notifications and responses from the client, batches, the
// GET stream, DELETE, and requests the SDK transport would refuse) goes to the SDK's
// WebStandardStreamableHTTPServerTransport underneath, which answers as it always does.
//
// Why: a profile of tools/call in a session (bench/README.md) showed the SDK transport's own
// per-request work, on top of what a request without a session costs: a web Request built from
// Koa's, a second JSON-RPC schema check of the body, a web ReadableStream with its encoder, a
// keep-alive timer, the Response, and its stream converted back to a Node stream for Koa. Here the
// request is handed to the server as it is, and its answer is written as the same Server-Sent Events
// the SDK transport writes (`event: message`, `data: <json>`), so a client cannot tell them apart.
//
// What a request answered here may carry, as with the SDK transport: messages the server relates to
// it (progress, log messages, an elicitation request the tool is waiting on) go out on its own
// stream before its response; the client's answer to such a request comes in a later POST, which
// the SDK transport receives and hands to the same server. Until the server sends anything, the
// response is held: when the answer is all there is (the common case), status, headers and the one
// event leave together. A request still running after KEEP_ALIVE_MS starts its stream with a
// keep-alive comment, so that proxies see headers and bytes (keepAlive, called by sessions.ts).
import { PassThrough } from 'node:stream';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage, JSONRPCRequest, MessageExtraInfo, RequestId } from '@modelcontextprotocol/sdk/types.js';
import type { Context } from 'koa';
import { requestInfoOf } from './stateless.js';

/** How long a request may run before its stream opens with a keep-alive comment (and every this long after). */
export const KEEP_ALIVE_MS = 5_000;

/** One request answered here, from dispatch to its response. */
interface Exchange {
  /** Set while nothing has been sent: settles the HTTP response with the first message (or nothing, when the session closes). */
  settle?: (body: string | PassThrough | null) => void;
  /** Once a message other than the response was sent: the open event stream. */
  stream?: PassThrough;
  lastSentAt: number;
  /** The client went away: what the server still sends for this request is dropped, as the SDK transport drops it. */
  gone?: boolean;
}

const eventOf = (message: JSONRPCMessage) => `event: message\ndata: ${JSON.stringify(message)}\n\n`;

// The messages given to send() are the server's own: their shape is known, no schema check is needed.
const isResponse = (message: JSONRPCMessage): message is JSONRPCMessage & { id: RequestId } => !('method' in message) && 'id' in message;

export class SessionTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage, extra?: MessageExtraInfo) => void;

  private readonly exchanges = new Map<RequestId, Exchange>();
  private initialized = false;
  private closed = false;

  /**
   * `sdk` takes every message not answered here; `url` is the endpoint's public URL (what handlers
   * see of the request); `onClosed` runs once when the session's transport closes (DELETE, or the
   * server closed).
   */
  constructor(
    readonly sdk: WebStandardStreamableHTTPServerTransport,
    private readonly url: string,
    private readonly onClosed: () => void,
  ) {
    sdk.onmessage = (message, extra) => {
      // The SDK transport dispatches initialize only once it has accepted it, and never twice.
      if ('method' in message && message.method === 'initialize') this.initialized = true;
      this.onmessage?.(message, extra);
    };
    sdk.onerror = (error) => this.onerror?.(error);
    sdk.onclose = () => {
      this.closed = true;
      for (const exchange of this.exchanges.values()) end(exchange, null);
      this.exchanges.clear();
      this.onClosed();
      this.onclose?.();
    };
  }

  get sessionId(): string | undefined {
    return this.sdk.sessionId;
  }

  async start(): Promise<void> {
    await this.sdk.start();
  }

  async close(): Promise<void> {
    await this.sdk.close();
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    const id = isResponse(message) ? message.id : options?.relatedRequestId;
    const exchange = id === undefined ? undefined : this.exchanges.get(id);
    if (!exchange) return this.sdk.send(message, options);
    if (isResponse(message)) {
      this.exchanges.delete(message.id);
      end(exchange, eventOf(message));
      return;
    }
    write(exchange, eventOf(message));
  }

  /**
   * Answers `request` (one JSON-RPC request, not initialize, that passed the checks the SDK
   * transport makes of Accept and MCP-Protocol-Version: see stateless.ts servedDirectly). Resolves
   * to false, having written nothing, when the SDK transport must answer instead: before
   * initialize, after the session closed, or while a request with the same id is still running.
   */
  async answer(ctx: Context, request: JSONRPCRequest, authInfo: AuthInfo | undefined): Promise<boolean> {
    if (!this.initialized || this.closed || this.exchanges.has(request.id)) return false;
    const body = await new Promise<string | PassThrough | null>((settle) => {
      const exchange: Exchange = { settle, lastSentAt: Date.now() };
      this.exchanges.set(request.id, exchange);
      // A request the client cancelled gets no response: the HTTP exchange must not wait for one.
      ctx.res.once('close', () => {
        exchange.gone = true;
        end(exchange, null);
      });
      this.onmessage?.(request, { authInfo, requestInfo: requestInfoOf(ctx, this.url) });
    });
    // The SDK transport's headers for an event stream (Cache-Control is the endpoint's no-store).
    ctx.status = 200;
    ctx.set('Content-Type', 'text/event-stream');
    ctx.set('X-Accel-Buffering', 'no');
    if (this.sessionId !== undefined) ctx.set('Mcp-Session-Id', this.sessionId);
    ctx.body = body ?? '';
    return true;
  }

  /** Opens, with a comment line, the stream of every request that has sent nothing for KEEP_ALIVE_MS. */
  keepAlive(now = Date.now()): void {
    for (const exchange of this.exchanges.values()) if (now - exchange.lastSentAt >= KEEP_ALIVE_MS) write(exchange, ': keepalive\n\n');
  }
}

function write(exchange: Exchange, chunk: string): void {
  if (exchange.gone) return;
  exchange.lastSentAt = Date.now();
  if (!exchange.stream) {
    exchange.stream = new PassThrough();
    exchange.settle?.(exchange.stream);
    exchange.settle = undefined;
  }
  // Koa destroys the stream when the client goes away; what the server sends after that is dropped.
  if (exchange.stream.writable) exchange.stream.write(chunk);
}

/** Ends an exchange with its last chunk (the response), or with nothing when the session closed under it. */
function end(exchange: Exchange, chunk: string | null): void {
  if (exchange.stream) {
    if (exchange.stream.writable) exchange.stream.end(chunk ?? undefined);
    return;
  }
  exchange.settle?.(chunk);
  exchange.settle = undefined;
}
