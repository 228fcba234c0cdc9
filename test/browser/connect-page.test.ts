// The connect page in Chromium: no serious or critical axe-core violation, readable at 375 px and
// 1280 px without sideways scrolling (screenshots in test-results/screenshots/), usable by keyboard,
// the Copy button copies the MCP URL, nothing trips the CSP, and the page works with JavaScript off.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountTools } from '../../src/resource/tools/registry.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { launchChromium } from '../helpers/browser.js';
import { axeViolations, screenshots } from '../helpers/dashboard.js';

let t: TestApp;
let browser: Browser;

beforeAll(async () => {
  t = await startTestApp();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await t?.stop();
});

/** Opens `/`, collecting console errors (a CSP refusal is reported there). */
async function open(options: { javaScriptEnabled?: boolean } = {}): Promise<{ page: Page; errors: string[] }> {
  const context = await browser.newContext({ javaScriptEnabled: options.javaScriptEnabled ?? true });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: t.baseUrl });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('response', (response) => {
    if (response.status() >= 400) errors.push(`${response.status()} ${response.url()}`);
  });
  const response = await page.goto(`${t.baseUrl}/`);
  expect(response?.status()).toBe(200);
  return { page, errors };
}

describe('the connect page in Chromium', () => {
  it('has no serious or critical axe-core violation, fits 375 px and 1280 px, and is screenshotted at both', async () => {
    const { page, errors } = await open();
    await page.getByRole('button', { name: 'Copy MCP server URL' }).waitFor();
    const { all, serious } = await axeViolations(page);
    console.info(
      `axe on /: ${all.length} violation(s), ${serious.length} serious or critical`,
      all.map((v) => `${v.id} (${v.impact})`),
    );
    expect(serious).toEqual([]);
    for (const width of [375, 1280]) {
      await page.setViewportSize({ width, height: 900 });
      expect(await page.evaluate<number>('document.documentElement.scrollWidth'), `scroll width at ${width}`).toBeLessThanOrEqual(width);
    }
    const files = await screenshots(page, 'connect');
    expect(files.map((f) => f.split('/').pop())).toEqual(['connect-375.png', 'connect-1280.png']);
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('copies the MCP URL with its Copy button, and each snippet with its own', async () => {
    const { page } = await open();
    await page.getByRole('button', { name: 'Copy MCP server URL' }).click();
    await expect.poll(() => page.evaluate<string>('navigator.clipboard.readText()')).toBe(t.mcpUrl);
    await page.getByRole('button', { name: 'Copy VS Code mcp.json', exact: true }).click();
    await expect.poll(async () => JSON.parse(await page.evaluate<string>('navigator.clipboard.readText()'))).toEqual({ servers: { kaicalls: { type: 'http', url: t.mcpUrl } } });
    await page.context().close();
  });

  it('is usable by keyboard: the skip link first, then Sign in, which leads to the dashboard’s sign-in page', async () => {
    const { page } = await open();
    await page.keyboard.press('Tab');
    expect(await page.evaluate<string | null>('document.activeElement && document.activeElement.textContent')).toBe('Skip to content');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await page.evaluate<string | null>('document.activeElement && document.activeElement.textContent')).toBe('Sign in');
    await Promise.all([page.waitForURL((url) => url.pathname === '/dashboard/sign-in'), page.keyboard.press('Enter')]);
    await page.context().close();
  });

  it('works with JavaScript off: the URL, every setup and every tool are there, with no dead Copy buttons', async () => {
    const { page } = await open({ javaScriptEnabled: false });
    expect(await page.getByRole('textbox', { name: 'MCP server URL' }).inputValue()).toBe(t.mcpUrl);
    expect(await page.getByRole('button', { name: /^Copy/ }).count()).toBe(0);
    for (const client of [
      'Claude Code',
      'Claude (claude.ai and Desktop)',
      'ChatGPT (Developer mode)',
      'VS Code and GitHub Copilot',
      'Cursor',
      'Windsurf',
      'MCP Inspector',
      'curl',
    ]) {
      expect(await page.getByRole('heading', { level: 3, name: client, exact: true }).count(), client).toBe(1);
    }
    const rows = page.getByRole('table', { name: /tools of KaiCalls/ }).locator('tbody tr');
    expect(await rows.count()).toBe(accountTools.list().length);
    await page.context().close();
  });
});
