// Connected apps: the OAuth connections made for this business (a member sees the ones they made,
// an admin or owner all), and revoking one after a confirmation. What revoking does, and the audit
// row, are in authz/connected-apps.ts.
import { type AppsViewer, createConnectedApps } from '../../authz/connected-apps.js';
import { html } from '../../shared/html.js';
import { businessPath, csrfField, type PageContext, type PageModule, seeOther } from '../context.js';
import { formatTime, listTable, renderPage } from '../layout.js';

const viewer = (ctx: PageContext): AppsViewer => ({ userId: ctx.state.user.id, role: ctx.state.role });

/** The host the client's authorization codes go to, as the consent screen names it. */
function redirectHost(uri: string | null): string {
  if (!uri) return '—';
  const url = URL.parse(uri);
  if (!url) return uri;
  return url.protocol === 'http:' || url.protocol === 'https:' ? url.host : `${url.protocol}//${url.host}`;
}

export const appsPages: PageModule = (routes, { db }) => {
  const apps = createConnectedApps(db);
  const nameOf = (app: { clientName: string | null; clientId: string }) => app.clientName || app.clientId;

  routes.get('/apps', 'member', async (ctx) => {
    const list = await apps.listFor(ctx.state.business.id, viewer(ctx));
    const revoked = typeof ctx.query.revoked === 'string' ? ctx.query.revoked : undefined;
    renderPage(ctx, {
      title: 'Connected apps',
      active: 'apps',
      body: html`<h1>Connected apps</h1>
${revoked !== undefined ? html`<p class="notice" role="status">The app is disconnected: it can no longer refresh its access, and its current access ends within seconds.</p>` : ''}
<p>Apps that signed in with OAuth to act for ${ctx.state.business.name}. ${ctx.state.role === 'member' ? 'You see the apps you connected.' : 'You see every member’s connections.'}</p>
${listTable({
  caption: 'Connected apps',
  columns: ['App', 'Redirect host', 'Scopes', 'Connected by', 'Connected', 'Last used', 'Actions'],
  rows: list.map((app) => [
    html`${nameOf(app)}${app.clientName ? html`<br><span class="muted">${app.clientId}</span>` : ''}`,
    redirectHost(app.redirectUri),
    html`${app.scopes.map((s, i) => html`${i ? ' ' : ''}<code>${s}</code>`)}`,
    app.connectedBy ?? '—',
    formatTime(ctx.state, app.createdAt),
    formatTime(ctx.state, app.lastUsedAt, 'Not yet'),
    html`<form method="get" action="${businessPath(ctx, `/apps/${encodeURIComponent(app.grantId)}/revoke`)}"><button type="submit" class="danger">Revoke<span class="vh"> ${nameOf(app)}</span></button></form>`,
  ]),
  empty: 'No apps are connected.',
})}`,
    });
  });

  routes.get('/apps/:grant/revoke', 'member', async (ctx) => {
    const app = await apps.findFor(ctx.state.business.id, viewer(ctx), ctx.params.grant!);
    renderPage(ctx, {
      title: `Revoke ${nameOf(app)}`,
      active: 'apps',
      body: html`<h1>Revoke ${nameOf(app)}?</h1>
<p>${nameOf(app)} loses its access to ${ctx.state.business.name}: it can no longer refresh its tokens, and the access it holds now ends within seconds. To use it again, someone has to connect it again.</p>
<form method="post" action="${businessPath(ctx, `/apps/${encodeURIComponent(app.grantId)}/revoke`)}">
${csrfField(ctx)}
<div class="actions"><button type="submit" class="danger">Confirm</button><a href="${businessPath(ctx, '/apps')}">Cancel</a></div>
</form>`,
    });
  });

  routes.post('/apps/:grant/revoke', 'member', async (ctx) => {
    await apps.revokeFor(ctx.state.business.id, viewer(ctx), ctx.params.grant!);
    seeOther(ctx, businessPath(ctx, '/apps?revoked'));
  });
};
