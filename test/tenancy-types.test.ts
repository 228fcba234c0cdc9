// Security: the tenancy boundary is in the types (spec/architecture.md, "Habits"). A tenant
// repository accepts only the unit of work `db.forBusiness` opens, so handing it the owner connection
// (`db.kysely`, which row-level security does not bind) does not compile; and inside the unit of work
// the same repository sees and writes only its own business, whatever business id it is handed.
// The `@ts-expect-error` lines are the proof: `tsc --noEmit` runs over test/ in CI, and an expected
// error that no longer happens fails it.
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { createIdempotencyRepository } from '../src/domain/idempotency/idempotency.repository.js';
import { createLeadsRepository } from '../src/domain/leads/leads.repository.js';
import type { OwnerDb, TenantTx } from '../src/shared/db.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { insertBusiness } from './helpers/fixtures.js';

let t: TestDatabase;
let a: string;
let b: string;

const claim = (key: string) => ({ key, tool: 'make_call', requestHash: `hash-of-${key}`, ttlSeconds: 3600 });

beforeAll(async () => {
  t = await createTestDatabase();
  a = (await insertBusiness(t.db, { name: 'Tenancy A', timezone: 'America/New_York', phone: '+12125550101' })).id;
  b = (await insertBusiness(t.db, { name: 'Tenancy B', timezone: 'America/New_York', phone: '+12125550102' })).id;
  await t.db.forBusiness(b, (tx) => createIdempotencyRepository(tx, b).claim(claim('key-of-b')));
});
afterAll(async () => {
  await t?.close();
});

describe('security: a tenant repository takes only a tenant unit of work', () => {
  it('does not compile with the owner connection', () => {
    const owner: OwnerDb = t.db.kysely;
    // The owner connection lacks the brand only forBusiness/forUser put on a unit of work.
    expectTypeOf<OwnerDb>().not.toExtend<TenantTx>();
    // @ts-expect-error: the owner connection bypasses row-level security; a tenant repository refuses it.
    createIdempotencyRepository(owner, a);
    // @ts-expect-error: the same for a repository that takes the unit of work alone.
    createLeadsRepository(t.db.kysely);
  });

  it('inside db.forBusiness, works and sees only its business', async () => {
    await t.db.forBusiness(a, async (tx) => {
      const own = createIdempotencyRepository(tx, a);
      expect(await own.claim(claim('key-of-a'))).toBe(true);
      expect(await own.find('key-of-a')).toMatchObject({ key: 'key-of-a', tool: 'make_call', state: 'in_progress' });
      // Handed the other business's id, the repository still runs under A's row-level security.
      expect(await createIdempotencyRepository(tx, b).find('key-of-b')).toBeUndefined();
    });
    // The owner connection (system work) sees both rows: the rows exist, the unit of work hid B's.
    const rows = await t.db.kysely.selectFrom('idempotency_records').select(['business_id', 'key']).orderBy('key').execute();
    expect(rows).toEqual([
      { business_id: a, key: 'key-of-a' },
      { business_id: b, key: 'key-of-b' },
    ]);
  });

  it("inside db.forBusiness, cannot write another business's rows", async () => {
    await expect(t.db.forBusiness(a, (tx) => createIdempotencyRepository(tx, b).claim(claim('planted-in-b')))).rejects.toThrow(/row-level security/);
    expect(await t.db.kysely.selectFrom('idempotency_records').select('key').where('key', '=', 'planted-in-b').execute()).toEqual([]);
  });
});
