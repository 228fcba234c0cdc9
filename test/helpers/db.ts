// A fresh migrated database per test file: PGlite in memory by default, or, when TEST_DATABASE_URL
// points at a Postgres server, a new database created there for this file and dropped after.
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { migrateToLatest } from '../../db/migrate.js';
import { openDatabase, type Db, type TenantTx } from '../../src/shared/db.js';

export const usingPostgres = (): boolean => Boolean(process.env.TEST_DATABASE_URL);

export interface TestDatabase {
  db: Db;
  /** DATABASE_URL of this file's database, or undefined on PGlite. */
  databaseUrl: string | undefined;
  close(): Promise<void>;
}

export async function createTestDatabase(options: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const base = process.env.TEST_DATABASE_URL;
  let databaseUrl: string | undefined;
  let drop = async () => {};
  if (base) {
    const name = `kc_test_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    const url = new URL(base);
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
    drop = async () => {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    };
  }
  const db = await openDatabase({ databaseUrl, dataDir: 'memory://', dbPoolSize: 5 });
  if (options.migrate !== false) await migrateToLatest(db.kysely);
  return {
    db,
    databaseUrl,
    async close() {
      await db.close();
      await drop();
    },
  };
}

/** A unit of work with no business at all: proves that RLS denies by default. */
export async function asAppRoleWithoutBusiness<T>(db: Db, fn: Parameters<Db['forBusiness']>[1] extends (tx: infer X) => unknown ? (tx: X) => Promise<T> : never): Promise<T> {
  return db.kysely.transaction().execute(async (tx) => {
    await sql`select set_config('role', 'kc_app', true)`.execute(tx);
    // The app role with no business bound: a tenant unit of work in every respect but the business.
    return fn(tx as unknown as TenantTx);
  });
}
