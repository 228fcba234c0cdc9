// The composition root: configuration → database → repositories → routers. Nothing else in the
// code base constructs long-lived dependencies; everything is handed down from here.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { migrateToLatest } from '../db/migrate.js';
import type { Config } from './shared/config.js';
import { openDatabase, type Db } from './shared/db.js';
import { healthRouter } from './shared/health.js';
import { errorMapper, requestLogger } from './shared/http.js';
import { createLogger, type Logger } from './shared/log.js';

export interface App {
  readonly config: Config;
  readonly db: Db;
  readonly log: Logger;
  readonly koa: Koa;
  /** Starts listening on config.host:config.port; resolves with the bound address. */
  listen(): Promise<{ port: number; url: string }>;
  /** Stops accepting, lets in-flight requests finish (up to a grace period), closes the database. */
  stop(): Promise<void>;
}

export interface AppOptions {
  log?: Logger;
  /** An already-open database (tests share one per file); it is not closed by stop(). */
  db?: Db;
}

const SHUTDOWN_GRACE_MS = 10_000;

export async function createApp(config: Config, options: AppOptions = {}): Promise<App> {
  const log = options.log ?? createLogger(config);
  const db = options.db ?? (await openDatabase(config));
  const ownsDb = !options.db;
  try {
    await migrateToLatest(db.kysely);
  } catch (err) {
    if (ownsDb) await db.close();
    throw err;
  }

  const koa = new Koa({ proxy: config.trustProxy });
  koa.silent = true;
  koa.use(requestLogger(log));
  koa.use(errorMapper(log));
  const health = healthRouter(db);
  koa.use(health.routes()).use(health.allowedMethods());

  let server: http.Server | undefined;
  let stopping: Promise<void> | undefined;

  return {
    config,
    db,
    log,
    koa,
    listen() {
      return new Promise((resolve, reject) => {
        server = http.createServer(koa.callback());
        server.once('error', reject);
        server.listen(config.port, config.host, () => {
          const { port } = server!.address() as AddressInfo;
          resolve({ port, url: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}` });
        });
      });
    },
    stop() {
      stopping ??= (async () => {
        if (server) {
          const closed = new Promise<void>((resolve) => server!.close(() => resolve()));
          server.closeIdleConnections();
          const timer = setTimeout(() => server!.closeAllConnections(), SHUTDOWN_GRACE_MS);
          await closed;
          clearTimeout(timer);
        }
        if (ownsDb) await db.close();
      })();
      return stopping;
    },
  };
}
