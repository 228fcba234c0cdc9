// Sign in and out of the dashboard: the same accounts, passwords and throttle as the OAuth sign-in
// (authz/sign-in.ts), a new session id at every sign-in, and a return to the page that asked for it.
import type Router from '@koa/router';
import type { RouterContext } from '@koa/router';
import { createSignIn } from '../../authz/sign-in.js';
import { html } from '../../shared/html.js';
import { alertBox, type DashboardDeps, type DashboardState } from '../context.js';
import { DASHBOARD_PATH, renderPage, SIGN_IN_PATH, SIGN_OUT_PATH } from '../layout.js';
import type { Sessions } from '../session.js';

// The wording of the OAuth sign-in page (authz/interactions.ts): one account, one voice.
const INVALID_CREDENTIALS = 'The email or password is incorrect.';
const THROTTLED = 'Too many failed sign-in attempts. Wait 15 minutes, then try again.';
const MISSING = 'Enter your email and password.';

type Ctx = RouterContext<DashboardState>;

/** Where to go after signing in: only a path inside the dashboard (never another site). */
export function safeNext(value: unknown): string {
  if (typeof value !== 'string') return DASHBOARD_PATH;
  return /^\/dashboard(\/[A-Za-z0-9/_.-]*)?(\?[A-Za-z0-9=&%_.+-]*)?$/.test(value) && !value.includes('//') && !value.includes('/..') ? value : DASHBOARD_PATH;
}

export function signInRoutes(router: Router<DashboardState>, deps: DashboardDeps, sessions: Sessions): void {
  const signIn = createSignIn(deps.db.kysely);

  const form = (ctx: Ctx, status: number, options: { error?: string; email?: string; next: string }) =>
    renderPage(ctx, {
      title: 'Sign in',
      status,
      body: html`<h1>Sign in to your dashboard</h1>
${alertBox(options.error)}
<form method="post" action="${SIGN_IN_PATH}" novalidate>
<input type="hidden" name="_csrf" value="${sessions.signInToken(ctx)}">
<input type="hidden" name="next" value="${options.next}">
<label for="email">Email</label>
<input type="email" id="email" name="email" autocomplete="username" required value="${options.email ?? ''}">
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required>
<div class="actions"><button type="submit">Sign in</button></div>
</form>
<p class="muted">Use the account you sign in with when you connect an app.</p>`,
    });

  router.get(SIGN_IN_PATH, async (ctx) => {
    if (ctx.state.user) {
      ctx.redirect(safeNext(ctx.query.next));
      return;
    }
    form(ctx, 200, { next: safeNext(ctx.query.next) });
  });

  // Origin and the form's token were checked before this runs (index.ts).
  router.post(SIGN_IN_PATH, async (ctx) => {
    const body = ctx.request.body as Record<string, unknown>;
    const email = typeof body.email === 'string' ? body.email.trim() : '';
    const password = typeof body.password === 'string' ? body.password : '';
    const next = safeNext(body.next);
    if (!email || !password) return form(ctx, 400, { error: MISSING, email, next });
    const result = await signIn.signIn(email, password, ctx.ip);
    if (!result.ok) {
      const throttled = result.reason === 'throttled';
      deps.log.info({ outcome: result.reason }, 'dashboard sign-in refused');
      return form(ctx, throttled ? 429 : 401, { error: throttled ? THROTTLED : INVALID_CREDENTIALS, email, next });
    }
    await sessions.start(ctx, result.user.id);
    ctx.status = 303;
    ctx.redirect(next);
  });

  router.post(SIGN_OUT_PATH, async (ctx) => {
    await sessions.end(ctx);
    ctx.status = 303;
    ctx.redirect(SIGN_IN_PATH);
  });
}
