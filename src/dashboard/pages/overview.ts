// Overview: the business at a glance — its agents, calls today and over 30 days, the approvals
// waiting for a decision, and the MCP URL to connect an app with.
import { DateTime } from 'luxon';
import { html } from '../../shared/html.js';
import type { PageModule } from '../context.js';
import { businessPath, type PageContext } from '../context.js';
import { listTable, renderPage } from '../layout.js';

const MAX_AGENTS_SHOWN = 20;
/** Pending approvals counted up to this many; beyond, the page says "100+". */
const PENDING_COUNT_LIMIT = 100;

const plural = (n: number, word: string) => (n === 1 ? word : `${word}s`);

export const overviewPages: PageModule = (routes, { config, db, domain }) => {
  routes.get('', 'member', async (ctx: PageContext) => {
    const { business } = ctx.state;
    const [figures, pending] = await Promise.all([
      db.forBusiness(business.id, async (tx) => ({
        summary: await domain.business.summary(tx, business.id),
        today: await domain.analytics.callsSince(tx, business.id, DateTime.fromJSDate(domain.clock(), { zone: business.timezone }).startOf('day').toJSDate()),
        agents: await domain.agents.list(tx, business.id, { limit: MAX_AGENTS_SHOWN + 1, offset: 0 }),
      })),
      domain.broker.listApprovals({ businessId: business.id, status: 'pending', limit: PENDING_COUNT_LIMIT }),
    ]);
    const { summary, today, agents } = figures;
    const pendingText = pending.length >= PENDING_COUNT_LIMIT ? `${PENDING_COUNT_LIMIT}+` : String(pending.length);
    renderPage(ctx, {
      title: 'Overview',
      active: 'overview',
      body: html`<h1>${business.name}</h1>
<p class="muted">Time zone ${business.timezone}${summary.phone ? html` · ${summary.phone}` : ''}</p>
<ul class="stats">
<li><span class="figure">${summary.agentCount}</span> ${plural(summary.agentCount, 'agent')}</li>
<li><span class="figure">${today}</span> ${plural(today, 'call')} today</li>
<li><span class="figure">${summary.callsLast30Days}</span> ${plural(summary.callsLast30Days, 'call')} in the last 30 days</li>
<li><span class="figure">${pendingText}</span> <a href="${businessPath(ctx, '/approvals')}">pending ${pending.length === 1 ? 'approval' : 'approvals'}</a></li>
</ul>
<h2>Connect an app</h2>
<p>Add this URL to Claude, ChatGPT, VS Code, Cursor or any MCP client. It signs in with your account the first time; or create an <a href="${businessPath(ctx, '/keys')}">API key</a> for a client that cannot.</p>
<div class="copy-row"><label class="label" for="mcp-url">MCP URL</label></div>
<div class="copy-row"><input type="text" id="mcp-url" readonly value="${config.mcpUrl}" data-copy="MCP URL"></div>
<h2>Agents</h2>
${listTable({
  caption: 'Agents',
  columns: ['Name', 'Status', 'Phone number', 'Voice'],
  rows: agents.slice(0, MAX_AGENTS_SHOWN).map((a) => [a.name, a.status, a.phoneNumber ?? '—', a.voice]),
  empty: 'No agents yet.',
})}
${agents.length > MAX_AGENTS_SHOWN ? html`<p class="muted">Showing the newest ${MAX_AGENTS_SHOWN} of ${summary.agentCount} agents.</p>` : ''}`,
    });
  });
};
