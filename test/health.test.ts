import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { usingPostgres } from './helpers/db.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t?.stop());

describe('health', () => {
  it('/healthz answers while the process lives', async () => {
    const res = await fetch(`${t.baseUrl}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('/readyz is 200 when the database answers and migrations are current', async () => {
    const res = await fetch(`${t.baseUrl}/readyz`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toEqual({ status: 'ready' });
  });

  it('/readyz is 503 naming the migration when one is pending', async () => {
    const [applied] = (await sql<{ name: string }>`select name from kysely_migration`.execute(t.app.db.kysely)).rows;
    await sql`delete from kysely_migration where name = ${applied!.name}`.execute(t.app.db.kysely);
    try {
      const res = await fetch(`${t.baseUrl}/readyz`);
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ status: 'unavailable', reason: `migrations pending: ${applied!.name}` });
    } finally {
      await sql`insert into kysely_migration (name, timestamp) values (${applied!.name}, ${new Date().toISOString()})`.execute(t.app.db.kysely);
    }
    expect((await fetch(`${t.baseUrl}/readyz`)).status).toBe(200);
  });

  it('unknown paths are 404', async () => {
    expect((await fetch(`${t.baseUrl}/nope`)).status).toBe(404);
  });
});

// Only a database server can go away and come back; the embedded one lives in this process.
if (usingPostgres()) {
  describe('health against a database that goes away', () => {
    it('/readyz is 503 while the database refuses connections, and 200 again once it is back', async () => {
      const dbName = new URL(t.database.databaseUrl!).pathname.slice(1);
      const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
      await admin.connect();
      try {
        await admin.query(`alter database ${dbName} allow_connections false`);
        await admin.query(`select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()`, [dbName]);
        const down = await fetch(`${t.baseUrl}/readyz`);
        expect(down.status).toBe(503);
        expect(await down.json()).toEqual({ status: 'unavailable', reason: 'database unreachable' });
      } finally {
        await admin.query(`alter database ${dbName} allow_connections true`);
        await admin.end();
      }
      let status = 0;
      for (let i = 0; i < 20 && status !== 200; i++) {
        status = (await fetch(`${t.baseUrl}/readyz`)).status;
        if (status !== 200) await new Promise((r) => setTimeout(r, 100));
      }
      expect(status).toBe(200);
    });
  });
}
