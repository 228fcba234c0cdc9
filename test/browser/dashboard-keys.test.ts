// The API keys page in Chromium, driven by accessible names as a person (or a screen reader) would:
// sign in; create a key with two scopes; it is shown once; it works on /api/mcp at once; after
// Revoke + Confirm it gets 401 within 2 s. Every page on the way (signed out and in, the error
// state included) is checked with axe-core and photographed at 375 px and 1280 px.
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { launchChromium } from '../helpers/browser.js';
import { axeViolations, type AxeFinding, screenshots, signInInBrowser } from '../helpers/dashboard.js';
import { createAgent, post } from '../helpers/mcp.js';
import { createTestAccount, type TestAccount } from '../helpers/oauth.js';

let t: TestApp;
let browser: Browser;
let owner: TestAccount;
let several: TestAccount;
let nobody: TestAccount;
const axeCounts: Record<string, { violations: number; seriousOrCritical: number; ids: string[] }> = {};

beforeAll(async () => {
  t = await startTestApp();
  owner = await createTestAccount(t.app.db, { businesses: [{ name: 'Lakeside Plumbing' }] });
  several = await createTestAccount(t.app.db, { businesses: [{ name: 'Alpha Roofing' }, { name: 'Beta Electric', role: 'member' }] });
  nobody = await createTestAccount(t.app.db);
  await createAgent(t.app.db, owner.businesses[0]!.id, { name: 'Front Desk', phone: '+13125550177' });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await t?.stop();
  fs.mkdirSync('test-results', { recursive: true });
  fs.writeFileSync(path.join('test-results', 'axe-dashboard-keys.json'), `${JSON.stringify(axeCounts, null, 2)}\n`);
});

/** axe-core on the page as it is, recorded under `name`; no serious or critical violation allowed. Then screenshots. */
async function check(page: Page, name: string): Promise<void> {
  const { all, serious } = await axeViolations(page);
  axeCounts[name] = { violations: all.length, seriousOrCritical: serious.length, ids: all.map((v: AxeFinding) => `${v.id} (${v.impact})`) };
  expect(serious, `${name}: ${JSON.stringify(serious, null, 2)}`).toEqual([]);
  await screenshots(page, `dashboard-${name}`);
}

const mcpStatus = async (key: string) =>
  (await post(t.mcpUrl, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'get_business_info', arguments: {} } }, { Authorization: `Bearer ${key}` })).status;

describe('API keys in Chromium', () => {
  it('sign in; create a key with two scopes; shown once; works on /api/mcp at once; Revoke + Confirm → 401 within 2 s', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    try {
      // Signed out: the sign-in page, then its error state.
      await page.goto(`${t.baseUrl}/dashboard`);
      expect(new URL(page.url()).pathname).toBe('/dashboard/sign-in');
      await check(page, 'sign-in');
      await page.getByLabel('Email').fill(owner.email);
      await page.getByLabel('Password').fill('not-the-password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect.poll(() => page.getByRole('alert').textContent()).toBe('The email or password is incorrect.');
      expect(await page.getByLabel('Email').inputValue()).toBe(owner.email);
      await check(page, 'sign-in-error');

      await signInInBrowser(page, t.baseUrl, owner);
      const slug = owner.businesses[0]!.slug;
      expect(new URL(page.url()).pathname).toBe(`/dashboard/${slug}`);
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Lakeside Plumbing');
      expect(await page.getByRole('textbox', { name: 'MCP URL' }).inputValue()).toBe(t.mcpUrl);
      for (const name of ['Overview', 'API keys', 'Connected apps', 'Approvals', 'Audit log', 'Calls', 'Appointments', 'Members'])
        await expect.poll(() => page.getByRole('link', { name, exact: true }).count()).toBe(1);
      expect(await page.getByRole('button', { name: 'Sign out' }).count()).toBe(1);
      await check(page, 'overview');

      await page.getByRole('link', { name: 'API keys', exact: true }).click();
      await page.getByRole('heading', { name: 'API keys' }).waitFor();
      await check(page, 'keys-empty');
      await page.getByRole('link', { name: 'Create API key' }).click();
      await page.getByRole('heading', { name: 'Create API key' }).waitFor();
      await check(page, 'keys-new');

      // A bad form first: no scope ticked → the same page, the message in an alert, the name kept.
      await page.getByLabel('Name').fill('Reporting script');
      await page.getByRole('button', { name: 'Create key' }).click();
      await expect.poll(() => page.getByRole('alert').textContent()).toBe('Tick at least one scope: a key without scopes can do nothing.');
      expect(await page.getByLabel('Name').inputValue()).toBe('Reporting script');
      await check(page, 'keys-new-error');

      await page.getByLabel('calls:read', { exact: true }).check();
      await page.getByLabel('agents:read', { exact: true }).check();
      await page.getByLabel('Expires').selectOption({ label: '30 days' });
      await page.getByRole('button', { name: 'Create key' }).click();
      const field = page.getByLabel('Your new API key');
      await field.waitFor();
      expect(await field.getAttribute('readonly')).not.toBeNull();
      const key = await field.inputValue();
      expect(key).toMatch(/^kc_live_[0-9A-Za-z]{40}$/);
      // The Copy button the small script adds.
      expect(await page.getByRole('button', { name: 'Copy API key' }).count()).toBe(1);
      await check(page, 'keys-created');

      // It works at once.
      expect(await mcpStatus(key)).toBe(200);

      // Shown once: the list never shows it again.
      await page.getByRole('link', { name: 'Back to API keys' }).click();
      await page.getByRole('button', { name: 'Revoke Reporting script' }).waitFor();
      expect(await page.content()).not.toContain(key);
      expect(await page.getByRole('cell', { name: 'calls:read agents:read' }).count()).toBe(1);
      await check(page, 'keys-list');

      await page.getByRole('button', { name: 'Rotate Reporting script' }).click();
      await page.getByLabel('Keep the old key working for').waitFor();
      await check(page, 'keys-rotate');
      await page.goBack();

      await page.getByRole('button', { name: 'Revoke Reporting script' }).click();
      await page.getByRole('button', { name: 'Confirm' }).waitFor();
      await check(page, 'keys-revoke-confirm');
      expect(await mcpStatus(key)).toBe(200);
      await page.getByRole('button', { name: 'Confirm' }).click();
      const confirmedAt = Date.now();
      let status = 200;
      while (status !== 401 && Date.now() - confirmedAt < 2000) status = await mcpStatus(key);
      expect(status).toBe(401);
      expect(Date.now() - confirmedAt).toBeLessThan(2000);
      await page.getByRole('status').waitFor();
      expect(await page.getByRole('status').textContent()).toContain('Reporting script is revoked');
      expect(await page.getByRole('button', { name: 'Revoke Reporting script' }).count()).toBe(0);
      await check(page, 'keys-list-revoked');

      // Keyboard alone: from the top, Tab reaches the skip link first, and it leads to the content.
      await page.goto(`${t.baseUrl}/dashboard/${slug}/keys`);
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { textContent: string } } }).document.activeElement.textContent)).toBe(
        'Skip to content',
      );

      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL(`${t.baseUrl}/dashboard/sign-in`);
      await page.goto(`${t.baseUrl}/dashboard/${slug}/keys`);
      expect(new URL(page.url()).pathname).toBe('/dashboard/sign-in');
    } finally {
      await context.close();
    }
  });

  it('the business chooser and switcher, the page for a user in no business, and a 404 pass axe too', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    try {
      await signInInBrowser(page, t.baseUrl, several);
      await page.getByRole('heading', { name: 'Choose a business' }).waitFor();
      await check(page, 'choose-business');
      await page.getByRole('link', { name: 'Alpha Roofing' }).click();
      // As Alpha's owner: the runtime key form.
      await page.getByRole('link', { name: 'API keys', exact: true }).click();
      await page.getByRole('link', { name: 'Create runtime key' }).click();
      await page.getByLabel('Name').fill('Vapi production');
      await page.getByRole('button', { name: 'Create runtime key' }).click();
      expect(await page.getByLabel('Your new runtime key').inputValue()).toMatch(/^kc_rt_/);
      await check(page, 'keys-runtime-created');
      await page.getByLabel('Business').selectOption({ label: 'Beta Electric' });
      await page.getByRole('button', { name: 'Switch' }).click();
      await page.getByRole('heading', { name: 'Beta Electric' }).waitFor();
      // A member: no Audit log, no Members.
      expect(await page.getByRole('link', { name: 'Audit log' }).count()).toBe(0);
      expect(await page.getByRole('link', { name: 'Members' }).count()).toBe(0);
      await check(page, 'overview-member-switcher');
      await page.goto(`${t.baseUrl}/dashboard/${several.businesses[1]!.slug}/keys/00000000-0000-4000-8000-000000000000/revoke`);
      expect(await page.getByRole('alert').textContent()).toBe('API key not found');
      await check(page, 'not-found');
    } finally {
      await context.close();
    }
    const lonely = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const lonelyPage = await lonely.newPage();
    try {
      await signInInBrowser(lonelyPage, t.baseUrl, nobody);
      await lonelyPage.getByRole('heading', { name: 'You are not part of any business yet' }).waitFor();
      await check(lonelyPage, 'no-business');
    } finally {
      await lonely.close();
    }
  });
});
