// Security: tenancy is enforced by Postgres row-level security, not only by our queries. These
// tests run the same statements the application would, as the application's role.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TenantTx } from '../src/shared/db.js';
import { asAppRoleWithoutBusiness, createTestDatabase, type TestDatabase } from './helpers/db.js';

let t: TestDatabase;
let a: { business: string; agent: string; call: string; lead: string; user: string };
let b: { business: string; agent: string; call: string; lead: string; user: string };

async function makeBusiness(slug: string) {
  const db = t.db.kysely;
  const business = await db.insertInto('businesses').values({ name: slug, slug, timezone: 'UTC' }).returning('id').executeTakeFirstOrThrow();
  const user = await db
    .insertInto('users')
    .values({ email: `${slug}@example.com`, password_hash: 'x' })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db.insertInto('memberships').values({ business_id: business.id, user_id: user.id, role: 'owner' }).execute();
  const agent = await db
    .insertInto('agents')
    .values({ business_id: business.id, name: `${slug} agent`, voice: 'v', model: 'm' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const lead = await db
    .insertInto('leads')
    .values({ business_id: business.id, name: `${slug} lead` })
    .returning('id')
    .executeTakeFirstOrThrow();
  const call = await db
    .insertInto('calls')
    .values({ business_id: business.id, agent_id: agent.id, lead_id: lead.id, direction: 'outbound', status: 'completed', to_number: '+15550100001', from_number: '+15550100002' })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db
    .insertInto('api_keys')
    .values({ business_id: business.id, name: 'k', prefix: `kc_live_${slug}`, key_hash: slug === 'a' ? 'a'.repeat(64) : 'b'.repeat(64), scopes: ['calls:read'] })
    .execute();
  await db.insertInto('audit_log').values({ business_id: business.id, actor_kind: 'system', actor_id: null, action: 'seed', outcome: 'success' }).execute();
  return { business: business.id, agent: agent.id, call: call.id, lead: lead.id, user: user.id };
}

beforeAll(async () => {
  t = await createTestDatabase();
  a = await makeBusiness('a');
  b = await makeBusiness('b');
});
afterAll(async () => t?.close());

// Every table with a business_id column is a tenant table: found from the catalog, so a table added
// by a later migration is covered without editing this list.
let TENANT_TABLES: string[] = [];

describe('security: every tenant table is under row-level security', () => {
  it('has RLS enabled and a policy keyed on the current business', async () => {
    const rows = (
      await sql<{ table_name: string; rls: boolean; policies: number }>`
        select c.table_name, t.relrowsecurity as rls,
               (select count(*)::int from pg_policies p where p.tablename = c.table_name and p.qual like '%app.business_id%') as policies
        from information_schema.columns c join pg_class t on t.relname = c.table_name and t.relkind = 'r'
        where c.table_schema = 'public' and c.column_name = 'business_id' order by 1`.execute(t.db.kysely)
    ).rows;
    TENANT_TABLES = rows.map((r) => r.table_name);
    expect(TENANT_TABLES.length).toBeGreaterThanOrEqual(20);
    for (const row of rows) expect({ table: row.table_name, rls: row.rls, policy: row.policies > 0 }).toEqual({ table: row.table_name, rls: true, policy: true });
  });
});

describe('security: row-level security with no business set', () => {
  it('runs as a role that is neither superuser nor table owner', async () => {
    const row = await asAppRoleWithoutBusiness(
      t.db,
      async (tx: TenantTx) =>
        (await sql<{ u: string; sup: boolean }>`select current_user as u, (select rolsuper from pg_roles where rolname = current_user) as sup`.execute(tx)).rows[0],
    );
    expect(row).toEqual({ u: 'kc_app', sup: false });
  });

  it('every tenant table reads as empty', async () => {
    expect(TENANT_TABLES.length).toBeGreaterThan(0);
    for (const table of TENANT_TABLES) await expectEmptyWithoutBusiness(table);
  });

  async function expectEmptyWithoutBusiness(table: string) {
    const count = await asAppRoleWithoutBusiness(
      t.db,
      async (tx: TenantTx) => (await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(tx)).rows[0]!.n,
    );
    const total = (await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(t.db.kysely)).rows[0]!.n;
    // The owner connection does see rows where the fixture wrote some: the policy, not an empty table, hides them.
    expect({ table, count }).toEqual({ table, count: 0 });
    if (['agents', 'leads', 'calls', 'api_keys', 'audit_log'].includes(table)) expect(total).toBeGreaterThan(0);
  }

  it('refuses writes', async () => {
    await expect(asAppRoleWithoutBusiness(t.db, (tx) => tx.insertInto('agents').values({ business_id: a.business, name: 'x', voice: 'v', model: 'm' }).execute())).rejects.toThrow(
      /row-level security/,
    );
    const updated = await asAppRoleWithoutBusiness(t.db, (tx) => tx.updateTable('calls').set({ summary: 'changed' }).where('id', '=', a.call).executeTakeFirst());
    expect(Number(updated.numUpdatedRows)).toBe(0);
  });

  it('sees no business and no memberships', async () => {
    const rows = await asAppRoleWithoutBusiness(t.db, (tx) => tx.selectFrom('businesses').select('id').execute());
    expect(rows).toEqual([]);
  });
});

describe("security: in business A's unit of work, business B is invisible", () => {
  it('reads only A rows', async () => {
    const result = await t.db.forBusiness(a.business, async (tx) => ({
      agents: await tx.selectFrom('agents').select('business_id').execute(),
      calls: await tx.selectFrom('calls').select('business_id').execute(),
      businesses: await tx.selectFrom('businesses').select('id').execute(),
      keys: await tx.selectFrom('api_keys').select('business_id').execute(),
    }));
    expect(result.agents.map((r) => r.business_id)).toEqual([a.business]);
    expect(result.calls.map((r) => r.business_id)).toEqual([a.business]);
    expect(result.keys.map((r) => r.business_id)).toEqual([a.business]);
    expect(result.businesses.map((r) => r.id)).toEqual([a.business]);
  });

  it("cannot read B's rows even by id", async () => {
    const found = await t.db.forBusiness(a.business, (tx) => tx.selectFrom('calls').selectAll().where('id', '=', b.call).executeTakeFirst());
    expect(found).toBeUndefined();
  });

  it("cannot change or delete B's rows even by id", async () => {
    await t.db.forBusiness(a.business, async (tx) => {
      const upd = await tx.updateTable('leads').set({ name: 'hijacked' }).where('id', '=', b.lead).executeTakeFirst();
      const del = await tx.deleteFrom('calls').where('id', '=', b.call).executeTakeFirst();
      expect(Number(upd.numUpdatedRows)).toBe(0);
      expect(Number(del.numDeletedRows)).toBe(0);
    });
    const lead = await t.db.kysely.selectFrom('leads').select('name').where('id', '=', b.lead).executeTakeFirstOrThrow();
    expect(lead.name).toBe('b lead');
    expect(await t.db.kysely.selectFrom('calls').select('id').where('id', '=', b.call).executeTakeFirst()).toBeDefined();
  });

  it('cannot insert rows for B, nor move its own rows to B', async () => {
    await expect(t.db.forBusiness(a.business, (tx) => tx.insertInto('leads').values({ business_id: b.business, name: 'planted' }).execute())).rejects.toThrow(/row-level security/);
    await expect(t.db.forBusiness(a.business, (tx) => tx.updateTable('leads').set({ business_id: b.business }).where('id', '=', a.lead).execute())).rejects.toThrow(
      /row-level security/,
    );
  });

  it("cannot read users' password hashes", async () => {
    await expect(t.db.forBusiness(a.business, (tx) => tx.selectFrom('users').select('password_hash').execute())).rejects.toThrow(/permission denied/);
    const staff = await t.db.forBusiness(a.business, (tx) => tx.selectFrom('users').select(['id', 'email']).execute());
    expect(staff.map((s) => s.id)).toEqual([a.user]);
  });

  it('the business context ends with the unit of work', async () => {
    await t.db.forBusiness(a.business, async () => {});
    const leaked = await asAppRoleWithoutBusiness(t.db, (tx) => tx.selectFrom('calls').select('id').execute());
    expect(leaked).toEqual([]);
    const role = (await sql<{ u: string }>`select current_user as u`.execute(t.db.kysely)).rows[0]!.u;
    expect(role).not.toBe('kc_app');
  });
});

describe("security: a signed-in user's unit of work", () => {
  it('sees only the businesses and memberships of that user', async () => {
    const seen = await t.db.forUser(a.user, async (tx) => ({
      businesses: await tx.selectFrom('businesses').select('id').execute(),
      memberships: await tx.selectFrom('memberships').select(['business_id', 'user_id']).execute(),
      calls: await tx.selectFrom('calls').select('id').execute(),
    }));
    expect(seen.businesses.map((r) => r.id)).toEqual([a.business]);
    expect(seen.memberships).toEqual([{ business_id: a.business, user_id: a.user }]);
    expect(seen.calls).toEqual([]);
  });
});
