// A new user connecting a client, in a real browser: the MCP SDK client starts the flow, headless
// Chromium signs in and consents on the server-rendered pages (labels, alert, business picker,
// Allow), the browser is redirected to the client's loopback callback, and the SDK exchanges the
// code; then the tokens are refreshed, and a reuse after the grace window kills the grant.
import { auth } from '@modelcontextprotocol/sdk/client/auth.js';
import { jwtVerify } from 'jose';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { launchChromium } from '../helpers/browser.js';
import { TestOAuthClient, createTestAccount, defaultClientMetadata, type TestAccount } from '../helpers/oauth.js';

const CALLBACK = 'http://127.0.0.1:47321/callback';

let t: TestApp;
let browser: Browser;
let account: TestAccount;

beforeAll(async () => {
  t = await startTestApp({ REFRESH_REUSE_GRACE: '1' });
  account = await createTestAccount(t.app.db, { businesses: [{ name: 'Harbor Dental' }, { name: 'Summit Roofing' }] });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

describe('sign-in and consent in Chromium', () => {
  it('connects an MCP client for the business the user picks, refreshes, and dies on a late refresh reuse', async () => {
    const client = new TestOAuthClient(defaultClientMetadata({ client_name: 'Claude Code', redirect_uris: [CALLBACK] }));
    expect(await auth(client, { serverUrl: t.mcpUrl })).toBe('REDIRECT');

    const context = await browser.newContext();
    const page = await context.newPage();
    // The client's loopback listener: the redirect back to it is captured, not served by anyone.
    let callbackUrl: URL | undefined;
    await page.route(`${CALLBACK}**`, async (route) => {
      callbackUrl = new URL(route.request().url());
      await route.fulfill({ status: 200, contentType: 'text/html', body: '<p>You can close this window.</p>' });
    });

    await page.goto(client.authorizationUrl!.href);

    // Sign-in page: a wrong password first.
    await page.getByLabel('Email').fill(account.email);
    await page.getByLabel('Password').fill('definitely-wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('The email or password is incorrect.');
    expect(await page.getByLabel('Email').inputValue()).toBe(account.email);

    await page.getByLabel('Password').fill(account.password);
    await page.getByRole('button', { name: 'Sign in' }).click();

    // Consent page.
    await page.getByRole('button', { name: 'Allow' }).waitFor();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain('Claude Code');
    expect(await page.textContent('body')).toContain('127.0.0.1:47321');
    const picker = page.getByLabel('Business');
    const options = await picker.locator('option').allTextContents();
    expect(options).toEqual(['Choose a business', 'Harbor Dental', 'Summit Roofing']);
    await picker.selectOption({ label: 'Summit Roofing' });
    await page.getByRole('button', { name: 'Allow' }).click();

    // The browser followed the 303s all the way back to the client (no CSP form-action in the way).
    await expect.poll(() => callbackUrl?.href, { timeout: 15_000 }).toBeDefined();
    expect(callbackUrl!.searchParams.get('iss')).toBe(t.baseUrl);
    expect(callbackUrl!.searchParams.get('state')).toBe(client.expectedState);
    await context.close();

    expect(await auth(client, { serverUrl: t.mcpUrl, authorizationCode: callbackUrl!.searchParams.get('code')! })).toBe('AUTHORIZED');
    const first = client.tokens()!;
    const summit = account.businesses[1]!;
    const check = (accessToken: string) => jwtVerify(accessToken, t.app.authz.keyStore.getKey, { issuer: t.baseUrl, audience: t.mcpUrl, typ: 'at+jwt' });
    const { payload } = await check(first.access_token);
    expect(payload).toMatchObject({ aud: t.mcpUrl, sub: account.user.id, business_id: summit.id });
    expect(String(payload.scope).split(' ').sort()).toEqual([
      'agents:read',
      'agents:write',
      'appointments:read',
      'appointments:write',
      'calls:read',
      'calls:write',
      'leads:write',
      'numbers:write',
      'sms:write',
      'webhooks:write',
    ]);

    // Refresh through the SDK.
    expect(await auth(client, { serverUrl: t.mcpUrl })).toBe('AUTHORIZED');
    const second = client.tokens()!;
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect((await check(second.access_token)).payload.business_id).toBe(summit.id);

    // The first refresh token, reused after the 1 s grace window, revokes the whole grant.
    await new Promise((r) => setTimeout(r, 1500));
    const clientId = client.clientInformation()!.client_id;
    const post = (refreshToken: string) =>
      fetch(`${t.baseUrl}/oauth/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId }),
      });
    const reuse = await post(first.refresh_token!);
    expect(reuse.status).toBe(400);
    expect(((await reuse.json()) as { error: string }).error).toBe('invalid_grant');
    const latest = await post(second.refresh_token!);
    expect(latest.status).toBe(400);
  });
});
