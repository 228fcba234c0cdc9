// Driving the dashboard in tests: over plain HTTP with the cookie-keeping TestBrowser (forms are
// read from the served pages, the CSRF token included), and in Chromium through playwright-core
// (signing in by the fields' accessible names, axe-core, screenshots at two widths).
import fs from 'node:fs';
import path from 'node:path';
import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import { decodeEntities, TestBrowser, type PageResponse } from './oauth.js';

// ── Over HTTP ────────────────────────────────────────────────────────────────────────────────────

/** The value of the page's `_csrf` field (the session's token, or the sign-in form's). */
export function csrfOf(page: PageResponse): string {
  const m = /<input type="hidden" name="_csrf" value="([^"]*)">/.exec(page.body);
  if (!m) throw new Error(`no CSRF field on ${page.url} (${page.status})`);
  return decodeEntities(m[1]!);
}

export interface SignedInBrowser {
  browser: TestBrowser;
  /** The session's CSRF token, for POSTs. */
  csrf: string;
  /** The page the sign-in landed on (the business's overview for a user of one business). */
  landing: PageResponse;
}

/** Signs in through the sign-in form, as a browser does; throws with the page's alert on failure. */
export async function signInOverHttp(baseUrl: string, email: string, password: string, browser = new TestBrowser()): Promise<SignedInBrowser> {
  const form = await browser.get(`${baseUrl}/dashboard/sign-in`);
  const posted = await browser.post(`${baseUrl}/dashboard/sign-in`, { _csrf: csrfOf(form), email, password, next: '/dashboard' });
  if (posted.status !== 303 || !posted.location) throw new Error(`dashboard sign-in failed (${posted.status}): ${alertOf(posted) ?? posted.body.slice(0, 200)}`);
  const landing = await browser.follow(posted.location, new URL(baseUrl).origin);
  return { browser, csrf: csrfOf(landing), landing };
}

/** The text of the page's role="alert" element, if any. */
export function alertOf(page: PageResponse): string | undefined {
  const m = /<div role="alert">([\s\S]*?)<\/div>/.exec(page.body);
  return m
    ? decodeEntities(m[1]!.replace(/<[^>]+>/g, ' '))
        .replace(/\s+/g, ' ')
        .trim()
    : undefined;
}

// ── In Chromium ──────────────────────────────────────────────────────────────────────────────────

/** Signs in on the dashboard's sign-in page by its accessible names and waits for the next page. */
export async function signInInBrowser(page: Page, baseUrl: string, account: { email: string; password: string }): Promise<void> {
  await page.goto(`${baseUrl}/dashboard/sign-in`);
  await page.getByLabel('Email').fill(account.email);
  await page.getByLabel('Password').fill(account.password);
  await Promise.all([page.waitForURL((url) => !url.pathname.endsWith('/sign-in')), page.getByRole('button', { name: 'Sign in' }).click()]);
}

export interface AxeFinding {
  id: string;
  impact: string | null | undefined;
  help: string;
  targets: string[];
}

/** axe-core's violations on the page as it is now, with the serious and critical ones apart. */
export async function axeViolations(page: Page): Promise<{ all: AxeFinding[]; serious: AxeFinding[] }> {
  const results = await new AxeBuilder({ page }).analyze();
  const all = results.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')) }));
  return { all, serious: all.filter((v) => v.impact === 'serious' || v.impact === 'critical') };
}

export const SCREENSHOT_DIR = path.resolve('test-results/screenshots');

/** Full-page screenshots of the current page at 375 px and 1280 px wide, into test-results/screenshots/. */
export async function screenshots(page: Page, name: string): Promise<string[]> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const original = page.viewportSize();
  const files: string[] = [];
  for (const width of [375, 1280]) {
    await page.setViewportSize({ width, height: 900 });
    const file = path.join(SCREENSHOT_DIR, `${name}-${width}.png`);
    await page.screenshot({ path: file, fullPage: true });
    files.push(file);
  }
  if (original) await page.setViewportSize(original);
  return files;
}
