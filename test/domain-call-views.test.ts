// Calls as the dashboard lists and shows them, against a real database: the filters of
// list_recent_calls, a page with "more follow", and one call with its timeline, transcript and
// lead; another business's calls and agents read as not found.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCallViewsService, type CallViewsService } from '../src/domain/calls/call-views.service.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { createTenant, type Tenant } from './helpers/domain-fixtures.js';

let t: TestDatabase;
let a: Tenant;
let b: Tenant;
let views: CallViewsService;
let completedId: string;
let foreignId: string;

const at = (minutes: number) => new Date(Date.parse('2026-11-20T15:00:00.000Z') + minutes * 60_000);

beforeAll(async () => {
  t = await createTestDatabase();
  a = await createTenant(t.db, 'views-a');
  b = await createTenant(t.db, 'views-b');
  views = createCallViewsService({ db: t.db });
  const call = (tenant: Tenant, values: Record<string, unknown>) => ({
    business_id: tenant.businessId,
    agent_id: tenant.agentId,
    direction: 'outbound' as const,
    status: 'completed' as const,
    to_number: tenant.leadPhone,
    from_number: tenant.agentNumber,
    ...values,
  });
  const rows = await t.db.kysely
    .insertInto('calls')
    .values([
      call(a, {
        lead_id: a.leadId,
        provider: 'simulator',
        context: 'Follow up on the quote',
        created_at: at(0),
        dialed_at: at(1),
        started_at: at(2),
        ended_at: at(5),
        duration_seconds: 180,
        outcome: 'appointment_booked',
        summary: 'Booked for Tuesday.',
        transcript: 'Agent: Hello\nPat: Hi',
        recording_url: 'https://media.example.com/rec/1.wav',
      }),
      call(a, { status: 'failed', created_at: at(10), ended_at: at(11), failure_reason: 'The provider reported the call as failed.' }),
      call(a, { direction: 'inbound', status: 'completed', to_number: a.agentNumber, from_number: '+14155550199', created_at: at(20), started_at: at(20), ended_at: at(22) }),
      call(b, { created_at: at(30) }),
    ])
    .returning('id')
    .execute();
  completedId = rows[0]!.id;
  foreignId = rows[3]!.id;
});
afterAll(async () => t?.close());

describe('call list', () => {
  it('lists one business’s calls newest first, with the agents for the filter', async () => {
    const page = await views.list({ businessId: a.businessId, filters: {}, limit: 20, offset: 0 });
    expect(page.calls.map((c) => `${c.direction}:${c.status}`)).toEqual(['inbound:completed', 'outbound:failed', 'outbound:completed']);
    expect(page.hasMore).toBe(false);
    expect(page.agents).toEqual([{ id: a.agentId, name: 'views-a receptionist' }]);
  });

  it('filters by status, direction and agent, and says when more follow', async () => {
    expect((await views.list({ businessId: a.businessId, filters: { status: 'failed' }, limit: 20, offset: 0 })).calls).toHaveLength(1);
    expect((await views.list({ businessId: a.businessId, filters: { direction: 'inbound' }, limit: 20, offset: 0 })).calls).toHaveLength(1);
    expect((await views.list({ businessId: a.businessId, filters: { agentId: a.agentId }, limit: 20, offset: 0 })).calls).toHaveLength(3);
    const first = await views.list({ businessId: a.businessId, filters: {}, limit: 2, offset: 0 });
    expect(first).toMatchObject({ hasMore: true });
    expect(first.calls).toHaveLength(2);
    const second = await views.list({ businessId: a.businessId, filters: {}, limit: 2, offset: 2 });
    expect(second.calls.map((c) => c.id)).toEqual([completedId]);
  });

  it('security: another business’s agent as a filter is not found', async () => {
    await expect(views.list({ businessId: a.businessId, filters: { agentId: b.agentId }, limit: 20, offset: 0 })).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('call detail', () => {
  it('shows the timeline in order, the transcript, summary, recording and lead', async () => {
    const detail = await views.detail({ businessId: a.businessId, callId: completedId });
    expect(detail.timeline.map((s) => [s.label, s.at.toISOString()])).toEqual([
      ['Queued', at(0).toISOString()],
      ['Dialled', at(1).toISOString()],
      ['Answered', at(2).toISOString()],
      ['Ended: completed', at(5).toISOString()],
    ]);
    expect(detail.timeline[0]!.detail).toBe('Context: Follow up on the quote');
    expect(detail.timeline[3]!.detail).toBe('outcome appointment_booked; 180 s');
    expect(detail.transcript).toBe('Agent: Hello\nPat: Hi');
    expect(detail.call).toMatchObject({ summary: 'Booked for Tuesday.', recordingUrl: 'https://media.example.com/rec/1.wav' });
    expect(detail.lead).toMatchObject({ id: a.leadId, name: 'Pat Lead', phone: a.leadPhone });
  });

  it('security: another business’s call, or a malformed id, is not found', async () => {
    await expect(views.detail({ businessId: a.businessId, callId: foreignId })).rejects.toMatchObject({ code: 'not_found' });
    await expect(views.detail({ businessId: a.businessId, callId: '../etc' })).rejects.toMatchObject({ code: 'not_found' });
  });
});
