// Between Koa and the SDK's web-standard Streamable HTTP transport. The Koa side has already read
// and checked the body and the credential; the transport gets the parsed body and a Request that
// carries only the headers the protocol needs. Credentials and cookies are not copied: handlers
// see the checked credential through `authInfo`, never the token itself (no token passthrough).
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { Context } from 'koa';

export const PROTOCOL_HEADERS = ['accept', 'content-type', 'mcp-session-id', 'mcp-protocol-version', 'last-event-id'] as const;

export function toWebRequest(ctx: Context, url: string): Request {
  const headers = new Headers();
  for (const name of PROTOCOL_HEADERS) {
    const value = ctx.get(name);
    if (value) headers.set(name, value);
  }
  return new Request(url, { method: ctx.method, headers });
}

/** A request the server makes to its own transport (rebuilding a session). */
export function internalRequest(url: string, sessionId?: string): Request {
  const headers = new Headers({ accept: 'application/json, text/event-stream', 'content-type': 'application/json' });
  if (sessionId) headers.set('mcp-session-id', sessionId);
  return new Request(url, { method: 'POST', headers });
}

export async function sendWebResponse(ctx: Context, response: Response): Promise<void> {
  response.headers.forEach((value, name) => {
    // Koa computes the framing headers itself for the body it sends, and the connection is this
    // server's to keep or close (a draining node answers `Connection: close`), not the SDK's.
    if (name !== 'content-length' && name !== 'transfer-encoding' && name !== 'connection' && name !== 'keep-alive') ctx.set(name, value);
  });
  // Every MCP answer is per caller: never stored by a cache (interop.md 22), SSE included.
  ctx.set('Cache-Control', 'no-store');
  if (!response.body) {
    ctx.body = null;
    ctx.status = response.status;
    return;
  }
  ctx.status = response.status;
  if ((response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    // Streamed as it is produced: progress, log messages and server-to-client requests arrive
    // while the tool runs.
    const stream = Readable.fromWeb(response.body as unknown as NodeReadableStream);
    // Node sends the status line and headers with the first byte of the body, and a stream may stay
    // silent for minutes (the standalone GET stream carries only what the server sends unprompted):
    // a proxy with a header timeout would cut it. So the headers go out as soon as Koa starts piping
    // the stream, which is after every middleware has set its own.
    stream.once('resume', () => {
      if (!ctx.res.headersSent && !ctx.res.writableEnded) ctx.res.flushHeaders();
    });
    ctx.body = stream;
    return;
  }
  // The bytes as they are: no decoding to a string and encoding again.
  ctx.body = Buffer.from(await response.arrayBuffer());
}
