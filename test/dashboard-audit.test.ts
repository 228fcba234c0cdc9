// The Audit log page over HTTP against a real migrated database: tool calls made through /api/mcp
// appear newest first with the actor named and arguments masked as stored; the Tool, Outcome,
// Actor, From and To filters; the Next page link pages by keyset; a bad date is the page again with
// the message in role="alert" and the values kept; admins only; one business only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCOPES } from '../src/scopes/index.js';
import { maskPhone } from '../src/shared/log.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { alertOf, signInOverHttp, type SignedInBrowser } from './helpers/dashboard.js';
import { createTeam, type Team } from './helpers/dashboard-team.js';
import { callTool, createKey, post } from './helpers/mcp.js';
import { decodeEntities, type PageResponse } from './helpers/oauth.js';

let t: TestApp;
let team: Team;
let other: Team;
let admin: SignedInBrowser;

/** Today's date on the business's clock (createTeam's businesses are in New York). */
const today = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'America/New_York' }).format(new Date());
const dayAfter = (date: string) => new Date(Date.parse(`${date}T12:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

beforeAll(async () => {
  t = await startTestApp();
  team = await createTeam(t.app.db, 'Audit Dental');
  other = await createTeam(t.app.db, 'Other Dental');
  const key = (await createKey(t.app.db, team.business.id, [...SCOPES])).key;
  const otherKey = (await createKey(t.app.db, other.business.id, [...SCOPES])).key;
  const mcp = (name: string, args: Record<string, unknown>, k = key) => post(t.mcpUrl, callTool(name, args), { authorization: `Bearer ${k}` });
  await mcp('get_business_info', {});
  await mcp('upsert_lead', { lead: { name: 'Dana Caller', phone: '+14155550123' } });
  await mcp('get_lead', { lead_id: '00000000-0000-4000-8000-000000000000' });
  await mcp('list_agents', {}, otherKey);
  admin = await signInOverHttp(t.baseUrl, team.admin.email, team.admin.password);
});
afterAll(async () => t?.stop());

const auditUrl = (params: Record<string, string> = {}) =>
  `${t.baseUrl}/dashboard/${team.business.slug}/audit${Object.keys(params).length ? `?${new URLSearchParams(params)}` : ''}`;
const text = (page: PageResponse) => decodeEntities(page.body.replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ');
/** The action of each row, in page order. */
const actions = (page: PageResponse) => [...page.body.matchAll(/<td data-label="Tool or action"><code class="name">([^<]+)<\/code><\/td>/g)].map((m) => decodeEntities(m[1]!));

describe('the audit log', () => {
  it('shows the business’s tool calls newest first, the actor named and arguments masked as stored', async () => {
    const page = await admin.browser.get(auditUrl());
    expect(page.status).toBe(200);
    expect(actions(page).slice(0, 3)).toEqual(['get_lead', 'upsert_lead', 'get_business_info']);
    expect(actions(page)).not.toContain('list_agents');
    const body = text(page);
    // createKey names keys `test-<hex>`: the row's actor is the key, shown by its name.
    expect(body).toMatch(/get_business_info success API key "test-[0-9a-f]+"/);
    expect(body).toContain(`"phone":"${maskPhone('+14155550123')}"`);
    expect(body).not.toContain('+14155550123');
    expect(body).toContain('error (not_found)');
  });

  it('filters by Tool and by Outcome, keeping the values in the form', async () => {
    const byTool = await admin.browser.get(auditUrl({ tool: 'upsert_lead' }));
    expect(actions(byTool)).toEqual(['upsert_lead']);
    expect(byTool.body).toContain('id="tool" name="tool" value="upsert_lead"');
    const errors = await admin.browser.get(auditUrl({ outcome: 'error' }));
    expect(actions(errors)).toEqual(['get_lead']);
    expect(errors.body).toContain('<option value="error" selected>error</option>');
    const none = await admin.browser.get(auditUrl({ tool: 'make_call' }));
    expect(text(none)).toContain('No entries match these filters.');
  });

  it('filters by actor (a member’s email) and by From and To days in the business’s time zone', async () => {
    // The admin's own sign-in is not audited; a member change made by the owner is, with the owner as actor.
    const ownerSession = await signInOverHttp(t.baseUrl, team.owner.email, team.owner.password);
    const changed = await ownerSession.browser.post(`${t.baseUrl}/dashboard/${team.business.slug}/members/${team.member.user.id}/role`, {
      _csrf: ownerSession.csrf,
      role: 'admin',
    });
    expect(changed.status).toBe(303);
    const byOwner = await admin.browser.get(auditUrl({ actor: team.owner.email }));
    expect(actions(byOwner)).toEqual(['member.role_changed']);
    expect(text(byOwner)).toContain(team.owner.email);

    const day = today();
    expect(actions(await admin.browser.get(auditUrl({ from: day, to: day, tool: 'get_business_info' })))).toEqual(['get_business_info']);
    expect(actions(await admin.browser.get(auditUrl({ from: dayAfter(day), tool: 'get_business_info' })))).toEqual([]);
    expect(actions(await admin.browser.get(auditUrl({ to: '2020-01-01' })))).toEqual([]);
  });

  it('pages newest first with the Next page link, without a gap or a repeat', async () => {
    await t.app.db.forBusiness(team.business.id, (tx) =>
      tx
        .insertInto('audit_log')
        .values(
          Array.from({ length: 63 }, (_, i) => ({
            business_id: team.business.id,
            actor_kind: 'system' as const,
            actor_id: 'bulk',
            action: `bulk.${String(i).padStart(2, '0')}`,
            outcome: 'success',
          })),
        )
        .execute(),
    );
    const seen: string[] = [];
    let url: string | null = auditUrl({ actor: 'bulk' });
    let pages = 0;
    while (url) {
      const page = await admin.browser.get(url);
      expect(page.status).toBe(200);
      seen.push(...actions(page));
      const next = /<a href="([^"]+)">Next page<\/a>/.exec(page.body);
      url = next ? new URL(decodeEntities(next[1]!), t.baseUrl).href : null;
      if (url) expect(new URL(url).searchParams.get('actor')).toBe('bulk');
      pages++;
    }
    expect(pages).toBe(2);
    expect(seen).toHaveLength(63);
    expect(new Set(seen).size).toBe(63);
  });

  it('a bad date or range is the page again with the message in role="alert" and the values kept', async () => {
    const bad = await admin.browser.get(auditUrl({ from: '2026-02-31', tool: 'get_lead' }));
    expect(bad.status).toBe(400);
    expect(alertOf(bad)).toBe('From: 2026-02-31 is not a date (use YYYY-MM-DD).');
    expect(bad.body).toContain('name="from" value="2026-02-31"');
    expect(bad.body).toContain('name="tool" value="get_lead"');
    const backwards = await admin.browser.get(auditUrl({ from: '2026-03-02', to: '2026-03-01' }));
    expect(backwards.status).toBe(400);
    expect(alertOf(backwards)).toBe('To: must be on or after From.');
    const stranger = await admin.browser.get(auditUrl({ actor: other.owner.email }));
    expect(stranger.status).toBe(400);
    expect(alertOf(stranger)).toBe(`Actor: no member of this business has the email ${other.owner.email}`);
    const edited = await admin.browser.get(auditUrl({ after: 'garbage' }));
    expect(edited.status).toBe(400);
    expect(alertOf(edited)).toMatch(/^After: not a page cursor/);
  });

  it('security: a plain member gets 403 and no Audit log link', async () => {
    const member = await signInOverHttp(t.baseUrl, other.member.email, other.member.password);
    expect((await member.browser.get(`${t.baseUrl}/dashboard/${other.business.slug}/audit`)).status).toBe(403);
    expect(member.landing.body).not.toContain('>Audit log</a>');
    expect(admin.landing.body).toContain('>Audit log</a>');
  });

  it('security: another business’s audit log is 404 for this admin', async () => {
    expect((await admin.browser.get(`${t.baseUrl}/dashboard/${other.business.slug}/audit`)).status).toBe(404);
  });
});
