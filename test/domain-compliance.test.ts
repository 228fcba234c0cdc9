// The outbound-contact gates against a real migrated database: each refusal has its own code, in a
// fixed order, and a business's lists never leak into another business.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createComplianceRepository, createOutboundGates, parseE164, type OutboundPolicy, type OutboundVerdict } from '../src/domain/compliance/index.js';
import { AppError } from '../src/shared/errors.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { createTenant, type Tenant } from './helpers/domain-fixtures.js';

const OPEN: OutboundPolicy = {
  contactHours: { start: 0, end: 24 * 60 },
  rateLimits: { callsPerMinute: 1000, callsPerHour: 10000, smsPerMinute: 1000, smsPerHour: 10000 },
};
const TCPA: OutboundPolicy = { ...OPEN, contactHours: { start: 8 * 60, end: 21 * 60 } };

let t: TestDatabase;
let a: Tenant;
let b: Tenant;

beforeAll(async () => {
  t = await createTestDatabase();
  a = await createTenant(t.db, 'gates-a');
  b = await createTenant(t.db, 'gates-b', { timezone: 'Europe/Berlin' });
});
afterAll(async () => t?.close());

function check(tenant: Tenant, to: string, options: { policy?: OutboundPolicy; channel?: 'call' | 'sms'; leadId?: string; now?: Date } = {}): Promise<OutboundVerdict> {
  const gates = createOutboundGates(options.policy ?? OPEN);
  return t.db.forBusiness(tenant.businessId, (tx) =>
    gates.checkOutboundContact({ tx, businessId: tenant.businessId, to, channel: options.channel ?? 'call', leadId: options.leadId, now: options.now ?? new Date() }),
  );
}

const gateOf = (v: OutboundVerdict) => (v.allowed ? 'allowed' : v.gate);

describe('E.164 validation (libphonenumber, not a pattern)', () => {
  it.each([
    ['+1 415 555 0123', 'spaces'],
    ['14155550123', 'no plus sign'],
    ['+14155550123x', 'trailing characters'],
    ['+14155550123;ext=12', 'an extension'],
    ['+1415555012', 'too short for the US plan'],
    ['+15555550123', 'area code 555 is not assigned'],
    ['+999123456', 'no such country code'],
    ['', 'empty'],
  ])('refuses %j (%s) with invalid_phone_number', async (to) => {
    const verdict = await check(a, to);
    expect(gateOf(verdict)).toBe('invalid_phone_number');
    if (!verdict.allowed) expect(verdict.message).toMatch(/^to must be a valid phone number in E\.164/);
  });

  it.each(['+14155550123', '+442071234567', '+33142685300', '+61293744000'])('accepts %s', async (to) => {
    expect(gateOf(await check(a, to))).toBe('allowed');
  });

  it('parseE164 reports the country', () => {
    expect(parseE164('+442071234567')?.country).toBe('GB');
    expect(parseE164('+14165550123')?.country).toBe('CA');
  });
});

describe('do-not-call and opt-out lists', () => {
  it('refuses a number on the do-not-call list with do_not_call, for calls and texts', async () => {
    await t.db.forBusiness(a.businessId, (tx) =>
      createComplianceRepository(tx, a.businessId).addBlock({ phone: '+14155550111', kind: 'do_not_call', reason: 'asked', source: 'staff' }),
    );
    expect(gateOf(await check(a, '+14155550111'))).toBe('do_not_call');
    expect(gateOf(await check(a, '+14155550111', { channel: 'sms' }))).toBe('do_not_call');
  });

  it('refuses an opted-out number with opted_out, for texts and calls', async () => {
    await t.db.forBusiness(a.businessId, (tx) =>
      createComplianceRepository(tx, a.businessId).addBlock({ phone: '+14155550112', kind: 'opt_out', reason: 'STOP', source: 'sms_stop' }),
    );
    const verdict = await check(a, '+14155550112', { channel: 'sms' });
    expect(gateOf(verdict)).toBe('opted_out');
    if (!verdict.allowed) expect(verdict.message).toMatch(/replied STOP/);
    expect(gateOf(await check(a, '+14155550112'))).toBe('opted_out');
  });

  it("security: one business's lists do not apply to (or leak into) another business", async () => {
    expect(gateOf(await check(b, '+14155550111'))).toBe('allowed');
    expect(gateOf(await check(b, '+14155550112'))).toBe('allowed');
  });
});

describe('automation pause', () => {
  it('refuses a paused lead given by id, and any paused lead with the number', async () => {
    const lead = await t.db.kysely
      .insertInto('leads')
      .values({ business_id: a.businessId, name: 'Paused', phone: '+14155550113', automation_paused: true })
      .returning('id')
      .executeTakeFirstOrThrow();
    const byId = await check(a, '+14155550150', { leadId: lead.id });
    expect(gateOf(byId)).toBe('automation_paused');
    if (!byId.allowed) expect(byId.details.lead_id).toBe(lead.id);
    expect(gateOf(await check(a, '+14155550113'))).toBe('automation_paused');
  });

  it('security: a lead id of another business is not found', async () => {
    await expect(check(b, '+14155550150', { leadId: a.leadId })).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe("quiet hours in the recipient's time zone", () => {
  // 2026-07-01 is in daylight time: Los Angeles is UTC−7, New York UTC−4.
  const at = (iso: string) => new Date(iso);

  it('uses the area code: 415 is Los Angeles time', async () => {
    expect(gateOf(await check(a, '+14155550123', { policy: TCPA, now: at('2026-07-01T14:59:00Z') }))).toBe('quiet_hours'); // 07:59 in LA
    expect(gateOf(await check(a, '+14155550123', { policy: TCPA, now: at('2026-07-01T15:00:00Z') }))).toBe('allowed'); // 08:00
    expect(gateOf(await check(a, '+14155550123', { policy: TCPA, now: at('2026-07-02T03:59:00Z') }))).toBe('allowed'); // 20:59
    const late = await check(a, '+14155550123', { policy: TCPA, now: at('2026-07-02T04:00:00Z') }); // 21:00
    expect(gateOf(late)).toBe('quiet_hours');
    if (!late.allowed) {
      expect(late.message).toContain('21:00 in America/Los_Angeles');
      expect(late.details.time_zone_basis).toBe('number');
    }
  });

  it('the same instant can be fine in New York and quiet in Los Angeles', async () => {
    const now = at('2026-07-01T13:30:00Z'); // 09:30 New York, 06:30 Los Angeles
    expect(gateOf(await check(a, '+12125550123', { policy: TCPA, now }))).toBe('allowed');
    expect(gateOf(await check(a, '+14155550123', { policy: TCPA, now }))).toBe('quiet_hours');
  });

  it("outside North America, the country's zone (London)", async () => {
    expect(gateOf(await check(a, '+442071234567', { policy: TCPA, now: at('2026-07-01T06:30:00Z') }))).toBe('quiet_hours'); // 07:30 BST
    expect(gateOf(await check(a, '+442071234567', { policy: TCPA, now: at('2026-07-01T07:30:00Z') }))).toBe('allowed'); // 08:30 BST
  });

  it("a number tied to no place (toll-free) falls back to the business's time zone", async () => {
    // Business b is in Berlin: 07:30 there is quiet, even though it is daytime elsewhere.
    const verdict = await check(b, '+18005550123', { policy: TCPA, now: at('2026-07-01T05:30:00Z') });
    expect(gateOf(verdict)).toBe('quiet_hours');
    if (!verdict.allowed) expect(verdict.details.time_zone_basis).toBe('business');
    expect(gateOf(await check(b, '+18005550123', { policy: TCPA, now: at('2026-07-01T07:30:00Z') }))).toBe('allowed');
  });

  it('a number split between zones must be inside the window in each of them (Alaska)', async () => {
    // 907: Anchorage (UTC−8 in summer) and Adak (UTC−9). 16:30Z is 08:30 Anchorage, 07:30 Adak.
    expect(gateOf(await check(a, '+19075550123', { policy: TCPA, now: at('2026-07-01T16:30:00Z') }))).toBe('quiet_hours');
    expect(gateOf(await check(a, '+19075550123', { policy: TCPA, now: at('2026-07-01T17:30:00Z') }))).toBe('allowed');
  });
});

describe('per-business rate limit held in the database', () => {
  it('refuses the call over the per-minute limit with rate_limited and a retry time', async () => {
    const c = await createTenant(t.db, 'gates-rate');
    const policy: OutboundPolicy = { ...OPEN, rateLimits: { ...OPEN.rateLimits, callsPerMinute: 2 } };
    for (let i = 0; i < 2; i++) {
      expect(gateOf(await check(c, '+14155550123', { policy }))).toBe('allowed');
      await t.db.kysely
        .insertInto('calls')
        .values({ business_id: c.businessId, direction: 'outbound', status: 'completed', to_number: '+14155550123', from_number: c.agentNumber })
        .execute();
    }
    const refused = await check(c, '+14155550123', { policy });
    expect(gateOf(refused)).toBe('rate_limited');
    if (!refused.allowed) {
      expect(refused.details.limit).toBe(2);
      expect(refused.details.retry_after_seconds).toBeGreaterThan(0);
      expect(refused.details.retry_after_seconds).toBeLessThanOrEqual(60);
    }
    // Texts have their own budget, and inbound calls do not count.
    expect(gateOf(await check(c, '+14155550123', { policy, channel: 'sms' }))).toBe('allowed');
    // Another business is unaffected.
    expect(gateOf(await check(a, '+14155550123', { policy }))).toBe('allowed');
  });

  it('refuses over the per-hour limit too', async () => {
    const c = await createTenant(t.db, 'gates-hour');
    const policy: OutboundPolicy = { ...OPEN, rateLimits: { ...OPEN.rateLimits, smsPerHour: 1 } };
    const conv = await t.db.kysely
      .insertInto('sms_conversations')
      .values({ business_id: c.businessId, agent_id: c.agentId, contact_number: '+14155550123' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await t.db.kysely
      .insertInto('sms_messages')
      .values({
        business_id: c.businessId,
        conversation_id: conv.id,
        direction: 'outbound',
        from_number: c.agentNumber,
        to_number: '+14155550123',
        body: 'hi',
        status: 'sent',
        created_at: new Date(Date.now() - 30 * 60_000),
      })
      .execute();
    const refused = await check(c, '+14155550123', { policy, channel: 'sms' });
    expect(gateOf(refused)).toBe('rate_limited');
    if (!refused.allowed) expect(refused.details.window_seconds).toBe(3600);
  });
});

describe('order and errors', () => {
  it('reports the first failing gate: a bad number before a block, a block before quiet hours', async () => {
    await t.db.forBusiness(a.businessId, (tx) =>
      createComplianceRepository(tx, a.businessId).addBlock({ phone: '+14155550114', kind: 'do_not_call', reason: null, source: 'staff' }),
    );
    expect(gateOf(await check(a, '+1415555011', { policy: TCPA, now: new Date('2026-07-01T10:00:00Z') }))).toBe('invalid_phone_number');
    expect(gateOf(await check(a, '+14155550114', { policy: TCPA, now: new Date('2026-07-01T10:00:00Z') }))).toBe('do_not_call');
  });

  it('assertOutboundContact throws an AppError whose code is the gate, in the compliance_blocked family', async () => {
    const gates = createOutboundGates(OPEN);
    const err = await t.db
      .forBusiness(a.businessId, (tx) => gates.assertOutboundContact({ tx, businessId: a.businessId, to: '+14155550111', channel: 'call', now: new Date() }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'do_not_call', details: { category: 'compliance_blocked', gate: 'do_not_call' } });
  });
});
