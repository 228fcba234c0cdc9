// Calls (member+): the business's calls with the filters of list_recent_calls (agent, status,
// direction), and one call with what happened to it in order, its summary, recording, transcript
// and lead. Times are in the business's time zone.
import { CALL_STATUSES, type CallFilters, DIRECTIONS } from '../../domain/calls/calls.types.js';
import type { Call } from '../../domain/calls/calls.types.js';
import { invalidArgument } from '../../shared/errors.js';
import { html, type SafeHtml } from '../../shared/html.js';
import { isUuid } from '../../shared/ids.js';
import { businessPath, type PageContext, type PageModule, queryText } from '../context.js';
import { formatTime, listTable, renderPage } from '../layout.js';

const PAGE_SIZE = 25;
/** Deep offsets cost a scan each; past this, narrow the filters instead. */
const MAX_OFFSET = 10_000;

const counterpart = (call: Call): string => (call.direction === 'inbound' ? `From ${call.from}` : `To ${call.to}`);

function duration(seconds: number | null): string {
  if (seconds == null) return '—';
  const m = Math.floor(seconds / 60);
  return m ? `${m} min ${seconds % 60} s` : `${seconds} s`;
}

/** A recording link the page may embed: http(s) only (never `javascript:` or `data:` from a provider). */
function playableUrl(value: string | null): string | null {
  if (!value) return null;
  const url = URL.parse(value);
  return url && (url.protocol === 'https:' || url.protocol === 'http:') ? url.toString() : null;
}

interface ListQuery {
  filters: CallFilters;
  offset: number;
  raw: { agent: string; status: string; direction: string };
}

/** The filters from the query string; a value that is not one of the choices is a 400 naming it. */
function parseListQuery(ctx: PageContext): ListQuery {
  const raw = { agent: queryText(ctx, 'agent'), status: queryText(ctx, 'status'), direction: queryText(ctx, 'direction') };
  if (raw.status && !(CALL_STATUSES as readonly string[]).includes(raw.status)) throw invalidArgument(`Status: ${raw.status} is not a call status (${CALL_STATUSES.join(', ')}).`);
  if (raw.direction && !(DIRECTIONS as readonly string[]).includes(raw.direction)) throw invalidArgument(`Direction: choose inbound or outbound.`);
  // An agent id that is not one (or another business's) reads as not found, like list_recent_calls.
  if (raw.agent && !isUuid(raw.agent)) throw invalidArgument('Agent: not an agent of this business.');
  const offsetText = queryText(ctx, 'offset');
  const offset = offsetText ? Number(offsetText) : 0;
  if (!Number.isInteger(offset) || offset < 0 || offset > MAX_OFFSET) throw invalidArgument(`offset: a whole number from 0 to ${MAX_OFFSET}.`);
  return {
    filters: {
      agentId: raw.agent || undefined,
      status: (raw.status || undefined) as CallFilters['status'],
      direction: (raw.direction || undefined) as CallFilters['direction'],
    },
    offset,
    raw,
  };
}

function select(id: string, label: string, name: string, current: string, options: readonly { value: string; label: string }[], any: string): SafeHtml {
  return html`<div><label for="${id}">${label}</label>
<select id="${id}" name="${name}"><option value="">${any}</option>${options.map(
    (o) => html`<option value="${o.value}"${o.value === current ? html` selected` : ''}>${o.label}</option>`,
  )}</select></div>`;
}

export const callsPages: PageModule = (routes, { domain }) => {
  routes.get('/calls', 'member', async (ctx) => {
    const { business } = ctx.state;
    const q = parseListQuery(ctx);
    const page = await domain.callViews.list({ businessId: business.id, filters: q.filters, limit: PAGE_SIZE, offset: q.offset });
    const link = (offset: number, text: string) => {
      const params = new URLSearchParams(Object.entries(q.raw).filter(([, v]) => v));
      if (offset) params.set('offset', String(offset));
      const search = params.toString();
      return html`<a href="${businessPath(ctx, `/calls${search ? `?${search}` : ''}`)}">${text}</a>`;
    };
    renderPage(ctx, {
      title: 'Calls',
      active: 'calls',
      body: html`<h1>Calls</h1>
<form method="get" action="${businessPath(ctx, '/calls')}" class="filters">
${select(
  'agent',
  'Agent',
  'agent',
  q.raw.agent,
  page.agents.map((a) => ({ value: a.id, label: a.name })),
  'All agents',
)}
${select(
  'status',
  'Status',
  'status',
  q.raw.status,
  CALL_STATUSES.map((s) => ({ value: s, label: s })),
  'Any status',
)}
${select(
  'direction',
  'Direction',
  'direction',
  q.raw.direction,
  DIRECTIONS.map((d) => ({ value: d, label: d })),
  'Both directions',
)}
<div class="actions"><button type="submit">Filter</button></div>
</form>
${listTable({
  caption: `Calls, newest first; times in ${business.timezone}`,
  columns: ['When', 'Call', 'Agent', 'Status', 'Duration', 'Summary'],
  rows: page.calls.map((c) => [
    html`<a href="${businessPath(ctx, `/calls/${c.id}`)}">${formatTime(ctx.state, c.createdAt)}</a>`,
    counterpart(c),
    c.agentName ?? '—',
    c.status,
    duration(c.durationSeconds),
    c.summary ?? '—',
  ]),
  empty: 'No calls match these filters.',
})}
<p class="actions">${q.offset > 0 ? link(Math.max(0, q.offset - PAGE_SIZE), 'Previous page') : ''} ${page.hasMore ? link(q.offset + PAGE_SIZE, 'Next page') : ''}</p>`,
    });
  });

  routes.get('/calls/:id', 'member', async (ctx) => {
    const { business } = ctx.state;
    const { call, transcript, lead, timeline } = await domain.callViews.detail({ businessId: business.id, callId: ctx.params.id! });
    const recording = playableUrl(call.recordingUrl);
    renderPage(ctx, {
      title: `Call ${counterpart(call).toLowerCase()}`,
      active: 'calls',
      body: html`<p><a href="${businessPath(ctx, '/calls')}">All calls</a></p>
<h1>${call.direction === 'inbound' ? 'Inbound' : 'Outbound'} call ${counterpart(call).toLowerCase()}</h1>
<dl class="facts">
<dt>Status</dt><dd>${call.status}</dd>
<dt>From</dt><dd>${call.from}</dd>
<dt>To</dt><dd>${call.to}</dd>
<dt>Agent</dt><dd>${call.agentName ?? '—'}</dd>
<dt>Duration</dt><dd>${duration(call.durationSeconds)}</dd>
<dt>Outcome</dt><dd>${call.outcome ?? '—'}</dd>
${call.failureReason ? html`<dt>Why it failed</dt><dd>${call.failureReason}</dd>` : ''}
</dl>
<h2>Timeline</h2>
<p class="muted">Times in ${business.timezone}.</p>
<ol class="timeline">${timeline.map((s) => html`<li>${formatTime(ctx.state, s.at, undefined, 'medium')}: <strong>${s.label}</strong>${s.detail ? html` <span class="muted">(${s.detail})</span>` : ''}</li>`)}</ol>
<h2>Summary</h2>
<p>${call.summary ?? 'No summary yet.'}</p>
<h2>Recording</h2>
${
  recording
    ? html`<audio controls preload="none" src="${recording}" aria-label="Call recording"></audio>
<p><a href="${recording}">Download the recording</a></p>`
    : html`<p class="muted">No recording${call.endedAt ? '' : ' yet'}.</p>`
}
<h2>Transcript</h2>
${transcript ? html`<pre class="transcript">${transcript}</pre>` : html`<p class="muted">No transcript${call.endedAt ? '' : ' yet'}.</p>`}
<h2>Lead</h2>
${
  lead
    ? html`<dl class="facts">
<dt>Name</dt><dd>${lead.name ?? '—'}</dd>
<dt>Phone</dt><dd>${lead.phone ?? '—'}</dd>
<dt>Email</dt><dd>${lead.email ?? '—'}</dd>
<dt>Status</dt><dd>${lead.status}</dd>
</dl>`
    : html`<p class="muted">This call is not linked to a lead.</p>`
}`,
    });
  });
};
