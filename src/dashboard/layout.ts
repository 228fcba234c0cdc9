// The page around every dashboard view: a skip link, the header (business switcher for users of
// several businesses, Sign out), the navigation by role, and the content; plus the headers every
// dashboard response gets, and the shared building blocks (list tables, times in the business's
// time zone). All markup goes through shared/html.ts, the same escaping as the consent page.
import type { Context } from 'koa';
import type { Role } from '../../db/schema.js';
import { escapeHtml, html, type SafeHtml } from '../shared/html.js';
import { type DashboardState, hasRole } from './context.js';

export const DASHBOARD_PATH = '/dashboard';
export const SIGN_IN_PATH = `${DASHBOARD_PATH}/sign-in`;
export const SIGN_OUT_PATH = `${DASHBOARD_PATH}/sign-out`;
export const ASSETS_PATH = `${DASHBOARD_PATH}/assets`;

export type NavArea = 'overview' | 'keys' | 'apps' | 'approvals' | 'audit' | 'calls' | 'appointments' | 'members';

const NAV: readonly { area: NavArea; label: string; path: string; minRole: Role }[] = [
  { area: 'overview', label: 'Overview', path: '', minRole: 'member' },
  { area: 'keys', label: 'API keys', path: '/keys', minRole: 'member' },
  { area: 'apps', label: 'Connected apps', path: '/apps', minRole: 'member' },
  { area: 'approvals', label: 'Approvals', path: '/approvals', minRole: 'member' },
  { area: 'audit', label: 'Audit log', path: '/audit', minRole: 'admin' },
  { area: 'calls', label: 'Calls', path: '/calls', minRole: 'member' },
  { area: 'appointments', label: 'Appointments', path: '/appointments', minRole: 'member' },
  { area: 'members', label: 'Members', path: '/members', minRole: 'owner' },
];

/**
 * The headers of every dashboard response:
 * - CSP: scripts and styles only from this origin (no inline script, so an injected `<script>`
 *   does nothing); recordings may play from https hosts; forms post only here;
 * - never framed (clickjacking of Revoke / Approve): `frame-ancestors 'none'` and X-Frame-Options;
 * - `Referrer-Policy: same-origin`: paths carry business slugs and ids, never sent to other sites
 *   (and `no-referrer` would make browsers send `Origin: null`, failing the same-origin check);
 * - nosniff; pages never cached (they show keys once and carry the CSRF token).
 */
export function setDashboardHeaders(ctx: Context): void {
  ctx.set(
    'Content-Security-Policy',
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self' https:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  );
  ctx.set('X-Frame-Options', 'DENY');
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('Referrer-Policy', 'same-origin');
  ctx.set('Cache-Control', 'no-store');
}

export interface PageOptions {
  title: string;
  body: SafeHtml;
  status?: number;
  /** The navigation entry to mark as the current page. */
  active?: NavArea;
}

function header(state: DashboardState): SafeHtml {
  if (!state.user) {
    return html`<header class="top"><a class="brand" href="${DASHBOARD_PATH}">KaiCalls</a></header>`;
  }
  const memberships = state.memberships ?? [];
  const switcher =
    memberships.length > 1
      ? html`<form method="get" action="${DASHBOARD_PATH}/switch">
<label for="switch-business">Business</label>
<select id="switch-business" name="business">${memberships.map(
          (m) => html`<option value="${m.business.slug}"${m.business.id === state.business?.id ? html` selected` : ''}>${m.business.name}</option>`,
        )}</select>
<button type="submit">Switch</button>
</form>`
      : state.business
        ? html`<span>${state.business.name}</span>`
        : html``;
  return html`<header class="top">
<a class="brand" href="${DASHBOARD_PATH}">KaiCalls</a>
<div class="who">${switcher}
<span>${state.user.email}</span>
<form method="post" action="${SIGN_OUT_PATH}"><input type="hidden" name="_csrf" value="${state.csrf ?? ''}"><button type="submit">Sign out</button></form>
</div>
</header>`;
}

function nav(state: DashboardState, active: NavArea | undefined): SafeHtml {
  if (!state.business || !state.role) return html``;
  const role = state.role;
  const base = `${DASHBOARD_PATH}/${state.business.slug}`;
  return html`<nav class="main" aria-label="Dashboard"><ul>${NAV.filter((n) => hasRole(role, n.minRole)).map(
    (n) => html`<li><a href="${base}${n.path}"${n.area === active ? html` aria-current="page"` : ''}>${n.label}</a></li>`,
  )}</ul></nav>`;
}

/** Renders a whole dashboard page (with the headers) as the response. */
export function renderPage(ctx: Context & { state: DashboardState }, options: PageOptions): void {
  const state = ctx.state;
  const title = state.business ? `${options.title} · ${state.business.name} · KaiCalls` : `${options.title} · KaiCalls`;
  setDashboardHeaders(ctx);
  ctx.status = options.status ?? 200;
  ctx.type = 'text/html; charset=utf-8';
  ctx.body = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="${ASSETS_PATH}/dashboard.css">
<script src="${ASSETS_PATH}/dashboard.js" defer></script>
</head>
<body>
<a class="skip" href="#content">Skip to content</a>
${header(state).value}
${nav(state, options.active).value}
<main id="content"${state.business ? '' : ' class="narrow"'}>
${options.body.value}
</main>
</body>
</html>`;
}

/**
 * A list as a table that stacks into cards on narrow screens (each cell labelled by its column).
 * `rows` are the cells in column order, already built with `html` or plain text (escaped).
 */
export function listTable(options: { caption: string; columns: readonly string[]; rows: readonly (readonly (SafeHtml | string)[])[]; empty: string }): SafeHtml {
  if (options.rows.length === 0) return html`<p class="muted">${options.empty}</p>`;
  return html`<table class="list">
<caption>${options.caption}</caption>
<thead><tr>${options.columns.map((c) => html`<th scope="col">${c}</th>`)}</tr></thead>
<tbody>${options.rows.map((cells) => html`<tr>${cells.map((cell, i) => html`<td data-label="${options.columns[i] ?? ''}">${cell}</td>`)}</tr>`)}</tbody>
</table>`;
}

/**
 * A time in the business's time zone, e.g. "Dec 5, 2026, 9:41 AM" (`timeStyle` medium: to the second,
 * for steps seconds apart), machine-readable in `datetime`.
 */
export function formatTime(state: DashboardState, at: Date | null | undefined, empty = '—', timeStyle: 'short' | 'medium' = 'short'): SafeHtml {
  if (!at) return html`${empty}`;
  const timeZone = state.business?.timezone ?? 'UTC';
  let text: string;
  try {
    text = new Intl.DateTimeFormat('en-US', { timeZone, dateStyle: 'medium', timeStyle }).format(at);
  } catch {
    text = `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  }
  return html`<time datetime="${at.toISOString()}">${text}</time>`;
}
