// The Koa edge: the one place AppError and unknown errors become HTTP responses, and request logs.
import type { Context, Next } from 'koa';
import { isDatabaseUnavailable } from './db-unavailable.js';
import { AppError, httpStatusOf } from './errors.js';
import type { Logger } from './log.js';

export function errorMapper(log: Logger) {
  return async function mapErrors(ctx: Context, next: Next) {
    try {
      await next();
    } catch (err) {
      if (err instanceof AppError) {
        ctx.status = httpStatusOf(err.code);
        ctx.body = { error: err.code, message: err.message };
        return;
      }
      // Koa's own http-errors (body too large, bad JSON) carry an `expose`d status and message.
      const status = (err as { status?: number; expose?: boolean }).status;
      if (typeof status === 'number' && status >= 400 && status < 500 && (err as { expose?: boolean }).expose) {
        ctx.status = status;
        ctx.body = { error: status === 413 ? 'payload_too_large' : 'invalid_request', message: (err as Error).message };
        return;
      }
      // A database that refuses, or does not answer within DB_QUERY_TIMEOUT_MS, is an outage to wait
      // out, not a bug: the client is told to come back (RFC 9110 15.6.4, Retry-After).
      if (isDatabaseUnavailable(err)) {
        log.warn({ err, method: ctx.method, path: ctx.path }, 'request refused: database unavailable');
        ctx.status = httpStatusOf('unavailable');
        ctx.set('Retry-After', '5');
        ctx.body = { error: 'unavailable', message: 'The database is unavailable; try again shortly.' };
        return;
      }
      log.error({ err, method: ctx.method, path: ctx.path }, 'unhandled error');
      ctx.status = 500;
      ctx.body = { error: 'internal', message: 'Internal server error' };
    }
  };
}

export function requestLogger(log: Logger) {
  return async function logRequest(ctx: Context, next: Next) {
    const started = performance.now();
    try {
      await next();
    } finally {
      // The path only: query strings can carry authorization codes and state.
      log.info({ method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(performance.now() - started) }, 'request');
    }
  };
}
