// The dashboard's sign-in, sessions and request-forgery defences, over plain HTTP against a real
// migrated database: the same accounts and throttle as the OAuth sign-in, sessions stored only as a
// hash with idle and absolute lifetimes, cookie flags, a new id at every sign-in, 403 for a POST
// without the session's token or from another origin, and the security headers.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { alertOf, csrfOf, signInOverHttp } from './helpers/dashboard.js';
import { createTestAccount, obtainTokens, TestBrowser } from './helpers/oauth.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t?.stop());

const url = (path: string) => `${t.baseUrl}${path}`;
const sessionCookieOf = (res: { headers: Headers }) => res.headers.getSetCookie().find((c) => /^(__Host-)?kc_dashboard=/.test(c));
const cookieValue = (setCookie: string) => setCookie.split(';')[0]!.split('=')[1]!;
const countKeys = async (businessId: string) =>
  Number(
    (
      await t.app.db.kysely
        .selectFrom('api_keys')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('business_id', '=', businessId)
        .executeTakeFirstOrThrow()
    ).n,
  );

describe('dashboard sign-in', () => {
  it('signs a user of one business in and lands on its overview', async () => {
    const account = await createTestAccount(t.app.db, { businesses: [{ name: 'Harbor Dental' }] });
    const { landing } = await signInOverHttp(t.baseUrl, account.email, account.password);
    expect(landing.status).toBe(200);
    expect(landing.url).toBe(url(`/dashboard/${account.businesses[0]!.slug}`));
    expect(landing.body).toContain('<h1>Harbor Dental</h1>');
    expect(landing.body).toContain(t.mcpUrl);
    for (const link of ['Overview', 'API keys', 'Connected apps', 'Approvals', 'Audit log', 'Calls', 'Appointments', 'Members']) expect(landing.body).toContain(`>${link}</a>`);
    expect(landing.body).toContain('<button type="submit">Sign out</button>');
  });

  it('a page asked for while signed out sends the browser to sign in, and back to it after', async () => {
    const account = await createTestAccount(t.app.db, { businesses: [{ name: 'Return Co' }] });
    const browser = new TestBrowser();
    const keysPath = `/dashboard/${account.businesses[0]!.slug}/keys`;
    const asked = await browser.get(url(keysPath));
    expect(asked.status).toBe(302);
    expect(asked.location).toBe(url(`/dashboard/sign-in?next=${encodeURIComponent(keysPath)}`));
    const form = await browser.get(asked.location!);
    expect(form.body).toContain(`name="next" value="${keysPath}"`);
    const posted = await browser.post(url('/dashboard/sign-in'), { _csrf: csrfOf(form), email: account.email, password: account.password, next: keysPath });
    expect(posted.status).toBe(303);
    expect(posted.location).toBe(url(keysPath));
  });

  it('security: a return address outside the dashboard is ignored (no open redirect)', async () => {
    const account = await createTestAccount(t.app.db, { businesses: [{ name: 'Next Co' }] });
    for (const next of ['https://evil.example/', '//evil.example/dashboard', '/dashboard/../oauth/x', '/api/mcp']) {
      const browser = new TestBrowser();
      const form = await browser.get(url('/dashboard/sign-in'));
      const posted = await browser.post(url('/dashboard/sign-in'), { _csrf: csrfOf(form), email: account.email, password: account.password, next });
      expect(posted.location, next).toBe(url('/dashboard'));
    }
  });

  it('a wrong password or unknown email: the same page with the error in role="alert" and the email kept', async () => {
    const account = await createTestAccount(t.app.db, { businesses: [{ name: 'Wrong Co' }] });
    for (const email of [account.email, 'nobody-here@example.com']) {
      const browser = new TestBrowser();
      const form = await browser.get(url('/dashboard/sign-in'));
      const res = await browser.post(url('/dashboard/sign-in'), { _csrf: csrfOf(form), email, password: 'not-the-password' });
      expect(res.status).toBe(401);
      expect(alertOf(res)).toBe('The email or password is incorrect.');
      expect(res.body).toContain(`value="${email}"`);
      expect(sessionCookieOf(res)).toBeUndefined();
    }
  });

  it('security: the sign-in throttle is the OAuth sign-in’s: five failures lock the account on both, even with the right password', async () => {
    const account = await createTestAccount(t.app.db, { businesses: [{ name: 'Throttle Co' }] });
    const browser = new TestBrowser();
    const form = await browser.get(url('/dashboard/sign-in'));
    for (let i = 0; i < 5; i++) {
      const res = await browser.post(url('/dashboard/sign-in'), { _csrf: csrfOf(form), email: account.email, password: `wrong-${i}` });
      expect(res.status).toBe(401);
    }
    const locked = await browser.post(url('/dashboard/sign-in'), { _csrf: csrfOf(form), email: account.email, password: account.password });
    expect(locked.status).toBe(429);
    expect(alertOf(locked)).toBe('Too many failed sign-in attempts. Wait 15 minutes, then try again.');
    expect(sessionCookieOf(locked)).toBeUndefined();
    // The OAuth sign-in counts the same failures.
    await expect(obtainTokens(t.baseUrl, { email: account.email, password: account.password, scopes: ['agents:read'] })).rejects.toThrow(/sign-in failed \(429\)/);
  });

  it('a user in no business gets a clear page; a user in several gets a chooser and a switcher', async () => {
    const none = await createTestAccount(t.app.db);
    const { landing } = await signInOverHttp(t.baseUrl, none.email, none.password);
    expect(landing.status).toBe(200);
    expect(landing.body).toContain('You are not part of any business yet');

    const several = await createTestAccount(t.app.db, { businesses: [{ name: 'Alpha Plumbing' }, { name: 'Beta Roofing', role: 'member' }] });
    const signedIn = await signInOverHttp(t.baseUrl, several.email, several.password);
    expect(signedIn.landing.body).toContain('Choose a business');
    const [alpha, beta] = several.businesses;
    const overview = await signedIn.browser.get(url(`/dashboard/${alpha!.slug}`));
    expect(overview.body).toContain('<label for="switch-business">Business</label>');
    expect(overview.body).toContain(`<option value="${beta!.slug}">Beta Roofing</option>`);
    const switched = await signedIn.browser.get(url(`/dashboard/switch?business=${beta!.slug}`));
    expect(switched.location).toBe(url(`/dashboard/${beta!.slug}`));
    // As a member of Beta: no Audit log, no Members.
    const betaPage = await signedIn.browser.get(switched.location!);
    expect(betaPage.body).not.toContain('>Audit log</a>');
    expect(betaPage.body).not.toContain('>Members</a>');
  });

  it('security: another business’s slug reads as not found, like one that does not exist', async () => {
    const mine = await createTestAccount(t.app.db, { businesses: [{ name: 'Mine Co' }] });
    const theirs = await createTestAccount(t.app.db, { businesses: [{ name: 'Theirs Co' }] });
    const { browser } = await signInOverHttp(t.baseUrl, mine.email, mine.password);
    for (const path of [`/dashboard/${theirs.businesses[0]!.slug}`, `/dashboard/${theirs.businesses[0]!.slug}/keys`, '/dashboard/no-such-business']) {
      const res = await browser.get(url(path));
      expect(res.status, path).toBe(404);
      expect(alertOf(res)).toBe('Business not found');
    }
  });
});

describe('dashboard sessions', () => {
  it('security: the cookie is HttpOnly and SameSite=Lax; on http it has no Secure flag or __Host- prefix', async () => {
    const account = await createTestAccount(t.app.db, { businesses: [{ name: 'Cookie Co' }] });
    const browser = new TestBrowser();
    const form = await browser.get(url('/dashboard/sign-in'));
    const res = await browser.post(url('/dashboard/sign-in'), { _csrf: csrfOf(form), email: account.email, password: account.password });
    const cookie = sessionCookieOf(res)!;
    expect(cookie).toMatch(/^kc_dashboard=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=604800; HttpOnly; SameSite=Lax$/);
  });

  it('security: with an https PUBLIC_URL the cookie is __Host- prefixed and Secure', async () => {
    const secure = await startTestApp({ PUBLIC_URL: 'https://dashboard.example.com' }, t.database);
    try {
      const account = await createTestAccount(t.app.db, { businesses: [{ name: 'Secure Co' }] });
      const browser = new TestBrowser();
      const origin = { origin: 'https://dashboard.example.com' };
      const form = await browser.get(`${secure.listenUrl}/dashboard/sign-in`);
      expect(form.headers.getSetCookie().join('\n')).toMatch(/^__Host-kc_dashboard_signin=[^;]+; Path=\/; Max-Age=3600; HttpOnly; SameSite=Lax; Secure$/m);
      const res = await browser.post(`${secure.listenUrl}/dashboard/sign-in`, { _csrf: csrfOf(form), email: account.email, password: account.password }, origin);
      expect(res.status).toBe(303);
      expect(sessionCookieOf(res)).toMatch(/^__Host-kc_dashboard=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=604800; HttpOnly; SameSite=Lax; Secure$/);
      // The http origin of the socket is not the public origin: a post from it is refused.
      const foreign = await browser.post(`${secure.listenUrl}/dashboard/sign-in`, { _csrf: csrfOf(form), email: account.email, password: account.password });
      expect(foreign.status).toBe(403);
    } finally {
      await secure.stop();
    }
  });

  it('security: only a hash of the session id is stored, and signing in again starts a new id (the old one stops working)', async () => {
    const account = await createTestAccount(t.app.db, { businesses: [{ name: 'Fixation Co' }] });
    const first = await signInOverHttp(t.baseUrl, account.email, account.password);
    const firstId = first.browser.cookieNames().includes('kc_dashboard') ? await currentSessionId(first.browser) : undefined;
    expect(firstId).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const rows = await t.app.db.kysely.selectFrom('dashboard_sessions').selectAll().where('user_id', '=', account.user.id).execute();
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(firstId);
    expect(rows[0]!.id_hash).toMatch(/^[0-9a-f]{64}$/);

    // Signing in again in the same browser: a new id, the old row gone.
    const form = await first.browser.get(url('/dashboard/sign-in?next=/dashboard/x'));
    expect(form.status).toBe(302); // already signed in: sent on
    const fresh = new TestBrowser();
    const freshForm = await fresh.get(url('/dashboard/sign-in'));
    // The browser still holds the first session's cookie when it signs in again.
    const again = await fetch(url('/dashboard/sign-in'), {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: t.baseUrl, cookie: `kc_dashboard=${firstId}; kc_dashboard_signin=${signinCookieOf(freshForm)}` },
      body: new URLSearchParams({ _csrf: csrfOf(freshForm), email: account.email, password: account.password }).toString(),
    });
    expect(again.status).toBe(303);
    const secondId = cookieValue(sessionCookieOf(again)!);
    expect(secondId).not.toBe(firstId);
    const old = await fetch(url(`/dashboard/${account.businesses[0]!.slug}`), { headers: { cookie: `kc_dashboard=${firstId}` }, redirect: 'manual' });
    expect(old.status).toBe(302);
    expect(old.headers.get('location')).toContain('/dashboard/sign-in');
    const now = await fetch(url(`/dashboard/${account.businesses[0]!.slug}`), { headers: { cookie: `kc_dashboard=${secondId}` }, redirect: 'manual' });
    expect(now.status).toBe(200);
    expect(await t.app.db.kysely.selectFrom('dashboard_sessions').select('id_hash').where('user_id', '=', account.user.id).execute()).toHaveLength(1);
  });

  it('signing out ends the session on the server: the cookie no longer works anywhere', async () => {
    const account = await createTestAccount(t.app.db, { businesses: [{ name: 'Signout Co' }] });
    const { browser, csrf } = await signInOverHttp(t.baseUrl, account.email, account.password);
    const id = await currentSessionId(browser);
    const out = await browser.post(url('/dashboard/sign-out'), { _csrf: csrf });
    expect(out.status).toBe(303);
    expect(out.location).toBe(url('/dashboard/sign-in'));
    expect(sessionCookieOf(out)).toMatch(/^kc_dashboard=; Path=\/; Max-Age=0/);
    const replay = await fetch(url(`/dashboard/${account.businesses[0]!.slug}`), { headers: { cookie: `kc_dashboard=${id}` }, redirect: 'manual' });
    expect(replay.status).toBe(302);
  });

  it('a session unused for the idle lifetime, or past its absolute lifetime, is over', async () => {
    const account = await createTestAccount(t.app.db, { businesses: [{ name: 'Lifetime Co' }] });
    const page = url(`/dashboard/${account.businesses[0]!.slug}`);
    const idle = await signInOverHttp(t.baseUrl, account.email, account.password);
    const absolute = await signInOverHttp(t.baseUrl, account.email, account.password);
    expect((await idle.browser.get(page)).status).toBe(200);
    expect((await absolute.browser.get(page)).status).toBe(200);
    const rows = await t.app.db.kysely.selectFrom('dashboard_sessions').select(['id_hash', 'created_at']).where('user_id', '=', account.user.id).orderBy('created_at').execute();
    expect(rows).toHaveLength(2);
    // Default idle lifetime: 2 hours; absolute: 7 days.
    await t.app.db.kysely.updateTable('dashboard_sessions').set({ last_seen_at: sql<Date>`now() - interval '2 hours 1 second'` }).where('id_hash', '=', rows[0]!.id_hash).execute();
    await t.app.db.kysely.updateTable('dashboard_sessions').set({ expires_at: sql<Date>`now() - interval '1 second'` }).where('id_hash', '=', rows[1]!.id_hash).execute();
    expect((await idle.browser.get(page)).status).toBe(302);
    expect((await absolute.browser.get(page)).status).toBe(302);
    // Still within the idle lifetime: alive (and its idle clock restarts).
    const live = await signInOverHttp(t.baseUrl, account.email, account.password);
    const liveHash = (
      await t.app.db.kysely.selectFrom('dashboard_sessions').select('id_hash').where('user_id', '=', account.user.id).orderBy('created_at', 'desc').executeTakeFirstOrThrow()
    ).id_hash;
    await t.app.db.kysely.updateTable('dashboard_sessions').set({ last_seen_at: sql<Date>`now() - interval '1 hour'` }).where('id_hash', '=', liveHash).execute();
    expect((await live.browser.get(page)).status).toBe(200);
    const touched = await t.app.db.kysely
      .selectFrom('dashboard_sessions')
      .select(sql<number>`extract(epoch from now() - last_seen_at)`.as('age'))
      .where('id_hash', '=', liveHash)
      .executeTakeFirstOrThrow();
    expect(Number(touched.age)).toBeLessThan(60);
  });

  it('the lifetimes are configurable (DASHBOARD_SESSION_IDLE_TTL, DASHBOARD_SESSION_MAX_AGE)', async () => {
    const short = await startTestApp({ DASHBOARD_SESSION_IDLE_TTL: '5m', DASHBOARD_SESSION_MAX_AGE: '1h' }, t.database);
    try {
      const account = await createTestAccount(t.app.db, { businesses: [{ name: 'Short Co' }] });
      const browser = new TestBrowser();
      const form = await browser.get(`${short.baseUrl}/dashboard/sign-in`);
      const res = await browser.post(`${short.baseUrl}/dashboard/sign-in`, { _csrf: csrfOf(form), email: account.email, password: account.password });
      expect(sessionCookieOf(res)).toContain('Max-Age=3600;');
      const row = await t.app.db.kysely
        .selectFrom('dashboard_sessions')
        .select(sql<number>`extract(epoch from expires_at - created_at)`.as('lifetime'))
        .where('user_id', '=', account.user.id)
        .executeTakeFirstOrThrow();
      expect(Math.round(Number(row.lifetime))).toBe(3600);
      const hash = (await t.app.db.kysely.selectFrom('dashboard_sessions').select('id_hash').where('user_id', '=', account.user.id).executeTakeFirstOrThrow()).id_hash;
      await t.app.db.kysely.updateTable('dashboard_sessions').set({ last_seen_at: sql<Date>`now() - interval '6 minutes'` }).where('id_hash', '=', hash).execute();
      expect((await browser.get(`${short.baseUrl}/dashboard/${account.businesses[0]!.slug}`)).status).toBe(302);
    } finally {
      await short.stop();
    }
  });
});

describe('security: request forgery', () => {
  async function signedInOwner(name: string) {
    const account = await createTestAccount(t.app.db, { businesses: [{ name }] });
    const session = await signInOverHttp(t.baseUrl, account.email, account.password);
    return { account, ...session, business: account.businesses[0]! };
  }
  const createForm = (csrf: string | undefined) => ({ ...(csrf === undefined ? {} : { _csrf: csrf }), name: 'Forged key', scopes: 'calls:read', expires: '30d' });

  it('a POST without the CSRF token, or with a wrong one, is 403 and changes nothing', async () => {
    const { browser, csrf, business } = await signedInOwner('Csrf Co');
    const target = url(`/dashboard/${business.slug}/keys/new`);
    for (const token of [undefined, '', 'x'.repeat(43), csrf.slice(0, -1)]) {
      const res = await browser.post(target, createForm(token));
      expect(res.status, String(token)).toBe(403);
      expect(alertOf(res)).toMatch(/nothing was changed/);
    }
    expect(await countKeys(business.id)).toBe(0);
    // The right token works (the check is not refusing everything).
    expect((await browser.post(target, createForm(csrf))).status).toBe(200);
    expect(await countKeys(business.id)).toBe(1);
  });

  it('another session’s token does not work in this session', async () => {
    const a = await signedInOwner('Token A Co');
    const b = await signInOverHttp(t.baseUrl, a.account.email, a.account.password);
    expect(b.csrf).not.toBe(a.csrf);
    const res = await a.browser.post(url(`/dashboard/${a.business.slug}/keys/new`), createForm(b.csrf));
    expect(res.status).toBe(403);
    expect(await countKeys(a.business.id)).toBe(0);
  });

  it('a POST from a foreign Origin, or with neither Origin nor Referer, is 403 and changes nothing, even with the right token', async () => {
    const { browser, csrf, business } = await signedInOwner('Origin Co');
    const target = url(`/dashboard/${business.slug}/keys/new`);
    for (const origin of ['https://evil.example', 'null', 'http://localhost:6274', `https://127.0.0.1:${new URL(t.baseUrl).port}`]) {
      const res = await browser.post(target, createForm(csrf), { origin });
      expect(res.status, origin).toBe(403);
      expect(alertOf(res)).toBe('This form was not sent from this dashboard, so nothing was changed.');
    }
    const referred = await browser.request(target, { form: createForm(csrf), headers: { origin: '', referer: 'https://evil.example/page' } });
    expect(referred.status).toBe(403);
    expect(await countKeys(business.id)).toBe(0);
    // On a loopback PUBLIC_URL, the other loopback names of the same port are the same server.
    expect((await browser.post(target, createForm(csrf), { origin: `http://localhost:${new URL(t.baseUrl).port}` })).status).toBe(200);
    expect(await countKeys(business.id)).toBe(1);
    // A same-origin Referer stands in for a missing Origin.
    const sameReferer = await browser.request(target, { form: createForm(csrf), headers: { origin: '', referer: `${t.baseUrl}/dashboard/${business.slug}/keys/new` } });
    expect(sameReferer.status).toBe(200);
  });

  it('sign-out and sign-in are forms like any other: forged ones are refused', async () => {
    const { browser, business } = await signedInOwner('Signout Forgery Co');
    const out = await browser.post(url('/dashboard/sign-out'), {});
    expect(out.status).toBe(403);
    expect((await browser.get(url(`/dashboard/${business.slug}`))).status).toBe(200);
    // A sign-in posted without the sign-in form's token (login CSRF).
    const account = await createTestAccount(t.app.db, { businesses: [{ name: 'Login Csrf Co' }] });
    const res = await new TestBrowser().post(url('/dashboard/sign-in'), { email: account.email, password: account.password });
    expect(res.status).toBe(403);
    expect(sessionCookieOf(res)).toBeUndefined();
  });

  it('a signed-out POST is refused with 403', async () => {
    const account = await createTestAccount(t.app.db, { businesses: [{ name: 'Anon Co' }] });
    const res = await new TestBrowser().post(url(`/dashboard/${account.businesses[0]!.slug}/keys/new`), createForm('x'));
    expect(res.status).toBe(403);
    expect(await countKeys(account.businesses[0]!.id)).toBe(0);
  });
});

describe('security headers', () => {
  it('every dashboard page: CSP without inline script, no framing, same-origin referrers, nosniff, no-store', async () => {
    const account = await createTestAccount(t.app.db, { businesses: [{ name: 'Headers Co' }] });
    const { browser } = await signInOverHttp(t.baseUrl, account.email, account.password);
    const slug = account.businesses[0]!.slug;
    for (const path of ['/dashboard/sign-in', `/dashboard/${slug}`, `/dashboard/${slug}/keys`, `/dashboard/${slug}/keys/new`, `/dashboard/${slug}/apps`, '/dashboard/no-such']) {
      const res = await browser.get(url(path));
      const csp = res.headers.get('content-security-policy')!;
      expect(csp, path).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("default-src 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(res.headers.get('referrer-policy')).toBe('same-origin');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('cache-control')).toBe('no-store');
      // No inline script or style anywhere in the markup.
      expect(res.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(res.body).not.toMatch(/<style|\sstyle="/);
    }
    const js = await fetch(url('/dashboard/assets/dashboard.js'));
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

/** The session id the TestBrowser holds (read back from a request's cookie header). */
async function currentSessionId(browser: TestBrowser): Promise<string> {
  const echo = await browser.request(url('/dashboard/assets/dashboard.css'));
  expect(echo.status).toBe(200);
  return (browser as unknown as { cookies: { name: string; value: string }[] }).cookies.find((c) => c.name === 'kc_dashboard')!.value;
}

function signinCookieOf(form: { headers: Headers }): string {
  return cookieValue(form.headers.getSetCookie().find((c) => c.startsWith('kc_dashboard_signin='))!);
}
