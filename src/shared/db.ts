// The database handle: PGlite (embedded, files under DATA_DIR, or in memory) or a Postgres pool,
// behind one Kysely instance, plus the unit-of-work helpers that bind row-level security.
import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist';
import { CompiledQuery, Kysely, PostgresDialect, sql, type Compilable } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import pg from 'pg';
import type { Database } from '../../db/schema.js';
import { APP_ROLE } from '../../db/migrations/2026-11-21-001-initial.js';
import type { Config } from './config.js';
import { AppError } from './errors.js';
import type { PoolStats } from './metrics.js';
import { isUuid } from './ids.js';
import { MAX_PREPARED_STATEMENTS, WITH_NEXT, withPreparedStatements } from './prepared-statements.js';

declare const tenantUnitOfWork: unique symbol;

/**
 * The tenant unit of work: one connection, inside one transaction, with row-level security bound to
 * one business (or one user). Only `forBusiness` and `forUser` make one, so a tenant repository that
 * asks for it cannot be handed the owner connection, which would silently skip the policies.
 */
export type TenantTx = Kysely<Database> & { readonly [tenantUnitOfWork]: true };

/** The owner connection: system work only (migrations, seeding, the OAuth store, key lookup by hash). It bypasses row-level security. */
export type OwnerDb = Kysely<Database>;
export type DbKind = 'pglite' | 'postgres';

/**
 * The last write of a unit of work, built once its work has returned: it commits with that work or
 * not at all (a tool call's audit row). On Postgres it goes out together with COMMIT, so it costs no
 * round trip of its own.
 */
export type ClosingWrite<T> = (tx: TenantTx, result: T) => Compilable<unknown>;

export interface Db {
  /** The owner connection, for system work only: migrations, seeding, the OAuth store, key lookup by hash. */
  readonly kysely: OwnerDb;
  readonly kind: DbKind;
  /**
   * Runs `fn` in one transaction as the RLS-bound role, confined to one business; `closing`, when
   * given, is the unit's last write, built from `fn`'s result (see ClosingWrite).
   */
  forBusiness<T>(businessId: string, fn: (tx: TenantTx) => Promise<T>, closing?: ClosingWrite<T>): Promise<T>;
  /**
   * `forBusiness` for work that only reads: the transaction is READ ONLY, so a write in it fails
   * rather than commits. (Its COMMIT writes no WAL: the cheapest unit of work there is.)
   */
  readForBusiness<T>(businessId: string, fn: (tx: TenantTx) => Promise<T>): Promise<T>;
  /** Runs `fn` as the RLS-bound role seeing only what a signed-in user may: their memberships and businesses. */
  forUser<T>(userId: string, fn: (tx: TenantTx) => Promise<T>): Promise<T>;
  ping(): Promise<void>;
  /** The Postgres pool's connections in use and idle, and the units of work waiting; none for PGlite (one connection, no pool). */
  poolStats(): PoolStats | undefined;
  close(): Promise<void>;
}

export class DataDirInUseError extends Error {
  override name = 'DataDirInUseError';
}

// PGlite runs one backend in single-user mode inside a WASM heap that only ever grows, so the shared
// memory Postgres sets up at start stays resident. Its defaults size a server for many clients: 128 MB
// of shared buffers (touched at start: ~100 MB of RSS) and lock and process tables for 100
// connections. 32 MB holds the catalogs and a small business's working set; pages beyond it come back
// through the operating system's file cache. Given at every start, so data directories made before
// this setting get it too, and to initdb, whose own WASM instance is garbage once the cluster exists.
const PGLITE_SETTINGS = ['-c', 'shared_buffers=32MB', '-c', 'max_connections=10'];
// btree_gist: the booking tables' exclusion constraint (no two live appointments of one staff member
// overlap) mixes `=` on a uuid with `&&` on a range in one GiST index (db/migrations/…-007-booking.ts).
const PGLITE_OPTIONS = { startParams: [...PGlite.defaultStartParams, ...PGLITE_SETTINGS], initDbStartParams: PGLITE_SETTINGS, extensions: { btree_gist } };

/**
 * PGlite is one process's database: a second process opening the same files corrupts them. The
 * lock file names the owning process; a lock left by a process that no longer runs is taken over.
 */
function lockDataDir(dataDir: string): () => void {
  fs.mkdirSync(dataDir, { recursive: true });
  const lockPath = path.join(dataDir, 'kaicalls.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lockPath, String(process.pid), { flag: 'wx' });
      return () => {
        try {
          if (fs.readFileSync(lockPath, 'utf8') === String(process.pid)) fs.unlinkSync(lockPath);
        } catch {
          // Already gone: nothing to release.
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(fs.readFileSync(lockPath, 'utf8').trim());
      if (Number.isInteger(owner) && owner > 0 && isAlive(owner)) {
        throw new DataDirInUseError(
          `The embedded database in ${dataDir} is in use by process ${owner} (a running server?). ` +
            `PGlite allows one process at a time: stop that process first, or run against Postgres with DATABASE_URL. ` +
            `(If no such process exists, delete ${lockPath}.)`,
        );
      }
      fs.rmSync(lockPath, { force: true });
    }
  }
  throw new DataDirInUseError(`Could not lock ${lockPath}`);
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** DB_QUERY_TIMEOUT_MS's default, for callers (tests, the bench) that pass no configuration of it. */
const DEFAULT_QUERY_TIMEOUT_MS = 5000;

export async function openDatabase(
  config: Pick<Config, 'databaseUrl' | 'dataDir' | 'dbPoolSize'> & Partial<Pick<Config, 'dbPreparedStatements' | 'dbQueryTimeoutMs'>>,
): Promise<Db> {
  if (config.databaseUrl) {
    const types = new pg.TypeOverrides();
    // bigint counts fit in a double for every figure this service reports.
    types.setTypeParser(20, (v) => Number(v));
    // Every wait on the server is bounded, so a hung or partitioned server costs a request this long
    // and then a 503 (shared/db-unavailable.ts), never as long as it hangs: connecting (or waiting
    // for a free connection), and each statement's answer, on both sides. query_timeout is the
    // client's own clock, which holds when the server or the network is what hangs; statement_timeout
    // makes the server give up too (a lock wait included) and free what the statement held.
    const timeout = config.dbQueryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS;
    const pool = new pg.Pool({
      connectionString: config.databaseUrl,
      max: config.dbPoolSize,
      types,
      connectionTimeoutMillis: timeout,
      query_timeout: timeout,
      statement_timeout: timeout,
      // An idle connection whose server vanished without a word (host gone, NAT entry dropped) is
      // found by TCP keepalive probes, here after 10 s of silence rather than the system's 2 hours.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    });
    // An idle client losing its server must not crash the process; the pool reconnects on next use.
    pool.on('error', () => {});
    // pg rejects a statement at query_timeout but keeps its connection, the statement still pending
    // on it: back in the pool, it would hold the next unit of work behind the hung one, and a late
    // answer could leave it inside a transaction. Such a connection is closed at once instead, so the
    // rollback that follows fails without a second wait and the pool discards it on release.
    pool.on('connect', (client) => {
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as { query: unknown }).query = (...args: unknown[]) => {
        const pending = query(...args);
        if (pending instanceof Promise) {
          pending.catch((err: unknown) => {
            if (err instanceof Error && err.message === 'Query read timeout') void client.end().catch(() => {});
          });
        }
        return pending;
      };
    });
    const maxStatements = config.dbPreparedStatements === false ? 0 : MAX_PREPARED_STATEMENTS;
    const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool: withPreparedStatements(pool, maxStatements) }) });
    return createDb(
      kysely,
      'postgres',
      async () => {
        await kysely.destroy();
      },
      () => ({ inUse: pool.totalCount - pool.idleCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    );
  }
  const inMemory = config.dataDir === 'memory://';
  const release = inMemory ? () => {} : lockDataDir(config.dataDir);
  try {
    const client = inMemory ? new PGlite(PGLITE_OPTIONS) : new PGlite(path.join(config.dataDir, 'pgdata'), PGLITE_OPTIONS);
    await client.waitReady;
    const kysely = new Kysely<Database>({ dialect: new PGliteDialect(client) });
    return createDb(kysely, 'pglite', async () => {
      await kysely.destroy();
      release();
    });
  } catch (err) {
    release();
    throw err;
  }
}

const COMMIT = CompiledQuery.raw('commit');
const COMMIT_WITH_NEXT = CompiledQuery.raw('commit', [WITH_NEXT]);
const ROLLBACK = CompiledQuery.raw('rollback');

function createDb(kysely: Kysely<Database>, kind: DbKind, close: () => Promise<void>, poolStats: () => PoolStats | undefined = () => undefined): Db {
  // Transaction-local: the role and the settings end with the transaction, so a pooled connection
  // never carries one business's context into another's work.
  const scoped = async <T>(businessId: string | null, userId: string | null, fn: (tx: TenantTx) => Promise<T>, closing?: ClosingWrite<T>, readOnly = false): Promise<T> => {
    if (kind === 'pglite') {
      return kysely.transaction().execute(async (trx) => {
        if (readOnly) await sql`set transaction read only`.execute(trx);
        await sql`select set_config('role', ${APP_ROLE}, true), set_config('app.business_id', ${businessId ?? ''}, true), set_config('app.user_id', ${userId ?? ''}, true)`.execute(
          trx,
        );
        const tx = trx as unknown as TenantTx;
        const result = await fn(tx);
        if (closing) await tx.executeQuery(closing(tx, result));
        return result;
      });
    }
    // On Postgres a unit of work is two round trips, whatever its closing write: each costs both
    // processes a loopback write and a wake-up, and under load those were most of a tool call's
    // database time. BEGIN and the settings travel as one simple-protocol query (only validated
    // UUIDs and a constant are written into its text), pipelined with the work's first statement and
    // in the same write; the closing write likewise with COMMIT (pg's pipeline mode, and WITH_NEXT:
    // prepared-statements.ts).
    const begin = CompiledQuery.raw(
      `begin${readOnly ? ' read only' : ''}; select set_config('role', '${APP_ROLE}', true), set_config('app.business_id', '${businessId ?? ''}', true), set_config('app.user_id', '${userId ?? ''}', true)`,
      [WITH_NEXT],
    );
    return kysely.connection().execute(async (connection) => {
      const tx = connection as TenantTx;
      // Kysely's executor hands the connection to one statement at a time, each after the answer to
      // the one before. The statements of the unit itself are sent straight to the connection
      // underneath, so that they need not wait: BEGIN before the work has queued anything, the
      // closing write and COMMIT (or ROLLBACK) in the executor's turn, after every statement the work
      // queued, which therefore runs inside the transaction even if the work did not await it.
      // (getExecutor is marked internal in kysely's typings; provideConnection is the executor's own
      // interface, the one its query builders go through.)
      const executor = connection.getExecutor();
      const wire = await executor.provideConnection(async (c) => c);
      // Postgres runs what it receives in order, so the work's first statement runs after the
      // settings, or not at all: were the settings to fail, the transaction BEGIN opened is aborted
      // and every later statement fails. BEGIN's outcome is read after the work (handled meanwhile).
      const begun = wire.executeQuery(begin);
      begun.catch(() => {});
      try {
        const result = await fn(tx);
        // Not waited for first: when the work sent nothing (a lone audit row, a batch of them), the
        // closing write and COMMIT leave in BEGIN's write, one round trip for the unit. Should the
        // settings have failed, they fail too (the transaction is aborted), and BEGIN's error is thrown.
        await executor.provideConnection(async (c) => {
          if (readOnly) {
            // Nothing rides on a read-only COMMIT: what was read is final, and it cannot fail but
            // with its connection (which the pool then discards). So it is not waited for: it leaves
            // with the next unit's BEGIN on this connection, in the same write, when one follows
            // within this turn of the event loop (under load, as a rule), else at the turn's end.
            c.executeQuery(COMMIT_WITH_NEXT).catch(() => {});
            return;
          }
          if (!closing) {
            await c.executeQuery(COMMIT);
            return;
          }
          // Sent together. A failed write aborts the transaction, and Postgres then answers COMMIT
          // with a rollback and no error: the write's own outcome decides, then COMMIT's.
          const compiled = closing(tx, result).compile();
          const [write, commit] = await Promise.allSettled([c.executeQuery({ ...compiled, parameters: [...compiled.parameters, WITH_NEXT] }), c.executeQuery(COMMIT)]);
          if (write.status === 'rejected') throw write.reason;
          if (commit.status === 'rejected') throw commit.reason;
        });
        await begun;
        return result;
      } catch (err) {
        // Also when the settings failed after BEGIN: the connection must not go back to the pool in
        // an aborted transaction. The caller learns what failed, not that the rollback failed too: a
        // rollback fails only on a dead connection, which the pool discards when it is released.
        await executor.provideConnection((c) => c.executeQuery(ROLLBACK)).catch(() => {});
        // A failed BEGIN makes the work fail too ("current transaction is aborted"); its own error says more.
        throw await begun.then(
          () => err,
          (beginError: unknown) => beginError,
        );
      }
    });
  };
  let closed = false;
  return {
    kysely,
    kind,
    forBusiness(businessId, fn, closing) {
      if (!isUuid(businessId)) throw new AppError('internal', 'forBusiness needs a business id');
      return scoped(businessId, null, fn, closing);
    },
    readForBusiness(businessId, fn) {
      if (!isUuid(businessId)) throw new AppError('internal', 'readForBusiness needs a business id');
      return scoped(businessId, null, fn, undefined, true);
    },
    forUser(userId, fn) {
      if (!isUuid(userId)) throw new AppError('internal', 'forUser needs a user id');
      return scoped(null, userId, fn);
    },
    async ping() {
      await sql`select 1`.execute(kysely);
    },
    poolStats,
    async close() {
      if (closed) return;
      closed = true;
      await close();
    },
  };
}
