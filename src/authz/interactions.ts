// The sign-in and consent pages of the authorization flow, rendered on the server. oidc-provider
// sends the browser here (303) with an interaction cookie; each form posts back here and, once
// done, the browser is sent (303, never 307: interop.md 15) to oidc-provider's resume endpoint.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import type { Context } from 'koa';
import { errors, type Provider } from 'oidc-provider';
import { effectOf, SCOPE_CATALOG, type Scope, type ToolsForScope } from '../scopes/index.js';
import type { Config } from '../shared/config.js';
import type { Db } from '../shared/db.js';
import { html, sendPage, type SafeHtml } from '../shared/html.js';
import type { Logger } from '../shared/log.js';
import { createAccountsRepository, type BusinessMembership } from './accounts.repository.js';
import { createGrantsRepository } from './grants.repository.js';
import { GRANT_TTL_SECONDS, INTERACTION_PATH } from './provider.js';
import { LOOPBACK_HOSTS } from './registration-policy.js';
import { createSignIn } from './sign-in.js';

export interface InteractionDeps {
  config: Config;
  db: Db;
  log: Logger;
  /** The current provider (it is rebuilt when signing keys rotate). */
  provider: () => Promise<Provider>;
  /** Secret for the forms' anti-forgery tokens. */
  csrfSecret: string;
  /** The tools each scope unlocks, for the consent screen. */
  toolsForScope: ToolsForScope;
}

type Interaction = Awaited<ReturnType<Provider['interactionDetails']>>;

const INVALID_CREDENTIALS = 'The email or password is incorrect.';
const THROTTLED = 'Too many failed sign-in attempts. Wait 15 minutes, then try again.';

/** Catalog scopes the request asked for, in catalog order. */
function requestedScopes(interaction: Interaction): Scope[] {
  const asked = new Set(String(interaction.params.scope ?? '').split(' '));
  return SCOPE_CATALOG.map((s) => s.scope).filter((s) => asked.has(s));
}

function resourcesOf(interaction: Interaction, fallback: string): string[] {
  const r = interaction.params.resource;
  if (Array.isArray(r)) return r.filter((x): x is string => typeof x === 'string');
  return typeof r === 'string' && r ? [r] : [fallback];
}

/** Where the browser goes after the decision, as the user should read it. */
function describeRedirect(redirectUri: string): { label: string; loopback: boolean } {
  const url = URL.parse(redirectUri);
  if (!url) return { label: redirectUri, loopback: false };
  if (url.protocol === 'https:' || url.protocol === 'http:') {
    return { label: url.host, loopback: url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname) };
  }
  return { label: `${url.protocol}//${url.host}`, loopback: false };
}

export function interactionsRouter(deps: InteractionDeps): Router {
  const { config, db, log } = deps;
  const accounts = createAccountsRepository(db.kysely);
  const signIn = createSignIn(db.kysely);
  const router = new Router({ prefix: INTERACTION_PATH });
  const form = bodyParser({ enableTypes: ['form'], formLimit: '16kb' });

  // Anti-forgery token bound to the interaction: an HMAC of its id. The interaction id only
  // reaches a page through the interaction cookie's own flow, and the cookie is SameSite=Lax.
  const csrfToken = (uid: string, purpose: string) => createHmac('sha256', deps.csrfSecret).update(`${purpose}:${uid}`).digest('base64url');
  const csrfValid = (uid: string, purpose: string, presented: unknown) => {
    if (typeof presented !== 'string') return false;
    const expected = Buffer.from(csrfToken(uid, purpose));
    const actual = Buffer.from(presented);
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  };
  const publicOrigin = new URL(config.publicUrl).origin;
  // Browsers send Origin on every form POST; one from another site is a forgery attempt.
  const sameOrigin = (ctx: Context) => {
    const origin = ctx.get('Origin');
    return !origin || origin === publicOrigin;
  };

  const expired = (ctx: Context) =>
    sendPage(
      ctx,
      400,
      'Sign-in expired',
      html`<h1>This sign-in page has expired</h1>
<div role="alert"><p>The connection request is no longer valid (it is finished, timed out, or was opened in another browser).</p></div>
<p>Go back to the app you were connecting and start the connection again.</p>`,
    );

  /** The interaction named in the URL, if this browser's interaction cookie belongs to it. */
  async function load(ctx: Context): Promise<{ provider: Provider; interaction: Interaction } | undefined> {
    const provider = await deps.provider();
    try {
      const interaction = await provider.interactionDetails(ctx.req, ctx.res);
      if (interaction.uid !== ctx.params.uid) return undefined;
      return { provider, interaction };
    } catch (err) {
      if (err instanceof errors.SessionNotFound) return undefined;
      throw err;
    }
  }

  async function clientLabel(provider: Provider, interaction: Interaction): Promise<{ name: string; id: string }> {
    const id = String(interaction.params.client_id);
    const client = await provider.Client.find(id).catch(() => undefined);
    return { id, name: client?.clientName || id };
  }

  async function finish(ctx: Context, provider: Provider, result: Parameters<Provider['interactionResult']>[2], merge: boolean) {
    const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: merge });
    ctx.status = 303;
    ctx.redirect(returnTo);
  }

  // ── Sign-in ────────────────────────────────────────────────────────────────────────────────────

  function renderLogin(ctx: Context, status: number, uid: string, client: { name: string }, error?: string, email = '') {
    sendPage(
      ctx,
      status,
      'Sign in',
      html`<h1>Sign in to KaiCalls</h1>
<p>to connect <strong>${client.name}</strong> to your business.</p>
${error ? html`<div role="alert">${error}</div>` : ''}
<form method="post" action="${INTERACTION_PATH}/${uid}/login" novalidate>
<input type="hidden" name="csrf" value="${csrfToken(uid, 'login')}">
<label for="email">Email</label>
<input type="email" id="email" name="email" autocomplete="username" required value="${email}">
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required>
<div class="actions">
<button type="submit" formaction="${INTERACTION_PATH}/${uid}/abort" class="secondary" formnovalidate>Cancel</button>
<button type="submit">Sign in</button>
</div>
</form>`,
    );
  }

  // ── Consent ────────────────────────────────────────────────────────────────────────────────────

  async function membershipsOf(userId: string): Promise<BusinessMembership[]> {
    return db.forUser(userId, (tx) => createAccountsRepository(tx).listMemberships(userId));
  }

  function scopeList(scopes: Scope[]): SafeHtml {
    return html`<ul class="scopes">${scopes.map((scope) => {
      const info = SCOPE_CATALOG.find((s) => s.scope === scope)!;
      const tools = deps.toolsForScope(scope);
      return html`<li><strong>${info.consent}</strong>${info.externalEffect ? html` <span class="effect">(acts in the real world)</span>` : ''} <span class="muted">(<code>${scope}</code>)</span>${
        tools.length
          ? html`<div class="tools">Tools: ${tools.map(
              (t, i) => html`${i ? ', ' : ''}<code>${t.name}</code>${t.externalEffect ? html` <span class="effect">(${effectOf(t)})</span>` : ''}`,
            )}</div>`
          : ''
      }</li>`;
    })}</ul>`;
  }

  async function renderConsent(ctx: Context, provider: Provider, interaction: Interaction, error?: string) {
    const uid = interaction.uid;
    const accountId = interaction.session?.accountId;
    const user = accountId ? await accounts.findUserById(accountId) : undefined;
    if (!user) return expired(ctx);
    const client = await clientLabel(provider, interaction);
    const redirect = describeRedirect(String(interaction.params.redirect_uri ?? ''));
    const memberships = await membershipsOf(user.id);
    const denyForm = (label: string) => html`<form method="post" action="${INTERACTION_PATH}/${uid}/consent">
<input type="hidden" name="csrf" value="${csrfToken(uid, 'consent')}">
<div class="actions"><button type="submit" name="decision" value="deny" class="secondary">${label}</button></div>
</form>`;

    if (memberships.length === 0) {
      // Not an error: the account simply has nothing to connect yet.
      return sendPage(
        ctx,
        200,
        'No business to connect',
        html`<h1>Your account has no business yet</h1>
<p>You are signed in as <strong>${user.email}</strong>, but this account does not belong to any business, so there is nothing <strong>${client.name}</strong> could connect to.</p>
<p>Ask an owner or admin of your business to add <strong>${user.email}</strong> to it, then connect the app again.</p>
${denyForm('Deny')}`,
      );
    }

    const scopes = requestedScopes(interaction);
    const only = memberships.length === 1 ? memberships[0]!.business.id : undefined;
    return sendPage(
      ctx,
      error ? 400 : 200,
      'Allow access?',
      html`<h1>Allow <strong>${client.name}</strong> to use your KaiCalls business?</h1>
${error ? html`<div role="alert">${error}</div>` : ''}
<p>Signed in as <strong>${user.email}</strong>.</p>
<p>After you decide, you will be sent back to <strong>${redirect.label}</strong>.</p>
${redirect.loopback ? html`<p class="warning">This app receives the result on this computer (a local address). Only allow it if you started this connection yourself, from an app running on this computer.</p>` : ''}
<p class="muted">The app name is supplied by the app; client id <code>${client.id}</code>.</p>
<form method="post" action="${INTERACTION_PATH}/${uid}/consent">
<input type="hidden" name="csrf" value="${csrfToken(uid, 'consent')}">
<p>It will be able to:</p>
${scopeList(scopes)}
<label for="business">Business</label>
<select id="business" name="business_id" required>
${only ? '' : html`<option value="" selected disabled>Choose a business</option>`}
${memberships.map((m) => html`<option value="${m.business.id}" data-slug="${m.business.slug}"${m.business.id === only ? html` selected` : ''}>${m.business.name}</option>`)}
</select>
<p class="muted">The app acts only on the business you choose here.</p>
<div class="actions">
<button type="submit" name="decision" value="deny" class="secondary" formnovalidate>Deny</button>
<button type="submit" name="decision" value="allow">Allow</button>
</div>
</form>`,
    );
  }

  // ── Routes ─────────────────────────────────────────────────────────────────────────────────────

  router.get('/:uid', async (ctx) => {
    const found = await load(ctx);
    if (!found) return expired(ctx);
    const { provider, interaction } = found;
    if (interaction.prompt.name === 'login') return renderLogin(ctx, 200, interaction.uid, await clientLabel(provider, interaction));
    if (interaction.prompt.name === 'consent') return renderConsent(ctx, provider, interaction);
    log.error({ prompt: interaction.prompt.name }, 'unexpected interaction prompt');
    return expired(ctx);
  });

  router.post('/:uid/login', form, async (ctx) => {
    const found = await load(ctx);
    if (found?.interaction.prompt.name !== 'login') return expired(ctx);
    const { provider, interaction } = found;
    const body = ctx.request.body as Record<string, unknown>;
    if (!sameOrigin(ctx) || !csrfValid(interaction.uid, 'login', body.csrf)) return expired(ctx);
    const email = typeof body.email === 'string' ? body.email.trim() : '';
    const password = typeof body.password === 'string' ? body.password : '';
    const client = await clientLabel(provider, interaction);
    if (!email || !password) return renderLogin(ctx, 400, interaction.uid, client, 'Enter your email and password.', email);
    const result = await signIn.signIn(email, password, ctx.ip);
    if (!result.ok) {
      const throttled = result.reason === 'throttled';
      return renderLogin(ctx, throttled ? 429 : 401, interaction.uid, client, throttled ? THROTTLED : INVALID_CREDENTIALS, email);
    }
    // A browser-session sign-in (not remembered): the sign-in only serves this connection.
    await finish(ctx, provider, { login: { accountId: result.user.id, remember: false } }, false);
  });

  router.post('/:uid/consent', form, async (ctx) => {
    const found = await load(ctx);
    if (found?.interaction.prompt.name !== 'consent') return expired(ctx);
    const { provider, interaction } = found;
    const body = ctx.request.body as Record<string, unknown>;
    if (!sameOrigin(ctx) || !csrfValid(interaction.uid, 'consent', body.csrf)) return expired(ctx);
    const accountId = interaction.session?.accountId;
    if (!accountId) return expired(ctx);

    if (body.decision !== 'allow') {
      // RFC 6749 §4.1.2.1: the client gets error=access_denied with its state (and iss, RFC 9207).
      return finish(ctx, provider, { error: 'access_denied', error_description: 'the user denied the request' }, false);
    }

    const memberships = await membershipsOf(accountId);
    const chosen = memberships.find((m) => m.business.id === body.business_id);
    if (!chosen) return renderConsent(ctx, provider, interaction, 'Choose one of your businesses for this app.');

    const clientId = String(interaction.params.client_id);
    const client = await provider.Client.find(clientId);
    if (!client) return expired(ctx);
    const scopes = requestedScopes(interaction);
    const grant = new provider.Grant({ accountId, clientId });
    // oidc-provider treats the catalog scopes as both OIDC-level and resource scopes (see
    // provider.ts `scopes`); granting both keeps its consent checks satisfied.
    const openid = String(interaction.params.scope ?? '')
      .split(' ')
      .includes('openid')
      ? ['openid']
      : [];
    if (scopes.length || openid.length) grant.addOIDCScope([...openid, ...scopes].join(' '));
    for (const resource of resourcesOf(interaction, config.mcpUrl)) {
      if (scopes.length) grant.addResourceScope(resource, scopes.join(' '));
    }
    const grantId = await grant.save();
    try {
      await db.forBusiness(chosen.business.id, (tx) =>
        createGrantsRepository(tx).insert({
          grantId,
          businessId: chosen.business.id,
          userId: accountId,
          clientId,
          clientName: client.clientName ?? null,
          scopes,
          expiresInSeconds: GRANT_TTL_SECONDS,
          redirectUri: typeof interaction.params.redirect_uri === 'string' ? interaction.params.redirect_uri : null,
        }),
      );
    } catch (err) {
      await grant.destroy();
      throw err;
    }
    await finish(ctx, provider, { consent: { grantId } }, true);
  });

  router.post('/:uid/abort', form, async (ctx) => {
    const found = await load(ctx);
    if (!found) return expired(ctx);
    const body = ctx.request.body as Record<string, unknown>;
    if (!sameOrigin(ctx) || !csrfValid(found.interaction.uid, 'login', body.csrf)) return expired(ctx);
    await finish(ctx, found.provider, { error: 'access_denied', error_description: 'the user cancelled the sign-in' }, false);
  });

  return router;
}
