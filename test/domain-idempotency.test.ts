// Idempotent effects against a real database: replay, conflicts, per-business keys, expiry, the
// in-progress and interrupted states, and 50 concurrent requests with one key → one effect.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestHash, withIdempotency } from '../src/domain/idempotency/idempotency.service.js';
import type { Db } from '../src/shared/db.js';
import { AppError } from '../src/shared/errors.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { createTenant, keyActor, testTelephony, type Telephony, type Tenant } from './helpers/domain-fixtures.js';

let t: TestDatabase;
let a: Tenant;
let b: Tenant;
let telephony: Telephony;

beforeAll(async () => {
  t = await createTestDatabase();
  a = await createTenant(t.db, 'idem-a');
  b = await createTenant(t.db, 'idem-b');
  telephony = testTelephony(t.db);
});
afterAll(async () => {
  await telephony?.stop();
  await t?.close();
});

const run = <T>(businessId: string, key: string, args: unknown, effect: () => Promise<T>, extra: Record<string, unknown> = {}) =>
  withIdempotency({ db: t.db, businessId, key, tool: 'test_tool', args, ...extra }, effect);

describe('withIdempotency', () => {
  it('runs the effect once; the same key and arguments replay the first outcome', async () => {
    let effects = 0;
    const effect = async () => ({ n: ++effects, at: new Date('2026-01-01T00:00:00Z') });
    const first = await run(a.businessId, 'key-replay-1', { x: 1, y: [1, 2] }, effect);
    const second = await run(a.businessId, 'key-replay-1', { y: [1, 2], x: 1 }, effect);
    expect(first).toEqual({ outcome: { n: 1, at: '2026-01-01T00:00:00.000Z' }, replayed: false });
    expect(second).toEqual({ outcome: { n: 1, at: '2026-01-01T00:00:00.000Z' }, replayed: true });
    expect(effects).toBe(1);
  });

  it('ignores idempotency_key inside the arguments when comparing them', async () => {
    let effects = 0;
    await run(a.businessId, 'key-self-1', { x: 1, idempotency_key: 'key-self-1' }, async () => ++effects);
    const again = await run(a.businessId, 'key-self-1', { x: 1 }, async () => ++effects);
    expect(again.replayed).toBe(true);
    expect(effects).toBe(1);
  });

  it('refuses the same key with different arguments, or for another tool, as conflict', async () => {
    await run(a.businessId, 'key-conflict', { x: 1 }, async () => 'ok');
    await expect(run(a.businessId, 'key-conflict', { x: 2 }, async () => 'other')).rejects.toMatchObject({
      code: 'conflict',
      details: { field: 'idempotency_key', reason: 'arguments_differ' },
    });
    await expect(withIdempotency({ db: t.db, businessId: a.businessId, key: 'key-conflict', tool: 'another_tool', args: { x: 1 } }, async () => 'x')).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/another operation/),
    });
  });

  it('security: keys are per business — the same key in another business is a new request', async () => {
    const inA = await run(a.businessId, 'key-shared-by-chance', { x: 1 }, async () => 'from a');
    const inB = await run(b.businessId, 'key-shared-by-chance', { x: 1 }, async () => 'from b');
    expect(inA).toEqual({ outcome: 'from a', replayed: false });
    expect(inB).toEqual({ outcome: 'from b', replayed: false });
  });

  it('validates the key: 8–128 printable characters', async () => {
    for (const key of ['short', 'x'.repeat(129), 'has space in it', '']) {
      await expect(run(a.businessId, key, {}, async () => 1)).rejects.toMatchObject({ code: 'invalid_argument', details: { field: 'idempotency_key' } });
    }
  });

  it('a refusal (AppError) gives the key back, so a corrected retry runs', async () => {
    await expect(
      run(a.businessId, 'key-refused-1', { x: 1 }, async () => {
        throw new AppError('quiet_hours', 'not now');
      }),
    ).rejects.toMatchObject({ code: 'quiet_hours' });
    const retry = await run(a.businessId, 'key-refused-1', { x: 1 }, async () => 'placed');
    expect(retry).toEqual({ outcome: 'placed', replayed: false });
  });

  it('an unexpected failure keeps the key: its effect may have happened, so it is never re-run', async () => {
    await expect(
      run(a.businessId, 'key-crashed-1', { x: 1 }, async () => {
        throw new Error('connection lost mid-effect');
      }),
    ).rejects.toThrow('connection lost');
    let effects = 0;
    // Still in progress as far as anyone knows: a duplicate waits, then answers conflict (in_progress).
    await expect(run(a.businessId, 'key-crashed-1', { x: 1 }, async () => ++effects, { waitTimeoutMs: 50 })).rejects.toMatchObject({
      code: 'conflict',
      details: { reason: 'in_progress' },
    });
    // Once the claim is older than the interruption threshold, the answer says so.
    await expect(run(a.businessId, 'key-crashed-1', { x: 1 }, async () => ++effects, { interruptedAfterSeconds: 0 })).rejects.toMatchObject({
      code: 'conflict',
      details: { reason: 'interrupted' },
    });
    expect(effects).toBe(0);
  });

  it('expired records no longer hold the key', async () => {
    let effects = 0;
    await run(a.businessId, 'key-expiring', { x: 1 }, async () => ++effects);
    await t.db.kysely.updateTable('idempotency_records').set({ expires_at: sql`now() - interval '1 second'` }).where('key', '=', 'key-expiring').execute();
    const again = await run(a.businessId, 'key-expiring', { x: 2 }, async () => ++effects);
    expect(again).toEqual({ outcome: 2, replayed: false });
  });

  it('records expire after the configured time (24 h by default)', async () => {
    await run(a.businessId, 'key-ttl-default', {}, async () => 1);
    await run(a.businessId, 'key-ttl-short', {}, async () => 1, { ttlSeconds: 60 });
    const rows = await t.db.kysely
      .selectFrom('idempotency_records')
      .select(['key', sql<number>`extract(epoch from (expires_at - created_at))::int`.as('ttl')])
      .where('key', 'in', ['key-ttl-default', 'key-ttl-short'])
      .orderBy('key')
      .execute();
    expect(rows).toEqual([
      { key: 'key-ttl-default', ttl: 86400 },
      { key: 'key-ttl-short', ttl: 60 },
    ]);
  });

  it('50 concurrent requests with one key run the effect exactly once and all get its outcome', async () => {
    let effects = 0;
    const effect = async () => {
      effects++;
      await new Promise((r) => setTimeout(r, 30));
      return { id: 'the-one' };
    };
    const results = await Promise.all(Array.from({ length: 50 }, () => run(a.businessId, 'key-concurrent-50', { to: '+14155550123' }, effect)));
    expect(effects).toBe(1);
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
    expect(results.filter((r) => r.replayed)).toHaveLength(49);
    for (const r of results) expect(r.outcome).toEqual({ id: 'the-one' });
  });

  it('50 concurrent placeCall with one key create exactly one call', async () => {
    const args = { agent_id: a.agentId, to: '+14155550140' };
    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        withIdempotency({ db: t.db, businessId: a.businessId, key: 'make-call-concurrent-1', tool: 'make_call', args }, async () => {
          const call = await telephony.calls.placeCall({ businessId: a.businessId, actor: keyActor(a.keys.owner), agentId: a.agentId, to: args.to });
          return { call_id: call.id, status: call.status };
        }),
      ),
    );
    const calls = await t.db.kysely.selectFrom('calls').select('id').where('business_id', '=', a.businessId).where('to_number', '=', '+14155550140').execute();
    expect(calls).toHaveLength(1);
    expect(new Set(results.map((r) => (r.outcome as { call_id: string }).call_id))).toEqual(new Set([calls[0]!.id]));
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
  });
});

// Fault 5 (issue 10): a write whose process died left its claim in_progress, and a retry learned
// "interrupted" only after 120 s (waiting 15 s per try). Claims now carry a lease that the live
// holder renews while its effect runs.
describe('withIdempotency: the claim lease', () => {
  /**
   * The holder's process as seen from the database: once it "dies", none of its later work reaches
   * the database (no renewal, no completion), which is what kill -9 leaves behind.
   */
  function mortalDb(db: Db) {
    let dead = false;
    const never = new Promise<never>(() => {});
    const mortal: Db = { ...db, forBusiness: (businessId, fn) => (dead ? never : db.forBusiness(businessId, fn)) };
    return { db: mortal, die: () => (dead = true) };
  }

  /** Starts a request on `db` whose effect never finishes; resolves once its claim is committed. */
  async function startEffectThatHangs(db: Db, key: string, args: unknown, onEffect: () => void, extra: Record<string, unknown> = {}) {
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    void withIdempotency({ db, businessId: a.businessId, key, tool: 'test_tool', args, ...extra }, () => {
      onEffect();
      started();
      return new Promise<never>(() => {});
    });
    await running;
  }

  it('fault: a retry after the holder crashed answers interrupted within 10 s (production defaults), and never runs the effect', async () => {
    const holder = mortalDb(t.db);
    let effects = 0;
    await startEffectThatHangs(holder.db, 'key-lease-crash-1', { x: 1 }, () => {
      effects++;
      holder.die();
    });
    const began = Date.now();
    let retryEffects = 0;
    const retry = await run(a.businessId, 'key-lease-crash-1', { x: 1 }, async () => ++retryEffects).then(
      () => 'ran',
      (err: unknown) => err,
    );
    const elapsedMs = Date.now() - began;
    expect(retry).toMatchObject({ code: 'conflict', details: { field: 'idempotency_key', reason: 'interrupted' } });
    expect(elapsedMs).toBeLessThan(10_000);
    expect(effects).toBe(1);
    expect(retryEffects).toBe(0);
  });

  it('fault: a short lease left by a crashed holder answers interrupted once it lapses, not after 120 s', async () => {
    const holder = mortalDb(t.db);
    await startEffectThatHangs(holder.db, 'key-lease-crash-2', { x: 1 }, holder.die, { leaseSeconds: 1, leaseRenewMs: 200 });
    let retryEffects = 0;
    const began = Date.now();
    await expect(run(a.businessId, 'key-lease-crash-2', { x: 1 }, async () => ++retryEffects, { waitTimeoutMs: 5_000 })).rejects.toMatchObject({
      code: 'conflict',
      details: { reason: 'interrupted' },
    });
    expect(Date.now() - began).toBeLessThan(3_000);
    expect(retryEffects).toBe(0);
  });

  it('a slow live effect that outlasts its lease is not declared interrupted: the retry waits, replays, and the effect runs once', async () => {
    const lease = { leaseSeconds: 1, leaseRenewMs: 200 };
    let effects = 0;
    const slowEffect = async () => {
      effects++;
      await new Promise((r) => setTimeout(r, 3_000));
      return { call_id: 'slow-one' };
    };
    const first = run(a.businessId, 'key-lease-slow-1', { x: 1 }, slowEffect, lease);
    await new Promise((r) => setTimeout(r, 100));
    const retry = await run(a.businessId, 'key-lease-slow-1', { x: 1 }, slowEffect, lease);
    expect(await first).toEqual({ outcome: { call_id: 'slow-one' }, replayed: false });
    expect(retry).toEqual({ outcome: { call_id: 'slow-one' }, replayed: true });
    expect(effects).toBe(1);
    // Completion clears the lease: the outcome no longer depends on anyone being alive.
    const row = await t.db.kysely.selectFrom('idempotency_records').select(['state', 'lease_expires_at']).where('key', '=', 'key-lease-slow-1').executeTakeFirstOrThrow();
    expect(row).toEqual({ state: 'completed', lease_expires_at: null });
  });

  it('claims written before leases existed (no lease) keep the age rule and still replay', async () => {
    const legacy = (key: string, state: 'in_progress' | 'completed', ageSeconds: number, response: Record<string, unknown> | null = null) =>
      t.db.kysely
        .insertInto('idempotency_records')
        .values({
          business_id: a.businessId,
          key,
          tool: 'test_tool',
          request_hash: requestHash('test_tool', { x: 1 }),
          state,
          response: response === null ? null : JSON.stringify(response),
          created_at: sql<Date>`now() - make_interval(secs => ${ageSeconds})`,
          expires_at: sql<Date>`now() + interval '1 hour'`,
        })
        .execute();
    await legacy('key-legacy-old', 'in_progress', 121);
    await legacy('key-legacy-young', 'in_progress', 1);
    await legacy('key-legacy-done', 'completed', 5, { outcome: { call_id: 'legacy' } });
    let effects = 0;
    await expect(run(a.businessId, 'key-legacy-old', { x: 1 }, async () => ++effects)).rejects.toMatchObject({ code: 'conflict', details: { reason: 'interrupted' } });
    await expect(run(a.businessId, 'key-legacy-young', { x: 1 }, async () => ++effects, { waitTimeoutMs: 50 })).rejects.toMatchObject({
      code: 'conflict',
      details: { reason: 'in_progress' },
    });
    expect(await run(a.businessId, 'key-legacy-done', { x: 1 }, async () => ++effects)).toEqual({ outcome: { call_id: 'legacy' }, replayed: true });
    expect(effects).toBe(0);
  });
});
