// The demo seed: what a new user finds after the first `npm start` (issue 2, item 8).
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALLS_PER_BUSINESS, DEMO_EMAIL, seedDemoIfEmpty, startupLines, type DemoCredentials } from '../src/cli/demo-data.js';
import { verifyApiKey, verifyRuntimeKey } from '../src/authz/api-keys.js';
import { verifyPassword } from '../src/authz/passwords.js';
import { SCOPES } from '../src/scopes/index.js';
import type { Db } from '../src/shared/db.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';

const NOW = new Date('2026-03-08T15:30:00Z'); // the day US daylight saving time starts
const LATER = new Date('2026-07-19T02:10:00Z');

const ALL_STATUSES = ['queued', 'ringing', 'in-progress', 'completed', 'no-answer', 'busy', 'failed', 'canceled'];
/** Fictional North American numbers: NXX-555-0100…0199 (reserved for fiction). */
const FICTIONAL_E164 = /^\+1[2-9]\d{2}55501\d{2}$/;

// Every table the seed writes, keyed by a stable order, with the columns that are secrets or
// random by design (password hash, API key material) left out of comparisons.
const TABLES: Record<string, { order: string; secret?: string[] }> = {
  businesses: { order: 'id' },
  users: { order: 'id', secret: ['password_hash'] },
  memberships: { order: 'business_id, user_id' },
  agents: { order: 'id' },
  agent_config_versions: { order: 'id' },
  phone_numbers: { order: 'id' },
  leads: { order: 'id' },
  lead_scores: { order: 'id' },
  campaigns: { order: 'id' },
  calls: { order: 'id' },
  campaign_leads: { order: 'campaign_id, lead_id' },
  voicemails: { order: 'id' },
  sms_conversations: { order: 'id' },
  sms_messages: { order: 'id' },
  notification_settings: { order: 'business_id' },
  escalation_rules: { order: 'id' },
  business_links: { order: 'id' },
  contact_blocks: { order: 'id' },
  api_keys: { order: 'name', secret: ['id', 'prefix', 'key_hash', 'created_at'] },
};
const TIME_COLUMNS = /(_at|^created_at)$/;

async function dump(db: Db, options: { withTimes: boolean }): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const [table, { order, secret = [] }] of Object.entries(TABLES)) {
    const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(table)} order by ${sql.raw(order)}`.execute(db.kysely);
    out[table] = rows.map((row) =>
      Object.fromEntries(
        Object.entries(row)
          .filter(([k]) => !secret.includes(k) && (options.withTimes || !TIME_COLUMNS.test(k)))
          .map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v]),
      ),
    );
  }
  return out;
}

async function counts(db: Db): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of [...Object.keys(TABLES), 'agent_config_changes', 'approvals', 'audit_log']) {
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(db.kysely);
    out[table] = rows[0]!.n;
  }
  return out;
}

async function wipe(db: Db): Promise<void> {
  // Businesses cascade to every tenant table; users go with their memberships.
  await db.kysely.deleteFrom('businesses').execute();
  await db.kysely.deleteFrom('users').execute();
}

let t: TestDatabase;
let demo: DemoCredentials;
let acmeId: string;
let brightId: string;

beforeAll(async () => {
  t = await createTestDatabase();
  const seeded = await seedDemoIfEmpty(t.db, { now: NOW });
  if (!seeded) throw new Error('the first seed of an empty database returned nothing');
  demo = seeded;
  const businesses = await t.db.kysely.selectFrom('businesses').select(['id', 'slug']).execute();
  acmeId = businesses.find((b) => b.slug === 'acme')!.id;
  brightId = businesses.find((b) => b.slug === 'bright')!.id;
});
afterAll(async () => t?.close());

describe('demo seed: content', () => {
  it('creates acme (New York) and bright (Los Angeles), each with a business phone number', async () => {
    const rows = await t.db.kysely.selectFrom('businesses').select(['slug', 'timezone', 'phone']).orderBy('slug').execute();
    expect(rows.map((r) => [r.slug, r.timezone])).toEqual([
      ['acme', 'America/New_York'],
      ['bright', 'America/Los_Angeles'],
    ]);
    for (const r of rows) expect(r.phone).toMatch(FICTIONAL_E164);
  });

  it('gives the demo user (RFC 2606 address) owner of acme and member of bright, plus staff with names and phones, an admin among them', async () => {
    expect(demo.email).toBe(DEMO_EMAIL);
    expect(demo.email).toMatch(/@example\.com$/);
    const members = await t.db.kysely
      .selectFrom('memberships as m')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .innerJoin('businesses as b', 'b.id', 'm.business_id')
      .select(['b.slug', 'u.email', 'u.name', 'u.phone', 'm.role'])
      .execute();
    const demoRoles = Object.fromEntries(members.filter((m) => m.email === DEMO_EMAIL).map((m) => [m.slug, m.role]));
    expect(demoRoles).toEqual({ acme: 'owner', bright: 'member' });
    for (const slug of ['acme', 'bright']) {
      const staff = members.filter((m) => m.slug === slug && m.email !== DEMO_EMAIL);
      expect(staff.length).toBeGreaterThanOrEqual(1);
      for (const s of staff) {
        expect(s.name).toBeTruthy();
        expect(s.phone).toMatch(FICTIONAL_E164);
        expect(s.email).toMatch(/@([a-z]+\.)?example\.(com|net|org)$/);
      }
      expect(members.filter((m) => m.slug === slug && m.role === 'owner')).toHaveLength(1);
    }
    expect(members.some((m) => m.role === 'admin')).toBe(true);
  });

  it('gives each business 3 configured agents, each with its own number and an initial config version', async () => {
    for (const businessId of [acmeId, brightId]) {
      const agents = await t.db.kysely.selectFrom('agents').selectAll().where('business_id', '=', businessId).execute();
      expect(agents).toHaveLength(3);
      for (const a of agents) {
        expect(a.voice && a.model && a.first_message && a.inbound_prompt && a.sms_prompt).toBeTruthy();
        expect(a.inbound_prompt.split('\n').length).toBeGreaterThan(1);
        expect(typeof a.transfer_settings.enabled).toBe('boolean');
        if (a.transfer_settings.enabled) expect(a.transfer_settings.number).toMatch(FICTIONAL_E164);
        expect(a.config_version).toBe(1);
        const numbers = await t.db.kysely.selectFrom('phone_numbers').select('e164').where('agent_id', '=', a.id).execute();
        expect(numbers).toHaveLength(1);
        const versions = await t.db.kysely.selectFrom('agent_config_versions').selectAll().where('agent_id', '=', a.id).execute();
        expect(versions).toHaveLength(1);
        expect(versions[0]!.version).toBe(1);
        expect(versions[0]!.config).toMatchObject({ voice: a.voice, model: a.model, first_message: a.first_message, inbound_prompt: a.inbound_prompt });
      }
    }
  });

  it('gives each business ~50 calls across every status and both directions; completed calls are complete', async () => {
    for (const businessId of [acmeId, brightId]) {
      const calls = await t.db.kysely.selectFrom('calls').selectAll().where('business_id', '=', businessId).execute();
      expect(calls).toHaveLength(CALLS_PER_BUSINESS);
      expect(new Set(calls.map((c) => c.status))).toEqual(new Set(ALL_STATUSES));
      expect(new Set(calls.map((c) => c.direction))).toEqual(new Set(['inbound', 'outbound']));
      const completed = calls.filter((c) => c.status === 'completed');
      expect(completed.length).toBeGreaterThan(CALLS_PER_BUSINESS / 2);
      for (const c of completed) {
        expect(c.transcript!.split('\n').length).toBeGreaterThanOrEqual(1);
        expect(c.transcript).toMatch(/^Agent: /);
        expect(c.summary!.length).toBeGreaterThan(20);
        expect(c.recording_url).toMatch(/^https:\/\/[a-z.]*example\.com\//);
        expect(c.duration_seconds).toBeGreaterThan(0);
        expect(c.outcome).toBeTruthy();
        expect(c.started_at!.getTime()).toBeGreaterThanOrEqual(c.created_at.getTime());
        expect(c.ended_at!.getTime()).toBe(c.started_at!.getTime() + c.duration_seconds! * 1000);
        expect(c.ended_at!.getTime()).toBeLessThanOrEqual(NOW.getTime());
        // No template placeholder left unfilled.
        expect(`${c.transcript} ${c.summary}`).not.toMatch(/\{\w+\}/);
      }
      expect(completed.filter((c) => c.transcript!.split('\n').length >= 5).length).toBeGreaterThan(completed.length / 2);
      const outcomes = new Set(completed.map((c) => c.outcome));
      for (const o of ['appointment_booked', 'callback_requested', 'info_provided']) expect(outcomes).toContain(o);
      for (const c of calls.filter((c) => c.status !== 'completed')) expect(c.transcript).toBeNull();
      for (const c of calls) {
        expect(c.to_number).toMatch(FICTIONAL_E164);
        expect(c.from_number).toMatch(FICTIONAL_E164);
        expect(c.created_at.getTime()).toBeLessThanOrEqual(NOW.getTime());
      }
      expect(calls.find((c) => c.status === 'queued')!.scheduled_at!.getTime()).toBeGreaterThan(NOW.getTime());
      // "Last 30 days" figures have data, and the window matters (some calls are older).
      const recent = calls.filter((c) => c.created_at.getTime() > NOW.getTime() - 30 * 86_400_000);
      expect(recent.length).toBeGreaterThan(CALLS_PER_BUSINESS / 2);
      expect(recent.length).toBeLessThan(CALLS_PER_BUSINESS);
    }
  });

  it('places calls inside the answering line’s hours, in the business’s own time zone', async () => {
    const calls = await t.db.kysely
      .selectFrom('calls as c')
      .innerJoin('businesses as b', 'b.id', 'c.business_id')
      .innerJoin('agents as a', 'a.id', 'c.agent_id')
      .select(['c.created_at', 'b.timezone', 'a.name', 'c.status'])
      .where('c.status', 'not in', ['queued', 'ringing', 'in-progress'])
      .execute();
    for (const c of calls) {
      const hour = Number(new Intl.DateTimeFormat('en-US', { timeZone: c.timezone, hour: 'numeric', hourCycle: 'h23' }).format(c.created_at));
      if (c.name.startsWith('After-hours')) expect(hour).toBeGreaterThanOrEqual(19);
      else expect(hour >= 8 && hour <= 18).toBe(true);
    }
  });

  it('has leads of every status and several sources with AI scores and explanations, some linked to calls', async () => {
    for (const businessId of [acmeId, brightId]) {
      const leads = await t.db.kysely.selectFrom('leads').selectAll().where('business_id', '=', businessId).execute();
      expect(new Set(leads.map((l) => l.status))).toEqual(new Set(['new', 'contacted', 'qualified', 'appointment_set', 'won', 'lost']));
      expect(new Set(leads.map((l) => l.source)).size).toBeGreaterThanOrEqual(3);
      for (const l of leads) expect(l.phone).toMatch(FICTIONAL_E164);
      for (const l of leads.filter((l) => l.email)) expect(l.email).toMatch(/@example\.net$/);
      const scores = await t.db.kysely.selectFrom('lead_scores').selectAll().where('business_id', '=', businessId).execute();
      expect(new Set(scores.map((s) => s.lead_id)).size).toBeGreaterThan(leads.length / 2);
      for (const s of scores) expect(s.explanation.length).toBeGreaterThan(20);
      // Some leads were re-scored, so "latest score" is a real question.
      expect(scores.length).toBeGreaterThan(new Set(scores.map((s) => s.lead_id)).size);
      const linked = await t.db.kysely.selectFrom('calls').select('lead_id').distinct().where('business_id', '=', businessId).where('lead_id', 'is not', null).execute();
      expect(linked.length).toBeGreaterThanOrEqual(5);
      // A call with a lead talks to that lead's number.
      const mismatched = await sql<{ n: number }>`
        select count(*)::int as n from calls c join leads l on l.id = c.lead_id
        where c.business_id = ${businessId} and l.phone not in (c.to_number, c.from_number)`.execute(t.db.kysely);
      expect(mismatched.rows[0]!.n).toBe(0);
    }
  });

  it('has voicemails, SMS conversations in both directions, and one lead with automation paused', async () => {
    for (const businessId of [acmeId, brightId]) {
      const vms = await t.db.kysely.selectFrom('voicemails').selectAll().where('business_id', '=', businessId).execute();
      expect(vms.length).toBeGreaterThanOrEqual(3);
      for (const v of vms) {
        expect(v.transcript).toBeTruthy();
        expect(v.recording_url).toMatch(/^https:\/\//);
        expect(v.caller_number).toMatch(FICTIONAL_E164);
      }
      const messages = await t.db.kysely.selectFrom('sms_messages').selectAll().where('business_id', '=', businessId).execute();
      expect(new Set(messages.map((m) => m.direction))).toEqual(new Set(['inbound', 'outbound']));
    }
    const paused = await t.db.kysely.selectFrom('leads').select(['business_id', 'notes']).where('automation_paused', '=', true).execute();
    expect(paused.length).toBeGreaterThanOrEqual(1);
    expect(paused[0]!.notes).toBeTruthy();
  });

  it('has two campaigns per business with their leads, operational settings, https links and do-not-call / opt-out entries', async () => {
    for (const businessId of [acmeId, brightId]) {
      const campaigns = await t.db.kysely.selectFrom('campaigns').selectAll().where('business_id', '=', businessId).execute();
      expect(campaigns).toHaveLength(2);
      for (const c of campaigns) {
        const members = await t.db.kysely.selectFrom('campaign_leads').selectAll().where('campaign_id', '=', c.id).execute();
        expect(members.length).toBeGreaterThan(0);
        expect(c.cadence).toMatchObject({ attempts: expect.any(Number), spacing_minutes: expect.any(Number) });
      }
      const settings = await t.db.kysely.selectFrom('notification_settings').selectAll().where('business_id', '=', businessId).executeTakeFirstOrThrow();
      expect(settings.notification_phone).toMatch(FICTIONAL_E164);
      // Alert recipients are staff of this business.
      const staff = await t.db.kysely
        .selectFrom('memberships as m')
        .innerJoin('users as u', 'u.id', 'm.user_id')
        .select(['u.email', 'u.phone'])
        .where('m.business_id', '=', businessId)
        .execute();
      const reachable = new Set(staff.flatMap((s) => [s.email, s.phone]));
      expect(reachable).toContain(settings.notification_phone);
      expect(reachable).toContain(settings.notification_email);
      const rules = await t.db.kysely.selectFrom('escalation_rules').selectAll().where('business_id', '=', businessId).execute();
      expect(rules.length).toBeGreaterThanOrEqual(2);
      for (const r of rules) expect(reachable).toContain(r.notify);
      const links = await t.db.kysely.selectFrom('business_links').selectAll().where('business_id', '=', businessId).execute();
      expect(links.length).toBeGreaterThanOrEqual(3);
      for (const l of links) expect(l.url).toMatch(/^https:\/\/[a-z.]*example\.com\//);
      const blocks = await t.db.kysely.selectFrom('contact_blocks').selectAll().where('business_id', '=', businessId).execute();
      expect(new Set(blocks.map((b) => b.kind))).toEqual(new Set(['do_not_call', 'opt_out']));
      for (const b of blocks) expect(b.phone).toMatch(FICTIONAL_E164);
    }
  });

  it('writes only fictional E.164 numbers (555-01xx) everywhere', async () => {
    const { rows } = await sql<{ n: string }>`
      select phone as n from businesses union all select phone from users where phone is not null
      union all select e164 from phone_numbers union all select phone from leads where phone is not null
      union all select to_number from calls union all select from_number from calls
      union all select caller_number from voicemails union all select contact_number from sms_conversations
      union all select from_number from sms_messages union all select to_number from sms_messages
      union all select phone from contact_blocks union all select notification_phone from notification_settings
      union all select transfer_settings->>'number' from agents where transfer_settings->>'number' is not null`.execute(t.db.kysely);
    expect(rows.length).toBeGreaterThan(300);
    for (const r of rows) expect(r.n).toMatch(FICTIONAL_E164);
  });

  it('security: the seeded rows sit behind row-level security like any tenant data', async () => {
    const acmeCalls = await t.db.forBusiness(acmeId, (tx) => tx.selectFrom('calls').select('business_id').execute());
    expect(acmeCalls).toHaveLength(CALLS_PER_BUSINESS);
    expect(new Set(acmeCalls.map((c) => c.business_id))).toEqual(new Set([acmeId]));
    const brightCallIds = await t.db.kysely.selectFrom('calls').select('id').where('business_id', '=', brightId).execute();
    const leaked = await t.db.forBusiness(acmeId, (tx) =>
      tx
        .selectFrom('calls')
        .select('id')
        .where(
          'id',
          'in',
          brightCallIds.map((c) => c.id),
        )
        .execute(),
    );
    expect(leaked).toEqual([]);
  });
});

describe('demo seed: credentials', () => {
  it('security: stores the demo password only as an argon2id hash that verifies', async () => {
    const user = await t.db.kysely.selectFrom('users').selectAll().where('email', '=', DEMO_EMAIL).executeTakeFirstOrThrow();
    expect(user.password_hash).toMatch(/^\$argon2id\$/);
    expect(user.password_hash).not.toContain(demo.password);
    expect(await verifyPassword(user.password_hash, demo.password)).toBe(true);
    expect(await verifyPassword(user.password_hash, `${demo.password}x`)).toBe(false);
    // Staff accounts exist for alerts only; they cannot sign in.
    const others = await t.db.kysely.selectFrom('users').select('password_hash').where('email', '!=', DEMO_EMAIL).execute();
    for (const o of others) expect(o.password_hash).toBeNull();
  });

  it('issues a read-only key and an all-scopes key for acme, which verify with the right scopes', async () => {
    const readOnly = await verifyApiKey(t.db.kysely, demo.readOnlyKey);
    const all = await verifyApiKey(t.db.kysely, demo.allScopesKey);
    if (!readOnly.ok || !all.ok) throw new Error('a demo key did not verify');
    expect(readOnly.key.businessId).toBe(acmeId);
    expect(all.key.businessId).toBe(acmeId);
    expect([...readOnly.key.scopes].sort()).toEqual(['agents:read', 'calls:read']);
    expect([...all.key.scopes].sort()).toEqual([...SCOPES].sort());
    expect(demo.readOnlyKey).toMatch(/^kc_live_[0-9A-Za-z]{40}$/);
    expect(demo.allScopesKey).toMatch(/^kc_live_[0-9A-Za-z]{40}$/);
  });

  it('security: no plaintext secret is stored anywhere', async () => {
    const everything = JSON.stringify(await dump(t.db, { withTimes: true })) + JSON.stringify((await sql`select * from users`.execute(t.db.kysely)).rows);
    expect(everything).not.toContain(demo.password);
    expect(everything).not.toContain(demo.readOnlyKey);
    expect(everything).not.toContain(demo.allScopesKey);
  });

  it('prints the seven start-up lines', () => {
    expect(startupLines({ mcpUrl: 'http://localhost:3000/api/mcp', publicUrl: 'http://localhost:3000' }, demo)).toEqual([
      'MCP endpoint: http://localhost:3000/api/mcp',
      'Dashboard: http://localhost:3000/dashboard',
      `Demo sign-in: ${DEMO_EMAIL} / ${demo.password}`,
      `Demo API key (read-only): ${demo.readOnlyKey}`,
      `Demo API key (all scopes): ${demo.allScopesKey}`,
      'In-call endpoint (voice runtimes): http://localhost:3000/api/mcp/in-call',
      `Demo runtime key (in-call, acme): ${demo.runtimeKey}`,
    ]);
    expect(startupLines({ mcpUrl: 'https://mcp.example.com/api/mcp', publicUrl: 'https://mcp.example.com' }, null)).toEqual([
      'MCP endpoint: https://mcp.example.com/api/mcp',
      'Dashboard: https://mcp.example.com/dashboard',
      'In-call endpoint (voice runtimes): https://mcp.example.com/api/mcp/in-call',
    ]);
  });

  it('issues a runtime key for acme that verifies on the in-call surface only', async () => {
    const runtime = await verifyRuntimeKey(t.db.kysely, demo.runtimeKey);
    if (!runtime.ok) throw new Error('the demo runtime key did not verify');
    expect([runtime.key.businessId, runtime.key.kind, runtime.key.scopes]).toEqual([acmeId, 'runtime', []]);
    expect(demo.runtimeKey).toMatch(/^kc_rt_[0-9A-Za-z]{40}$/);
    expect(await verifyApiKey(t.db.kysely, demo.runtimeKey)).toEqual({ ok: false, reason: 'malformed' });
    expect(JSON.stringify(await dump(t.db, { withTimes: true }))).not.toContain(demo.runtimeKey);
  });
});

describe('demo seed: once, whole, and the same everywhere', () => {
  let other: TestDatabase;
  beforeAll(async () => {
    other = await createTestDatabase();
  });
  afterAll(async () => other?.close());

  it('a second call returns null and adds nothing', async () => {
    const before = await counts(t.db);
    expect(await seedDemoIfEmpty(t.db)).toBeNull();
    expect(await counts(t.db)).toEqual(before);
  });

  it('does nothing once any business or user exists', async () => {
    await other.db.kysely.insertInto('users').values({ email: 'someone@example.org', password_hash: null }).execute();
    expect(await seedDemoIfEmpty(other.db, { now: NOW })).toBeNull();
    expect((await counts(other.db)).businesses).toBe(0);
    await wipe(other.db);
  });

  it('a failure mid-seed leaves nothing behind, and the next start seeds in full', async () => {
    // A trigger makes the calls insert fail: by then businesses, users, agents and leads are written.
    await sql.raw(`create function seed_test_fail() returns trigger language plpgsql as $$ begin raise exception 'disk full (simulated)'; end $$`).execute(other.db.kysely);
    await sql.raw(`create trigger seed_test_fail before insert on calls for each statement execute function seed_test_fail()`).execute(other.db.kysely);
    await expect(seedDemoIfEmpty(other.db, { now: NOW })).rejects.toThrow(/disk full/);
    const afterFailure = await counts(other.db);
    expect(Object.values(afterFailure).every((n) => n === 0)).toBe(true);
    await sql.raw(`drop trigger seed_test_fail on calls`).execute(other.db.kysely);
    await sql.raw(`drop function seed_test_fail()`).execute(other.db.kysely);
    expect(await seedDemoIfEmpty(other.db, { now: NOW })).not.toBeNull();
  });

  it('two fresh databases seeded at the same time hold identical data, apart from secrets', async () => {
    expect(await dump(other.db, { withTimes: true })).toEqual(await dump(t.db, { withTimes: true }));
  });

  it('seeding at another time gives the same ids and contents; only timestamps move', async () => {
    const first = await dump(t.db, { withTimes: false });
    await wipe(other.db);
    expect(await seedDemoIfEmpty(other.db, { now: LATER })).not.toBeNull();
    expect(await dump(other.db, { withTimes: false })).toEqual(first);
    const latest = await other.db.kysely
      .selectFrom('calls')
      .select((eb) => eb.fn.max('created_at').as('at'))
      .executeTakeFirstOrThrow();
    expect(new Date(latest.at as Date).getTime()).toBeGreaterThan(LATER.getTime() - 3_600_000);
  });

  it('two seeders racing on one database: exactly one seeds', async () => {
    await wipe(other.db);
    const results = await Promise.all([seedDemoIfEmpty(other.db), seedDemoIfEmpty(other.db)]);
    expect(results.filter((r) => r !== null)).toHaveLength(1);
    expect((await counts(other.db)).calls).toBe(2 * CALLS_PER_BUSINESS);
  });
});
