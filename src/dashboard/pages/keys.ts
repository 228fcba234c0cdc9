// API keys: list (a member sees the keys they created, an admin or owner all of the business's),
// create (scopes within the creator's role, an expiry), the new key shown once, revoke after a
// confirmation, and rotate (a new key now, the old one expiring after a chosen grace). The rules —
// who may manage which key, which scopes a role may give, the audit rows — are in
// authz/api-keys.ts; this page only asks and shows.
import { createApiKeyManagement, type IssuedApiKey, keyScopesForRole, type KeyManager, type ListedApiKey } from '../../authz/api-keys.js';
import { SCOPE_CATALOG } from '../../scopes/index.js';
import { AppError } from '../../shared/errors.js';
import { html, type SafeHtml } from '../../shared/html.js';
import { alertBox, businessPath, csrfField, formList, formText, hasRole, type PageContext, type PageModule, seeOther } from '../context.js';
import { formatTime, listTable, renderPage } from '../layout.js';

const DAY = 86_400_000;
const EXPIRY_CHOICES = [
  { value: '30d', label: '30 days', ms: 30 * DAY },
  { value: '90d', label: '90 days', ms: 90 * DAY },
  { value: '1y', label: '1 year', ms: 365 * DAY },
  { value: 'never', label: 'Never', ms: null },
] as const;
const DEFAULT_EXPIRY = '90d';

const GRACE_CHOICES = [
  { value: '3600', label: '1 hour' },
  { value: '86400', label: '1 day' },
  { value: '604800', label: '7 days' },
] as const;
const DEFAULT_GRACE = '86400';

const manager = (ctx: PageContext): KeyManager => ({ userId: ctx.state.user.id, role: ctx.state.role });

function statusOf(key: ListedApiKey, now: number): { text: string; live: boolean } {
  if (key.revokedAt) return { text: 'Revoked', live: false };
  if (key.expiresAt && key.expiresAt.getTime() <= now) return { text: 'Expired', live: false };
  return { text: 'Active', live: true };
}

/** The Expires choice of both key forms. */
const expiryField = (current: string): SafeHtml => html`<label for="key-expires">Expires</label>
<select id="key-expires" name="expires">${EXPIRY_CHOICES.map((c) => html`<option value="${c.value}"${c.value === current ? html` selected` : ''}>${c.label}</option>`)}</select>`;

const scopeCodes = (scopes: readonly string[]): SafeHtml => html`${scopes.map((s, i) => html`${i ? ' ' : ''}<code>${s}</code>`)}`;

interface NewKeyForm {
  name: string;
  scopes: readonly string[];
  expires: string;
}

export const keysPages: PageModule = (routes, { config, db }) => {
  const keys = createApiKeyManagement(db);

  function renderList(ctx: PageContext, list: ListedApiKey[], notice?: string) {
    const now = Date.now();
    const account = list.filter((k) => k.kind === 'account');
    const runtime = list.filter((k) => k.kind === 'runtime');
    const rows = (items: ListedApiKey[]) =>
      items.map((k) => {
        const status = statusOf(k, now);
        return [
          k.name,
          html`<code>${k.prefix}…</code>`,
          k.kind === 'account' ? scopeCodes(k.scopes) : html`<span class="muted">in-call tools</span>`,
          k.createdByEmail ?? '—',
          formatTime(ctx.state, k.createdAt),
          formatTime(ctx.state, k.expiresAt, 'Never'),
          formatTime(ctx.state, k.lastUsedAt, 'Never'),
          html`<span class="${status.live ? 'status-active' : 'status-ended'}">${status.text}</span>`,
          status.live
            ? html`<div class="actions">
<form method="get" action="${businessPath(ctx, `/keys/${k.id}/rotate`)}"><button type="submit" class="secondary">Rotate<span class="vh"> ${k.name}</span></button></form>
<form method="get" action="${businessPath(ctx, `/keys/${k.id}/revoke`)}"><button type="submit" class="danger">Revoke<span class="vh"> ${k.name}</span></button></form>
</div>`
            : '',
        ];
      });
    const columns = ['Name', 'Prefix', 'Scopes', 'Created by', 'Created', 'Expires', 'Last used', 'Status', 'Actions'];
    renderPage(ctx, {
      title: 'API keys',
      active: 'keys',
      body: html`<h1>API keys</h1>
${notice ? html`<p class="notice" role="status">${notice}</p>` : ''}
<p>An API key lets a client that cannot sign in (a script, a server, an older MCP client) use <code>${config.mcpUrl}</code>, with the scopes you choose. ${
        ctx.state.role === 'member' ? 'You see the keys you created.' : `You see every key of ${ctx.state.business.name}.`
      }</p>
<p><a class="button" href="${businessPath(ctx, '/keys/new')}">Create API key</a></p>
${listTable({ caption: 'Account keys', columns, rows: rows(account), empty: 'No API keys yet.' })}
${
  hasRole(ctx.state.role, 'admin') || runtime.length
    ? html`<h2>Runtime keys</h2>
<p>A runtime key lets a voice platform (such as Vapi) use the in-call tools at <code>${config.mcpUrl}/in-call</code> during live calls: transfers, bookings, lead notes. It cannot use the account tools above.</p>
${hasRole(ctx.state.role, 'admin') ? html`<p><a class="button secondary" href="${businessPath(ctx, '/keys/new-runtime')}">Create runtime key</a></p>` : ''}
${listTable({ caption: 'Runtime keys', columns, rows: rows(runtime), empty: 'No runtime keys yet.' })}`
    : ''
}`,
    });
  }

  function renderNewForm(ctx: PageContext, status: number, form: NewKeyForm, error?: string) {
    const allowed = keyScopesForRole(ctx.state.role);
    const withheld = SCOPE_CATALOG.filter((s) => !allowed.includes(s.scope));
    renderPage(ctx, {
      title: 'Create API key',
      active: 'keys',
      status,
      body: html`<h1>Create API key</h1>
${alertBox(error)}
<form method="post" action="${businessPath(ctx, '/keys/new')}" novalidate>
${csrfField(ctx)}
<label for="key-name">Name</label>
<input type="text" id="key-name" name="name" maxlength="200" required value="${form.name}" aria-describedby="key-name-hint">
<p class="muted" id="key-name-hint">Who or what will use it, e.g. "Zapier" or "Reporting script". Up to 100 characters.</p>
<fieldset>
<legend>Scopes</legend>
<p class="muted">What the key may do. Give it only what it needs.</p>
${SCOPE_CATALOG.filter((s) => allowed.includes(s.scope)).map(
  (s) => html`<div class="check">
<input type="checkbox" id="scope-${s.scope.replace(':', '-')}" name="scopes" value="${s.scope}"${form.scopes.includes(s.scope) ? html` checked` : ''} aria-describedby="scope-${s.scope.replace(':', '-')}-hint">
<div><label for="scope-${s.scope.replace(':', '-')}">${s.scope}</label><span class="hint" id="scope-${s.scope.replace(':', '-')}-hint">${s.consent}${s.externalEffect ? ' Acts in the real world.' : ''}</span></div>
</div>`,
)}
${withheld.length ? html`<p class="muted">Only an admin or owner can give ${scopeCodes(withheld.map((s) => s.scope))}.</p>` : ''}
</fieldset>
${expiryField(form.expires)}
<div class="actions"><button type="submit">Create key</button><a href="${businessPath(ctx, '/keys')}">Cancel</a></div>
</form>`,
    });
  }

  function renderIssued(ctx: PageContext, issued: IssuedApiKey, intro: SafeHtml) {
    renderPage(ctx, {
      title: 'Your new API key',
      active: 'keys',
      body: html`<h1>${issued.record.name}</h1>
${intro}
<div class="warning"><p><strong>Copy this key now.</strong> It is shown only once: it is stored only as a hash, so nobody can show it again. If you lose it, rotate or revoke it and create another.</p></div>
${
  issued.record.kind === 'runtime'
    ? html`<label for="new-key">Your new runtime key</label>
<div class="copy-row"><input type="text" id="new-key" readonly value="${issued.key}" data-copy="runtime key" autocomplete="off" spellcheck="false"></div>
<p>Expires: ${formatTime(ctx.state, issued.record.expiresAt, 'never')}.</p>
<h2>Use it</h2>
<p>In your voice platform, point an MCP tool server at <code>${config.mcpUrl}/in-call</code> with the header <code>X-API-Key</code> set to this key, and the call's context headers (<code>account_id</code> ${ctx.state.business.id}, <code>persona_id</code>, <code>call_id</code>).</p>`
    : html`<label for="new-key">Your new API key</label>
<div class="copy-row"><input type="text" id="new-key" readonly value="${issued.key}" data-copy="API key" autocomplete="off" spellcheck="false"></div>
<p>Scopes: ${scopeCodes(issued.record.scopes)}. Expires: ${formatTime(ctx.state, issued.record.expiresAt, 'never')}.</p>
<h2>Use it</h2>
<p>Send it as a bearer token to <code>${config.mcpUrl}</code>, for example with Claude Code:</p>
<p><code>claude mcp add --transport http kaicalls ${config.mcpUrl} --header "Authorization: Bearer &lt;your key&gt;"</code></p>`
}
<p><a href="${businessPath(ctx, '/keys')}">Back to API keys</a></p>`,
    });
  }

  routes.get('/keys', 'member', async (ctx) => {
    const list = await keys.list(ctx.state.business.id, manager(ctx));
    const revoked = typeof ctx.query.revoked === 'string' ? list.find((k) => k.id === ctx.query.revoked) : undefined;
    renderList(ctx, list, revoked ? `${revoked.name} is revoked: it no longer works anywhere.` : undefined);
  });

  routes.get('/keys/new', 'member', async (ctx) => {
    renderNewForm(ctx, 200, { name: '', scopes: [], expires: DEFAULT_EXPIRY });
  });

  routes.post('/keys/new', 'member', async (ctx) => {
    const form: NewKeyForm = { name: formText(ctx, 'name'), scopes: formList(ctx, 'scopes'), expires: formText(ctx, 'expires') };
    const expiry = EXPIRY_CHOICES.find((c) => c.value === form.expires);
    if (!expiry) return renderNewForm(ctx, 400, { ...form, expires: DEFAULT_EXPIRY }, 'Choose when the key expires: 30 days, 90 days, 1 year or never.');
    let issued: IssuedApiKey;
    try {
      issued = await keys.create(ctx.state.business.id, manager(ctx), {
        name: form.name,
        scopes: form.scopes,
        expiresAt: expiry.ms === null ? null : new Date(Date.now() + expiry.ms),
      });
    } catch (err) {
      if (err instanceof AppError && (err.code === 'invalid_argument' || err.code === 'forbidden')) {
        return renderNewForm(ctx, err.code === 'forbidden' ? 403 : 400, form, err.message);
      }
      throw err;
    }
    renderIssued(ctx, issued, html`<p class="notice" role="status">API key created.</p>`);
  });

  function renderNewRuntimeForm(ctx: PageContext, status: number, form: { name: string; expires: string }, error?: string) {
    renderPage(ctx, {
      title: 'Create runtime key',
      active: 'keys',
      status,
      body: html`<h1>Create runtime key</h1>
${alertBox(error)}
<p>For a voice platform's in-call tools during live calls. It has no scopes: it can use the in-call tools only, for calls of ${ctx.state.business.name}'s agents.</p>
<form method="post" action="${businessPath(ctx, '/keys/new-runtime')}" novalidate>
${csrfField(ctx)}
<label for="key-name">Name</label>
<input type="text" id="key-name" name="name" maxlength="200" required value="${form.name}" aria-describedby="key-name-hint">
<p class="muted" id="key-name-hint">Which platform or assistant will use it, e.g. "Vapi production". Up to 100 characters.</p>
${expiryField(form.expires)}
<div class="actions"><button type="submit">Create runtime key</button><a href="${businessPath(ctx, '/keys')}">Cancel</a></div>
</form>`,
    });
  }

  routes.get('/keys/new-runtime', 'admin', async (ctx) => {
    renderNewRuntimeForm(ctx, 200, { name: '', expires: DEFAULT_EXPIRY });
  });

  routes.post('/keys/new-runtime', 'admin', async (ctx) => {
    const form = { name: formText(ctx, 'name'), expires: formText(ctx, 'expires') };
    const expiry = EXPIRY_CHOICES.find((c) => c.value === form.expires);
    if (!expiry) return renderNewRuntimeForm(ctx, 400, { ...form, expires: DEFAULT_EXPIRY }, 'Choose when the key expires: 30 days, 90 days, 1 year or never.');
    let issued: IssuedApiKey;
    try {
      issued = await keys.createRuntime(ctx.state.business.id, manager(ctx), { name: form.name, expiresAt: expiry.ms === null ? null : new Date(Date.now() + expiry.ms) });
    } catch (err) {
      if (err instanceof AppError && err.code === 'invalid_argument') return renderNewRuntimeForm(ctx, 400, form, err.message);
      throw err;
    }
    renderIssued(ctx, issued, html`<p class="notice" role="status">Runtime key created.</p>`);
  });

  routes.get('/keys/:id/revoke', 'member', async (ctx) => {
    const key = await keys.find(ctx.state.business.id, manager(ctx), ctx.params.id!);
    renderPage(ctx, {
      title: `Revoke ${key.name}`,
      active: 'keys',
      body: html`<h1>Revoke ${key.name}?</h1>
<p>Key <code>${key.prefix}…</code> stops working at once, everywhere. Anything that still uses it gets 401 from then on. This cannot be undone.</p>
<form method="post" action="${businessPath(ctx, `/keys/${key.id}/revoke`)}">
${csrfField(ctx)}
<div class="actions"><button type="submit" class="danger">Confirm</button><a href="${businessPath(ctx, '/keys')}">Cancel</a></div>
</form>`,
    });
  });

  routes.post('/keys/:id/revoke', 'member', async (ctx) => {
    const key = await keys.revoke(ctx.state.business.id, manager(ctx), ctx.params.id!);
    seeOther(ctx, businessPath(ctx, `/keys?revoked=${key.id}`));
  });

  function renderRotate(ctx: PageContext, key: { id: string; name: string; prefix: string }, status = 200, error?: string) {
    renderPage(ctx, {
      title: `Rotate ${key.name}`,
      active: 'keys',
      status,
      body: html`<h1>Rotate ${key.name}</h1>
${alertBox(error)}
<p>You get a new key with the same name, scopes and lifetime. The old key <code>${key.prefix}…</code> keeps working for the time you choose, so you can put the new one in place, and then expires.</p>
<form method="post" action="${businessPath(ctx, `/keys/${key.id}/rotate`)}">
${csrfField(ctx)}
<label for="grace">Keep the old key working for</label>
<select id="grace" name="grace">${GRACE_CHOICES.map((c) => html`<option value="${c.value}"${c.value === DEFAULT_GRACE ? html` selected` : ''}>${c.label}</option>`)}</select>
<div class="actions"><button type="submit">Rotate key</button><a href="${businessPath(ctx, '/keys')}">Cancel</a></div>
</form>`,
    });
  }

  routes.get('/keys/:id/rotate', 'member', async (ctx) => {
    renderRotate(ctx, await keys.find(ctx.state.business.id, manager(ctx), ctx.params.id!));
  });

  routes.post('/keys/:id/rotate', 'member', async (ctx) => {
    const grace = GRACE_CHOICES.find((c) => c.value === formText(ctx, 'grace'));
    if (!grace) {
      const key = await keys.find(ctx.state.business.id, manager(ctx), ctx.params.id!);
      return renderRotate(ctx, key, 400, 'Choose how long the old key keeps working: 1 hour, 1 day or 7 days.');
    }
    const { issued, old } = await keys.rotate(ctx.state.business.id, manager(ctx), ctx.params.id!, Number(grace.value));
    renderIssued(ctx, issued, html`<p class="notice" role="status">Key rotated. The old key <code>${old.prefix}…</code> works until ${formatTime(ctx.state, old.expiresAt)}.</p>`);
  });
};
