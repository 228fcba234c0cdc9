// The database handle's units of work and, on Postgres, its prepared statements: what a unit of work
// commits, what it rolls back, what it leaves behind on its connection, and how a plan made stale
// by a migration is recovered from.
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Database } from '../db/schema.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../src/shared/db.js';
import { withPreparedStatements } from '../src/shared/prepared-statements.js';
import { createTestDatabase, usingPostgres, type TestDatabase } from './helpers/db.js';

let t: TestDatabase;
// One connection, so that what a unit of work leaves on its connection is what the next one sees.
let single: Db;
let businessId: string;

beforeAll(async () => {
  t = await createTestDatabase();
  single = usingPostgres() ? await openDatabase({ databaseUrl: t.databaseUrl, dataDir: 'memory://', dbPoolSize: 1 }) : t.db;
  businessId = (await t.db.kysely.insertInto('businesses').values({ name: 'Units', slug: 'units', timezone: 'UTC' }).returning('id').executeTakeFirstOrThrow()).id;
});
afterAll(async () => {
  if (single !== t.db) await single.close();
  await t?.close();
});

const leadsNamed = async (name: string) => (await t.db.kysely.selectFrom('leads').select('id').where('name', '=', name).where('business_id', '=', businessId).execute()).length;

describe('a unit of work', () => {
  it('commits its writes when it returns, and returns its result', async () => {
    const result = await t.db.forBusiness(businessId, async (tx) => {
      await tx.insertInto('leads').values({ business_id: businessId, name: 'kept' }).execute();
      return 'done';
    });
    expect(result).toBe('done');
    expect(await leadsNamed('kept')).toBe(1);
  });

  it('rolls back every write when it throws, and rethrows the error', async () => {
    const failure = t.db.forBusiness(businessId, async (tx) => {
      await tx.insertInto('leads').values({ business_id: businessId, name: 'dropped' }).execute();
      throw new Error('the tool failed after writing');
    });
    await expect(failure).rejects.toThrow('the tool failed after writing');
    expect(await leadsNamed('dropped')).toBe(0);
  });

  it('rolls back when a statement fails, and the connection serves the next unit of work', async () => {
    const failure = single.forBusiness(businessId, async (tx) => {
      await tx.insertInto('leads').values({ business_id: businessId, name: 'before the error' }).execute();
      await sql`select 1 / 0`.execute(tx);
    });
    await expect(failure).rejects.toThrow(/division by zero/);
    expect(await leadsNamed('before the error')).toBe(0);
    const count = await single.forBusiness(businessId, (tx) => tx.selectFrom('leads').select('id').execute());
    expect(count.length).toBeGreaterThan(0);
  });

  it('runs as the row-level-security role with the business set, and leaves neither on its connection', async () => {
    const inside = await single.forBusiness(businessId, async (tx) => {
      const r = await sql<{
        role: string;
        business: string;
        user: string;
      }>`select current_user as role, current_setting('app.business_id', true) as business, current_setting('app.user_id', true) as user`.execute(tx);
      return r.rows[0]!;
    });
    expect(inside).toEqual({ role: 'kc_app', business: businessId, user: '' });
    const after = await sql<{ role: string; business: string | null }>`select current_user as role, current_setting('app.business_id', true) as business`.execute(single.kysely);
    expect(after.rows[0]!.role).not.toBe('kc_app');
    expect(after.rows[0]!.business ?? '').toBe('');
  });

  it('security: one statement text, run in turn by the owner and by two businesses on one connection, sees what each may', async () => {
    // On Postgres the text below is a prepared statement planned once: the plan must not carry one
    // caller's rows, role or business into the next caller's execution.
    const other = (await single.kysely.insertInto('businesses').values({ name: 'Other', slug: 'units-other', timezone: 'UTC' }).returning('id').executeTakeFirstOrThrow()).id;
    await single.kysely
      .insertInto('leads')
      .values([
        { business_id: other, name: 'theirs' },
        { business_id: businessId, name: 'ours' },
      ])
      .execute();
    const names = (db: Db['kysely']) =>
      db
        .selectFrom('leads')
        .select('name')
        .where('name', 'in', ['ours', 'theirs'])
        .orderBy('name')
        .execute()
        .then((rows) => rows.map((r) => r.name));
    expect(await names(single.kysely)).toEqual(['ours', 'theirs']);
    expect(await single.forBusiness(businessId, names)).toEqual(['ours']);
    expect(await single.forBusiness(other, names)).toEqual(['theirs']);
    expect(await single.forUser(businessId, names)).toEqual([]);
    expect(await names(single.kysely)).toEqual(['ours', 'theirs']);
  });

  it('refuses an id that is not a UUID before touching the database', async () => {
    expect(() => t.db.forBusiness("x', true); select 1; --", async () => {})).toThrow('forBusiness needs a business id');
    expect(() => t.db.forUser('not-a-uuid', async () => {})).toThrow('forUser needs a user id');
  });
});

describe.runIf(usingPostgres())('prepared statements on Postgres', () => {
  const preparedOf = async (db: Db, text: string) =>
    (await sql<{ name: string }>`select name from pg_prepared_statements where statement = ${text}`.execute(db.kysely)).rows.map((r) => r.name);

  it('prepares each parameterized statement once per connection and reuses it', async () => {
    const query = single.kysely.selectFrom('businesses').select('name').where('id', '=', businessId);
    const text = query.compile().sql;
    for (let i = 0; i < 3; i++) expect((await query.executeTakeFirstOrThrow()).name).toBe('Units');
    const names = await preparedOf(single, text);
    expect(names).toHaveLength(1);
    expect(names[0]).toMatch(/^kc_\d+$/);
  });

  it('runs statements past the cap unnamed, so a connection holds a bounded set', async () => {
    const pool = new pg.Pool({ connectionString: t.databaseUrl, max: 1 });
    const capped = new Kysely<Database>({ dialect: new PostgresDialect({ pool: withPreparedStatements(pool, 1) }) });
    try {
      for (const n of [1, 2, 3]) await sql`select ${n}::int as first`.execute(capped);
      for (const n of [1, 2, 3]) await sql`select ${n}::int as second`.execute(capped);
      const prepared = await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(capped);
      expect(prepared.rows.map((r) => r.statement)).toEqual(['select $1::int as first']);
    } finally {
      await capped.destroy();
    }
  });

  it('prepares nothing with DB_PREPARED_STATEMENTS=false (for poolers that cannot keep prepared statements)', async () => {
    const unprepared = await openDatabase({ databaseUrl: t.databaseUrl, dataDir: 'memory://', dbPoolSize: 1, dbPreparedStatements: false });
    try {
      for (let i = 0; i < 2; i++) await unprepared.forBusiness(businessId, (tx) => tx.selectFrom('leads').select('id').where('name', '=', 'kept').execute());
      const prepared = await sql<{ name: string }>`select name from pg_prepared_statements`.execute(unprepared.kysely);
      expect(prepared.rows).toEqual([]);
    } finally {
      await unprepared.close();
    }
  });

  it('replaces a connection whose prepared select * a migration made stale, so the next query sees the new column', async () => {
    await sql`create table plan_probe (id int primary key, a text)`.execute(single.kysely);
    await sql`insert into plan_probe values (1, 'one')`.execute(single.kysely);
    const read = () => sql<Record<string, unknown>>`select * from plan_probe where id = ${1}`.execute(single.kysely);
    expect((await read()).rows).toEqual([{ id: 1, a: 'one' }]);

    await sql`alter table plan_probe add column b text default 'new'`.execute(single.kysely);
    // The connection that prepared the old shape refuses once; Postgres cannot re-plan a statement
    // whose result columns changed, so the connection is closed rather than returned to the pool.
    await expect(read()).rejects.toThrow(/cached plan must not change result type/);
    expect((await read()).rows).toEqual([{ id: 1, a: 'one', b: 'new' }]);
  });
});
