// Dashboard sessions: a random id in an HttpOnly cookie, its SHA-256 in the database (any node
// serves any page), an idle and an absolute lifetime, and a fresh id at every sign-in (no session
// fixation). The CSRF token of a session is derived from its id, so it needs no storage and dies
// with the session; the sign-in form, which has no session yet, gets a token bound to a short-lived
// cookie of its own (login CSRF: a forged sign-in into the attacker's account).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';
import type { Config } from '../shared/config.js';
import type { OwnerDb } from '../shared/db.js';
import { createSessionsRepository } from './sessions.repository.js';

/** A page view moves the idle clock at most once a minute (one write per minute, not per request). */
const TOUCH_AFTER_SECONDS = 60;
const SIGN_IN_COOKIE_MAX_AGE = 3600;

export interface LiveSession {
  userId: string;
  /** The token every POST of this session must carry in the `_csrf` field. */
  csrf: string;
}

const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest();
const idHashOf = (id: string) => sha256(`session:${id}`).toString('hex');
const csrfOf = (id: string) => sha256(`csrf:${id}`).toString('base64url');
const signInCsrfOf = (value: string) => sha256(`sign-in-csrf:${value}`).toString('base64url');
const SESSION_ID_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** Constant-time equality of a presented token with the expected one. */
export function tokensMatch(presented: unknown, expected: string): boolean {
  if (typeof presented !== 'string') return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function createSessions(config: Pick<Config, 'publicUrl' | 'dashboardSession'>, db: OwnerDb) {
  const repo = createSessionsRepository(db);
  const { idleSeconds, maxAgeSeconds } = config.dashboardSession;
  // RFC 6265bis 4.1.3.2: a __Host- cookie must be Secure, Path=/ and carry no Domain, so no other
  // host (a sibling subdomain) can plant or shadow it. Browsers refuse Secure cookies over http,
  // so a plain-http deployment (a laptop) uses the unprefixed name without Secure.
  const secure = new URL(config.publicUrl).protocol === 'https:';
  const sessionCookie = secure ? '__Host-kc_dashboard' : 'kc_dashboard';
  const signInCookie = secure ? '__Host-kc_dashboard_signin' : 'kc_dashboard_signin';

  const setCookie = (ctx: Context, name: string, value: string, maxAge: number) => {
    ctx.append('Set-Cookie', `${name}=${value}; Path=/; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`);
  };
  const presentedId = (ctx: Context): string | undefined => {
    const id = ctx.cookies.get(sessionCookie);
    return id && SESSION_ID_SHAPE.test(id) ? id : undefined;
  };

  return {
    /** The live session the request's cookie names, if any. */
    async load(ctx: Context): Promise<LiveSession | undefined> {
      const id = presentedId(ctx);
      if (!id) return undefined;
      const stored = await repo.findLive(idHashOf(id), idleSeconds, TOUCH_AFTER_SECONDS);
      return stored && { userId: stored.userId, csrf: csrfOf(id) };
    },

    /** Signs the user in: ends the session the browser had (if any) and starts one under a new id. */
    async start(ctx: Context, userId: string): Promise<void> {
      const previous = presentedId(ctx);
      if (previous) await repo.delete(idHashOf(previous));
      const id = randomBytes(32).toString('base64url');
      await repo.insert(idHashOf(id), userId, maxAgeSeconds);
      setCookie(ctx, sessionCookie, id, maxAgeSeconds);
      setCookie(ctx, signInCookie, '', 0);
    },

    /** Signs out: the session row is deleted, so the cookie is worthless on every node at once. */
    async end(ctx: Context): Promise<void> {
      const id = presentedId(ctx);
      if (id) await repo.delete(idHashOf(id));
      setCookie(ctx, sessionCookie, '', 0);
    },

    /** The sign-in form's anti-forgery token; sets the cookie it is bound to when there is none. */
    signInToken(ctx: Context): string {
      let value = ctx.cookies.get(signInCookie);
      if (!value || !SESSION_ID_SHAPE.test(value)) {
        value = randomBytes(32).toString('base64url');
        setCookie(ctx, signInCookie, value, SIGN_IN_COOKIE_MAX_AGE);
      }
      return signInCsrfOf(value);
    },

    signInTokenValid(ctx: Context, presented: unknown): boolean {
      const value = ctx.cookies.get(signInCookie);
      return Boolean(value && SESSION_ID_SHAPE.test(value) && tokensMatch(presented, signInCsrfOf(value)));
    },

    /** Housekeeping: forgets ended sessions (any node may run it; idempotent). */
    sweep: () => repo.deleteEnded(idleSeconds),
  };
}

export type Sessions = ReturnType<typeof createSessions>;
