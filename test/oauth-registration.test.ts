// Dynamic client registration (RFC 7591) with the bodies real MCP clients send, the redirect URI
// policy, the per-address rate limit, and Client ID Metadata Documents with their SSRF guards.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/app.js';
import { checkCimdUrl, type FetchLike } from '../src/authz/cimd.js';
import { isNonPublicAddress } from '../src/shared/addresses.js';
import { createOidcRepository } from '../src/authz/oidc.repository.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createTestAccount, isConsentPage, TestBrowser, parseForms, signInAndConsent, type TestAccount } from './helpers/oauth.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.stop();
});

async function register(body: unknown, baseUrl = t.baseUrl) {
  const res = await fetch(`${baseUrl}/oauth/register`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  return { res, body: (await res.json()) as Record<string, unknown> };
}

// Registration bodies as the clients send them (interop.md 8–11).
const CLIENTS = {
  'Claude (hosted, client_secret_post)': {
    client_name: 'Claude',
    redirect_uris: ['https://claude.ai/api/mcp/auth_callback'],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
  },
  'Claude (claude.com callback)': {
    client_name: 'Claude',
    redirect_uris: ['https://claude.com/api/mcp/auth_callback'],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
  },
  'Cursor (cursor://, https and loopback in one request)': {
    client_name: 'Cursor',
    redirect_uris: ['cursor://anysphere.cursor-retrieval/oauth/user-kaicalls/callback', 'https://cursor.com/oauth/callback', 'http://127.0.0.1:52847/callback'],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
  },
  'VS Code': {
    client_name: 'Visual Studio Code',
    redirect_uris: ['https://vscode.dev/redirect', 'http://127.0.0.1:33418/', 'vscode://vscode.github-authentication/did-authenticate'],
    grant_types: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_method: 'none',
  },
  'Claude Code (loopback, no application_type)': {
    client_name: 'Claude Code (kaicalls)',
    redirect_uris: ['http://localhost:54212/callback'],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
  },
  'Claude Code (loopback, application_type native)': {
    client_name: 'Claude Code (kaicalls)',
    redirect_uris: ['http://localhost:54212/callback'],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    application_type: 'native',
  },
  'ChatGPT (connector callback)': {
    client_name: 'ChatGPT',
    redirect_uris: ['https://chatgpt.com/connector/oauth/abc123XYZ', 'https://chatgpt.com/connector_platform_oauth_redirect'],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
  },
  'MCP Inspector (registers with the SDK, scope included)': {
    client_name: 'MCP Inspector',
    redirect_uris: ['http://localhost:6274/oauth/callback'],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    scope: 'calls:read agents:read',
  },
} as const;

describe('dynamic client registration', () => {
  for (const [name, body] of Object.entries(CLIENTS)) {
    it(`registers ${name}`, async () => {
      const { res, body: client } = await register(body);
      expect(res.status, JSON.stringify(client)).toBe(201);
      expect(res.headers.get('cache-control')).toContain('no-store');
      expect(client.client_id).toEqual(expect.any(String));
      expect(client.redirect_uris).toEqual(body.redirect_uris);
      expect(client.grant_types).toEqual(['authorization_code', 'refresh_token']);
      expect(client.token_endpoint_auth_method).toBe(body.token_endpoint_auth_method);
      if (body.token_endpoint_auth_method === 'none') expect(client.client_secret).toBeUndefined();
      else expect(client.client_secret).toEqual(expect.any(String));
      expect(String(client.registration_client_uri)).toBe(`${t.baseUrl}/oauth/register/${String(client.client_id)}`);
      // Loopback and private-use redirect URIs make a native client (loopback on any port).
      const native = body.redirect_uris.some((u) => !u.startsWith('https://'));
      expect(client.application_type).toBe(native ? 'native' : 'web');

      const read = await fetch(String(client.registration_client_uri), { headers: { Authorization: `Bearer ${String(client.registration_access_token)}` } });
      expect(read.status).toBe(200);
      expect(((await read.json()) as Record<string, unknown>).client_id).toBe(client.client_id);
    });
  }

  it('defaults to the authorization_code and refresh_token grants', async () => {
    const { res, body } = await register({ redirect_uris: ['https://app.example/cb'], token_endpoint_auth_method: 'none' });
    expect(res.status).toBe(201);
    expect(body.grant_types).toEqual(['authorization_code', 'refresh_token']);
    expect(body.response_types).toEqual(['code']);
  });

  it('accepts any registered scope (even unknown values) and keeps none of it as a ceiling', async () => {
    const { res, body } = await register({ redirect_uris: ['https://app.example/cb'], token_endpoint_auth_method: 'none', scope: 'calls:read offline_access profile' });
    expect(res.status).toBe(201);
    expect(body.scope).toBeUndefined();
  });

  it('lets a client registered for read scopes ask for more later (step-up after 403 insufficient_scope)', async () => {
    const { body } = await register({ redirect_uris: ['http://127.0.0.1/cb'], token_endpoint_auth_method: 'none', scope: 'agents:read calls:read' });
    const url = new URL(`${t.baseUrl}/oauth/authorize`);
    const params = {
      client_id: String(body.client_id),
      response_type: 'code',
      redirect_uri: 'http://127.0.0.1:5555/cb',
      scope: 'agents:read calls:read calls:write',
      state: 'step-up',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    };
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    const res = await fetch(url, { redirect: 'manual' });
    // On to sign-in and consent (where the user decides), not back to the client with invalid_scope.
    expect(res.status).toBe(303);
    const location = res.headers.get('location')!;
    expect(location).not.toMatch(/error=/);
    expect(new URL(location, t.baseUrl).pathname).toMatch(/^\/oauth\/interaction\//);
  });

  it('never deletes registered clients on a timer: housekeeping keeps them', async () => {
    const { body } = await register(CLIENTS['Claude (hosted, client_secret_post)']);
    await createOidcRepository(t.app.db.kysely).deleteExpired(0);
    const read = await fetch(String(body.registration_client_uri), { headers: { Authorization: `Bearer ${String(body.registration_access_token)}` } });
    expect(read.status).toBe(200);
  });

  it('answers an unknown client at the token endpoint with 401 invalid_client (so Claude registers again)', async () => {
    const res = await fetch(`${t.baseUrl}/oauth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'whatever', client_id: 'deleted-client', client_secret: 'x' }),
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as Record<string, unknown>).error).toBe('invalid_client');
  });
});

describe('security: redirect URI policy', () => {
  const refused = async (redirect_uris: unknown, named: string) => {
    const { res, body } = await register({ client_name: 'x', redirect_uris, token_endpoint_auth_method: 'none' });
    expect(res.status).toBe(400);
    expect(body.error).toBe('invalid_redirect_uri');
    expect(String(body.error_description)).toContain(named);
  };

  it('refuses plain http on a host that is not loopback, naming the URI', async () => {
    await refused(['http://evil.example/callback'], 'http://evil.example/callback');
  });

  it('refuses the whole registration when one URI of several is bad, naming that one', async () => {
    await refused(['https://good.example/cb', 'http://127.0.0.1:9000/cb', 'http://192.168.1.20/cb'], 'http://192.168.1.20/cb');
  });

  it('refuses script and data schemes', async () => {
    await refused(['javascript:alert(1)'], 'javascript:alert(1)');
    await refused(['data:text/html,hi'], 'data:text/html,hi');
  });

  it('refuses fragments and relative URIs', async () => {
    await refused(['https://app.example/cb#frag'], 'https://app.example/cb#frag');
    await refused(['/callback'], '/callback');
  });

  it('refuses a registration without redirect URIs', async () => {
    const { res, body } = await register({ client_name: 'x', token_endpoint_auth_method: 'none' });
    expect(res.status).toBe(400);
    expect(body.error).toBe('invalid_redirect_uri');
  });

  it('refuses a body that is not a JSON object', async () => {
    const res = await fetch(`${t.baseUrl}/oauth/register`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '[1,2]' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as Record<string, unknown>).error).toBe('invalid_request');
  });
});

describe('security: registration is rate-limited per source address', () => {
  it('refuses registrations over the hourly limit with 429 and Retry-After', async () => {
    const limited = await startTestApp({ REGISTRATION_RATE_LIMIT: '3' });
    try {
      for (let i = 0; i < 3; i++) expect((await register(CLIENTS['VS Code'], limited.baseUrl)).res.status).toBe(201);
      const { res, body } = await register(CLIENTS['VS Code'], limited.baseUrl);
      expect(res.status).toBe(429);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(body.error).toBe('too_many_requests');
      expect(String(body.error_description)).toContain('limit 3 per hour');
    } finally {
      await limited.stop();
    }
  });
});

describe('security: Client ID Metadata Documents are fetched only from public https hosts', () => {
  it('classifies special-use addresses', () => {
    for (const a of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.5.4',
      '192.168.0.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      '::',
      'fe80::1',
      'fd00::1',
      '::ffff:127.0.0.1',
      '::ffff:10.0.0.1',
    ]) {
      expect(isNonPublicAddress(a), a).toBe(true);
    }
    for (const a of ['93.184.216.34', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8']) expect(isNonPublicAddress(a), a).toBe(false);
  });

  it('refuses a host that resolves to a private address, even among public ones', async () => {
    const resolve = async () => ['93.184.216.34', '10.0.0.7'];
    expect(await checkCimdUrl('https://client.example/meta.json', { allowPrivateHosts: false, resolve })).toEqual({ ok: false, reason: 'non_public_address' });
    expect(await checkCimdUrl('https://client.example/meta.json', { allowPrivateHosts: false, resolve: async () => ['93.184.216.34'] })).toEqual({ ok: true });
    expect(
      await checkCimdUrl('https://client.example/meta.json', {
        allowPrivateHosts: false,
        resolve: async () => {
          throw new Error('NXDOMAIN');
        },
      }),
    ).toEqual({ ok: false, reason: 'unresolvable' });
    expect(await checkCimdUrl('http://client.example/meta.json', { allowPrivateHosts: false, resolve })).toEqual({ ok: false, reason: 'not_https' });
  });

  it('refuses loopback and private client_id URLs at the authorization endpoint', async () => {
    for (const clientId of ['https://127.0.0.1:9/client.json', 'https://localhost/client.json', 'https://10.1.2.3/client.json', 'https://[::1]/client.json']) {
      const url = new URL(`${t.baseUrl}/oauth/authorize`);
      url.search = new URLSearchParams({
        client_id: clientId,
        response_type: 'code',
        redirect_uri: 'http://localhost:3000/cb',
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        code_challenge_method: 'S256',
      }).toString();
      const res = await fetch(url, { redirect: 'manual' });
      expect(res.status, clientId).toBe(400);
      expect(await res.text(), clientId).toContain('invalid_client');
    }
  });
});

describe('Client ID Metadata Documents', () => {
  let app: App;
  let baseUrl: string;
  let account: TestAccount;
  const documents = new Map<string, unknown>();
  const fetched: string[] = [];
  // The remote host of the client's metadata document: the only thing stood in for.
  const remote: FetchLike = async (url) => {
    fetched.push(String(url));
    const doc = documents.get(String(url));
    if (!doc) return new Response('not found', { status: 404 });
    return new Response(JSON.stringify(doc), { status: 200, headers: { 'content-type': 'application/json', 'cache-control': 'max-age=600' } });
  };

  let cimdApp: TestApp;

  beforeAll(async () => {
    cimdApp = await startTestApp({ CIMD_ALLOW_PRIVATE_HOSTS: 'true' }, undefined, { cimdFetch: remote });
    app = cimdApp.app;
    baseUrl = cimdApp.baseUrl;
    account = await createTestAccount(app.db, { businesses: [{ name: 'Metadata Co' }] });
  });
  afterAll(async () => cimdApp?.stop());

  const authorizeUrl = (clientId: string, redirectUri: string) => {
    const url = new URL(`${baseUrl}/oauth/authorize`);
    url.search = new URLSearchParams({
      client_id: clientId,
      response_type: 'code',
      redirect_uri: redirectUri,
      scope: 'calls:read',
      state: 'cimd-state',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    }).toString();
    return url.href;
  };

  it('uses the document, shows its redirect host, matches port-less loopback URIs on any port, and issues tokens', async () => {
    const clientId = 'https://localhost:8443/oauth/claude-code.json';
    documents.set(clientId, {
      client_id: clientId,
      client_name: 'Claude Code',
      redirect_uris: ['http://localhost/callback', 'http://127.0.0.1/callback'],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    });
    const browser = new TestBrowser();
    // First stop at the consent page to look at it.
    const login = await browser.follow(authorizeUrl(clientId, 'http://localhost:49152/callback'), baseUrl);
    const [form] = parseForms(login);
    const consentRedirect = await browser.post(form!.action, { ...form!.fields, email: account.email, password: account.password });
    const consent = await browser.follow(consentRedirect.location!, baseUrl);
    expect(isConsentPage(consent)).toBe(true);
    expect(consent.body).toContain('Claude Code');
    expect(consent.body).toContain('localhost:49152');

    const callback = await signInAndConsent(browser, authorizeUrl(clientId, 'http://localhost:49152/callback'), { email: account.email, password: account.password });
    expect(callback.origin).toBe('http://localhost:49152');
    const code = callback.searchParams.get('code');
    expect(code).toBeTruthy();
    const token = await fetch(`${baseUrl}/oauth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: code!,
        client_id: clientId,
        redirect_uri: 'http://localhost:49152/callback',
        code_verifier: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk',
      }),
    });
    expect(token.status).toBe(200);
    const tokens = (await token.json()) as Record<string, unknown>;
    expect(tokens.refresh_token).toEqual(expect.any(String));
    // Cached: the document was fetched once for all of the above.
    expect(fetched.filter((u) => u === clientId)).toHaveLength(1);
  });

  it('refuses a redirect URI the document does not list', async () => {
    const clientId = 'https://localhost:8443/oauth/strict.json';
    documents.set(clientId, { client_id: clientId, client_name: 'Strict', redirect_uris: ['https://strict.example/cb'], token_endpoint_auth_method: 'none' });
    const res = await fetch(authorizeUrl(clientId, 'https://attacker.example/cb'), { redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toContain('invalid_redirect_uri');
  });

  it('refuses a document whose client_id is not its own URL', async () => {
    const clientId = 'https://localhost:8443/oauth/impostor.json';
    documents.set(clientId, { client_id: 'https://someone-else.example/client.json', redirect_uris: ['https://impostor.example/cb'], token_endpoint_auth_method: 'none' });
    const res = await fetch(authorizeUrl(clientId, 'https://impostor.example/cb'), { redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
  });

  it('refuses a document that declares a shared secret', async () => {
    const clientId = 'https://localhost:8443/oauth/secretive.json';
    documents.set(clientId, { client_id: clientId, redirect_uris: ['https://secretive.example/cb'], token_endpoint_auth_method: 'client_secret_post' });
    const res = await fetch(authorizeUrl(clientId, 'https://secretive.example/cb'), { redirect: 'manual' });
    expect(res.status).toBe(400);
  });

  it('refuses a document that is too large', async () => {
    const clientId = 'https://localhost:8443/oauth/huge.json';
    documents.set(clientId, { client_id: clientId, redirect_uris: ['https://huge.example/cb'], token_endpoint_auth_method: 'none', padding: 'x'.repeat(10_000) });
    const res = await fetch(authorizeUrl(clientId, 'https://huge.example/cb'), { redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('invalid_client');
  });
});
