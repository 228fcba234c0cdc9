// The authorization flow end to end: the MCP SDK's OAuth client does discovery, registration,
// authorization with PKCE, the code exchange and refresh, while sign-in and consent are submitted
// over HTTP like a browser would. Then every refusal the issue lists, each named as a security case.
import { createHash, randomBytes } from 'node:crypto';
import { auth, extractWWWAuthenticateParams } from '@modelcontextprotocol/sdk/client/auth.js';
import { decodeJwt, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnectedApps } from '../src/authz/connected-apps.js';
import { createGrantsRepository } from '../src/authz/grants.repository.js';
import { isSameResource } from '../src/authz/resource-indicator.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import {
  TestBrowser,
  TestOAuthClient,
  alertText,
  createTestAccount,
  defaultClientMetadata,
  isConsentPage,
  isLoginPage,
  obtainTokens,
  parseBusinessOptions,
  parseForms,
  signInAndConsent,
  type PageResponse,
  type TestAccount,
} from './helpers/oauth.js';

let t: TestApp;
let alice: TestAccount; // one business
let bob: TestAccount; // two businesses
let carol: TestAccount; // no business

// Many clients register from 127.0.0.1 in this file; the per-address limit has its own test.
const ENV = { REGISTRATION_RATE_LIMIT: '10000' };

beforeAll(async () => {
  t = await startTestApp(ENV);
  alice = await createTestAccount(t.app.db, { businesses: [{ name: 'Acme Plumbing' }] });
  bob = await createTestAccount(t.app.db, { businesses: [{ name: 'Bob’s Bakery' }, { name: 'Bob <Consulting> & Co' }] });
  carol = await createTestAccount(t.app.db);
});
afterAll(async () => {
  await t?.stop();
});

// ── Helpers: a client speaking plain HTTP, for the refusal cases ─────────────────────────────────

const REDIRECT = 'http://127.0.0.1:33418/callback';

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

async function registerClient(metadata: Record<string, unknown> = {}) {
  const res = await fetch(`${t.baseUrl}/oauth/register`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ client_name: 'Refusal Tester', redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none', ...metadata }),
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { client_id: string; client_secret?: string; redirect_uris: string[] };
}

function authorizeUrl(clientId: string, params: Record<string, string | undefined>) {
  const url = new URL(`${t.baseUrl}/oauth/authorize`);
  const all: Record<string, string | undefined> = { client_id: clientId, response_type: 'code', redirect_uri: REDIRECT, scope: 'calls:read agents:read', state: 'st-1', ...params };
  for (const [k, v] of Object.entries(all)) if (v !== undefined) url.searchParams.set(k, v);
  return url.href;
}

async function token(params: Record<string, string>) {
  const res = await fetch(`${t.baseUrl}/oauth/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params),
  });
  return { status: res.status, body: (await res.json()) as Record<string, string>, headers: res.headers };
}

/** Registers a public client and runs authorization to a code for `account`. */
async function codeFor(account: TestAccount, options: { metadata?: Record<string, unknown>; params?: Record<string, string> } = {}) {
  const client = await registerClient(options.metadata);
  const { verifier, challenge } = pkce();
  const redirectUri = options.params?.redirect_uri ?? REDIRECT;
  const callback = await signInAndConsent(
    new TestBrowser(),
    authorizeUrl(client.client_id, { code_challenge: challenge, code_challenge_method: 'S256', ...options.params }),
    account,
  );
  const code = callback.searchParams.get('code');
  if (!code) throw new Error(`no code: ${callback.href}`);
  return { client, code, verifier, redirectUri, callback };
}

async function tokensFor(account: TestAccount, options: Parameters<typeof codeFor>[1] = {}) {
  const { client, code, verifier, redirectUri } = await codeFor(account, options);
  const res = await token({ grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: redirectUri, client_id: client.client_id });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return { client, tokens: res.body };
}

const refresh = (clientId: string, refreshToken: string, extra: Record<string, string> = {}) =>
  token({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId, ...extra });

async function verifyAccessToken(accessToken: string) {
  return jwtVerify(accessToken, t.app.authz.keyStore.getKey, { issuer: t.baseUrl, audience: t.mcpUrl, typ: 'at+jwt', algorithms: ['ES256'] });
}

/** Every redirect in a browser flow, to check their status codes. */
async function redirectsOf(browser: TestBrowser, start: string, form?: (page: PageResponse) => Promise<PageResponse>): Promise<number[]> {
  const statuses: number[] = [];
  let res = await browser.get(start);
  for (let i = 0; i < 12; i++) {
    if (res.location) {
      statuses.push(res.status);
      if (new URL(res.location).origin !== t.baseUrl) break;
      res = await browser.get(res.location);
    } else if (form) {
      res = await form(res);
      if (!res.location) break;
    } else break;
  }
  return statuses;
}

// ── The SDK-driven flow ──────────────────────────────────────────────────────────────────────────

describe('the MCP SDK client’s OAuth flow', () => {
  it('discovers, registers, authorizes with PKCE and gets a resource-bound JWT carrying the chosen business', async () => {
    const scopes = ['calls:read', 'agents:read', 'calls:write'];
    const got = await obtainTokens(t.baseUrl, { email: alice.email, password: alice.password, scopes });

    // RFC 9207: the authorization response names the issuer, byte for byte.
    expect(got.callback.searchParams.get('iss')).toBe(t.baseUrl);
    expect(got.tokens.token_type.toLowerCase()).toBe('bearer');
    expect(got.tokens.expires_in).toBe(3600);
    expect(got.tokens.refresh_token).toEqual(expect.any(String));

    // RFC 9068 access token, verified with the keys the resource server uses.
    const { payload, protectedHeader } = await verifyAccessToken(got.tokens.access_token);
    expect(protectedHeader).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
    expect(payload.aud).toBe(t.mcpUrl);
    expect(payload.iss).toBe(t.baseUrl);
    expect(payload.sub).toBe(alice.user.id);
    expect(payload.client_id).toBe(got.client.clientInformation()?.client_id);
    expect(payload.business_id).toBe(alice.businesses[0]!.id);
    expect(String(payload.scope).split(' ').sort()).toEqual([...scopes].sort());
    expect(payload.exp! - payload.iat!).toBe(3600);
  });

  it('refreshes through the SDK: a rotated refresh token, the same business and scopes', async () => {
    const got = await obtainTokens(t.baseUrl, { email: alice.email, password: alice.password, scopes: ['calls:read'] });
    const before = got.tokens;
    const result = await auth(got.client, { serverUrl: t.mcpUrl });
    expect(result).toBe('AUTHORIZED');
    const after = got.client.tokens()!;
    expect(after.refresh_token).toEqual(expect.any(String));
    expect(after.refresh_token).not.toBe(before.refresh_token);
    expect(after.access_token).not.toBe(before.access_token);
    const { payload } = await verifyAccessToken(after.access_token);
    expect(payload.business_id).toBe(alice.businesses[0]!.id);
    expect(payload.scope).toBe('calls:read');
    expect(payload.aud).toBe(t.mcpUrl);
  });

  it('starts from the 401 of the MCP endpoint when anonymous discovery is off', async () => {
    const closed = await startTestApp({ ...ENV, MCP_ANONYMOUS_DISCOVERY: 'false' }, t.database);
    try {
      const res = await fetch(closed.mcpUrl, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } }),
      });
      expect(res.status).toBe(401);
      const { resourceMetadataUrl, scope } = extractWWWAuthenticateParams(res);
      expect(resourceMetadataUrl).toBeDefined();
      const client = new TestOAuthClient();
      expect(await auth(client, { serverUrl: closed.mcpUrl, resourceMetadataUrl, scope })).toBe('REDIRECT');
      const callback = await signInAndConsent(new TestBrowser(), client.authorizationUrl!.href, alice);
      expect(callback.searchParams.get('iss')).toBe(closed.baseUrl);
      expect(await auth(client, { serverUrl: closed.mcpUrl, resourceMetadataUrl, authorizationCode: callback.searchParams.get('code')! })).toBe('AUTHORIZED');
      const claims = decodeJwt(client.tokens()!.access_token);
      expect(claims.aud).toBe(closed.mcpUrl);
      expect(String(claims.scope).split(' ').sort()).toEqual(String(scope).split(' ').sort());
    } finally {
      await closed.stop();
    }
  });

  it('works for a confidential client (client_secret_post, like Claude) and the SDK picks the method', async () => {
    const metadata = defaultClientMetadata({ client_name: 'Claude', redirect_uris: ['https://claude.ai/api/mcp/auth_callback'], token_endpoint_auth_method: 'client_secret_post' });
    const got = await obtainTokens(t.baseUrl, { email: alice.email, password: alice.password, clientMetadata: metadata, scopes: ['calls:read'] });
    expect(got.client.clientInformation()?.client_secret).toEqual(expect.any(String));
    expect(got.claims.business_id).toBe(alice.businesses[0]!.id);
  });

  it('issues refresh tokens without offline_access and asks for every catalog scope when none is named', async () => {
    const client = await registerClient();
    const { verifier, challenge } = pkce();
    const callback = await signInAndConsent(
      new TestBrowser(),
      authorizeUrl(client.client_id, { scope: undefined, code_challenge: challenge, code_challenge_method: 'S256' }),
      alice,
    );
    const res = await token({
      grant_type: 'authorization_code',
      code: callback.searchParams.get('code')!,
      code_verifier: verifier,
      redirect_uri: REDIRECT,
      client_id: client.client_id,
    });
    expect(res.status).toBe(200);
    expect(res.body.refresh_token).toEqual(expect.any(String));
    expect(decodeJwt(res.body.access_token!).scope).toBe(
      'calls:read calls:write agents:read agents:write leads:write sms:write numbers:write webhooks:write appointments:read appointments:write',
    );
  });

  it('accepts a loopback redirect on another port than the registered one (RFC 8252 §7.3)', async () => {
    const { client, tokens } = await tokensFor(alice, { params: { redirect_uri: 'http://127.0.0.1:50999/callback' } });
    expect(client.redirect_uris).toEqual([REDIRECT]);
    expect(tokens.access_token).toEqual(expect.any(String));
  });

  it('normalises a resource spelled with a trailing slash or in another case to the MCP URL', async () => {
    const { tokens, client } = await tokensFor(alice, { params: { resource: `${t.mcpUrl}/` } });
    expect(decodeJwt(tokens.access_token!).aud).toBe(t.mcpUrl);
    const again = await refresh(client.client_id, tokens.refresh_token!);
    expect(again.status).toBe(200);
    expect(decodeJwt(again.body.access_token!).aud).toBe(t.mcpUrl);
    const upper = t.mcpUrl.replace('http://', 'HTTP://');
    const second = await tokensFor(alice, { params: { resource: upper } });
    expect(decodeJwt(second.tokens.access_token!).aud).toBe(t.mcpUrl);
    // Host case and an explicit default port are the same resource too (interop.md 14).
    expect(isSameResource('HTTPS://MCP.Example.COM:443/api/mcp/', 'https://mcp.example.com/api/mcp')).toBe(true);
    expect(isSameResource('https://mcp.example.com/api/mcp2', 'https://mcp.example.com/api/mcp')).toBe(false);
    expect(isSameResource('https://mcp.example.com/api/mcp?x=1', 'https://mcp.example.com/api/mcp')).toBe(false);
    expect(isSameResource('https://mcp.example.com:8443/api/mcp', 'https://mcp.example.com/api/mcp')).toBe(false);
  });

  it('uses 303 (never 307) for every redirect of the sign-in and consent steps', async () => {
    const client = await registerClient();
    const { challenge } = pkce();
    const browser = new TestBrowser();
    const statuses = await redirectsOf(browser, authorizeUrl(client.client_id, { code_challenge: challenge, code_challenge_method: 'S256' }), async (page) => {
      const forms = parseForms(page);
      if (isLoginPage(page)) return browser.post(forms[0]!.action, { ...forms[0]!.fields, email: alice.email, password: alice.password });
      const consent = forms.find((f) => f.action.endsWith('/consent'))!;
      return browser.post(consent.action, { ...consent.fields, business_id: alice.businesses[0]!.id, decision: 'allow' });
    });
    expect(statuses.length).toBeGreaterThanOrEqual(5);
    for (const s of statuses) expect([302, 303]).toContain(s);
    expect(statuses).not.toContain(307);
  });
});

// ── Sign-in ──────────────────────────────────────────────────────────────────────────────────────

describe('the sign-in page', () => {
  async function openLogin() {
    const client = await registerClient();
    const { challenge } = pkce();
    const browser = new TestBrowser();
    const page = await browser.follow(authorizeUrl(client.client_id, { code_challenge: challenge, code_challenge_method: 'S256' }), t.baseUrl);
    expect(isLoginPage(page)).toBe(true);
    return { browser, page, form: parseForms(page)[0]! };
  }

  it('has one form with Email, Password and a Sign in button, no-store and unframeable', async () => {
    const { page } = await openLogin();
    expect(page.body).toMatch(/<label for="email">Email<\/label>\s*<input type="email" id="email" name="email"/);
    expect(page.body).toMatch(/<label for="password">Password<\/label>\s*<input type="password" id="password" name="password"/);
    expect(page.body).toContain('<button type="submit">Sign in</button>');
    expect(page.headers.get('cache-control')).toBe('no-store');
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('form-action');
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('referrer-policy')).toBe('same-origin');
  });

  it('shows the same alert for a wrong password and for an unknown email', async () => {
    const { browser, form } = await openLogin();
    const wrong = await browser.post(form.action, { ...form.fields, email: alice.email, password: 'not-the-password' });
    expect(wrong.status).toBe(401);
    expect(isLoginPage(wrong)).toBe(true);
    const unknown = await browser.post(form.action, { ...form.fields, email: 'nobody-here@example.com', password: 'whatever' });
    expect(unknown.status).toBe(401);
    expect(alertText(wrong)).toBe('The email or password is incorrect.');
    expect(alertText(unknown)).toBe(alertText(wrong));
    // The page keeps what was typed in the email field, never the password.
    expect(wrong.body).toContain(`value="${alice.email}"`);
    expect(wrong.body).not.toContain('not-the-password');
  });

  it('security: locks an account after repeated failures, whatever password comes next', async () => {
    const victim = await createTestAccount(t.app.db, { businesses: [{ name: 'Locked Ltd' }] });
    const { browser, form } = await openLogin();
    for (let i = 0; i < 5; i++) {
      const res = await browser.post(form.action, { ...form.fields, email: victim.email, password: `guess-${i}` });
      expect(res.status).toBe(401);
    }
    const locked = await browser.post(form.action, { ...form.fields, email: victim.email, password: victim.password });
    expect(locked.status).toBe(429);
    expect(alertText(locked)).toContain('Too many failed sign-in attempts');
    // Throttling lives in the database: another node (another app on the same database) agrees.
    const otherNode = await startTestApp(ENV, t.database);
    try {
      const client = await fetch(`${otherNode.baseUrl}/oauth/register`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none' }),
      }).then((r) => r.json() as Promise<{ client_id: string }>);
      const other = new TestBrowser();
      const url = new URL(`${otherNode.baseUrl}/oauth/authorize`);
      url.search = new URLSearchParams({
        client_id: client.client_id,
        response_type: 'code',
        redirect_uri: REDIRECT,
        scope: 'calls:read',
        code_challenge: pkce().challenge,
        code_challenge_method: 'S256',
      }).toString();
      const page = await other.follow(url.href, otherNode.baseUrl);
      const [f] = parseForms(page);
      const res = await other.post(f!.action, { ...f!.fields, email: victim.email, password: victim.password });
      expect(res.status).toBe(429);
    } finally {
      await otherNode.stop();
    }
  });

  it('security: throttles an address spraying passwords across many accounts', async () => {
    // Its own database: the address (127.0.0.1) stays throttled for the rest of the window.
    const isolated = await startTestApp(ENV);
    try {
      const real = await createTestAccount(isolated.app.db, { businesses: [{ name: 'Spray Target' }] });
      const client = (await fetch(`${isolated.baseUrl}/oauth/register`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none' }),
      }).then((r) => r.json())) as { client_id: string };
      const browser = new TestBrowser();
      const url = new URL(`${isolated.baseUrl}/oauth/authorize`);
      url.search = new URLSearchParams({
        client_id: client.client_id,
        response_type: 'code',
        redirect_uri: REDIRECT,
        code_challenge: pkce().challenge,
        code_challenge_method: 'S256',
      }).toString();
      const [form] = parseForms(await browser.follow(url.href, isolated.baseUrl));
      for (let i = 0; i < 30; i++) {
        const res = await browser.post(form!.action, { ...form!.fields, email: `sprayed-${i}@example.com`, password: 'Winter2026!' });
        expect(res.status).toBe(401);
      }
      const blocked = await browser.post(form!.action, { ...form!.fields, email: real.email, password: real.password });
      expect(blocked.status).toBe(429);
      expect(alertText(blocked)).toContain('Too many failed sign-in attempts');
    } finally {
      await isolated.stop();
    }
    // 31 argon2id verifications: slow on a loaded two-core machine.
  }, 120_000);

  it('security: refuses a sign-in post without the form’s anti-forgery token or from another origin', async () => {
    const { browser, form } = await openLogin();
    const forged = await browser.post(form.action, { email: alice.email, password: alice.password, csrf: 'forged' });
    expect(forged.status).toBe(400);
    expect(forged.location).toBeNull();
    const crossSite = await browser.post(form.action, { ...form.fields, email: alice.email, password: alice.password }, { origin: 'https://evil.example' });
    expect(crossSite.status).toBe(400);
    expect(crossSite.location).toBeNull();
  });

  it('security: an interaction page opened without its cookie (another browser) is refused', async () => {
    const { page } = await openLogin();
    const stranger = await new TestBrowser().get(page.url);
    expect(stranger.status).toBe(400);
    expect(isLoginPage(stranger)).toBe(false);
  });
});

// ── Consent ──────────────────────────────────────────────────────────────────────────────────────

describe('the consent page', () => {
  async function openConsent(account: TestAccount, params: Record<string, string> = {}, metadata: Record<string, unknown> = {}) {
    const client = await registerClient({ client_name: 'Cursor', ...metadata });
    const { challenge } = pkce();
    const browser = new TestBrowser();
    const login = await browser.follow(authorizeUrl(client.client_id, { code_challenge: challenge, code_challenge_method: 'S256', ...params }), t.baseUrl);
    const [form] = parseForms(login);
    const posted = await browser.post(form!.action, { ...form!.fields, email: account.email, password: account.password });
    const page = await browser.follow(posted.location!, t.baseUrl);
    return { browser, page, client };
  }

  it('names the client and the redirect host, warns about a loopback callback, and is no-store and unframeable', async () => {
    const { page } = await openConsent(alice);
    expect(isConsentPage(page)).toBe(true);
    expect(page.body).toContain('Allow <strong>Cursor</strong>');
    expect(page.body).toContain('sent back to <strong>127.0.0.1:33418</strong>');
    expect(page.body).toContain('class="warning"');
    expect(page.body).toContain('<button type="submit" name="decision" value="deny" class="secondary" formnovalidate>Deny</button>');
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.headers.get('content-security-policy')).not.toContain('form-action');
  });

  it('shows an https redirect host without the loopback warning', async () => {
    const { page } = await openConsent(alice, { redirect_uri: 'https://claude.ai/api/mcp/auth_callback' }, { redirect_uris: ['https://claude.ai/api/mcp/auth_callback'] });
    expect(page.body).toContain('sent back to <strong>claude.ai</strong>');
    expect(page.body).not.toContain('class="warning"');
  });

  it('lists each requested scope in plain words with the tools it unlocks, from the registry', async () => {
    const { SCOPE_CATALOG } = await import('../src/scopes/index.js');
    const { toolsForScope } = await import('../src/resource/tools/registry.js');
    const requested = ['calls:read', 'calls:write', 'agents:read', 'sms:write'] as const;
    const { page } = await openConsent(alice, { scope: requested.join(' ') });
    for (const scope of requested) {
      const info = SCOPE_CATALOG.find((s) => s.scope === scope)!;
      const line = `<strong>${info.consent.replace(/'/g, '&#39;')}</strong>`;
      expect(page.body).toContain(info.externalEffect ? `${line} <span class="effect">(acts in the real world)</span>` : `${line} <span class="muted">`);
      for (const tool of toolsForScope(scope)) {
        expect(page.body).toContain(`<code>${tool.name}</code>`);
        // Tools that act in the world are flagged next to their name (make_call: real phone calls).
        if (tool.externalEffect)
          expect(page.body).toMatch(
            new RegExp(`<code>${tool.name}</code> <span class="effect">\\((places real phone calls|sends real text messages|makes real changes outside this app)\\)</span>`),
          );
      }
    }
    for (const info of SCOPE_CATALOG.filter((s) => !(requested as readonly string[]).includes(s.scope))) {
      expect(page.body).not.toContain(`<code>${info.scope}</code>`);
    }
  });

  it('flags make_call as placing real phone calls when the registry has it', async () => {
    const { listToolSummaries } = await import('../src/resource/tools/registry.js');
    const makeCall = listToolSummaries().find((tool) => tool.name === 'make_call');
    const { page } = await openConsent(alice, { scope: 'calls:write' });
    if (makeCall) expect(page.body).toContain('<code>make_call</code> <span class="effect">(places real phone calls)</span>');
    else expect(page.body).not.toContain('make_call');
  });

  it('preselects the only business of a user', async () => {
    const { page } = await openConsent(alice);
    expect(parseBusinessOptions(page)).toEqual([{ id: alice.businesses[0]!.id, slug: alice.businesses[0]!.slug, name: 'Acme Plumbing', selected: true }]);
  });

  it('lists only the user’s businesses, escaped, with none preselected when there are several', async () => {
    await createTestAccount(t.app.db, { businesses: [{ name: 'Someone Else Inc' }] });
    const { page } = await openConsent(bob);
    const options = parseBusinessOptions(page);
    expect(options.map((o) => o.name).sort()).toEqual(['Bob <Consulting> & Co', 'Bob’s Bakery'].sort());
    expect(options.every((o) => !o.selected)).toBe(true);
    expect(page.body).not.toContain('Someone Else Inc');
    expect(page.body).toContain('Bob &lt;Consulting&gt; &amp; Co');
  });

  it('binds the tokens to the business picked, and keeps it across refreshes', async () => {
    const second = bob.businesses[1]!;
    const got = await obtainTokens(t.baseUrl, { email: bob.email, password: bob.password, businessSlug: second.slug, scopes: ['calls:read'] });
    expect(got.claims.business_id).toBe(second.id);
    await auth(got.client, { serverUrl: t.mcpUrl });
    expect(decodeJwt(got.client.tokens()!.access_token).business_id).toBe(second.id);
    const apps = await t.app.db.forBusiness(second.id, (tx) => createGrantsRepository(tx).listForBusiness(second.id));
    expect(apps.some((a) => a.clientId === got.client.clientInformation()?.client_id && a.userId === bob.user.id)).toBe(true);
  });

  it('security: refuses a business the user does not belong to, and Allow without a business', async () => {
    const stranger = await createTestAccount(t.app.db, { businesses: [{ name: 'Not Bob’s' }] });
    const { browser, page } = await openConsent(bob);
    const consent = parseForms(page).find((f) => f.action.endsWith('/consent'))!;
    const tampered = await browser.post(consent.action, { ...consent.fields, business_id: stranger.businesses[0]!.id, decision: 'allow' });
    expect(tampered.status).toBe(400);
    expect(tampered.location).toBeNull();
    expect(alertText(tampered)).toBe('Choose one of your businesses for this app.');
    const none = await browser.post(consent.action, { ...consent.fields, decision: 'allow' });
    expect(none.status).toBe(400);
    expect(none.location).toBeNull();
  });

  it('Deny sends access_denied back to the client with its state and the issuer', async () => {
    const client = await registerClient();
    const { challenge } = pkce();
    const callback = await signInAndConsent(new TestBrowser(), authorizeUrl(client.client_id, { code_challenge: challenge, code_challenge_method: 'S256', state: 'keep-me' }), {
      ...alice,
      decision: 'deny',
    });
    expect(callback.origin + callback.pathname).toBe(REDIRECT);
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('state')).toBe('keep-me');
    expect(callback.searchParams.get('iss')).toBe(t.baseUrl);
    expect(callback.searchParams.get('code')).toBeNull();
  });

  it('tells a user without a business so, clearly, and lets them go back', async () => {
    const { browser, page } = await openConsent(carol, { state: 'carol-state' });
    expect(page.status).toBe(200);
    expect(page.body).toContain('Your account has no business yet');
    expect(page.body).toContain(carol.email);
    expect(isConsentPage(page)).toBe(false);
    const [deny] = parseForms(page);
    const decided = await browser.post(deny!.action, { ...deny!.fields, decision: 'deny' });
    const back = await browser.follow(decided.location!, t.baseUrl);
    const callback = new URL(back.location!);
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('state')).toBe('carol-state');
  });
});

// ── Refusals ─────────────────────────────────────────────────────────────────────────────────────

describe('security: refusals', () => {
  it('refuses a code exchange with the wrong PKCE verifier', async () => {
    const { client, code } = await codeFor(alice);
    const res = await token({ grant_type: 'authorization_code', code, code_verifier: pkce().verifier, redirect_uri: REDIRECT, client_id: client.client_id });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_grant');
  });

  it('refuses an authorization request without PKCE', async () => {
    const client = await registerClient();
    const res = await new TestBrowser().get(authorizeUrl(client.client_id, {}));
    const callback = new URL(res.location!);
    expect(callback.origin + callback.pathname).toBe(REDIRECT);
    expect(callback.searchParams.get('error')).toBe('invalid_request');
    expect(callback.searchParams.get('error_description')).toContain('PKCE');
    expect(callback.searchParams.get('iss')).toBe(t.baseUrl);
    expect(callback.searchParams.get('state')).toBe('st-1');
  });

  it('refuses PKCE with the plain method', async () => {
    const client = await registerClient();
    const { verifier } = pkce();
    const res = await new TestBrowser().get(authorizeUrl(client.client_id, { code_challenge: verifier, code_challenge_method: 'plain' }));
    const callback = new URL(res.location!);
    expect(callback.searchParams.get('error')).toBe('invalid_request');
    expect(callback.searchParams.get('error_description')).toContain('code_challenge_method');
  });

  it('refuses an unregistered redirect URI without redirecting to it', async () => {
    const client = await registerClient();
    const res = await new TestBrowser().get(
      authorizeUrl(client.client_id, { redirect_uri: 'https://attacker.example/steal', code_challenge: pkce().challenge, code_challenge_method: 'S256' }),
    );
    expect(res.status).toBe(400);
    expect(res.location).toBeNull();
    expect(res.body).toContain('invalid_redirect_uri');
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('refuses a reused code, and revokes what the first exchange issued', async () => {
    const { client, code, verifier } = await codeFor(alice);
    const first = await token({ grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT, client_id: client.client_id });
    expect(first.status).toBe(200);
    const second = await token({ grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT, client_id: client.client_id });
    expect(second.status).toBe(400);
    expect(second.body.error).toBe('invalid_grant');
    const refreshed = await refresh(client.client_id, first.body.refresh_token!);
    expect(refreshed.status).toBe(400);
    expect(refreshed.body.error).toBe('invalid_grant');
  });

  it('refuses a code presented by another client', async () => {
    const { code, verifier } = await codeFor(alice);
    const other = await registerClient();
    const res = await token({ grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT, client_id: other.client_id });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_grant');
  });

  it('refuses a confidential client’s code exchange without its secret', async () => {
    const { client, code, verifier } = await codeFor(alice, { metadata: { token_endpoint_auth_method: 'client_secret_post' } });
    const res = await token({ grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT, client_id: client.client_id });
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_client');
    const ok = await token({
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      redirect_uri: REDIRECT,
      client_id: client.client_id,
      client_secret: client.client_secret!,
    });
    expect(ok.status).toBe(200);
  });

  it('refuses a token for another resource at authorization, code exchange and refresh', async () => {
    const client = await registerClient();
    const res = await new TestBrowser().get(
      authorizeUrl(client.client_id, { resource: 'https://other.example/api/mcp', code_challenge: pkce().challenge, code_challenge_method: 'S256' }),
    );
    const callback = new URL(res.location!);
    expect(callback.searchParams.get('error')).toBe('invalid_target');

    const { client: c2, code, verifier } = await codeFor(alice);
    const exchange = await token({
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      redirect_uri: REDIRECT,
      client_id: c2.client_id,
      resource: 'https://other.example/api/mcp',
    });
    expect(exchange.status).toBe(400);
    expect(exchange.body.error).toBe('invalid_target');

    const { client: c3, tokens } = await tokensFor(alice);
    const refreshed = await refresh(c3.client_id, tokens.refresh_token!, { resource: `${t.baseUrl}/api/other` });
    expect(refreshed.status).toBe(400);
    expect(refreshed.body.error).toBe('invalid_target');
  });

  it('refuses a refresh token of another client', async () => {
    const { tokens } = await tokensFor(alice);
    const other = await registerClient();
    const res = await refresh(other.client_id, tokens.refresh_token!);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_grant');
  });

  it('lets a rotated refresh token be used again inside the grace window, revoking nothing', async () => {
    const { client, tokens } = await tokensFor(alice);
    const first = await refresh(client.client_id, tokens.refresh_token!);
    expect(first.status).toBe(200);
    // A second process of the same client presents the token the first one just rotated.
    const racer = await refresh(client.client_id, tokens.refresh_token!);
    expect(racer.status).toBe(200);
    expect(racer.body.refresh_token).not.toBe(first.body.refresh_token);
    await expect(verifyAccessToken(racer.body.access_token!)).resolves.toBeDefined();
    // Both successors keep working: nothing was revoked.
    expect((await refresh(client.client_id, first.body.refresh_token!)).status).toBe(200);
    expect((await refresh(client.client_id, racer.body.refresh_token!)).status).toBe(200);
  });

  it('revokes the whole grant when a rotated refresh token is reused after the grace window', async () => {
    const short = await startTestApp({ ...ENV, REFRESH_REUSE_GRACE: '1' }, t.database);
    try {
      const got = await obtainTokens(short.baseUrl, { email: alice.email, password: alice.password, scopes: ['calls:read'] });
      const clientId = got.client.clientInformation()!.client_id;
      const original = got.tokens.refresh_token!;
      const post = (params: Record<string, string>) =>
        fetch(`${short.baseUrl}/oauth/token`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(params) }).then(
          async (r) => ({ status: r.status, body: (await r.json()) as Record<string, string> }),
        );
      const rotated = await post({ grant_type: 'refresh_token', refresh_token: original, client_id: clientId });
      expect(rotated.status).toBe(200);
      await new Promise((r) => setTimeout(r, 1500));
      const reuse = await post({ grant_type: 'refresh_token', refresh_token: original, client_id: clientId });
      expect(reuse.status).toBe(400);
      expect(reuse.body.error).toBe('invalid_grant');
      // The successor dies with the grant.
      const successor = await post({ grant_type: 'refresh_token', refresh_token: rotated.body.refresh_token!, client_id: clientId });
      expect(successor.status).toBe(400);
      expect(successor.body.error).toBe('invalid_grant');
    } finally {
      await short.stop();
    }
  });

  it('ends a grant’s access when its refresh token is revoked (RFC 7009)', async () => {
    const { client, tokens } = await tokensFor(alice);
    const rotated = await refresh(client.client_id, tokens.refresh_token!);
    expect(rotated.status).toBe(200);
    const revoke = await fetch(`${t.baseUrl}/oauth/revoke`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: rotated.body.refresh_token!, token_type_hint: 'refresh_token', client_id: client.client_id }),
    });
    expect(revoke.status).toBe(200);
    const after = await refresh(client.client_id, rotated.body.refresh_token!);
    expect(after.status).toBe(400);
    expect(after.body.error).toBe('invalid_grant');
    // The connection shows as revoked for the business (dashboard: connected apps).
    const business = alice.businesses[0]!.id;
    await expect
      .poll(async () => {
        const apps = await t.app.db.forBusiness(business, (tx) => createGrantsRepository(tx).listForBusiness(business));
        return apps.find((a) => a.clientId === client.client_id)?.revokedAt ?? null;
      })
      .toBeInstanceOf(Date);
  });

  it('lets a business revoke a connected app, and only its own', async () => {
    const apps = createConnectedApps(t.app.db);
    const { client, tokens } = await tokensFor(alice);
    const acme = alice.businesses[0]!.id;
    const app = (await apps.list(acme)).find((a) => a.clientId === client.client_id)!;
    expect(app).toMatchObject({ userId: alice.user.id, scopes: ['calls:read', 'agents:read'], revokedAt: null });
    // Another business cannot see or revoke it (row-level security).
    expect(await apps.revoke(bob.businesses[0]!.id, app.grantId)).toBe(false);
    expect((await refresh(client.client_id, tokens.refresh_token!)).status).toBe(200);
    expect(await apps.revoke(acme, app.grantId)).toBe(true);
    const after = await refresh(client.client_id, tokens.refresh_token!);
    expect(after.status).toBe(400);
    expect(after.body.error).toBe('invalid_grant');
    expect((await apps.list(acme)).find((a) => a.grantId === app.grantId)?.revokedAt).toBeInstanceOf(Date);
  });

  it('introspects a refresh token for its own client only', async () => {
    const { client, tokens } = await tokensFor(alice);
    const introspect = (clientId: string) =>
      fetch(`${t.baseUrl}/oauth/introspect`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: tokens.refresh_token!, client_id: clientId }),
      }).then((r) => r.json() as Promise<Record<string, unknown>>);
    const own = await introspect(client.client_id);
    expect(own).toMatchObject({ active: true, client_id: client.client_id, sub: alice.user.id, iss: t.baseUrl });
    const other = await registerClient();
    expect(await introspect(other.client_id)).toEqual({ active: false });
  });

  it('stops refreshing once the user no longer belongs to the chosen business', async () => {
    const leaver = await createTestAccount(t.app.db, { businesses: [{ name: 'Leaving Co' }] });
    const { client, tokens } = await tokensFor(leaver);
    await t.app.db.kysely.deleteFrom('memberships').where('user_id', '=', leaver.user.id).execute();
    const res = await refresh(client.client_id, tokens.refresh_token!);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_grant');
    expect(res.body.error_description).toContain('no longer belongs');
  });

  it('ends a grant when the account is gone', async () => {
    const gone = await createTestAccount(t.app.db, { businesses: [{ name: 'Gone Co' }] });
    const { client, tokens } = await tokensFor(gone);
    await t.app.db.kysely.deleteFrom('users').where('id', '=', gone.user.id).execute();
    const res = await refresh(client.client_id, tokens.refresh_token!);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_grant');
  });
});
