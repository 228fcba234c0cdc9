// Audit log (admin+): every tool call and every action taken here, newest first, filtered by tool
// or action, outcome, actor and a date range in the business's time zone, one page at a time (a
// keyset cursor in the Next page link). Details are shown as stored: arguments were masked when the
// row was written. The filter form is a GET, so a filtered view is a link that can be shared.
import { AppError } from '../../shared/errors.js';
import { html, type SafeHtml } from '../../shared/html.js';
import type { AuditPage } from '../../domain/audit/audit-query.service.js';
import { parseBoundary } from '../../domain/appointments/slots.js';
import { alertBox, businessPath, type PageContext, type PageModule, queryText } from '../context.js';
import { formatTime, listTable, renderPage } from '../layout.js';

/** The outcomes rows are written with; a value not listed here still filters (it is kept as an option). */
const OUTCOMES = [
  'success',
  'error',
  'denied',
  'executed',
  'failed',
  'pending_approval',
  'needs_approval',
  'needs_user_input',
  'dry_run',
  'unsupported',
  'no-answer',
  'busy',
  'canceled',
];
const PAGE_SIZE = 50;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

interface Filters {
  tool: string;
  outcome: string;
  actor: string;
  from: string;
  to: string;
}

/** The instant a calendar day (YYYY-MM-DD) begins in `timeZone` (`to`: the day after it), or null for a value that is not a date. */
const dayEdge = (value: string, timeZone: string, edge: 'from' | 'to'): Date | null => (DATE.test(value) ? parseBoundary(value, timeZone, edge) : null);

function filterForm(ctx: PageContext, f: Filters): SafeHtml {
  const outcomes = f.outcome && !OUTCOMES.includes(f.outcome) ? [...OUTCOMES, f.outcome] : OUTCOMES;
  return html`<form method="get" action="${businessPath(ctx, '/audit')}" class="filters" novalidate>
<div><label for="tool">Tool</label>
<input type="text" id="tool" name="tool" value="${f.tool}" aria-describedby="tool-hint" autocomplete="off">
<p class="muted" id="tool-hint">A tool or action, exactly: <code class="name">make_call</code>, <code class="name">approval.approved</code>.</p></div>
<div><label for="outcome">Outcome</label>
<select id="outcome" name="outcome"><option value="">Any outcome</option>${outcomes.map((o) => html`<option value="${o}"${o === f.outcome ? html` selected` : ''}>${o}</option>`)}</select></div>
<div><label for="actor">Actor</label>
<input type="text" id="actor" name="actor" value="${f.actor}" aria-describedby="actor-hint" autocomplete="off">
<p class="muted" id="actor-hint">A member's email, or a key, user or client id.</p></div>
<div><label for="from">From</label>
<input type="date" id="from" name="from" value="${f.from}"></div>
<div><label for="to">To</label>
<input type="date" id="to" name="to" value="${f.to}"></div>
<div class="actions"><button type="submit">Filter</button>${
    f.tool || f.outcome || f.actor || f.from || f.to ? html` <a href="${businessPath(ctx, '/audit')}">Clear filters</a>` : ''
  }</div>
</form>`;
}

function entriesTable(ctx: PageContext, page: AuditPage): SafeHtml {
  return listTable({
    caption: 'Audit log entries, newest first',
    columns: ['When', 'Tool or action', 'Outcome', 'Actor', 'Details'],
    rows: page.entries.map((e) => [
      formatTime(ctx.state, e.at),
      html`<code class="name">${e.action}</code>`,
      html`${e.outcome}${e.errorCode ? html` <span class="muted">(${e.errorCode})</span>` : ''}`,
      e.actor.label,
      Object.keys(e.details).length ? html`<code>${JSON.stringify(e.details)}</code>` : '—',
    ]),
    empty: 'No entries match these filters.',
  });
}

export const auditPages: PageModule = (routes, { domain }) => {
  routes.get('/audit', 'admin', async (ctx) => {
    const { business } = ctx.state;
    const f: Filters = { tool: queryText(ctx, 'tool'), outcome: queryText(ctx, 'outcome'), actor: queryText(ctx, 'actor'), from: queryText(ctx, 'from'), to: queryText(ctx, 'to') };
    const after = queryText(ctx, 'after') || undefined;
    const from = f.from ? dayEdge(f.from, business.timezone, 'from') : undefined;
    // "To" names the last day shown, so the range ends where the next day begins.
    const to = f.to ? dayEdge(f.to, business.timezone, 'to') : undefined;

    let error: string | undefined;
    let page: AuditPage = { entries: [], next: null };
    if (from === null) error = `From: ${f.from} is not a date (use YYYY-MM-DD).`;
    else if (to === null) error = `To: ${f.to} is not a date (use YYYY-MM-DD).`;
    else if (from && to && from >= to) error = 'To: must be on or after From.';
    else {
      try {
        page = await domain.auditLog.query({ businessId: business.id, action: f.tool, outcome: f.outcome, actor: f.actor, from, to, after, limit: PAGE_SIZE });
      } catch (err) {
        if (!(err instanceof AppError) || err.code !== 'invalid_argument') throw err;
        error = err.message.replace(/^action: /, 'Tool: ').replace(/^(\w)/, (c) => c.toUpperCase());
      }
    }

    const nextLink = page.next
      ? (() => {
          const params = new URLSearchParams(Object.entries(f).filter(([, v]) => v));
          params.set('after', page.next);
          return html`<a href="${businessPath(ctx, `/audit?${params.toString()}`)}">Next page</a>`;
        })()
      : html``;
    renderPage(ctx, {
      title: 'Audit log',
      active: 'audit',
      status: error ? 400 : 200,
      body: html`<h1>Audit log</h1>
<p class="muted">Every tool call and every change made here, newest first. Times are in ${business.timezone}; arguments are shown masked, as they were stored.</p>
${alertBox(error)}
${filterForm(ctx, f)}
${error ? '' : entriesTable(ctx, page)}
<p class="actions">${after ? html`<a href="${businessPath(ctx, `/audit?${new URLSearchParams(Object.entries(f).filter(([, v]) => v)).toString()}`)}">First page</a>` : ''} ${nextLink}</p>`,
    });
  });
};
