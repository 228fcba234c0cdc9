// The Approvals pages over HTTP against a real migrated database: a change queued through the MCP
// tool (update_agent_config with queue_for_approval) is listed and shown with its diff and risk;
// members read, admins decide; Approve executes once even when two admins click at once (the
// other is shown the outcome); Deny needs a reason and changes nothing; security cases: a member's
// decision is 403, another business's approval is 404, a forged POST is 403.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCOPES } from '../src/scopes/index.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { alertOf, signInOverHttp, type SignedInBrowser } from './helpers/dashboard.js';
import { createTeam, type Team } from './helpers/dashboard-team.js';
import { callTool, createKey, post } from './helpers/mcp.js';
import { decodeEntities } from './helpers/oauth.js';

let t: TestApp;
let team: Team;
let other: Team;
let apiKey: string;
let owner: SignedInBrowser;
let admin: SignedInBrowser;
let member: SignedInBrowser;

beforeAll(async () => {
  t = await startTestApp();
  team = await createTeam(t.app.db, 'Harbor Plumbing');
  other = await createTeam(t.app.db, 'Other Co');
  apiKey = (await createKey(t.app.db, team.business.id, [...SCOPES])).key;
  owner = await signInOverHttp(t.baseUrl, team.owner.email, team.owner.password);
  admin = await signInOverHttp(t.baseUrl, team.admin.email, team.admin.password);
  member = await signInOverHttp(t.baseUrl, team.member.email, team.member.password);
});
afterAll(async () => t?.stop());

const page = (path = '') => `${t.baseUrl}/dashboard/${team.business.slug}${path}`;
const agent = () => t.app.db.kysely.selectFrom('agents').select(['voice', 'config_version']).where('id', '=', team.agentId).executeTakeFirstOrThrow();
const approvalRow = (id: string) => t.app.db.kysely.selectFrom('approvals').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const text = (body: string) => decodeEntities(body.replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ');

let voices = 0;
/** Queues a voice change through the MCP tool, as a connected app would. */
async function queueVoiceChange(): Promise<{ approvalId: string; voice: string }> {
  const voice = `shimmer-${++voices}`;
  const res = await post(t.mcpUrl, callTool('update_agent_config', { agent_id: team.agentId, voice, queue_for_approval: true, idempotency_key: randomUUID() }), {
    authorization: `Bearer ${apiKey}`,
  });
  const structured = (res.body as { result: { structuredContent: { status: string; approval_id: string } } }).result.structuredContent;
  expect(structured.status).toBe('pending_approval');
  return { approvalId: structured.approval_id, voice };
}

const decide = (who: SignedInBrowser, approvalId: string, form: Record<string, string>) => who.browser.post(page(`/approvals/${approvalId}/decide`), { _csrf: who.csrf, ...form });

describe('reading approvals', () => {
  it('lists a queued change under "Waiting for a decision" and shows its diff, requester and risk', async () => {
    const { approvalId, voice } = await queueVoiceChange();
    const list = await member.browser.get(page('/approvals'));
    expect(list.status).toBe(200);
    const waiting = list.body.slice(list.body.indexOf('<h2>Waiting for a decision</h2>'), list.body.indexOf('<h2>History</h2>'));
    expect(waiting).toContain(`/approvals/${approvalId}"`);
    expect(text(waiting)).toContain('API key');

    const detail = await member.browser.get(page(`/approvals/${approvalId}`));
    expect(detail.status).toBe(200);
    const body = text(detail.body);
    expect(body).toContain('Waiting for a decision');
    expect(body).toContain('voice: changes the voice every caller hears');
    expect(body).toMatch(new RegExp(`voice \\(high impact\\) alloy ${voice}`));
    // A member reads but cannot decide: no decision form is offered.
    expect(detail.body).not.toContain('>Approve</button>');
    expect(body).toContain('An admin or owner of Harbor Plumbing decides this change.');

    const asAdmin = await admin.browser.get(page(`/approvals/${approvalId}`));
    expect(asAdmin.body).toContain('<label for="reason">Reason</label>');
    expect(asAdmin.body).toContain('value="approve">Approve</button>');
    expect(asAdmin.body).toContain('value="deny" class="danger">Deny</button>');
  });

  it('security: another business’s approval, or a made-up id, is 404', async () => {
    const { approvalId } = await queueVoiceChange();
    const otherOwner = await signInOverHttp(t.baseUrl, other.owner.email, other.owner.password);
    const foreign = await otherOwner.browser.get(`${t.baseUrl}/dashboard/${other.business.slug}/approvals/${approvalId}`);
    expect(foreign.status).toBe(404);
    const posted = await otherOwner.browser.post(`${t.baseUrl}/dashboard/${other.business.slug}/approvals/${approvalId}/decide`, { _csrf: otherOwner.csrf, decision: 'approve' });
    expect(posted.status).toBe(404);
    expect((await owner.browser.get(page(`/approvals/${randomUUID()}`))).status).toBe(404);
    expect((await owner.browser.get(page('/approvals/not-an-id'))).status).toBe(404);
    expect((await approvalRow(approvalId)).status).toBe('pending');
  });
});

describe('deciding', () => {
  it('Approve executes the change once, says so, moves it to the history and audits the decision', async () => {
    const { approvalId, voice } = await queueVoiceChange();
    const before = await agent();
    const res = await decide(admin, approvalId, { decision: 'approve', reason: 'Customer asked for it' });
    expect(res.status).toBe(303);
    expect(res.location).toBe(page(`/approvals/${approvalId}?result=mine`));
    const shown = await admin.browser.get(res.location!);
    expect(text(shown.body)).toContain('You approved this change and it was applied.');
    expect(text(shown.body)).toContain(`Decided by ${team.admin.email}`);
    expect(await agent()).toEqual({ voice, config_version: before.config_version + 1 });

    const list = await member.browser.get(page('/approvals'));
    const history = list.body.slice(list.body.indexOf('<h2>History</h2>'));
    expect(history).toContain(`/approvals/${approvalId}"`);
    expect(text(history)).toContain('Approved and executed');

    const audit = await t.app.db.kysely.selectFrom('audit_log').selectAll().where('business_id', '=', team.business.id).where('action', '=', 'approval.approved').execute();
    expect(audit.filter((r) => r.details.approval_id === approvalId).map((r) => [r.actor_kind, r.actor_id, r.outcome])).toEqual([['user', team.admin.user.id, 'executed']]);
  });

  it('two admins approving at the same moment: one executes, the other is shown the outcome', async () => {
    const { approvalId } = await queueVoiceChange();
    const before = await agent();
    const [a, b] = await Promise.all([decide(owner, approvalId, { decision: 'approve' }), decide(admin, approvalId, { decision: 'approve' })]);
    expect([a.status, b.status]).toEqual([303, 303]);
    const results = [a.location, b.location].map((l) => new URL(l!).searchParams.get('result')).sort();
    expect(results).toEqual(['mine', 'theirs']);
    const loser = [a, b].find((r) => r.location!.endsWith('theirs'))!;
    const loserBrowser = loser === a ? owner : admin;
    const seen = text((await loserBrowser.browser.get(loser.location!)).body);
    expect(seen).toMatch(/decided this approval before you did: approved and executed\. Your decision was not applied\./);
    expect((await agent()).config_version).toBe(before.config_version + 1);
    expect(await t.app.db.kysely.selectFrom('agent_config_changes').select('id').where('approval_id', '=', approvalId).execute()).toHaveLength(1);

    // The winner submitting again (a double click) is told it had already decided; nothing runs twice.
    const winnerBrowser = loser === a ? admin : owner;
    const again = await decide(winnerBrowser, approvalId, { decision: 'approve' });
    expect(text((await winnerBrowser.browser.get(again.location!)).body)).toContain('You had already decided this approval: approved and executed.');
    expect((await agent()).config_version).toBe(before.config_version + 1);
  });

  it('Deny needs a reason (the page again, the typed text kept), then changes nothing', async () => {
    const { approvalId } = await queueVoiceChange();
    const before = await agent();
    const empty = await decide(owner, approvalId, { decision: 'deny', reason: '  ' });
    expect(empty.status).toBe(400);
    expect(alertOf(empty)).toMatch(/^reason: say why the change is denied/);

    const long = 'Too long. '.repeat(201);
    const tooLong = await decide(owner, approvalId, { decision: 'deny', reason: long });
    expect(tooLong.status).toBe(400);
    expect(alertOf(tooLong)).toContain('at most 2000 characters');
    expect(decodeEntities(tooLong.body)).toContain(`>${long}</textarea>`);
    expect((await approvalRow(approvalId)).status).toBe('pending');

    const res = await decide(owner, approvalId, { decision: 'deny', reason: 'Keep the current voice' });
    expect(res.status).toBe(303);
    const denied = text((await owner.browser.get(res.location!)).body);
    expect(denied).toContain('You denied this change; nothing was applied.');
    expect(denied).toMatch(/What was asked Field Asked value voice shimmer-\d+/);
    expect(denied).toContain('voice: changes the voice every caller hears');
    expect(await agent()).toEqual(before);
    expect(await approvalRow(approvalId)).toMatchObject({ status: 'denied', decision_reason: 'Keep the current voice', decided_by: team.owner.user.id });
  });

  it('a decision that is neither Approve nor Deny is refused', async () => {
    const { approvalId } = await queueVoiceChange();
    const res = await decide(owner, approvalId, { decision: 'maybe' });
    expect(res.status).toBe(400);
    expect(alertOf(res)).toBe('Choose Approve or Deny.');
    expect((await approvalRow(approvalId)).status).toBe('pending');
  });

  it('security: a member posting a decision gets 403 and nothing changes', async () => {
    const { approvalId } = await queueVoiceChange();
    const before = await agent();
    const res = await decide(member, approvalId, { decision: 'approve' });
    expect(res.status).toBe(403);
    expect((await approvalRow(approvalId)).status).toBe('pending');
    expect(await agent()).toEqual(before);
  });

  it('security: a decision without the CSRF token, or from another origin, is 403 and nothing changes', async () => {
    const { approvalId } = await queueVoiceChange();
    const noToken = await admin.browser.post(page(`/approvals/${approvalId}/decide`), { decision: 'approve' });
    expect(noToken.status).toBe(403);
    const forged = await admin.browser.post(page(`/approvals/${approvalId}/decide`), { _csrf: admin.csrf, decision: 'approve' }, { origin: 'https://evil.example' });
    expect(forged.status).toBe(403);
    expect((await approvalRow(approvalId)).status).toBe('pending');
  });
});
