// Connected apps over plain HTTP against a real migrated database: an app connected through OAuth is
// listed with its name, redirect host, scopes, who connected it and when; revoking it (after a
// confirmation) kills its refresh token at once and its access token within seconds; a member sees
// and revokes only their own connections; another business's grant reads as not found; audited.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../db/schema.js';
import { createAccountsRepository } from '../src/authz/accounts.repository.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { alertOf, signInOverHttp, type SignedInBrowser } from './helpers/dashboard.js';
import { post } from './helpers/mcp.js';
import { createTestAccount, defaultClientMetadata, obtainTokens, type TestAccount } from './helpers/oauth.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t?.stop());

const url = (path: string) => `${t.baseUrl}${path}`;
const mcpCall = (token: string) =>
  post(t.mcpUrl, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'get_business_info', arguments: {} } }, { Authorization: `Bearer ${token}` });
const refresh = (clientId: string, refreshToken: string) =>
  fetch(url('/oauth/token'), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId }).toString(),
  });

async function connect(account: TestAccount, clientName: string, scopes: string[], businessSlug?: string) {
  const got = await obtainTokens(t.baseUrl, {
    email: account.email,
    password: account.password,
    scopes,
    businessSlug,
    clientMetadata: defaultClientMetadata({ client_name: clientName, redirect_uris: ['http://127.0.0.1:43117/callback'] }),
  });
  return { ...got, grantId: got.claims.grant_id as string, clientId: got.client.clientInformation()!.client_id };
}

async function member(businessId: string, role: Role): Promise<{ account: TestAccount } & SignedInBrowser> {
  const account = await createTestAccount(t.app.db);
  await createAccountsRepository(t.app.db.kysely).upsertMembership(businessId, account.user.id, role);
  return { account, ...(await signInOverHttp(t.baseUrl, account.email, account.password)) };
}

describe('Connected apps', () => {
  it('lists an OAuth connection with its name, redirect host, scopes, who and when; Revoke + Confirm ends its refresh token at once and its access token within 15 s', async () => {
    const owner = await createTestAccount(t.app.db, { businesses: [{ name: 'Apps Co' }] });
    const { slug, id: businessId } = owner.businesses[0]!;
    const app = await connect(owner, 'Claude Desktop <test>', ['agents:read', 'calls:read']);
    expect((await mcpCall(app.tokens.access_token)).status).toBe(200);

    const session = await signInOverHttp(t.baseUrl, owner.email, owner.password);
    const list = await session.browser.get(url(`/dashboard/${slug}/apps`));
    expect(list.status).toBe(200);
    expect(list.body).toContain('Claude Desktop &lt;test&gt;');
    expect(list.body).toContain('<td data-label="Redirect host">127.0.0.1:43117</td>');
    expect(list.body).toContain('<code>calls:read</code> <code>agents:read</code>');
    expect(list.body).toContain(`<td data-label="Connected by">${owner.email}</td>`);
    // Last used: the tool call above.
    expect(list.body).not.toMatch(/data-label="Last used">Not yet/);
    expect(list.body).toContain('Revoke<span class="vh"> Claude Desktop &lt;test&gt;</span>');

    const confirm = await session.browser.get(url(`/dashboard/${slug}/apps/${app.grantId}/revoke`));
    expect(confirm.body).toContain('>Confirm</button>');
    const revoked = await session.browser.post(url(`/dashboard/${slug}/apps/${app.grantId}/revoke`), { _csrf: session.csrf });
    expect(revoked.status).toBe(303);
    const revokedAt = Date.now();

    // The refresh token is dead at once.
    const refreshed = await refresh(app.clientId, app.tokens.refresh_token!);
    expect(refreshed.status).toBe(400);
    expect(((await refreshed.json()) as { error?: string }).error).toBe('invalid_grant');
    // The access token is refused within 15 s.
    let status = 200;
    while (status === 200 && Date.now() - revokedAt < 15_000) {
      status = (await mcpCall(app.tokens.access_token)).status;
      if (status === 200) await new Promise((r) => setTimeout(r, 250));
    }
    expect(status).toBe(401);
    expect(Date.now() - revokedAt).toBeLessThan(15_000);

    const after = await session.browser.get(revoked.location!);
    expect(after.body).not.toContain('Claude Desktop &lt;test&gt;');
    expect(after.body).toContain('No apps are connected.');
    const audit = await t.app.db.kysely.selectFrom('audit_log').selectAll().where('business_id', '=', businessId).where('action', '=', 'grant.revoked').execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor_kind: 'user', actor_id: owner.user.id, outcome: 'success' });
    expect(audit[0]!.details).toMatchObject({ grant_id: app.grantId, client_name: 'Claude Desktop <test>' });
  }, 40_000);

  it('a member sees and revokes only the apps they connected; revoking another member’s is 403 and it keeps working; an admin sees and may revoke all', async () => {
    const owner = await createTestAccount(t.app.db, { businesses: [{ name: 'Shared Apps Co' }] });
    const { slug, id: businessId } = owner.businesses[0]!;
    const ownersApp = await connect(owner, 'Owner Connector', ['agents:read']);
    const staff = await member(businessId, 'member');
    const staffApp = await connect(staff.account, 'Staff Connector', ['calls:read'], slug);

    const staffList = await staff.browser.get(url(`/dashboard/${slug}/apps`));
    expect(staffList.body).toContain('Staff Connector');
    expect(staffList.body).not.toContain('Owner Connector');
    for (const res of [
      await staff.browser.get(url(`/dashboard/${slug}/apps/${ownersApp.grantId}/revoke`)),
      await staff.browser.post(url(`/dashboard/${slug}/apps/${ownersApp.grantId}/revoke`), { _csrf: staff.csrf }),
    ]) {
      expect(res.status).toBe(403);
      expect(alertOf(res)).toBe('A member can revoke only the apps they connected; ask an admin or owner.');
    }
    expect((await mcpCall(ownersApp.tokens.access_token)).status).toBe(200);
    expect((await refresh(ownersApp.clientId, ownersApp.tokens.refresh_token!)).status).toBe(200);

    const admin = await member(businessId, 'admin');
    const adminList = await admin.browser.get(url(`/dashboard/${slug}/apps`));
    expect(adminList.body).toContain('Staff Connector');
    expect(adminList.body).toContain('Owner Connector');
    expect((await admin.browser.post(url(`/dashboard/${slug}/apps/${staffApp.grantId}/revoke`), { _csrf: admin.csrf })).status).toBe(303);
    expect((await refresh(staffApp.clientId, staffApp.tokens.refresh_token!)).status).toBe(400);
  }, 40_000);

  it('security: another business’s grant id reads as not found (404) and keeps working', async () => {
    const mine = await createTestAccount(t.app.db, { businesses: [{ name: 'Mine Apps Co' }] });
    const theirs = await createTestAccount(t.app.db, { businesses: [{ name: 'Theirs Apps Co' }] });
    const theirApp = await connect(theirs, 'Their Connector', ['agents:read']);
    const session = await signInOverHttp(t.baseUrl, mine.email, mine.password);
    const slug = mine.businesses[0]!.slug;
    for (const grant of [theirApp.grantId, 'no-such-grant']) {
      const page = await session.browser.get(url(`/dashboard/${slug}/apps/${grant}/revoke`));
      expect(page.status).toBe(404);
      expect(alertOf(page)).toBe('Connected app not found');
      expect((await session.browser.post(url(`/dashboard/${slug}/apps/${grant}/revoke`), { _csrf: session.csrf })).status).toBe(404);
    }
    expect((await session.browser.get(url(`/dashboard/${slug}/apps`))).body).not.toContain('Their Connector');
    expect((await mcpCall(theirApp.tokens.access_token)).status).toBe(200);
    expect((await refresh(theirApp.clientId, theirApp.tokens.refresh_token!)).status).toBe(200);
  }, 40_000);
});
