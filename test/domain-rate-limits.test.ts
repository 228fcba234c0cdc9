// The per-business outbound rate limits hold across nodes and count contacts when they are placed:
// a call scheduled long ago and dialed now is this minute's volume, a call waiting for later is no
// volume yet, and two nodes dialing, calling or texting at once never pass the limit between them.
// "Nodes" are two domains with their own jobs on one database (on Postgres each with its own pool).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../src/shared/db.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { createTenant, eventually, keyActor, testTelephony, type Telephony, type Tenant } from './helpers/domain-fixtures.js';

let t: TestDatabase;
/** The second node's connection: its own pool on Postgres; PGlite is one process's database. */
let otherDb: Db;
const started: Telephony[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
  otherDb = t.databaseUrl ? await openDatabase({ databaseUrl: t.databaseUrl, dataDir: 'memory://', dbPoolSize: 5 }) : t.db;
});
afterEach(async () => {
  for (const tel of started.splice(0)) await tel.stop();
});
afterAll(async () => {
  if (otherDb && otherDb !== t.db) await otherDb.close();
  await t?.close();
});

/** Two nodes with the same configuration on the same database. */
function twoNodes(env: Record<string, string>): [Telephony, Telephony] {
  const nodes: [Telephony, Telephony] = [testTelephony(t.db, env), testTelephony(otherDb, env)];
  started.push(...nodes);
  return nodes;
}

const number = (i: number) => `+1415555${String(100 + i).padStart(4, '0')}`;

/** Calls scheduled two hours ago (as a person does the day before), all due now. */
async function scheduledLongAgo(tenant: Tenant, count: number): Promise<void> {
  const now = Date.now();
  await t.db.kysely
    .insertInto('calls')
    .values(
      Array.from({ length: count }, (_, i) => ({
        business_id: tenant.businessId,
        agent_id: tenant.agentId,
        direction: 'outbound' as const,
        status: 'queued' as const,
        to_number: number(i),
        from_number: tenant.agentNumber,
        provider: 'simulator',
        scheduled_at: new Date(now - 1000),
        created_at: new Date(now - 2 * 3600_000),
        updated_at: new Date(now - 2 * 3600_000),
      })),
    )
    .execute();
}

const outboundCalls = (tenant: Tenant) =>
  t.db.kysely
    .selectFrom('calls')
    .select(['id', 'status', 'dialed_at', 'scheduled_at', 'campaign_id'])
    .where('business_id', '=', tenant.businessId)
    .where('direction', '=', 'outbound')
    .execute();

/** Lets the simulator finish the calls it carries, so stopping a node abandons none. */
const settled = (tenant: Tenant) =>
  eventually(async () => {
    const open = (await outboundCalls(tenant)).filter((c) => c.dialed_at && ['queued', 'ringing', 'in-progress'].includes(c.status));
    return open.length === 0 ? true : undefined;
  });

describe('fault: scheduled calls count against the rate limits when they are dialed, on every node', () => {
  it('31 scheduled calls due at once, two nodes dialing: at most 20 placed in the minute (limit 20/min), the rest rescheduled', async () => {
    const tenant = await createTenant(t.db, 'rate-sched-min');
    await scheduledLongAgo(tenant, 31);
    const [one, two] = twoNodes({ RATE_LIMIT_CALLS_PER_MINUTE: '20' });
    const now = new Date();
    await Promise.all([one.runOnce(now), two.runOnce(now)]);

    const calls = await outboundCalls(tenant);
    const dialed = calls.filter((c) => c.dialed_at !== null);
    const waiting = calls.filter((c) => c.dialed_at === null);
    expect(dialed).toHaveLength(20);
    expect(waiting).toHaveLength(11);
    // Pushed back until a slot frees (within the minute), never canceled.
    for (const c of waiting) {
      expect(c.status).toBe('queued');
      expect(c.scheduled_at!.getTime()).toBeGreaterThan(now.getTime());
      expect(c.scheduled_at!.getTime()).toBeLessThanOrEqual(now.getTime() + 61_000);
    }
    await settled(tenant);
  });

  it('31 scheduled calls due at once, two nodes dialing: at most 20 placed in the hour (limit 20/h), the rest rescheduled', async () => {
    const tenant = await createTenant(t.db, 'rate-sched-hour');
    await scheduledLongAgo(tenant, 31);
    const [one, two] = twoNodes({ RATE_LIMIT_CALLS_PER_HOUR: '20' });
    const now = new Date();
    await Promise.all([one.runOnce(now), two.runOnce(now)]);

    const calls = await outboundCalls(tenant);
    expect(calls.filter((c) => c.dialed_at !== null)).toHaveLength(20);
    const waiting = calls.filter((c) => c.dialed_at === null);
    expect(waiting).toHaveLength(11);
    for (const c of waiting) {
      expect(c.status).toBe('queued');
      // The hour's oldest placement frees the next slot: about an hour from now.
      expect(c.scheduled_at!.getTime()).toBeGreaterThan(now.getTime() + 3500_000);
      expect(c.scheduled_at!.getTime()).toBeLessThanOrEqual(now.getTime() + 3601_000);
    }
    await settled(tenant);
  });

  it('scheduled calls and campaign leads due together, two nodes: at most 20 placed in the minute between them', async () => {
    const tenant = await createTenant(t.db, 'rate-sched-camp');
    await scheduledLongAgo(tenant, 15);
    const leadIds: string[] = [];
    for (let i = 0; i < 15; i++) {
      const row = await t.db.kysely
        .insertInto('leads')
        .values({ business_id: tenant.businessId, name: `Lead ${i}`, phone: number(50 + i) })
        .returning('id')
        .executeTakeFirstOrThrow();
      leadIds.push(row.id);
    }
    const [one, two] = twoNodes({ RATE_LIMIT_CALLS_PER_MINUTE: '20' });
    await one.campaigns.createCampaign({
      businessId: tenant.businessId,
      actor: keyActor(tenant.keys.owner),
      name: 'Spring',
      agentId: tenant.agentId,
      leadIds,
      cadence: { attempts: 1, spacing_minutes: 5, window_start: '00:00', window_end: '24:00' },
      launch: true,
    });
    const now = new Date();
    await Promise.all([one.runOnce(now), two.runOnce(now)]);

    const dialed = (await outboundCalls(tenant)).filter((c) => c.dialed_at !== null);
    expect(dialed).toHaveLength(20);
    await settled(tenant);
  });

  it('a call scheduled for later is no volume until it is dialed; once due over the limit it is rescheduled, not canceled', async () => {
    const tenant = await createTenant(t.db, 'rate-later');
    const [one, two] = twoNodes({ RATE_LIMIT_CALLS_PER_MINUTE: '2' });
    const now = new Date();
    const later = new Date(now.getTime() + 3600_000);
    const place = (node: Telephony, to: string, scheduledAt?: Date) =>
      node.calls.placeCall({ businessId: tenant.businessId, actor: keyActor(tenant.keys.owner), agentId: tenant.agentId, to, scheduledAt });
    // Scheduling three calls in this minute places none of them...
    const scheduled = [await place(one, number(0), later), await place(two, number(1), later), await place(one, number(2), later)];
    expect(scheduled.map((c) => c.dialedAt)).toEqual([null, null, null]);
    // ...so this minute's two calls may still be placed, and the third is over the limit.
    await place(one, number(3));
    await place(two, number(4));
    await expect(place(one, number(5))).rejects.toMatchObject({ code: 'rate_limited', details: { limit: 2, window_seconds: 60 } });

    // When they fall due inside the same minute, the dialer finds the budget spent.
    await t.db.kysely
      .updateTable('calls')
      .set({ scheduled_at: new Date(now.getTime() - 1000) })
      .where(
        'id',
        'in',
        scheduled.map((c) => c.id),
      )
      .execute();
    await Promise.all([one.runOnce(now), two.runOnce(now)]);
    const rows = (await outboundCalls(tenant)).filter((c) => scheduled.some((s) => s.id === c.id));
    expect(rows.map((r) => [r.status, r.dialed_at])).toEqual([
      ['queued', null],
      ['queued', null],
      ['queued', null],
    ]);
    for (const r of rows) expect(r.scheduled_at!.getTime()).toBeGreaterThan(now.getTime());
    await settled(tenant);
  });
});

describe('rate limits hold when two nodes place at once', () => {
  it('31 immediate calls racing across two nodes (limit 20/min): 20 placed, 11 rate_limited with a retry time', async () => {
    const tenant = await createTenant(t.db, 'rate-race-calls');
    const [one, two] = twoNodes({ RATE_LIMIT_CALLS_PER_MINUTE: '20' });
    const results = await Promise.allSettled(
      Array.from({ length: 31 }, (_, i) =>
        (i % 2 ? two : one).calls.placeCall({ businessId: tenant.businessId, actor: keyActor(tenant.keys.owner), agentId: tenant.agentId, to: number(i) }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(20);
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason);
    expect(refused).toHaveLength(11);
    for (const err of refused) {
      expect(err).toMatchObject({ code: 'rate_limited', details: { limit: 20, window_seconds: 60 } });
      expect(err.details.retry_after_seconds).toBeGreaterThan(0);
      expect(err.details.retry_after_seconds).toBeLessThanOrEqual(60);
    }
    expect((await outboundCalls(tenant)).filter((c) => c.dialed_at !== null)).toHaveLength(20);
    await settled(tenant);
  });

  it('31 texts racing across two nodes (limit 20/min, then 25/h): each limit stops them', async () => {
    const tenant = await createTenant(t.db, 'rate-race-sms');
    const send = (nodes: [Telephony, Telephony], i: number) =>
      nodes[i % 2]!.sms.sendSms({ businessId: tenant.businessId, actor: keyActor(tenant.keys.owner), fromAgentId: tenant.agentId, to: number(i), body: `Reminder ${i}` });

    const perMinute = twoNodes({ RATE_LIMIT_SMS_PER_MINUTE: '20' });
    const first = await Promise.allSettled(Array.from({ length: 31 }, (_, i) => send(perMinute, i)));
    expect(first.filter((r) => r.status === 'fulfilled')).toHaveLength(20);
    for (const r of first) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'rate_limited', details: { window_seconds: 60 } });

    const perHour = twoNodes({ RATE_LIMIT_SMS_PER_HOUR: '25' });
    const second = await Promise.allSettled(Array.from({ length: 31 }, (_, i) => send(perHour, i)));
    expect(second.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    for (const r of second) if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'rate_limited', details: { window_seconds: 3600 } });

    const sent = await t.db.kysely.selectFrom('sms_messages').select('id').where('business_id', '=', tenant.businessId).where('direction', '=', 'outbound').execute();
    expect(sent).toHaveLength(25);
  });
});
