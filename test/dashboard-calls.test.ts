// The Calls pages over HTTP against a real migrated database: the list with the filters of
// list_recent_calls and times in the business's time zone, paging, and one call with its timeline,
// summary, recording player, transcript and lead; members may read; another business's call or
// agent is 404; a filter value that is not a choice is 400.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { alertOf, signInOverHttp, type SignedInBrowser } from './helpers/dashboard.js';
import { createTeam, type Team } from './helpers/dashboard-team.js';
import { createCall } from './helpers/mcp.js';
import { decodeEntities, type PageResponse } from './helpers/oauth.js';

let t: TestApp;
let team: Team;
let other: Team;
let member: SignedInBrowser;
let detailId: string;
let foreignId: string;
const started = new Date('2026-11-20T15:04:00.000Z');

beforeAll(async () => {
  t = await startTestApp();
  team = await createTeam(t.app.db, 'Calls Electric');
  other = await createTeam(t.app.db, 'Other Electric');
  const db = t.app.db;
  const lead = await db.kysely
    .insertInto('leads')
    .values({ business_id: team.business.id, name: 'Robin Homeowner', phone: '+14155550142', email: 'robin@example.com' })
    .returning('id')
    .executeTakeFirstOrThrow();
  detailId = (
    await createCall(db, team.business.id, {
      agentId: team.agentId,
      createdAt: started,
      summary: 'Booked a panel inspection.',
      transcript: 'Agent: Hello!\nRobin: My breaker trips.',
    })
  ).id;
  await db.kysely
    .updateTable('calls')
    .set({ lead_id: lead.id, dialed_at: new Date(started.getTime() + 2000), started_at: new Date(started.getTime() + 9000), outcome: 'appointment_booked', provider: 'simulator' })
    .where('id', '=', detailId)
    .execute();
  for (let i = 1; i <= 27; i++)
    await createCall(db, team.business.id, { agentId: team.agentId, status: i % 3 ? 'completed' : 'failed', createdAt: new Date(started.getTime() + i * 60_000) });
  await createCall(db, team.business.id, { direction: 'inbound', to: '+16465552000', from: '+12125550177', createdAt: new Date(started.getTime() + 40 * 60_000) });
  foreignId = (await createCall(db, other.business.id, { agentId: other.agentId })).id;
  member = await signInOverHttp(t.baseUrl, team.member.email, team.member.password);
});
afterAll(async () => t?.stop());

const url = (path = '') => `${t.baseUrl}/dashboard/${team.business.slug}/calls${path}`;
const text = (page: PageResponse) => decodeEntities(page.body.replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ');
const callLinks = (page: PageResponse) => [...page.body.matchAll(/\/calls\/([0-9a-f-]{36})"/g)].map((m) => m[1]!);
const ny = (at: Date, timeStyle: 'short' | 'medium' = 'short') => new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', dateStyle: 'medium', timeStyle }).format(at);

describe('the call list', () => {
  it('lists calls newest first, 25 a page, with times in the business’s time zone and a Next page link', async () => {
    const first = await member.browser.get(url());
    expect(first.status).toBe(200);
    expect(callLinks(first)).toHaveLength(25);
    expect(text(first)).toContain(`${ny(new Date(started.getTime() + 40 * 60_000))} From +12125550177`);
    const next = /<a href="([^"]+)">Next page<\/a>/.exec(first.body);
    expect(next).not.toBeNull();
    const second = await member.browser.get(new URL(decodeEntities(next![1]!), t.baseUrl).href);
    expect(callLinks(second)).toHaveLength(4);
    expect(callLinks(second).at(-1)).toBe(detailId);
    expect(second.body).toContain('>Previous page</a>');
    expect(second.body).not.toContain('>Next page</a>');
  });

  it('filters by status, direction and agent, keeping the choices selected', async () => {
    const failed = await member.browser.get(url('?status=failed'));
    expect(callLinks(failed)).toHaveLength(9);
    expect(failed.body).toContain('<option value="failed" selected>failed</option>');
    expect(callLinks(await member.browser.get(url('?direction=inbound')))).toHaveLength(1);
    const byAgent = await member.browser.get(url(`?agent=${team.agentId}&status=completed`));
    expect(callLinks(byAgent)).toHaveLength(19);
    expect(byAgent.body).toContain(`<option value="${team.agentId}" selected>Calls Electric receptionist</option>`);
  });

  it('a filter value that is not a choice is 400 with the reason; another business’s agent is 404', async () => {
    const bad = await member.browser.get(url('?status=exploded'));
    expect(bad.status).toBe(400);
    expect(alertOf(bad)).toContain('Status: exploded is not a call status');
    expect((await member.browser.get(url(`?agent=${other.agentId}`))).status).toBe(404);
  });
});

describe('one call', () => {
  it('shows the timeline, summary, recording player, transcript and lead', async () => {
    const page = await member.browser.get(url(`/${detailId}`));
    expect(page.status).toBe(200);
    const body = text(page);
    expect(body).toContain('Outbound call to +14155550123');
    const timeline = page.body.slice(page.body.indexOf('<ol class="timeline">'), page.body.indexOf('</ol>'));
    const steps = [...timeline.matchAll(/<li>(.*?)<\/li>/g)].map((m) => decodeEntities(m[1]!.replace(/<[^>]+>/g, '')));
    expect(steps).toEqual([
      `${ny(started, 'medium')}: Queued`,
      `${ny(new Date(started.getTime() + 2000), 'medium')}: Dialled (through simulator)`,
      `${ny(new Date(started.getTime() + 9000), 'medium')}: Answered`,
      `${ny(new Date(started.getTime() + 95_000), 'medium')}: Ended: completed (outcome appointment_booked; 95 s)`,
    ]);
    expect(body).toContain('Booked a panel inspection.');
    expect(page.body).toContain('<audio controls preload="none" src="https://recordings.example.com/r/1.mp3" aria-label="Call recording"></audio>');
    expect(page.body).toContain('<pre class="transcript">Agent: Hello!\nRobin: My breaker trips.</pre>');
    expect(body).toContain('Name Robin Homeowner Phone +14155550142 Email robin@example.com Status new');
  });

  it('security: another business’s call, or a made-up id, is 404', async () => {
    expect((await member.browser.get(url(`/${foreignId}`))).status).toBe(404);
    expect((await member.browser.get(url('/not-a-call'))).status).toBe(404);
  });
});
