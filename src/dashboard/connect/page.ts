// The public connect page at `/`: the MCP URL, each client's setup, the tools, the scopes and the
// first-setup troubleshooting answers (seed 001), generated from PUBLIC_URL, the scope catalog and
// the tool registry that app.ts hands in, so that it says what this deployment actually serves.
import { effectOf, READ_ONLY_SCOPES, SCOPE_CATALOG, type ToolSummary } from '../../scopes/index.js';
import { escapeHtml, html, type SafeHtml } from '../../shared/html.js';
import { ASSETS_PATH, listTable, SIGN_IN_PATH } from '../layout.js';
import { clientSetups, KEY_PLACEHOLDER, type ClientSetup, type ServerIdentity, type SetupPart } from './clients.js';

/** A tool as the page lists it: the registry's summary and whether its annotations say read-only. */
export interface ConnectTool extends ToolSummary {
  readonly readOnly: boolean;
}

export const CONNECT_CSS_PATH = '/connect.css';

/** Read-only, write, or what it does in the world (places real calls, sends real texts). */
export function toolKind(tool: ConnectTool): string {
  if (tool.readOnly) return 'Read-only';
  return tool.externalEffect ? `Write: ${effectOf(tool)}` : 'Write';
}

function part(p: SetupPart): SafeHtml {
  if (p.kind === 'text') return html`<p>${p.text}</p>`;
  if (p.kind === 'steps') return html`<ol>${p.steps.map((s) => html`<li>${s}</li>`)}</ol>`;
  return html`<figure class="snippet">
<figcaption>${p.file ? html`<code>${p.file}</code>` : p.label}</figcaption>
<pre data-copy="${p.label}">${p.text}</pre>
</figure>`;
}

const setupSection = (client: ClientSetup) => html`<section class="client" aria-labelledby="setup-${client.id}">
<h3 id="setup-${client.id}">${client.name}</h3>
${client.parts.map(part)}
</section>`;

export function renderConnectPage(server: ServerIdentity, tools: readonly ConnectTool[]): string {
  const clients = clientSetups(server);
  const readOnly = READ_ONLY_SCOPES.map((s) => html`<code>${s}</code>`);
  const effectScopes = SCOPE_CATALOG.filter((s) => s.externalEffect).map((s) => html`<code>${s.scope}</code>`);
  const join = (items: SafeHtml[], word: string) => items.map((item, i) => html`${i === 0 ? '' : i === items.length - 1 ? ` ${word} ` : ', '}${item}`);

  const body = html`<h1>Connect ${server.title} to your AI client</h1>
<p>${server.title} is a remote Model Context Protocol (MCP) server. Add it to Claude, ChatGPT, VS Code, Cursor, Windsurf or any other MCP client,
and the client can read your calls, transcripts and agents, and (only with the scopes you allow) place calls, send texts and change settings for your business.</p>

<section aria-labelledby="url-heading">
<h2 id="url-heading">Your MCP server URL</h2>
<div class="copy-row">
<label for="mcp-url" class="visually-hidden">MCP server URL</label>
<input type="text" id="mcp-url" readonly value="${server.mcpUrl}" data-copy="MCP server URL">
</div>
<dl class="facts">
<dt>Transport</dt><dd>Streamable HTTP (JSON-RPC 2.0 over POST)</dd>
<dt>Sign-in</dt><dd>OAuth 2.1 for hosted chat clients: you approve a consent screen, nothing to paste. Or an API key (<code>kc_live_…</code>) sent as
<code>Authorization: Bearer kc_live_…</code> or <code>X-KaiCalls-API-Key: kc_live_…</code>: <a href="${SIGN_IN_PATH}">sign in to the dashboard</a> to create one.</dd>
<dt>Discovery</dt><dd><a href="/.well-known/mcp.json">/.well-known/mcp.json</a>, <a href="/.well-known/mcp/server-card.json">/.well-known/mcp/server-card.json</a>,
<a href="/.well-known/oauth-protected-resource">/.well-known/oauth-protected-resource</a></dd>
</dl>
<p>For a read-only setup, allow ${join(readOnly, 'and')}. Add ${join(effectScopes, 'or')} only for clients you trust to act in the real world for you (place calls, send texts).</p>
</section>

<section aria-labelledby="setup-heading">
<h2 id="setup-heading">Set up your client</h2>
<nav aria-label="Clients"><ul class="toc">${clients.map((c) => html`<li><a href="#setup-${c.id}">${c.name}</a></li>`)}</ul></nav>
${clients.map(setupSection)}
</section>

<section aria-labelledby="tools-heading">
<h2 id="tools-heading">Tools</h2>
<p>Every client sees the same ${tools.length} tools. Each needs a scope: a client without it gets <q>Missing required scope</q> and nothing happens.
A tool whose kind names a real-world effect (a phone call, a text) acts outside this server: clients should confirm with you first.</p>
${listTable({
  caption: `The ${tools.length} tools of ${server.title}`,
  columns: ['Tool', 'What it does', 'Scope', 'Kind'],
  rows: tools.map((t) => [
    html`<code>${t.name}</code>`,
    t.description,
    html`${t.scopes.map((s, i) => html`${i ? (t.scopes.length > 2 ? ', ' : ' or ') : ''}<code>${s}</code>`)}${t.scopes.length > 1 ? html` <span class="muted">(one of, by request)</span>` : ''}`,
    html`<span class="${t.readOnly ? 'kind-read' : t.externalEffect ? 'kind-effect' : 'kind-write'}">${toolKind(t)}</span>`,
  ]),
  empty: 'This server has no tools.',
})}
</section>

<section aria-labelledby="scopes-heading">
<h2 id="scopes-heading">Scopes</h2>
${listTable({
  caption: 'What each scope allows',
  columns: ['Scope', 'What it allows'],
  rows: SCOPE_CATALOG.map((s) => [html`<code>${s.scope}</code>`, html`${s.description}${s.externalEffect ? html` <strong>Real-world effect.</strong>` : ''}`]),
  empty: '',
})}
</section>

<section aria-labelledby="help-heading">
<h2 id="help-heading">Troubleshooting</h2>
<h3>The client says <q>Needs authentication</q></h3>
<p>The URL is installed, but the client has not finished OAuth yet. Open its MCP or connector settings and authenticate ${server.title};
in Claude Code, run <code>/mcp</code> in an interactive session and choose ${server.name}.</p>
<h3>OAuth opens, then shows <q>no business</q></h3>
<p>Sign in with a dashboard user who belongs to at least one business. A connection acts for one business of that user, picked on the consent screen;
an owner of the business adds members on the dashboard’s Members page.</p>
<h3>Requests with a key get 401</h3>
<p>Use an API key that starts with <code>kc_live_</code>, sent as <code>Authorization: Bearer ${KEY_PLACEHOLDER}</code> (or, through a gateway,
<code>X-KaiCalls-API-Key: ${KEY_PLACEHOLDER}</code>). A key pasted into the URL, a dashboard session cookie, or a key that was revoked or has expired
is refused: create a new key in the dashboard.</p>
<h3>A tool returns <q>Missing required scope</q></h3>
<p>The key or connection lacks the scope that tool needs (see the table above). Create a key with it, or remove the connection and connect again allowing it.
A read-only setup needs ${join(readOnly, 'and')}; placing calls also needs <code>calls:write</code>.</p>
</section>`;

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(`Connect ${server.title} to your AI client`)}</title>
<meta name="description" content="${escapeHtml(`Add the ${server.title} MCP server (${server.mcpUrl}) to Claude, ChatGPT, VS Code, Cursor, Windsurf and other MCP clients.`)}">
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${ASSETS_PATH}/dashboard.css">
<link rel="stylesheet" href="${CONNECT_CSS_PATH}">
<script src="${ASSETS_PATH}/dashboard.js" defer></script>
</head>
<body>
<a class="skip" href="#content">Skip to content</a>
<header class="top"><a class="brand" href="/">${escapeHtml(server.title)}</a><a class="sign-in" href="${SIGN_IN_PATH}">Sign in</a></header>
<main id="content" class="connect">
${body.value}
</main>
</body>
</html>`;
}

/** What the connect page adds to the dashboard's stylesheet: the snippets, the facts list, the table of clients. */
export const CONNECT_CSS = `
header.top .sign-in{color:#fff;font-weight:600}
main.connect{max-width:60rem}
main.connect h3{font-size:1.05rem;margin:1.25rem 0 .5rem}
main.connect code{word-break:normal;overflow-wrap:anywhere}
main.connect td code{white-space:nowrap}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:.4rem 1rem;margin:1rem 0}
.facts dt{font-weight:600}
.facts dd{margin:0}
.toc{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.4rem .9rem}
.client{border-top:1px solid #e1e6ec;margin-top:1rem}
.snippet{margin:.75rem 0}
.snippet figcaption{font-size:.85rem;color:#4a5566;margin-bottom:.25rem}
.snippet pre{margin:0;padding:.75rem;background:#16325c;color:#fff;border-radius:.4rem;font:.9rem/1.45 ui-monospace,SFMono-Regular,Menlo,monospace;white-space:pre-wrap;overflow-wrap:anywhere}
.snippet button{margin-top:.4rem}
.kind-effect{color:#8a1c12;font-weight:600}
.kind-write{font-weight:600}
@media (max-width:640px){.facts{grid-template-columns:1fr}.facts dd{margin-bottom:.5rem}main.connect .copy-row input{flex-basis:100%}main.connect table.list caption{display:block}}
`;
