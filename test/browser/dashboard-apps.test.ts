// Connected apps in Chromium: a client connects through OAuth (the MCP SDK's client flow, the user
// signing in and consenting in Chromium); it appears under Connected apps with its name and scopes;
// Revoke + Confirm; its refresh token is refused at once and its access token within 15 s. The
// pages are checked with axe-core and photographed at 375 px and 1280 px.
import fs from 'node:fs';
import path from 'node:path';
import { auth } from '@modelcontextprotocol/sdk/client/auth.js';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { launchChromium } from '../helpers/browser.js';
import { axeViolations, screenshots, signInInBrowser } from '../helpers/dashboard.js';
import { post } from '../helpers/mcp.js';
import { createTestAccount, defaultClientMetadata, TestOAuthClient, type TestAccount } from '../helpers/oauth.js';

const CALLBACK = 'http://127.0.0.1:47331/callback';

let t: TestApp;
let browser: Browser;
let owner: TestAccount;
const axeCounts: Record<string, { violations: number; seriousOrCritical: number; ids: string[] }> = {};

beforeAll(async () => {
  t = await startTestApp();
  owner = await createTestAccount(t.app.db, { businesses: [{ name: 'Summit Roofing' }] });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await t?.stop();
  fs.mkdirSync('test-results', { recursive: true });
  fs.writeFileSync(path.join('test-results', 'axe-dashboard-apps.json'), `${JSON.stringify(axeCounts, null, 2)}\n`);
});

async function check(page: Page, name: string): Promise<void> {
  const { all, serious } = await axeViolations(page);
  axeCounts[name] = { violations: all.length, seriousOrCritical: serious.length, ids: all.map((v) => `${v.id} (${v.impact})`) };
  expect(serious, `${name}: ${JSON.stringify(serious, null, 2)}`).toEqual([]);
  await screenshots(page, `dashboard-${name}`);
}

/** What a desktop MCP client does: the SDK's flow, the person signing in and allowing in Chromium. */
async function connectInChromium(page: Page, clientName: string, scope: string): Promise<TestOAuthClient> {
  const client = new TestOAuthClient(defaultClientMetadata({ client_name: clientName, redirect_uris: [CALLBACK], scope }));
  expect(await auth(client, { serverUrl: t.mcpUrl, scope })).toBe('REDIRECT');
  let callback: URL | undefined;
  await page.route(`${CALLBACK}**`, async (route) => {
    callback = new URL(route.request().url());
    await route.fulfill({ status: 200, contentType: 'text/html', body: '<p>You can close this window.</p>' });
  });
  await page.goto(client.authorizationUrl!.href);
  await page.getByLabel('Email').fill(owner.email);
  await page.getByLabel('Password').fill(owner.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Allow' }).click();
  await expect.poll(() => callback?.searchParams.get('code') ?? null, { timeout: 15_000 }).not.toBeNull();
  expect(await auth(client, { serverUrl: t.mcpUrl, authorizationCode: callback!.searchParams.get('code')! })).toBe('AUTHORIZED');
  return client;
}

const mcpStatus = async (token: string) =>
  (await post(t.mcpUrl, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'get_business_info', arguments: {} } }, { Authorization: `Bearer ${token}` })).status;

const refresh = (client: TestOAuthClient) =>
  fetch(`${t.baseUrl}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: client.tokens()!.refresh_token!, client_id: client.clientInformation()!.client_id }).toString(),
  });

describe('Connected apps in Chromium', () => {
  it('a client connected through OAuth is listed with its name and scopes; Revoke + Confirm: refresh refused at once, access token within 15 s', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    try {
      const client = await connectInChromium(page, 'Cursor', 'agents:read calls:read');
      const accessToken = client.tokens()!.access_token;
      expect(await mcpStatus(accessToken)).toBe(200);

      await signInInBrowser(page, t.baseUrl, owner);
      await page.getByRole('link', { name: 'Connected apps' }).click();
      await page.getByRole('heading', { name: 'Connected apps' }).waitFor();
      const row = page.getByRole('row').filter({ hasText: 'Cursor' });
      expect(await row.count()).toBe(1);
      expect(await row.getByRole('cell', { name: 'calls:read agents:read' }).count()).toBe(1);
      expect(await row.getByRole('cell', { name: '127.0.0.1:47331' }).count()).toBe(1);
      expect(await row.getByRole('cell', { name: owner.email }).count()).toBe(1);
      await check(page, 'apps-list');

      await page.getByRole('button', { name: 'Revoke Cursor' }).click();
      await page.getByRole('button', { name: 'Confirm' }).waitFor();
      await check(page, 'apps-revoke-confirm');
      await page.getByRole('button', { name: 'Confirm' }).click();
      const confirmedAt = Date.now();
      await page.getByRole('status').waitFor();

      const refreshed = await refresh(client);
      expect(refreshed.status).toBe(400);
      expect(((await refreshed.json()) as { error?: string }).error).toBe('invalid_grant');
      let status = 200;
      while (status === 200 && Date.now() - confirmedAt < 15_000) {
        status = await mcpStatus(accessToken);
        if (status === 200) await new Promise((r) => setTimeout(r, 250));
      }
      expect(status).toBe(401);
      expect(Date.now() - confirmedAt).toBeLessThan(15_000);

      expect(await page.getByRole('button', { name: 'Revoke Cursor' }).count()).toBe(0);
      expect(await page.getByText('No apps are connected.').count()).toBe(1);
      await check(page, 'apps-after-revoke');
    } finally {
      await context.close();
    }
  });
});
