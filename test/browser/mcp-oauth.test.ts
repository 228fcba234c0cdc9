// A new user connecting an MCP client from nothing but the MCP URL, in a real browser: the MCP SDK's
// Client and Streamable HTTP transport with an OAuthClientProvider whose redirectToAuthorization
// opens the authorization URL in headless Chromium, where the user signs in and consents on the
// server-rendered pages; the loopback callback is captured, the transport finishes the flow with the
// code, and the client reconnects and calls the five read tools. Both discovery modes, plus a
// read-only consent refused (HTTP 403 insufficient_scope) at a calls:write tool.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { auth, UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { OAuthClientMetadata } from '@modelcontextprotocol/sdk/shared/auth.js';
import { jwtVerify } from 'jose';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findTool, listTools } from '../../src/resource/tools/registry.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { launchChromium } from '../helpers/browser.js';
import { createAgent, createCall } from '../helpers/mcp.js';
import { TestOAuthClient, createTestAccount, defaultClientMetadata, type TestAccount } from '../helpers/oauth.js';

const CALLBACK = 'http://127.0.0.1:47322/callback';
const READ_TOOLS = ['get_business_info', 'list_agents', 'list_recent_calls', 'check_call_status', 'get_transcript'] as const;

let open: TestApp;
let strict: TestApp;
let browser: Browser;
let account: TestAccount;
let agentId: string;
let callId: string;

beforeAll(async () => {
  open = await startTestApp();
  strict = await startTestApp({ MCP_ANONYMOUS_DISCOVERY: 'false' }, open.database);
  account = await createTestAccount(open.app.db, { businesses: [{ name: 'Lakeside Plumbing' }] });
  const businessId = account.businesses[0]!.id;
  agentId = (await createAgent(open.app.db, businessId, { name: 'Front Desk', phone: '+13125550177' })).id;
  callId = (await createCall(open.app.db, businessId, { agentId, transcript: 'Agent: Lakeside Plumbing, how can I help?\nCaller: My water heater is leaking.' })).id;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await strict?.stop();
  await open?.stop();
});

/**
 * What a desktop MCP client does when the SDK asks it to send the user to the authorization server:
 * open the browser and wait on its loopback listener. Here the browser is Chromium, the person is
 * scripted (sign in, Allow), and the listener is a route that captures the redirect.
 */
class BrowserOAuthClient extends TestOAuthClient {
  private pending: Promise<URL> | undefined;
  readonly authorizationUrls: URL[] = [];

  constructor(metadata: OAuthClientMetadata) {
    super(metadata);
  }

  override redirectToAuthorization(url: URL) {
    super.redirectToAuthorization(url);
    this.authorizationUrls.push(url);
    this.pending = signInAndConsentInChromium(url);
    // Nobody may await it before the test does; keep an early failure from being unhandled.
    this.pending.catch(() => undefined);
  }

  /** The code the browser brought back to the loopback callback (after checking state and issuer). */
  async code(issuer: string): Promise<string> {
    if (!this.pending) throw new Error('the client never sent the user to authorize');
    const callback = await this.pending;
    this.pending = undefined;
    expect(callback.searchParams.get('error')).toBeNull();
    expect(callback.searchParams.get('state')).toBe(this.expectedState);
    expect(callback.searchParams.get('iss')).toBe(issuer);
    return callback.searchParams.get('code')!;
  }
}

async function signInAndConsentInChromium(authorizationUrl: URL): Promise<URL> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    let resolveCallback!: (url: URL) => void;
    const callback = new Promise<URL>((resolve) => (resolveCallback = resolve));
    await page.route(`${CALLBACK}**`, async (route) => {
      resolveCallback(new URL(route.request().url()));
      await route.fulfill({ status: 200, contentType: 'text/html', body: '<p>You can close this window.</p>' });
    });
    await page.goto(authorizationUrl.href);
    await page.getByLabel('Email').fill(account.email);
    await page.getByLabel('Password').fill(account.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Allow' }).waitFor();
    // The user's only business is preselected.
    expect(await page.getByLabel('Business').inputValue()).toBe(account.businesses[0]!.id);
    await page.getByRole('button', { name: 'Allow' }).click();
    return await Promise.race([callback, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no redirect to the client; page at ${page.url()}`)), 15_000))]);
  } finally {
    await context.close();
  }
}

/** Calls recorded for the test business (read as system work, to see that nothing was placed). */
async function countCalls(): Promise<number> {
  const row = await open.app.db.kysely
    .selectFrom('calls')
    .select(({ fn }) => fn.countAll<string>().as('n'))
    .where('business_id', '=', account.businesses[0]!.id)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

const newClient = () => new Client({ name: 'browser-oauth-test', version: '1.0.0' });

const verifyAccessToken = (t: TestApp, accessToken: string) => jwtVerify(accessToken, t.app.authz.keyStore.getKey, { issuer: t.baseUrl, audience: t.mcpUrl, typ: 'at+jwt' });

async function expectTokenFor(t: TestApp, provider: BrowserOAuthClient, scopes: readonly string[]) {
  const { payload } = await verifyAccessToken(t, provider.tokens()!.access_token);
  expect(payload.aud).toBe(t.mcpUrl);
  expect(payload.business_id).toBe(account.businesses[0]!.id);
  expect(payload.sub).toBe(account.user.id);
  expect(String(payload.scope).split(' ').sort()).toEqual([...scopes].sort());
  // The scope the token carries is the scope the user was asked for.
  expect(String(provider.authorizationUrls.at(-1)!.searchParams.get('scope')).split(' ').sort()).toEqual([...scopes].sort());
  expect(provider.authorizationUrls.at(-1)!.searchParams.get('resource')).toBe(t.mcpUrl);
}

async function callTheFiveReadTools(client: Client) {
  const args: Record<(typeof READ_TOOLS)[number], Record<string, unknown>> = {
    get_business_info: {},
    list_agents: {},
    list_recent_calls: {},
    check_call_status: { call_id: callId },
    get_transcript: { call_id: callId },
  };
  const results: Record<string, Record<string, unknown>> = {};
  for (const name of READ_TOOLS) {
    const result = await client.callTool({ name, arguments: args[name] });
    expect(result.isError, `${name}: ${JSON.stringify(result.content)}`).toBeFalsy();
    expect((result.structuredContent as { success?: unknown }).success, name).toBe(true);
    results[name] = result.structuredContent as Record<string, unknown>;
  }
  expect(JSON.stringify(results.get_business_info)).toContain(account.businesses[0]!.id);
  expect(JSON.stringify(results.list_agents)).toContain(agentId);
  expect(JSON.stringify(results.list_recent_calls)).toContain(callId);
  expect(JSON.stringify(results.check_call_status)).toContain(callId);
  expect(JSON.stringify(results.get_transcript)).toContain('My water heater is leaking.');
}

/** Every token the five read tools need, and nothing else requested by a read-only client. */
const READ_SCOPES = ['agents:read', 'calls:read'] as const;

describe('OAuth from the MCP URL alone, in Chromium', () => {
  it('with anonymous discovery (the default): tools list anonymously, the first tools/call starts OAuth, then the five read tools work', async () => {
    const provider = new BrowserOAuthClient(defaultClientMetadata({ client_name: 'Browser Test (open)', redirect_uris: [CALLBACK] }));
    const transport = new StreamableHTTPClientTransport(new URL(open.mcpUrl), { authProvider: provider });
    const client = newClient();
    await client.connect(transport);
    try {
      expect(provider.authorizationUrls).toHaveLength(0);
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual(listTools().map((t) => t.name));
      expect(provider.authorizationUrls).toHaveLength(0);

      await expect(client.callTool({ name: 'get_business_info', arguments: {} })).rejects.toBeInstanceOf(UnauthorizedError);
      expect(provider.authorizationUrls).toHaveLength(1);
      await transport.finishAuth(await provider.code(open.baseUrl));
      const scopes = String(provider.authorizationUrls[0]!.searchParams.get('scope')).split(' ');
      expect(scopes).toEqual(expect.arrayContaining([...READ_SCOPES]));
      await expectTokenFor(open, provider, scopes);
    } finally {
      await client.close();
    }

    // Reconnect with the stored tokens, as a client does after the browser step.
    const again = newClient();
    await again.connect(new StreamableHTTPClientTransport(new URL(open.mcpUrl), { authProvider: provider }));
    try {
      await callTheFiveReadTools(again);
      expect(provider.authorizationUrls).toHaveLength(1);
    } finally {
      await again.close();
    }
  });

  it('with MCP_ANONYMOUS_DISCOVERY=false: the very first request (initialize) starts OAuth, then the five read tools work', async () => {
    // Anonymous requests are refused before anything else is answered.
    const anonymous = await fetch(strict.mcpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
    });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer resource_metadata="[^"]+"/);

    const provider = new BrowserOAuthClient(defaultClientMetadata({ client_name: 'Browser Test (strict)', redirect_uris: [CALLBACK] }));
    const first = new StreamableHTTPClientTransport(new URL(strict.mcpUrl), { authProvider: provider });
    await expect(newClient().connect(first)).rejects.toBeInstanceOf(UnauthorizedError);
    expect(provider.authorizationUrls).toHaveLength(1);
    await first.finishAuth(await provider.code(strict.baseUrl));
    const scopes = String(provider.authorizationUrls[0]!.searchParams.get('scope')).split(' ');
    expect(scopes).toEqual(expect.arrayContaining([...READ_SCOPES]));
    await expectTokenFor(strict, provider, scopes);

    const client = newClient();
    await client.connect(new StreamableHTTPClientTransport(new URL(strict.mcpUrl), { authProvider: provider }));
    try {
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual(listTools().map((t) => t.name));
      await callTheFiveReadTools(client);
      expect(provider.authorizationUrls).toHaveLength(1);
    } finally {
      await client.close();
    }
  });

  it('security: a read-only consent (agents:read calls:read) is refused at make_call with HTTP 403 insufficient_scope naming calls:write', async () => {
    expect(findTool('make_call')?.scopes).toEqual(['calls:write']);
    // A client that asks only for what it needs to read. (The SDK prefers a 401's scope over its
    // own, SEP-835, so the flow is started directly with the narrow scope.)
    const provider = new BrowserOAuthClient(defaultClientMetadata({ client_name: 'Read-only Viewer', redirect_uris: [CALLBACK], scope: READ_SCOPES.join(' ') }));
    expect(await auth(provider, { serverUrl: open.mcpUrl, scope: READ_SCOPES.join(' ') })).toBe('REDIRECT');
    expect(await auth(provider, { serverUrl: open.mcpUrl, authorizationCode: await provider.code(open.baseUrl) })).toBe('AUTHORIZED');
    await expectTokenFor(open, provider, READ_SCOPES);

    // Watch the HTTP answers the SDK client gets.
    const answers: { status: number; headers: Headers }[] = [];
    const recordingFetch = async (input: string | URL | Request, init?: RequestInit) => {
      const response = await fetch(input, init);
      answers.push({ status: response.status, headers: response.headers });
      return response;
    };
    const client = newClient();
    await client.connect(
      new StreamableHTTPClientTransport(new URL(open.mcpUrl), { fetch: recordingFetch, requestInit: { headers: { authorization: `Bearer ${provider.tokens()!.access_token}` } } }),
    );
    try {
      // The read tools work with the read-only token...
      await callTheFiveReadTools(client);
      // ...the write tool does not run at all.
      const callsBefore = await countCalls();
      answers.length = 0;
      await expect(client.callTool({ name: 'make_call', arguments: { agent_id: agentId, to: '+14155552671', idempotency_key: 'browser-read-only-0001' } })).rejects.toMatchObject({
        code: 403,
        message: expect.stringContaining('Insufficient scope: make_call needs calls:write'),
      });
      const refused = answers.at(-1)!;
      expect(refused.status).toBe(403);
      const challenge = refused.headers.get('www-authenticate')!;
      expect(challenge).toMatch(/^Bearer /);
      expect(challenge).toContain('error="insufficient_scope"');
      expect(challenge).toMatch(/scope="[^"]*\bcalls:write\b[^"]*"/);
      expect(challenge).toContain(`resource_metadata="`);
      const callsAfter = await countCalls();
      expect(callsAfter).toBe(callsBefore);
    } finally {
      await client.close();
    }
  });
});
