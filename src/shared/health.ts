// Liveness and readiness. Readiness means this node can serve: it is not shutting down, the database
// answers and its schema is the one this code expects.
import Router from '@koa/router';
import { pendingMigrations } from '../../db/migrate.js';
import type { Db } from './db.js';

const READY_TIMEOUT_MS = 2000;

export function healthRouter(db: Db, isDraining: () => boolean = () => false): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    if (isDraining()) {
      ctx.status = 503;
      ctx.body = { status: 'unavailable', reason: 'shutting down' };
      return;
    }
    try {
      const pending = await withTimeout(pendingMigrations(db.kysely), READY_TIMEOUT_MS);
      if (pending.length > 0) {
        ctx.status = 503;
        ctx.body = { status: 'unavailable', reason: `migrations pending: ${pending.join(', ')}` };
        return;
      }
      ctx.body = { status: 'ready' };
    } catch {
      ctx.status = 503;
      ctx.body = { status: 'unavailable', reason: 'database unreachable' };
    }
  });
  return router;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('timeout')), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
