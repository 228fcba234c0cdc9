// Campaigns against a real database: the admin role (and what it means for an API key), launch
// queues leads, the dialer places their calls through the same gates at dial time, retries on the
// cadence, and completes the campaign.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createComplianceRepository } from '../src/domain/compliance/index.js';
import { SIMULATOR_TEST_NUMBERS } from '../src/providers/simulator/simulator.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { createTenant, eventually, keyActor, oauthActor, testTelephony, type Telephony, type Tenant } from './helpers/domain-fixtures.js';

let t: TestDatabase;
let a: Tenant;
let b: Tenant;
let tel: Telephony;
const cadence = { attempts: 2, spacing_minutes: 10, window_start: '00:00', window_end: '24:00' };

beforeAll(async () => {
  t = await createTestDatabase();
  a = await createTenant(t.db, 'camp-a');
  b = await createTenant(t.db, 'camp-b');
  tel = testTelephony(t.db);
});
afterEach(async () => {
  // Let the simulator finish what it was carrying before the next test counts calls.
  await eventually(async () => {
    const open = await t.db.kysely.selectFrom('calls').select('id').where('status', 'in', ['queued', 'ringing', 'in-progress']).where('dialed_at', 'is not', null).execute();
    return open.length === 0 ? true : undefined;
  });
});
afterAll(async () => {
  await tel?.stop();
  await t?.close();
});

async function leads(tenant: Tenant, phones: Array<string | null>): Promise<string[]> {
  const ids: string[] = [];
  for (const [i, phone] of phones.entries()) {
    const row = await t.db.kysely
      .insertInto('leads')
      .values({ business_id: tenant.businessId, name: `Lead ${i}`, phone, email: phone ? null : `lead${i}@example.com` })
      .returning('id')
      .executeTakeFirstOrThrow();
    ids.push(row.id);
  }
  return ids;
}

const campaignLeads = (campaignId: string) =>
  t.db.kysely.selectFrom('campaign_leads').select(['lead_id', 'status', 'attempts', 'last_call_id', 'next_attempt_at']).where('campaign_id', '=', campaignId).execute();

describe('who may create a campaign', () => {
  it('an OAuth admin or owner may; a member may not', async () => {
    const ids = await leads(a, ['+14155550160']);
    const input = { businessId: a.businessId, name: 'Spring follow-up', agentId: a.agentId, leadIds: ids, cadence };
    await expect(tel.campaigns.createCampaign({ ...input, actor: oauthActor(a.admin.id) })).resolves.toMatchObject({ status: 'draft', leadCounts: { total: 1, pending: 1 } });
    await expect(tel.campaigns.createCampaign({ ...input, actor: oauthActor(a.member.id) })).rejects.toMatchObject({
      code: 'forbidden',
      message: expect.stringMatching(/admin role/),
    });
  });

  it("an API key acts with its issuer's current role: owner-issued yes, member-issued or orphan no", async () => {
    const ids = await leads(a, ['+14155550161']);
    const input = { businessId: a.businessId, name: 'Keyed', agentId: a.agentId, leadIds: ids, cadence };
    await expect(tel.campaigns.createCampaign({ ...input, actor: keyActor(a.keys.owner) })).resolves.toMatchObject({ status: 'draft' });
    await expect(tel.campaigns.createCampaign({ ...input, actor: keyActor(a.keys.member) })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(tel.campaigns.createCampaign({ ...input, actor: keyActor(a.keys.orphan) })).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('security: a user of another business is not an admin here', async () => {
    const ids = await leads(a, ['+14155550162']);
    await expect(
      tel.campaigns.createCampaign({ businessId: a.businessId, actor: oauthActor(b.owner.id), name: 'x', agentId: a.agentId, leadIds: ids, cadence }),
    ).rejects.toMatchObject({ code: 'forbidden' });
  });
});

describe('validation', () => {
  it("names the bad field, and reports leads not found (including another business's)", async () => {
    const ids = await leads(a, ['+14155550163']);
    const base = { businessId: a.businessId, actor: keyActor(a.keys.owner), name: 'V', agentId: a.agentId, leadIds: ids, cadence };
    await expect(tel.campaigns.createCampaign({ ...base, name: ' ' })).rejects.toMatchObject({ code: 'invalid_argument', details: { field: 'name' } });
    await expect(tel.campaigns.createCampaign({ ...base, leadIds: [] })).rejects.toMatchObject({ details: { field: 'lead_ids' } });
    await expect(tel.campaigns.createCampaign({ ...base, cadence: { ...cadence, attempts: 0 } })).rejects.toMatchObject({ details: { field: 'cadence.attempts' } });
    await expect(tel.campaigns.createCampaign({ ...base, cadence: { ...cadence, window_start: '18:00', window_end: '09:00' } })).rejects.toMatchObject({
      details: { field: 'cadence.window_start' },
    });
    await expect(tel.campaigns.createCampaign({ ...base, leadIds: [...ids, b.leadId] })).rejects.toMatchObject({ code: 'not_found', details: { missing_lead_ids: [b.leadId] } });
    await expect(tel.campaigns.createCampaign({ ...base, agentId: b.agentId })).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('launch and dial', () => {
  it('launching queues the leads; the dialer places their calls through the gates at dial time', async () => {
    const [ok, blocked, noPhone, busy] = await leads(a, ['+14155550170', '+14155550171', null, SIMULATOR_TEST_NUMBERS.busy]);
    // Blocked after the campaign is created: the gate applies at dial time, not at creation.
    const campaign = await tel.campaigns.createCampaign({
      businessId: a.businessId,
      actor: keyActor(a.keys.owner),
      name: 'Launch',
      agentId: a.agentId,
      leadIds: [ok!, blocked!, noPhone!, busy!],
      cadence,
      launch: true,
    });
    expect(campaign).toMatchObject({ status: 'active', leadCounts: { total: 4, queued: 4 } });
    expect(campaign.launchedAt).not.toBeNull();
    await t.db.forBusiness(a.businessId, (tx) =>
      createComplianceRepository(tx, a.businessId).addBlock({ phone: '+14155550171', kind: 'do_not_call', reason: null, source: 'staff' }),
    );

    const now = new Date();
    await tel.runOnce(now);
    const byLead = async () => Object.fromEntries((await campaignLeads(campaign.id)).map((r) => [r.lead_id, r]));
    let rows = await byLead();
    expect(rows[blocked!]!.status).toBe('skipped');
    expect(rows[noPhone!]!.status).toBe('skipped');
    // (The simulator is fast: a call may already have ended by the time we look.)
    expect(rows[ok!]!.attempts).toBe(1);
    expect(['calling', 'completed']).toContain(rows[ok!]!.status);
    expect(rows[busy!]!.attempts).toBe(1);
    expect(['calling', 'queued']).toContain(rows[busy!]!.status);
    const calls = await t.db.kysely.selectFrom('calls').select(['to_number', 'campaign_id', 'lead_id']).where('campaign_id', '=', campaign.id).execute();
    expect(calls.map((c) => c.to_number).sort()).toEqual(['+14155550170', SIMULATOR_TEST_NUMBERS.busy].sort());
    const skipped = await t.db.kysely
      .selectFrom('audit_log')
      .select(['error_code'])
      .where('action', '=', 'campaign.lead_skipped')
      .where('business_id', '=', a.businessId)
      .execute();
    expect(skipped.map((s) => s.error_code).sort()).toEqual(['do_not_call', 'invalid_phone_number']);

    // The answered lead completes; the busy one is retried after the spacing, then fails.
    rows = await eventually(async () => {
      const r = await byLead();
      return r[ok!]!.status === 'completed' && r[busy!]!.status === 'queued' ? r : undefined;
    });
    const retryAt = rows[busy!]!.next_attempt_at!;
    expect(retryAt.getTime()).toBeGreaterThan(now.getTime() + 9 * 60_000);
    await tel.runOnce(now); // not due yet
    expect((await byLead())[busy!]!.attempts).toBe(1);
    await tel.runOnce(new Date(retryAt.getTime() + 1000));
    expect((await byLead())[busy!]!.attempts).toBe(2);
    await eventually(async () => ((await byLead())[busy!]!.status === 'failed' ? true : undefined));
    const done = await tel.campaigns.getCampaign({ businessId: a.businessId, campaignId: campaign.id });
    expect(done).toMatchObject({ status: 'completed', leadCounts: { completed: 1, failed: 1, skipped: 2, total: 4 } });
  });

  it('outside the calling window a lead waits; quiet hours and the rate limit defer, never skip', async () => {
    const [lead] = await leads(a, ['+14155550172']);
    const office = { attempts: 1, spacing_minutes: 5, window_start: '09:00', window_end: '17:00' };
    const night = new Date('2026-12-01T11:00:00Z'); // 03:00 in Los Angeles (UTC−8 in December)
    const nightTel = testTelephony(t.db, {}, { clock: () => night });
    const campaign = await nightTel.campaigns.createCampaign({
      businessId: a.businessId,
      actor: keyActor(a.keys.owner),
      name: 'Window',
      agentId: a.agentId,
      leadIds: [lead!],
      cadence: office,
      launch: true,
    });
    await nightTel.runOnce(night);
    await nightTel.stop();
    const [row] = await campaignLeads(campaign.id);
    expect(row).toMatchObject({ status: 'queued', attempts: 0 });
    expect(row!.next_attempt_at!.getTime()).toBe(night.getTime() + 15 * 60_000);

    const limited = testTelephony(t.db, { RATE_LIMIT_CALLS_PER_HOUR: '1' });
    try {
      await limited.runOnce(new Date('2026-12-01T19:00:00Z')); // 11:00 in LA, but this hour's budget is spent
      const [after] = await campaignLeads(campaign.id);
      expect(after).toMatchObject({ status: 'queued', attempts: 0 });
      const deferred = await t.db.kysely.selectFrom('calls').select('id').where('campaign_id', '=', campaign.id).execute();
      expect(deferred).toEqual([]);
    } finally {
      await limited.stop();
    }
  });

  it('launching twice is a conflict; a campaign of another business is not found', async () => {
    const ids = await leads(a, ['+14155550173']);
    const campaign = await tel.campaigns.createCampaign({ businessId: a.businessId, actor: keyActor(a.keys.owner), name: 'Twice', agentId: a.agentId, leadIds: ids, cadence });
    await tel.campaigns.launchCampaign({ businessId: a.businessId, actor: keyActor(a.keys.owner), campaignId: campaign.id });
    await expect(tel.campaigns.launchCampaign({ businessId: a.businessId, actor: keyActor(a.keys.owner), campaignId: campaign.id })).rejects.toMatchObject({ code: 'conflict' });
    await expect(tel.campaigns.launchCampaign({ businessId: b.businessId, actor: keyActor(b.keys.owner), campaignId: campaign.id })).rejects.toMatchObject({ code: 'not_found' });
    await expect(tel.campaigns.launchCampaign({ businessId: a.businessId, actor: keyActor(a.keys.member), campaignId: campaign.id })).rejects.toMatchObject({ code: 'forbidden' });
    await tel.runOnce();
  });
});
