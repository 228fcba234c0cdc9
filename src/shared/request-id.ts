// X-Request-Id: every response carries one, and every log line written while a request is handled
// carries the same id (log.ts reads it from here), so one request's lines can be found together and
// matched with what a client or a proxy reports.
//
// Why AsyncLocalStorage rather than a child logger on ctx.state: most lines of a request are written
// far from Koa (the tool runner inside the MCP SDK, oidc-provider's event handlers, the domain), by
// code that holds the app's logger, not the request's. The store follows the request through every
// await, so those lines carry the id without any of that code knowing about requests.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { Context, Next } from 'koa';

export const REQUEST_ID_HEADER = 'X-Request-Id';

/**
 * What an incoming id may be to be kept: what proxies and tracing systems generate (UUIDs, hex,
 * base64url, `Root=1-…;Parent=…`-like ids stay within it), short enough for a log line, and nothing
 * that could split a log line or a header.
 */
const SANE_ID = /^[A-Za-z0-9._:;=+/@-]{1,128}$/;

interface RequestScope {
  readonly requestId: string;
}

const scope = new AsyncLocalStorage<RequestScope>();

/** The id of the request being handled, if any (log lines outside a request have none). */
export function currentRequestId(): string | undefined {
  return scope.getStore()?.requestId;
}

/** A sane incoming id is kept (a proxy in front may have chosen it); anything else gets a new random one. */
export function requestIdFor(incoming: string | undefined): string {
  return incoming !== undefined && SANE_ID.test(incoming) ? incoming : randomUUID();
}

/**
 * The first middleware: sets the header before anything else runs, so that every answer has it,
 * including those written straight to the socket (the MCP endpoint's prepared tools/list) and
 * streams whose headers go out early; the rest of the request runs inside the id's scope.
 */
export function requestIds() {
  return function assignRequestId(ctx: Context, next: Next) {
    const requestId = requestIdFor(ctx.get(REQUEST_ID_HEADER) || undefined);
    ctx.state.requestId = requestId;
    ctx.set(REQUEST_ID_HEADER, requestId);
    return scope.run({ requestId }, next);
  };
}
