// The business dashboard as one Koa middleware for everything under /dashboard. The pipeline, in
// order (each step its own function below):
//   headers      CSP, no framing, same-origin referrers, nosniff, no-store
//   errorPages   AppError and failures → an HTML page with the message in role="alert"
//   assets       the stylesheet and the Copy-button script
//   forms        urlencoded bodies only, small
//   session      the signed-in user, their businesses, the CSRF token
//   forgery      every POST: same-origin Origin and the session's (or sign-in form's) token, else 403
//   signedIn     pages other than sign-in need a session (GET → sign-in page, POST → 403)
//   routes       sign-in/out, the business chooser, then `/dashboard/<slug>/…` page modules
import { bodyParser } from '@koa/bodyparser';
import Router from '@koa/router';
import compose from 'koa-compose';
import type { Context, Middleware, Next } from 'koa';
import { createAccountsRepository } from '../authz/accounts.repository.js';
import { isDatabaseUnavailable } from '../shared/db-unavailable.js';
import { AppError, httpStatusOf, notFound } from '../shared/errors.js';
import { html } from '../shared/html.js';
import { DASHBOARD_CSS, DASHBOARD_JS } from './assets.js';
import { alertBox, type DashboardDeps, type DashboardState, type PageContext, type PageModule, pageRoutes, type PageState } from './context.js';
import { ASSETS_PATH, DASHBOARD_PATH, renderPage, setDashboardHeaders, SIGN_IN_PATH } from './layout.js';
import { appsPages } from './pages/apps.js';
import { keysPages } from './pages/keys.js';
import { overviewPages } from './pages/overview.js';
import { approvalsPages } from './pages/approvals.js';
import { auditPages } from './pages/audit.js';
import { callsPages } from './pages/calls.js';
import { appointmentsPages } from './pages/appointments.js';
import { membersPages } from './pages/members.js';
import { signInRoutes } from './pages/sign-in.js';
import { createSessions, tokensMatch } from './session.js';

/** The pages of a business, each module registering its own routes (context.ts PageRoutes). */
const PAGE_MODULES: readonly PageModule[] = [overviewPages, keysPages, appsPages, approvalsPages, auditPages, callsPages, membersPages, appointmentsPages];

const LOOPBACK_NAMES: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '[::1]']);
const HOUSEKEEPING_MS = 10 * 60_000;
const FORM_LIMIT = '32kb';

export interface Dashboard {
  readonly middleware: Middleware;
  stop(): void;
}

const TITLES: Record<number, string> = { 400: 'Bad request', 403: 'Not allowed', 404: 'Not found', 413: 'Too large', 429: 'Too many requests', 503: 'Unavailable' };

export function createDashboard(deps: DashboardDeps): Dashboard {
  const { config, db, log } = deps;
  const sessions = createSessions(config, db.kysely);
  const publicUrl = new URL(config.publicUrl);
  const publicOrigin = publicUrl.origin;
  // On a laptop (a loopback PUBLIC_URL) the other loopback names of the same port are this same
  // server: a person may open http://127.0.0.1:3000 though the banner says localhost. Another port
  // is another origin (another local app), refused like any other site.
  const loopbackPublic = LOOPBACK_NAMES.has(publicUrl.hostname);
  const sameOrigin = (origin: string) => {
    if (origin === publicOrigin) return true;
    const url = loopbackPublic ? URL.parse(origin) : null;
    return Boolean(url && url.origin === origin && url.protocol === publicUrl.protocol && url.port === publicUrl.port && LOOPBACK_NAMES.has(url.hostname));
  };

  const inDashboard = (path: string) => path === DASHBOARD_PATH || path.startsWith(`${DASHBOARD_PATH}/`);

  async function headers(ctx: Context, next: Next) {
    setDashboardHeaders(ctx);
    await next();
  }

  const errorPage = (ctx: Context, status: number, message: string) =>
    renderPage(ctx as Context & { state: DashboardState }, {
      title: TITLES[status] ?? 'Error',
      status,
      body: html`<h1>${TITLES[status] ?? 'Something went wrong'}</h1>
${alertBox(message)}
<p><a href="${DASHBOARD_PATH}">Back to the dashboard</a></p>`,
    });

  async function errorPages(ctx: Context, next: Next) {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) errorPage(ctx, 404, 'There is no such page.');
    } catch (err) {
      if (err instanceof AppError) return errorPage(ctx, httpStatusOf(err.code), err.message);
      const status = (err as { status?: number }).status;
      if (typeof status === 'number' && status >= 400 && status < 500 && (err as { expose?: boolean }).expose) return errorPage(ctx, status, (err as Error).message);
      if (isDatabaseUnavailable(err)) {
        log.warn({ err, method: ctx.method, path: ctx.path }, 'dashboard request refused: database unavailable');
        ctx.set('Retry-After', '5');
        return errorPage(ctx, 503, 'The database is unavailable; try again shortly.');
      }
      log.error({ err, method: ctx.method, path: ctx.path }, 'dashboard request failed');
      errorPage(ctx, 500, 'Something went wrong on our side. Nothing was changed unless the page said so; try again.');
    }
  }

  async function assets(ctx: Context, next: Next) {
    if (!ctx.path.startsWith(`${ASSETS_PATH}/`) || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) return next();
    const asset = ctx.path === `${ASSETS_PATH}/dashboard.css` ? DASHBOARD_CSS : ctx.path === `${ASSETS_PATH}/dashboard.js` ? DASHBOARD_JS : undefined;
    if (asset === undefined) return next();
    ctx.type = ctx.path.endsWith('.css') ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8';
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = asset;
  }

  const forms = bodyParser({ enableTypes: ['form'], formLimit: FORM_LIMIT });

  async function session(ctx: Context & { state: DashboardState }, next: Next) {
    const live = await sessions.load(ctx);
    if (live) {
      // The user row itself is read as system work: the tenant role may not read password hashes,
      // and nothing here needs one.
      const user = await createAccountsRepository(db.kysely).findUserById(live.userId);
      if (user) {
        ctx.state.user = { id: user.id, email: user.email, name: user.name };
        ctx.state.csrf = live.csrf;
        ctx.state.memberships = await db.forUser(user.id, (tx) => createAccountsRepository(tx).listMemberships(user.id));
      }
    }
    await next();
  }

  // OWASP CSRF: a same-origin Origin (or, failing one, Referer) and a token tied to the session.
  // Both must hold; either failing is 403 before any handler runs, so nothing changes.
  async function forgery(ctx: Context & { state: DashboardState }, next: Next) {
    if (ctx.method === 'GET' || ctx.method === 'HEAD') return next();
    const origin = ctx.get('Origin') || originOf(ctx.get('Referer'));
    if (!sameOrigin(origin)) {
      log.warn({ path: ctx.path, origin: origin || null }, 'dashboard POST refused: foreign or missing Origin');
      return errorPage(ctx, 403, 'This form was not sent from this dashboard, so nothing was changed.');
    }
    const presented = (ctx.request.body as Record<string, unknown> | undefined)?._csrf;
    const valid = ctx.path === SIGN_IN_PATH ? sessions.signInTokenValid(ctx, presented) : Boolean(ctx.state.csrf && tokensMatch(presented, ctx.state.csrf));
    if (!valid) {
      log.warn({ path: ctx.path }, 'dashboard POST refused: missing or wrong CSRF token');
      return errorPage(ctx, 403, 'This form has expired or was not sent from this dashboard, so nothing was changed. Reload the page and try again.');
    }
    await next();
  }

  async function signedIn(ctx: Context & { state: DashboardState }, next: Next) {
    if (ctx.state.user || ctx.path === SIGN_IN_PATH) return next();
    if (ctx.method === 'GET' || ctx.method === 'HEAD') {
      ctx.redirect(`${SIGN_IN_PATH}?next=${encodeURIComponent(ctx.path)}`);
      return;
    }
    return errorPage(ctx, 403, 'You are signed out, so nothing was changed. Sign in and try again.');
  }

  // ── Routes outside a business ──────────────────────────────────────────────────────────────────
  const top = new Router<DashboardState>();
  signInRoutes(top, deps, sessions);

  top.get(DASHBOARD_PATH, async (ctx) => {
    const memberships = ctx.state.memberships ?? [];
    if (memberships.length === 1) {
      ctx.redirect(`${DASHBOARD_PATH}/${memberships[0]!.business.slug}`);
      return;
    }
    if (memberships.length === 0) {
      return renderPage(ctx, {
        title: 'No business yet',
        body: html`<h1>You are not part of any business yet</h1>
<p>Your account (${ctx.state.user?.email ?? ''}) is signed in, but no business has added you as a member, so there is nothing to show here.</p>
<p>Ask an owner of your business to add you on their <strong>Members</strong> page, then sign in again. If you run the server yourself, <code>npm run admin</code> can create a business and add you.</p>`,
      });
    }
    renderPage(ctx, {
      title: 'Choose a business',
      body: html`<h1>Choose a business</h1>
<ul>${memberships.map((m) => html`<li><a href="${DASHBOARD_PATH}/${m.business.slug}">${m.business.name}</a> <span class="muted">(${m.role})</span></li>`)}</ul>`,
    });
  });

  // The business switcher is a GET form, so it works without JavaScript.
  top.get(`${DASHBOARD_PATH}/switch`, async (ctx) => {
    const slug = typeof ctx.query.business === 'string' ? ctx.query.business : '';
    const chosen = ctx.state.memberships?.find((m) => m.business.slug === slug);
    if (!chosen) throw notFound('Business');
    ctx.redirect(`${DASHBOARD_PATH}/${chosen.business.slug}`);
  });

  // ── Pages of one business ──────────────────────────────────────────────────────────────────────
  const business = new Router<PageState>();
  // The business of the URL must be one of the user's: any other reads as not found, like a
  // business that does not exist (no oracle for which slugs exist).
  const loadBusiness = async (ctx: PageContext) => {
    const membership = ctx.state.memberships.find((m) => m.business.slug === ctx.params.slug);
    if (!membership) throw notFound('Business');
    ctx.state.business = membership.business;
    ctx.state.role = membership.role;
  };
  const routes = pageRoutes(business, `${DASHBOARD_PATH}/:slug`, loadBusiness);
  for (const register of PAGE_MODULES) register(routes, deps);

  const pipeline = compose([
    headers,
    errorPages,
    assets,
    forms,
    session,
    forgery,
    signedIn,
    top.routes(),
    top.allowedMethods(),
    business.routes(),
    business.allowedMethods(),
  ] as Middleware[]);

  const timer = setInterval(() => {
    sessions.sweep().catch((err: unknown) => log.warn({ err }, 'dashboard session housekeeping failed'));
  }, HOUSEKEEPING_MS);
  timer.unref();

  return {
    middleware: (ctx, next) => (inDashboard(ctx.path) ? pipeline(ctx, next) : next()),
    stop() {
      clearInterval(timer);
    },
  };
}

function originOf(referer: string): string {
  const url = URL.parse(referer);
  return url ? url.origin : '';
}
