// The API keys page over plain HTTP against a real migrated database: create (scopes within the
// role, expiry), the key shown once and working on /api/mcp at once, revoke after a confirmation
// (401 from then on), rotate with a grace period, who may see and manage which key, another
// business's ids, bad form values, and the audit rows with the user as actor.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../db/schema.js';
import { createAccountsRepository } from '../src/authz/accounts.repository.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { alertOf, signInOverHttp, type SignedInBrowser } from './helpers/dashboard.js';
import { post } from './helpers/mcp.js';
import { createTestAccount, decodeEntities, type TestAccount } from './helpers/oauth.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t?.stop());

const url = (path: string) => `${t.baseUrl}${path}`;

/** An owner's business, and a signed-in session for them. */
async function ownerOf(name: string): Promise<{ account: TestAccount; slug: string; businessId: string } & SignedInBrowser> {
  const account = await createTestAccount(t.app.db, { businesses: [{ name }] });
  const session = await signInOverHttp(t.baseUrl, account.email, account.password);
  return { account, slug: account.businesses[0]!.slug, businessId: account.businesses[0]!.id, ...session };
}

/** Another user added to the business with `role`, signed in. */
async function colleague(businessId: string, role: Role): Promise<{ account: TestAccount } & SignedInBrowser> {
  const account = await createTestAccount(t.app.db);
  await createAccountsRepository(t.app.db.kysely).upsertMembership(businessId, account.user.id, role);
  return { account, ...(await signInOverHttp(t.baseUrl, account.email, account.password)) };
}

/** The key shown in the read-only field labelled "Your new API key". */
function shownKey(body: string): string | undefined {
  if (!body.includes('<label for="new-key">Your new API key</label>')) return undefined;
  const m = /<input type="text" id="new-key" readonly value="([^"]+)"/.exec(body);
  return m ? decodeEntities(m[1]!) : undefined;
}

async function createKeyVia(s: SignedInBrowser, slug: string, form: { name: string; scopes: string[]; expires?: string }) {
  const body = new URLSearchParams({ _csrf: s.csrf, name: form.name, expires: form.expires ?? '90d' });
  for (const scope of form.scopes) body.append('scopes', scope);
  return postRaw(s, `/dashboard/${slug}/keys/new`, body);
}

/** A form POST with repeated fields (checkboxes), same-origin, with the browser's cookies. */
async function postRaw(s: SignedInBrowser, path: string, body: URLSearchParams) {
  const cookie = (s.browser as unknown as { cookies: { name: string; value: string }[] }).cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  const res = await fetch(url(path), {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: t.baseUrl, cookie },
    body: body.toString(),
  });
  return { status: res.status, location: res.headers.get('location'), body: await res.text(), headers: res.headers, url: url(path) };
}

const mcpCall = (key: string) =>
  post(t.mcpUrl, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'get_business_info', arguments: {} } }, { Authorization: `Bearer ${key}` });

const auditRows = (businessId: string, action: string) =>
  t.app.db.kysely.selectFrom('audit_log').selectAll().where('business_id', '=', businessId).where('action', '=', action).orderBy('created_at').execute();

const keyRow = (id: string) => t.app.db.kysely.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

describe('API keys: create, use, revoke', () => {
  it('creates a key with two scopes, shows it once, it works on /api/mcp at once, and after Revoke + Confirm it gets 401', async () => {
    const owner = await ownerOf('Keys Co');
    const form = await owner.browser.get(url(`/dashboard/${owner.slug}/keys/new`));
    expect(form.status).toBe(200);
    for (const scope of ['calls:read', 'agents:read', 'agents:write', 'webhooks:write'])
      expect(form.body).toContain(`<label for="scope-${scope.replace(':', '-')}">${scope}</label>`);
    expect(form.body).toContain('See your business details, your phone agents and their settings.');

    const created = await createKeyVia(owner, owner.slug, { name: 'Reporting script', scopes: ['agents:read', 'calls:read'], expires: '30d' });
    expect(created.status).toBe(200);
    const key = shownKey(created.body)!;
    expect(key).toMatch(/^kc_live_[0-9A-Za-z]{40}$/);

    const answer = await mcpCall(key);
    expect(answer.status).toBe(200);
    expect(answer.body.result.isError).toBeFalsy();
    expect(JSON.stringify(answer.body.result.structuredContent)).toContain(owner.businessId);

    const stored = await t.app.db.kysely.selectFrom('api_keys').selectAll().where('business_id', '=', owner.businessId).executeTakeFirstOrThrow();
    expect(stored.scopes.sort()).toEqual(['agents:read', 'calls:read']);
    expect(stored.created_by).toBe(owner.account.user.id);
    expect(stored.expires_at!.getTime() - Date.now()).toBeGreaterThan(29.9 * 86400_000);
    expect(stored.expires_at!.getTime() - Date.now()).toBeLessThan(30.1 * 86400_000);
    expect(JSON.stringify(stored)).not.toContain(key);

    // Shown once: the list shows the prefix only, never the key.
    const list = await owner.browser.get(url(`/dashboard/${owner.slug}/keys`));
    expect(list.body).toContain('Reporting script');
    expect(list.body).toContain(`${stored.prefix}…`);
    expect(list.body).not.toContain(key);
    expect(list.body).toContain('Revoke<span class="vh"> Reporting script</span>');

    const confirm = await owner.browser.get(url(`/dashboard/${owner.slug}/keys/${stored.id}/revoke`));
    expect(confirm.body).toContain('>Confirm</button>');
    expect((await mcpCall(key)).status).toBe(200); // the confirmation page changes nothing
    const revoked = await owner.browser.post(url(`/dashboard/${owner.slug}/keys/${stored.id}/revoke`), { _csrf: owner.csrf });
    expect(revoked.status).toBe(303);
    const after = await mcpCall(key);
    expect(after.status).toBe(401);
    expect(after.headers.get('www-authenticate')).toMatch(/revoked/);
    const listed = await owner.browser.get(revoked.location!);
    expect(listed.body).toContain('Reporting script is revoked');

    const [createdAudit] = await auditRows(owner.businessId, 'api_key.created');
    expect(createdAudit).toMatchObject({ actor_kind: 'user', actor_id: owner.account.user.id, outcome: 'success' });
    expect(createdAudit!.details).toMatchObject({ api_key_id: stored.id, name: 'Reporting script', prefix: stored.prefix });
    const [revokedAudit] = await auditRows(owner.businessId, 'api_key.revoked');
    expect(revokedAudit).toMatchObject({ actor_kind: 'user', actor_id: owner.account.user.id, outcome: 'success' });
    expect(JSON.stringify([createdAudit, revokedAudit])).not.toContain(key);
  });

  it('expiry choices: never leaves no expiry; 1 year is 365 days', async () => {
    const owner = await ownerOf('Expiry Co');
    await createKeyVia(owner, owner.slug, { name: 'Forever', scopes: ['calls:read'], expires: 'never' });
    await createKeyVia(owner, owner.slug, { name: 'Yearly', scopes: ['calls:read'], expires: '1y' });
    const rows = await t.app.db.kysely.selectFrom('api_keys').select(['name', 'expires_at']).where('business_id', '=', owner.businessId).execute();
    expect(rows.find((r) => r.name === 'Forever')!.expires_at).toBeNull();
    const yearly = rows.find((r) => r.name === 'Yearly')!.expires_at!.getTime() - Date.now();
    expect(Math.round(yearly / 86400_000)).toBe(365);
  });

  it('bad form values: the same page with the message in role="alert" and the values kept; nothing created', async () => {
    const owner = await ownerOf('Bad Form Co');
    const noScope = await createKeyVia(owner, owner.slug, { name: 'No scopes here', scopes: [] });
    expect(noScope.status).toBe(400);
    expect(alertOf(noScope)).toBe('Tick at least one scope: a key without scopes can do nothing.');
    expect(noScope.body).toContain('value="No scopes here"');
    expect(shownKey(noScope.body)).toBeUndefined();

    const long = 'n'.repeat(101);
    const tooLong = await createKeyVia(owner, owner.slug, { name: long, scopes: ['calls:read', 'leads:write'], expires: '1y' });
    expect(tooLong.status).toBe(400);
    expect(alertOf(tooLong)).toBe('The name is 101 characters long; the limit is 100.');
    expect(tooLong.body).toContain(`value="${long}"`);
    expect(tooLong.body).toMatch(/value="calls:read" checked/);
    expect(tooLong.body).toMatch(/value="leads:write" checked/);
    expect(tooLong.body).not.toMatch(/value="agents:read" checked/);
    expect(tooLong.body).toMatch(/<option value="1y" selected>1 year<\/option>/);

    const blank = await createKeyVia(owner, owner.slug, { name: '   ', scopes: ['calls:read'] });
    expect(alertOf(blank)).toBe('Give the key a name, such as the app or person that will use it.');
    const unknown = await createKeyVia(owner, owner.slug, { name: 'Unknown', scopes: ['calls:read', 'billing:write'] });
    expect(alertOf(unknown)).toBe('Unknown scope: billing:write.');
    const badExpiry = await createKeyVia(owner, owner.slug, { name: 'Odd expiry', scopes: ['calls:read'], expires: '5y' });
    expect(badExpiry.status).toBe(400);
    expect(alertOf(badExpiry)).toBe('Choose when the key expires: 30 days, 90 days, 1 year or never.');
    expect(badExpiry.body).toContain('value="Odd expiry"');

    const { n } = await t.app.db.kysely
      .selectFrom('api_keys')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('business_id', '=', owner.businessId)
      .executeTakeFirstOrThrow();
    expect(Number(n)).toBe(0);
  });
});

describe('API keys: roles', () => {
  it('a member sees only their own keys, is offered only the scopes of their role, and is refused others (403, nothing created)', async () => {
    const owner = await ownerOf('Roles Co');
    await createKeyVia(owner, owner.slug, { name: 'Owner key', scopes: ['agents:write'] });
    const member = await colleague(owner.businessId, 'member');
    await createKeyVia(member, owner.slug, { name: 'Member key', scopes: ['calls:read', 'leads:write'] });

    const memberList = await member.browser.get(url(`/dashboard/${owner.slug}/keys`));
    expect(memberList.body).toContain('Member key');
    expect(memberList.body).not.toContain('Owner key');
    const ownerList = await owner.browser.get(url(`/dashboard/${owner.slug}/keys`));
    expect(ownerList.body).toContain('Member key');
    expect(ownerList.body).toContain('Owner key');
    expect(ownerList.body).toContain(member.account.email);

    const form = await member.browser.get(url(`/dashboard/${owner.slug}/keys/new`));
    expect(form.body).toContain('value="calls:write"');
    expect(form.body).not.toContain('value="agents:write"');
    expect(form.body).toContain('Only an admin or owner can give');

    const refused = await createKeyVia(member, owner.slug, { name: 'Sneaky', scopes: ['calls:read', 'agents:write'] });
    expect(refused.status).toBe(403);
    expect(alertOf(refused)).toBe('As a member you cannot give a key agents:write; ask an admin or owner of the business.');
    expect(refused.body).toContain('value="Sneaky"');
    expect(await t.app.db.kysely.selectFrom('api_keys').select('id').where('name', '=', 'Sneaky').execute()).toHaveLength(0);
  });

  it('security: a member revoking or rotating someone else’s key gets 403 and the key keeps working; an admin may', async () => {
    const owner = await ownerOf('Revoke Roles Co');
    const created = await createKeyVia(owner, owner.slug, { name: 'Shared integration', scopes: ['agents:read'] });
    const key = shownKey(created.body)!;
    const id = (await t.app.db.kysely.selectFrom('api_keys').select('id').where('business_id', '=', owner.businessId).executeTakeFirstOrThrow()).id;
    const member = await colleague(owner.businessId, 'member');
    for (const path of [`/keys/${id}/revoke`, `/keys/${id}/rotate`]) {
      expect((await member.browser.get(url(`/dashboard/${owner.slug}${path}`))).status, path).toBe(403);
      const res = await member.browser.post(url(`/dashboard/${owner.slug}${path}`), { _csrf: member.csrf, grace: '3600' });
      expect(res.status, path).toBe(403);
      expect(alertOf(res)).toBe('A member can manage only the keys they created; ask an admin or owner.');
    }
    expect((await mcpCall(key)).status).toBe(200);
    expect(await auditRows(owner.businessId, 'api_key.revoked')).toHaveLength(0);

    const admin = await colleague(owner.businessId, 'admin');
    expect((await admin.browser.post(url(`/dashboard/${owner.slug}/keys/${id}/revoke`), { _csrf: admin.csrf })).status).toBe(303);
    expect((await mcpCall(key)).status).toBe(401);
    expect((await auditRows(owner.businessId, 'api_key.revoked'))[0]).toMatchObject({ actor_kind: 'user', actor_id: admin.account.user.id });
  });

  it('security: another business’s key id reads as not found (404), and nothing changes', async () => {
    const mine = await ownerOf('Mine Keys Co');
    const theirs = await ownerOf('Theirs Keys Co');
    const key = shownKey((await createKeyVia(theirs, theirs.slug, { name: 'Theirs', scopes: ['agents:read'] })).body)!;
    const id = (await t.app.db.kysely.selectFrom('api_keys').select('id').where('business_id', '=', theirs.businessId).executeTakeFirstOrThrow()).id;
    for (const path of [`/keys/${id}/revoke`, `/keys/${id}/rotate`, '/keys/not-a-uuid/revoke', '/keys/00000000-0000-4000-8000-000000000000/revoke']) {
      const page = await mine.browser.get(url(`/dashboard/${mine.slug}${path}`));
      expect(page.status, path).toBe(404);
      expect(alertOf(page)).toBe('API key not found');
      const res = await mine.browser.post(url(`/dashboard/${mine.slug}${path}`), { _csrf: mine.csrf, grace: '3600' });
      expect(res.status, path).toBe(404);
    }
    expect((await mcpCall(key)).status).toBe(200);
    expect((await keyRow(id)).expires_at).not.toBeNull();
  });
});

describe('API keys: rotate', () => {
  it('gives a new key with the same name and scopes now; the old one keeps working for the chosen grace, then expires', async () => {
    const owner = await ownerOf('Rotate Co');
    const oldKey = shownKey((await createKeyVia(owner, owner.slug, { name: 'Nightly sync', scopes: ['agents:read', 'calls:read'], expires: '90d' })).body)!;
    const oldId = (await t.app.db.kysely.selectFrom('api_keys').select('id').where('business_id', '=', owner.businessId).executeTakeFirstOrThrow()).id;

    const page = await owner.browser.get(url(`/dashboard/${owner.slug}/keys/${oldId}/rotate`));
    expect(page.body).toContain('<label for="grace">Keep the old key working for</label>');
    const bad = await owner.browser.post(url(`/dashboard/${owner.slug}/keys/${oldId}/rotate`), { _csrf: owner.csrf, grace: '999' });
    expect(bad.status).toBe(400);
    expect(alertOf(bad)).toBe('Choose how long the old key keeps working: 1 hour, 1 day or 7 days.');

    const rotated = await owner.browser.post(url(`/dashboard/${owner.slug}/keys/${oldId}/rotate`), { _csrf: owner.csrf, grace: '3600' });
    expect(rotated.status).toBe(200);
    const newKey = shownKey(rotated.body)!;
    expect(newKey).toMatch(/^kc_live_/);
    expect(newKey).not.toBe(oldKey);
    expect((await mcpCall(newKey)).status).toBe(200);
    expect((await mcpCall(oldKey)).status).toBe(200);

    const keys = await t.app.db.kysely.selectFrom('api_keys').selectAll().where('business_id', '=', owner.businessId).orderBy('created_at').execute();
    expect(keys).toHaveLength(2);
    const [old, fresh] = keys;
    expect(fresh!.name).toBe('Nightly sync');
    expect(fresh!.scopes.sort()).toEqual(['agents:read', 'calls:read']);
    expect(Math.round((fresh!.expires_at!.getTime() - Date.now()) / 86400_000)).toBe(90);
    expect(Math.abs(old!.expires_at!.getTime() - Date.now() - 3600_000)).toBeLessThan(60_000);

    // When the grace is over, the old key is refused.
    await t.app.db.kysely.updateTable('api_keys').set({ expires_at: sql<Date>`now() - interval '1 second'` }).where('id', '=', oldId).execute();
    const expired = await mcpCall(oldKey);
    expect(expired.status).toBe(401);
    expect(expired.headers.get('www-authenticate')).toMatch(/expired/);
    expect((await mcpCall(newKey)).status).toBe(200);

    const [rotatedAudit] = await auditRows(owner.businessId, 'api_key.rotated');
    expect(rotatedAudit).toMatchObject({ actor_kind: 'user', actor_id: owner.account.user.id });
    expect(rotatedAudit!.details).toMatchObject({ api_key_id: oldId, replaced_by: fresh!.id, grace_seconds: 3600 });
    // Rotating an expired key is refused with a clear reason.
    const again = await owner.browser.post(url(`/dashboard/${owner.slug}/keys/${oldId}/rotate`), { _csrf: owner.csrf, grace: '3600' });
    expect(again.status).toBe(409);
    expect(alertOf(again)).toBe('Nightly sync is already expired; create a new key instead.');
  });
});

describe('runtime keys', () => {
  it('an admin creates a runtime key (no scopes), shown once; it is refused on /api/mcp; a member may not create one', async () => {
    const owner = await ownerOf('Runtime Co');
    const list = await owner.browser.get(url(`/dashboard/${owner.slug}/keys`));
    expect(list.body).toContain('>Create runtime key</a>');
    const form = await owner.browser.get(url(`/dashboard/${owner.slug}/keys/new-runtime`));
    expect(form.status).toBe(200);
    const bad = await owner.browser.post(url(`/dashboard/${owner.slug}/keys/new-runtime`), { _csrf: owner.csrf, name: '', expires: '90d' });
    expect(bad.status).toBe(400);
    expect(alertOf(bad)).toBe('Give the key a name, such as the app or person that will use it.');

    const created = await owner.browser.post(url(`/dashboard/${owner.slug}/keys/new-runtime`), { _csrf: owner.csrf, name: 'Vapi production', expires: 'never' });
    expect(created.status).toBe(200);
    const m = /<label for="new-key">Your new runtime key<\/label>\s*<div class="copy-row"><input type="text" id="new-key" readonly value="([^"]+)"/.exec(created.body);
    const key = m![1]!;
    expect(key).toMatch(/^kc_rt_[0-9A-Za-z]{40}$/);
    const row = await t.app.db.kysely.selectFrom('api_keys').selectAll().where('business_id', '=', owner.businessId).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ kind: 'runtime', scopes: [], name: 'Vapi production', expires_at: null, created_by: owner.account.user.id });
    expect((await mcpCall(key)).status).toBe(401);
    expect((await auditRows(owner.businessId, 'api_key.created'))[0]!.details).toMatchObject({ kind: 'runtime', api_key_id: row.id });
    const listed = await owner.browser.get(url(`/dashboard/${owner.slug}/keys`));
    expect(listed.body).toContain('Vapi production');
    expect(listed.body).not.toContain(key);

    const member = await colleague(owner.businessId, 'member');
    expect((await member.browser.get(url(`/dashboard/${owner.slug}/keys/new-runtime`))).status).toBe(403);
    const refused = await member.browser.post(url(`/dashboard/${owner.slug}/keys/new-runtime`), { _csrf: member.csrf, name: 'Sneaky runtime', expires: '30d' });
    expect(refused.status).toBe(403);
    expect(await t.app.db.kysely.selectFrom('api_keys').select('id').where('name', '=', 'Sneaky runtime').execute()).toHaveLength(0);
    // The member does not see the runtime key either (not theirs).
    expect((await member.browser.get(url(`/dashboard/${owner.slug}/keys`))).body).not.toContain('Vapi production');
  });
});
