// The OAuth dance for tests, done the way a real client does it: the MCP SDK's own client OAuth
// code (`auth()` from @modelcontextprotocol/sdk/client/auth.js) with an in-memory
// OAuthClientProvider, and a small cookie-keeping HTTP "browser" that signs in and consents by
// submitting the server-rendered forms. Other test files reuse `obtainTokens` to get real tokens.
import { randomBytes } from 'node:crypto';
import { auth, type OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { createAccountsRepository } from '../../src/authz/accounts.repository.js';
import { hashPassword } from '../../src/authz/passwords.js';
import type { Db } from '../../src/shared/db.js';
import type { Business, Role, User } from '../../db/schema.js';

// ── Accounts ─────────────────────────────────────────────────────────────────────────────────────

export interface TestAccount {
  user: User;
  email: string;
  password: string;
  businesses: Business[];
}

/** A user (with a password) and the businesses it belongs to, created through the accounts repository. */
export async function createTestAccount(
  db: Db,
  options: { email?: string; password?: string; businesses?: { name: string; slug?: string; role?: Role }[] } = {},
): Promise<TestAccount> {
  const suffix = randomBytes(4).toString('hex');
  const email = options.email ?? `user-${suffix}@example.com`;
  const password = options.password ?? `pw-${randomBytes(9).toString('base64url')}`;
  const accounts = createAccountsRepository(db.kysely);
  const user = await accounts.createUser({ email, passwordHash: await hashPassword(password), name: 'Test User' });
  const businesses: Business[] = [];
  for (const b of options.businesses ?? []) {
    const slug =
      b.slug ??
      `${b.name
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-|-$/g, '')}-${suffix}`;
    const business = await accounts.createBusiness({ name: b.name, slug, timezone: 'America/New_York' });
    await accounts.upsertMembership(business.id, user.id, b.role ?? 'owner');
    businesses.push(business);
  }
  return { user, email, password, businesses };
}

// ── A browser that keeps cookies and does not follow redirects by itself ──────────────────────────

interface StoredCookie {
  name: string;
  value: string;
  path: string;
}

export interface PageResponse {
  status: number;
  url: string;
  location: string | null;
  headers: Headers;
  body: string;
}

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&#96;': '`' };
export const decodeEntities = (s: string) => s.replace(/&(amp|lt|gt|quot|#39|#96);/g, (m) => ENTITIES[m]!);

export class TestBrowser {
  private cookies: StoredCookie[] = [];

  cookieNames(): string[] {
    return this.cookies.map((c) => c.name);
  }

  private cookieHeader(url: URL): string {
    return this.cookies
      .filter((c) => url.pathname === c.path || url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`) || c.path === '/')
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
  }

  private store(url: URL, headers: Headers) {
    for (const line of headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';').map((s) => s.trim());
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      let path = url.pathname.replace(/\/[^/]*$/, '') || '/';
      let expired = value === '';
      for (const attr of attrs) {
        const [k, v = ''] = attr.split('=');
        if (k!.toLowerCase() === 'path') path = v;
        if (k!.toLowerCase() === 'expires' && Date.parse(v) <= Date.now()) expired = true;
        if (k!.toLowerCase() === 'max-age' && Number(v) <= 0) expired = true;
      }
      this.cookies = this.cookies.filter((c) => !(c.name === name && c.path === path));
      if (!expired) this.cookies.push({ name, value, path });
    }
  }

  async request(url: string, init: { method?: string; form?: Record<string, string>; headers?: Record<string, string> } = {}): Promise<PageResponse> {
    const target = new URL(url);
    const headers: Record<string, string> = { ...init.headers };
    const cookie = this.cookieHeader(target);
    if (cookie) headers.cookie = cookie;
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      // A real browser sends the page's origin with a form post.
      headers.origin ??= target.origin;
      body = new URLSearchParams(init.form).toString();
    }
    const res = await fetch(target, { method: init.method ?? (init.form ? 'POST' : 'GET'), headers, body, redirect: 'manual' });
    this.store(target, res.headers);
    const location = res.headers.get('location');
    return { status: res.status, url: target.href, location: location ? new URL(location, target).href : null, headers: res.headers, body: await res.text() };
  }

  get(url: string) {
    return this.request(url);
  }

  post(url: string, form: Record<string, string>, headers?: Record<string, string>) {
    return this.request(url, { form, headers });
  }

  /** Follows redirects within `origin` until a page is served or a redirect leaves the origin. */
  async follow(url: string, origin: string, max = 10): Promise<PageResponse> {
    let res = await this.get(url);
    for (let i = 0; i < max && res.location && new URL(res.location).origin === origin; i++) res = await this.get(res.location);
    return res;
  }
}

// ── Reading the server-rendered pages ────────────────────────────────────────────────────────────

export interface ParsedForm {
  action: string;
  fields: Record<string, string>;
}

/** The forms of a page: action and hidden inputs. */
export function parseForms(page: PageResponse): ParsedForm[] {
  const forms: ParsedForm[] = [];
  for (const m of page.body.matchAll(/<form\b[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/g)) {
    const fields: Record<string, string> = {};
    for (const input of m[2]!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[input[1]!] = decodeEntities(input[2]!);
    forms.push({ action: new URL(decodeEntities(m[1]!), page.url).href, fields });
  }
  return forms;
}

export interface BusinessOption {
  id: string;
  slug: string;
  name: string;
  selected: boolean;
}

/** The business picker's options. */
export function parseBusinessOptions(page: PageResponse): BusinessOption[] {
  return [...page.body.matchAll(/<option value="([^"]+)" data-slug="([^"]*)"( selected)?>([^<]*)<\/option>/g)].map((m) => ({
    id: m[1]!,
    slug: decodeEntities(m[2]!),
    selected: Boolean(m[3]),
    name: decodeEntities(m[4]!),
  }));
}

export function alertText(page: PageResponse): string | undefined {
  const m = /<div role="alert">([\s\S]*?)<\/div>/.exec(page.body);
  return m ? decodeEntities(m[1]!.replace(/<[^>]+>/g, '')).trim() : undefined;
}

export const isLoginPage = (page: PageResponse) => /<button type="submit">Sign in<\/button>/.test(page.body);
export const isConsentPage = (page: PageResponse) => /value="allow">Allow<\/button>/.test(page.body);

export interface SignInAndConsent {
  email: string;
  password: string;
  /** Which business to pick; default: the preselected one (the user's only business). */
  businessSlug?: string;
  decision?: 'allow' | 'deny';
}

/**
 * Opens an authorization URL, signs in (if asked to) and answers the consent page, like a person
 * in a browser. Returns the redirect to the client (its callback URL with code or error), which is
 * not followed.
 */
export async function signInAndConsent(browser: TestBrowser, authorizationUrl: string, as: SignInAndConsent): Promise<URL> {
  const origin = new URL(authorizationUrl).origin;
  let page = await browser.follow(authorizationUrl, origin);
  if (isLoginPage(page)) {
    const [login] = parseForms(page);
    const posted = await browser.post(login!.action, { ...login!.fields, email: as.email, password: as.password });
    if (!posted.location) throw new Error(`sign-in failed (${posted.status}): ${alertText(posted) ?? posted.body.slice(0, 200)}`);
    page = await browser.follow(posted.location, origin);
  }
  if (page.location) return new URL(page.location);
  if (!isConsentPage(page)) throw new Error(`expected the consent page, got ${page.status}: ${alertText(page) ?? page.body.slice(0, 300)}`);
  const [consent] = parseForms(page).filter((f) => f.action.endsWith('/consent'));
  const options = parseBusinessOptions(page);
  const business = as.businessSlug ? options.find((o) => o.slug === as.businessSlug) : options.find((o) => o.selected);
  if (!business && as.decision !== 'deny') throw new Error(`no business to choose (asked for ${as.businessSlug ?? 'the preselected one'})`);
  const decided = await browser.post(consent!.action, { ...consent!.fields, business_id: business?.id ?? '', decision: as.decision ?? 'allow' });
  if (!decided.location) throw new Error(`consent failed (${decided.status}): ${alertText(decided) ?? decided.body.slice(0, 200)}`);
  const back = await browser.follow(decided.location, origin);
  if (!back.location) throw new Error(`expected a redirect to the client, got ${back.status}: ${back.body.slice(0, 300)}`);
  return new URL(back.location);
}

// ── The MCP SDK's OAuth client ───────────────────────────────────────────────────────────────────

/** An in-memory OAuthClientProvider: what a real MCP client stores between steps. */
export class TestOAuthClient implements OAuthClientProvider {
  authorizationUrl: URL | undefined;
  private info: OAuthClientInformationMixed | undefined;
  private saved: OAuthTokens | undefined;
  private verifier: string | undefined;
  readonly expectedState = randomBytes(16).toString('base64url');

  constructor(readonly metadata: OAuthClientMetadata = defaultClientMetadata()) {}

  get redirectUrl(): string {
    return this.metadata.redirect_uris[0]!;
  }
  get clientMetadata(): OAuthClientMetadata {
    return this.metadata;
  }
  state(): string {
    return this.expectedState;
  }
  clientInformation() {
    return this.info;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.info = info;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    if (!this.verifier) throw new Error('no code verifier saved');
    return this.verifier;
  }
}

/** What Claude Code and similar native clients register: a loopback callback, public client. */
export function defaultClientMetadata(overrides: Partial<OAuthClientMetadata> = {}): OAuthClientMetadata {
  return {
    client_name: 'Test MCP Client',
    redirect_uris: ['http://127.0.0.1:33418/callback'],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    ...overrides,
  };
}

export interface ObtainedTokens {
  tokens: OAuthTokens;
  /** The access token's claims (decoded, not verified: the tests verify separately). */
  claims: Record<string, unknown>;
  header: Record<string, unknown>;
  client: TestOAuthClient;
  browser: TestBrowser;
  /** The redirect the server sent the browser to (code, state, iss). */
  callback: URL;
}

/**
 * Runs the whole flow with the MCP SDK: discovery from the MCP URL, dynamic registration,
 * authorization with PKCE, sign-in and consent over HTTP, code exchange.
 */
export async function obtainTokens(
  baseUrl: string,
  as: { email: string; password: string; businessSlug?: string; scopes?: readonly string[]; clientMetadata?: OAuthClientMetadata; browser?: TestBrowser },
): Promise<ObtainedTokens> {
  const serverUrl = `${baseUrl}/api/mcp`;
  const client = new TestOAuthClient(as.clientMetadata ?? defaultClientMetadata());
  const browser = as.browser ?? new TestBrowser();
  const scope = as.scopes?.join(' ');
  const first = await auth(client, { serverUrl, scope });
  if (first !== 'REDIRECT' || !client.authorizationUrl) throw new Error(`expected a redirect to authorize, got ${first}`);
  const callback = await signInAndConsent(browser, client.authorizationUrl.href, as);
  if (callback.searchParams.get('error')) throw new Error(`authorization refused: ${callback.searchParams.get('error')} ${callback.searchParams.get('error_description') ?? ''}`);
  if (callback.searchParams.get('state') !== client.expectedState) throw new Error('state mismatch');
  const code = callback.searchParams.get('code');
  if (!code) throw new Error(`no code in ${callback.href}`);
  const second = await auth(client, { serverUrl, authorizationCode: code });
  if (second !== 'AUTHORIZED') throw new Error(`expected AUTHORIZED, got ${second}`);
  const tokens = client.tokens()!;
  return {
    tokens,
    claims: decodeJwt(tokens.access_token) as Record<string, unknown>,
    header: decodeProtectedHeader(tokens.access_token) as Record<string, unknown>,
    client,
    browser,
    callback,
  };
}
