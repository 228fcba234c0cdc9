// Approvals end to end in Chromium: a change queued through the MCP tool (update_agent_config with
// queue_for_approval) appears under Approvals; an admin approves it by keyboard and it executes
// once; the Audit log page shows the request and the decision; Deny executes nothing. Every page of
// this area (Approvals, an approval, Audit log, Calls, a call, Members) passes axe-core with no
// serious or critical violation, and is photographed at 375 px and 1280 px.
import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCOPES } from '../../src/scopes/index.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { launchChromium } from '../helpers/browser.js';
import { axeViolations, screenshots, signInInBrowser } from '../helpers/dashboard.js';
import { createTeam, type Team } from '../helpers/dashboard-team.js';
import { callTool, createCall, createKey, post } from '../helpers/mcp.js';

let t: TestApp;
let browser: Browser;
let team: Team;
let apiKey: string;
/** Violations found per page (all impacts), for the closing note. */
const axeCounts: Record<string, { all: number; serious: number }> = {};

beforeAll(async () => {
  // Calls at any hour, and a simulator quick enough that a placed call ends (with a recording) in the test.
  t = await startTestApp({ SIMULATOR_STEP_MS: '20', CONTACT_HOURS_START: '00:00', CONTACT_HOURS_END: '24:00' });
  team = await createTeam(t.app.db, 'Harbor Plumbing');
  apiKey = (await createKey(t.app.db, team.business.id, [...SCOPES])).key;
  await createCall(t.app.db, team.business.id, { agentId: team.agentId, summary: 'Booked a drain cleaning for Tuesday.' });
  browser = await launchChromium();
});

afterAll(async () => {
  console.info(`axe violations per page: ${JSON.stringify(axeCounts)}`);
  await browser?.close();
  await t?.stop();
});

/** Queues a voice change through the MCP tool, as a connected app would. */
async function queueVoiceChange(voice: string): Promise<string> {
  const res = await post(t.mcpUrl, callTool('update_agent_config', { agent_id: team.agentId, voice, queue_for_approval: true, idempotency_key: randomUUID() }), {
    authorization: `Bearer ${apiKey}`,
  });
  const structured = (res.body as { result: { structuredContent: { status: string; approval_id: string } } }).result.structuredContent;
  expect(structured.status).toBe('pending_approval');
  return structured.approval_id;
}

/** A link of the dashboard's navigation, by its exact name. */
const navLink = (page: Page, name: string) => page.getByRole('navigation', { name: 'Dashboard' }).getByRole('link', { name, exact: true });

const agent = () => t.app.db.kysely.selectFrom('agents').select(['voice', 'config_version']).where('id', '=', team.agentId).executeTakeFirstOrThrow();

/** axe-core on the page as it is, recorded; then the two screenshots. */
async function check(page: Page, name: string): Promise<void> {
  const { all, serious } = await axeViolations(page);
  axeCounts[name] = { all: all.length, serious: serious.length };
  expect(serious, `${name}: ${JSON.stringify(serious, null, 1)}`).toEqual([]);
  await screenshots(page, `dashboard-${name}`);
}

describe('approvals in Chromium', () => {
  it('a queued change appears under Approvals; Approve executes it once; the audit log shows the request and the decision', async () => {
    const approvalId = await queueVoiceChange('verse');
    const before = await agent();
    const context = await browser.newContext();
    const page = await context.newPage();
    await signInInBrowser(page, t.baseUrl, team.admin);

    await navLink(page, 'Approvals').click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Approvals');
    const pendingLink = page.getByRole('link', { name: /Change voice of agent "Harbor Plumbing receptionist"/ });
    await expect.poll(() => pendingLink.count()).toBe(1);
    await check(page, 'approvals');

    await pendingLink.click();
    await page.waitForURL(`**/approvals/${approvalId}`);
    await check(page, 'approval');

    // By keyboard alone: type the reason, Tab to Approve, press Enter.
    await page.getByLabel('Reason').focus();
    await page.keyboard.type('The owner asked for a warmer voice.');
    await page.keyboard.press('Tab');
    await expect.poll(() => page.evaluate<string | null>('document.activeElement && document.activeElement.textContent')).toBe('Approve');
    await Promise.all([page.waitForURL(/result=mine/), page.keyboard.press('Enter')]);
    await expect.poll(() => page.getByRole('status').textContent()).toBe('You approved this change and it was applied.');
    expect(await agent()).toEqual({ voice: 'verse', config_version: before.config_version + 1 });
    expect(await t.app.db.kysely.selectFrom('agent_config_changes').select('id').where('approval_id', '=', approvalId).execute()).toHaveLength(1);

    // Clicking Approve again from a stale page changes nothing more: it shows the outcome.
    await page.goBack();
    await page.goBack();
    await page.reload();
    expect(await page.getByRole('button', { name: 'Approve' }).count()).toBe(0);

    await navLink(page, 'Audit log').click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Audit log');
    const table = page.getByRole('table', { name: /Audit log entries/ });
    await expect.poll(() => table.textContent()).toContain('update_agent_config');
    const text = (await table.textContent()) ?? '';
    expect(text).toContain('update.agent.patch');
    expect(text).toContain('pending_approval');
    expect(text).toContain('approval.approved');
    expect(text).toContain('executed');
    expect(text).toContain(team.admin.email);
    await check(page, 'audit');

    await page.getByLabel('Tool').fill('approval.approved');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/tool=approval\.approved/);
    const rows = page.getByRole('table', { name: /Audit log entries/ }).locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain(approvalId);
    await context.close();
  });

  it('Deny executes nothing and records the reason', async () => {
    const approvalId = await queueVoiceChange('ballad');
    const before = await agent();
    const context = await browser.newContext();
    const page = await context.newPage();
    await signInInBrowser(page, t.baseUrl, team.owner);
    await page.goto(`${t.baseUrl}/dashboard/${team.business.slug}/approvals/${approvalId}`);

    // Deny without a reason: the page again, the message in an alert.
    await page.getByRole('button', { name: 'Deny' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('reason: say why the change is denied');
    await page.getByLabel('Reason').fill('We keep the current voice.');
    await Promise.all([page.waitForURL(/result=mine/), page.getByRole('button', { name: 'Deny' }).click()]);
    await expect.poll(() => page.getByRole('status').textContent()).toBe('You denied this change; nothing was applied.');
    expect(await agent()).toEqual(before);
    const row = await t.app.db.kysely.selectFrom('approvals').select(['status', 'decision_reason']).where('id', '=', approvalId).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'denied', decision_reason: 'We keep the current voice.' });
    await context.close();
  });

  it('a member reads approvals but is offered no decision', async () => {
    const approvalId = await queueVoiceChange('coral');
    const context = await browser.newContext();
    const page = await context.newPage();
    await signInInBrowser(page, t.baseUrl, team.member);
    await page.goto(`${t.baseUrl}/dashboard/${team.business.slug}/approvals/${approvalId}`);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toContain('Change voice');
    expect(await page.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    await check(page, 'approval-member');
    await context.close();
  });

  it('a call placed through make_call shows its timeline and its recording plays; Calls, a call and Members pass axe', async () => {
    const placed = await post(t.mcpUrl, callTool('make_call', { agent_id: team.agentId, to: '+14155550123', idempotency_key: randomUUID(), context: 'Confirm Tuesday' }), {
      authorization: `Bearer ${apiKey}`,
    });
    const callId = (placed.body as { result: { structuredContent: { call: { id: string } } } }).result.structuredContent.call.id;
    const ended = () => t.app.db.kysely.selectFrom('calls').select(['status', 'recording_url']).where('id', '=', callId).executeTakeFirstOrThrow();
    // The simulator completes calls to this number, with a recording (providers/simulator/simulator.ts).
    await expect.poll(async () => (await ended()).status, { timeout: 15_000 }).toBe('completed');
    expect((await ended()).recording_url).toMatch(new RegExp(`^${t.baseUrl}/simulator/recordings/`));

    const context = await browser.newContext();
    const page = await context.newPage();
    await signInInBrowser(page, t.baseUrl, team.owner);
    await navLink(page, 'Calls').click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Calls');
    await check(page, 'calls');
    await page
      .getByRole('link', { name: /\d{1,2}:\d{2}/ })
      .first()
      .click();
    await page.waitForURL(`**/calls/${callId}`);
    expect(await page.getByRole('list').filter({ hasText: 'Queued' }).textContent()).toContain('Dialled');
    // The recording is served by this server (the simulator's): the page's CSP lets the player load it.
    const seconds = await page.evaluate<number>(
      `new Promise((resolve, reject) => { const a = document.querySelector('audio[controls]'); a.addEventListener('loadedmetadata', () => resolve(a.duration)); a.addEventListener('error', () => reject(new Error('audio error ' + (a.error && a.error.code)))); a.load(); })`,
    );
    expect(seconds).toBeGreaterThan(0);
    await check(page, 'call');
    await navLink(page, 'Members').click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Members');
    await check(page, 'members');
    await context.close();
  });
});
