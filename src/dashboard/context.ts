// What every dashboard page knows about its request (the signed-in user, their businesses, the
// business of the URL and their role in it), how a page module registers its routes with the role
// they need, and the small helpers pages share: the CSRF field, the alert, the acting user.
import type Router from '@koa/router';
import type { RouterContext } from '@koa/router';
import type { Business, Role } from '../../db/schema.js';
import type { BusinessMembership } from '../authz/accounts.repository.js';
import type { Domain } from '../domain/index.js';
import type { Config } from '../shared/config.js';
import type { Db } from '../shared/db.js';
import { AppError } from '../shared/errors.js';
import { html, type SafeHtml } from '../shared/html.js';
import type { Logger } from '../shared/log.js';

export interface DashboardUser {
  id: string;
  email: string;
  name: string | null;
}

/** State of any dashboard request; `user` is set once the session is known. */
export interface DashboardState {
  user?: DashboardUser;
  /** The session's anti-forgery token (put in every form with `csrfField`). */
  csrf?: string;
  /** The user's businesses, by name (for the switcher). */
  memberships?: BusinessMembership[];
  /** Set on `/dashboard/<slug>/…` pages once the user's membership there is checked. */
  business?: Business;
  role?: Role;
}

/** State of a business page: every field checked and present. */
export interface PageState extends DashboardState {
  user: DashboardUser;
  csrf: string;
  memberships: BusinessMembership[];
  business: Business;
  role: Role;
}

export type PageContext = RouterContext<PageState>;
export type PageHandler = (ctx: PageContext) => Promise<void>;

/** What page modules are built from (handed down from app.ts). */
export interface DashboardDeps {
  config: Config;
  db: Db;
  log: Logger;
  domain: Domain;
}

const RANK: Record<Role, number> = { member: 1, admin: 2, owner: 3 };

/** True when `role` is at least `needed` (owner ⊃ admin ⊃ member). */
export const hasRole = (role: Role, needed: Role): boolean => RANK[role] >= RANK[needed];

/** Refuses (403) a user below `needed`; for checks inside a handler (e.g. "someone else's key needs admin"). */
export function requireRole(ctx: PageContext, needed: Role, what: string): void {
  if (!hasRole(ctx.state.role, needed)) {
    throw new AppError('forbidden', `${what} needs the ${needed} role; you are ${ctx.state.role === 'admin' ? 'an' : 'a'} ${ctx.state.role} of ${ctx.state.business.name}.`);
  }
}

/**
 * How a page module registers its routes: paths are relative to `/dashboard/<slug>` ('' is the
 * business's overview), and each route names the least role that may use it. The business of the
 * URL and the user's membership there are loaded and checked before the handler runs (another
 * business, or none of the user's: 404); POSTs have already passed the Origin and CSRF checks.
 */
export interface PageRoutes {
  get(path: string, minRole: Role, handler: PageHandler): void;
  post(path: string, minRole: Role, handler: PageHandler): void;
}

export type PageModule = (routes: PageRoutes, deps: DashboardDeps) => void;

/** Registers PageRoutes on `router` under `base` (`/dashboard/:slug`). */
export function pageRoutes(router: Router<PageState>, base: string, loadBusiness: PageHandlerMiddleware): PageRoutes {
  const guard =
    (minRole: Role, handler: PageHandler) =>
    async (ctx: PageContext): Promise<void> => {
      await loadBusiness(ctx);
      requireRole(ctx, minRole, 'This page');
      await handler(ctx);
    };
  return {
    get(path, minRole, handler) {
      router.get(`${base}${path}`, guard(minRole, handler));
    },
    post(path, minRole, handler) {
      router.post(`${base}${path}`, guard(minRole, handler));
    },
  };
}

type PageHandlerMiddleware = (ctx: PageContext) => Promise<void>;

/** The hidden field every POST form carries; checked centrally before any handler runs. */
export const csrfField = (ctx: { state: DashboardState }): SafeHtml => html`<input type="hidden" name="_csrf" value="${ctx.state.csrf ?? ''}">`;

/** An error (or several) shown at the top of a form, announced by screen readers. */
export const alertBox = (message: string | SafeHtml | undefined): SafeHtml => (message ? html`<div role="alert">${message}</div>` : html``);

/** A form field's value as text ('' when absent); repeated fields give their first value. */
export function formText(ctx: PageContext, name: string): string {
  const value = (ctx.request.body as Record<string, unknown> | undefined)?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first : '';
}

/** A query parameter's value, trimmed ('' when absent); a repeated parameter gives its first value. */
export function queryText(ctx: PageContext, name: string): string {
  const value = ctx.query[name];
  return (Array.isArray(value) ? value[0] : value)?.trim() ?? '';
}

/** A repeated form field (checkboxes) as a list of texts. */
export function formList(ctx: PageContext, name: string): string[] {
  const value = (ctx.request.body as Record<string, unknown> | undefined)?.[name];
  const list = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return list.filter((v): v is string => typeof v === 'string');
}

/** `/dashboard/<slug>` + `path`: links and form actions of the current business. */
export const businessPath = (ctx: { state: DashboardState }, path = ''): string => `/dashboard/${ctx.state.business?.slug ?? ''}${path}`;

/** A redirect after a successful POST (303: the browser GETs the target; reload does not re-post). */
export function seeOther(ctx: PageContext, path: string): void {
  ctx.status = 303;
  ctx.redirect(path);
}
