// The database handle: PGlite (embedded, files under DATA_DIR, or in memory) or a Postgres pool,
// behind one Kysely instance, plus the unit-of-work helpers that bind row-level security.
import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import pg from 'pg';
import type { Database } from '../../db/schema.js';
import { APP_ROLE } from '../../db/migrations/2026-11-21-001-initial.js';
import type { Config } from './config.js';
import { AppError } from './errors.js';
import { isUuid } from './ids.js';
import { MAX_PREPARED_STATEMENTS, withPreparedStatements } from './prepared-statements.js';

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

export interface Db {
  /** The owner connection, for system work only: migrations, seeding, the OAuth store, key lookup by hash. */
  readonly kysely: OwnerDb;
  readonly kind: DbKind;
  /** Runs `fn` in one transaction as the RLS-bound role, confined to one business. */
  forBusiness<T>(businessId: string, fn: (tx: TenantTx) => Promise<T>): Promise<T>;
  /** Runs `fn` as the RLS-bound role seeing only what a signed-in user may: their memberships and businesses. */
  forUser<T>(userId: string, fn: (tx: TenantTx) => Promise<T>): Promise<T>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

// Re-exported for the domain services that still import it from here; new code imports ./ids.js.
export { isUuid } from './ids.js';

export class DataDirInUseError extends Error {
  override name = 'DataDirInUseError';
}

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

export async function openDatabase(config: Pick<Config, 'databaseUrl' | 'dataDir' | 'dbPoolSize'> & Partial<Pick<Config, 'dbPreparedStatements'>>): Promise<Db> {
  if (config.databaseUrl) {
    const types = new pg.TypeOverrides();
    // bigint counts fit in a double for every figure this service reports.
    types.setTypeParser(20, (v) => Number(v));
    const pool = new pg.Pool({ connectionString: config.databaseUrl, max: config.dbPoolSize, types, connectionTimeoutMillis: 5000 });
    // An idle client losing its server must not crash the process; the pool reconnects on next use.
    pool.on('error', () => {});
    const maxStatements = config.dbPreparedStatements === false ? 0 : MAX_PREPARED_STATEMENTS;
    const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool: withPreparedStatements(pool, maxStatements) }) });
    return createDb(kysely, 'postgres', async () => {
      await kysely.destroy();
    });
  }
  const inMemory = config.dataDir === 'memory://';
  const release = inMemory ? () => {} : lockDataDir(config.dataDir);
  try {
    const client = inMemory ? new PGlite() : new PGlite(path.join(config.dataDir, 'pgdata'));
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

function createDb(kysely: Kysely<Database>, kind: DbKind, close: () => Promise<void>): Db {
  // Transaction-local: the role and the settings end with the transaction, so a pooled connection
  // never carries one business's context into another's work.
  const scoped = async <T>(businessId: string | null, userId: string | null, fn: (tx: TenantTx) => Promise<T>): Promise<T> => {
    if (kind === 'pglite') {
      return kysely.transaction().execute(async (tx) => {
        await sql`select set_config('role', ${APP_ROLE}, true), set_config('app.business_id', ${businessId ?? ''}, true), set_config('app.user_id', ${userId ?? ''}, true)`.execute(
          tx,
        );
        return fn(tx as unknown as TenantTx);
      });
    }
    // On Postgres, BEGIN and the settings travel as one simple-protocol query: a tool call is a
    // handful of round trips, and each costs both processes a loopback write and a wake-up. Only
    // validated UUIDs and a constant are written into the text.
    const begin = `begin; select set_config('role', '${APP_ROLE}', true), set_config('app.business_id', '${businessId ?? ''}', true), set_config('app.user_id', '${userId ?? ''}', true)`;
    return kysely.connection().execute(async (connection) => {
      try {
        // Inside the try: if the settings failed after BEGIN, the connection would otherwise go back
        // to the pool in an aborted transaction.
        await sql.raw(begin).execute(connection);
        const result = await fn(connection as TenantTx);
        await sql.raw('commit').execute(connection);
        return result;
      } catch (err) {
        // The caller learns what failed, not that the rollback failed too: a rollback fails only on
        // a dead connection, which the pool discards when it is released.
        await sql
          .raw('rollback')
          .execute(connection)
          .catch(() => {});
        throw err;
      }
    });
  };
  let closed = false;
  return {
    kysely,
    kind,
    forBusiness(businessId, fn) {
      if (!isUuid(businessId)) throw new AppError('internal', 'forBusiness needs a business id');
      return scoped(businessId, null, fn);
    },
    forUser(userId, fn) {
      if (!isUuid(userId)) throw new AppError('internal', 'forUser needs a user id');
      return scoped(null, userId, fn);
    },
    async ping() {
      await sql`select 1`.execute(kysely);
    },
    async close() {
      if (closed) return;
      closed = true;
      await close();
    },
  };
}
