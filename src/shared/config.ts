// The one reader of process.env. Every setting is parsed and checked here, once, at start; the
// result is frozen and handed to createApp. A bad value stops the process with one line that names
// the variable, what it must be, and what it got.
import path from 'node:path';
import { z } from 'zod';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Seconds, from "3600", "90s", "15m", "1h", "30d". */
export function parseDuration(value: string): number | undefined {
  const m = /^(\d+)\s*(s|m|h|d)?$/.exec(value.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  const factor = { s: 1, m: 60, h: 3600, d: 86400 }[unit as 's' | 'm' | 'h' | 'd'];
  return n * factor;
}

const intIn = (min: number, max: number, what = `an integer ${min}–${max}`) =>
  z
    .string()
    .trim()
    .refine((v) => /^\d+$/.test(v) && Number(v) >= min && Number(v) <= max, { message: `must be ${what}` })
    .transform(Number);

const duration = (min: number, max: number) =>
  z
    .string()
    .refine(
      (v) => {
        const s = parseDuration(v);
        return s !== undefined && s >= min && s <= max;
      },
      { message: `must be a duration such as 30s, 15m, 1h or 30d, between ${min}s and ${max}s` },
    )
    .transform((v) => parseDuration(v) as number);

const bool = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => ['true', 'false', '1', '0', 'yes', 'no'].includes(v), { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const publicUrl = z.string().refine(
  (v) => {
    try {
      const u = new URL(v);
      return (u.protocol === 'http:' || u.protocol === 'https:') && !u.search && !u.hash && !u.username && (u.pathname === '/' || u.pathname === '');
    } catch {
      return false;
    }
  },
  { message: 'must be an http(s) origin with no path, query or credentials, such as https://mcp.example.com' },
);

/** A wall-clock time "HH:MM" (00:00–24:00) → minutes after midnight. */
const clockTime = z
  .string()
  .trim()
  .refine((v) => /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/.test(v), { message: 'must be a time HH:MM between 00:00 and 24:00' })
  .transform((v) => Number(v.slice(0, 2)) * 60 + Number(v.slice(3, 5)));

/** "https://a.example, http://localhost:6274" → normalised origins (scheme://host[:port]). */
const originList = z
  .string()
  .refine(
    (v) =>
      v
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean)
        .every((o) => {
          try {
            const u = new URL(o);
            return (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === o.replace(/\/+$/, '');
          } catch {
            return false;
          }
        }),
    { message: 'must be a comma-separated list of http(s) origins such as https://app.example.com,http://localhost:6274' },
  )
  .transform((v) =>
    v
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean)
      .map((o) => new URL(o).origin),
  );

const httpUrl = z.string().refine(
  (v) => {
    try {
      const u = new URL(v);
      return (u.protocol === 'http:' || u.protocol === 'https:') && !u.username && !u.password && !u.search && !u.hash;
    } catch {
      return false;
    }
  },
  { message: 'must be an http(s) URL without credentials, query or fragment, such as https://api.vapi.ai' },
);

const headerName = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => /^[a-z0-9!#$%&'*+.^_`|~-]{1,100}$/.test(v), { message: 'must be an HTTP header name such as x-vapi-signature' });

const postgresUrl = z.string().refine((v) => /^postgres(ql)?:\/\//.test(v), { message: 'must be a postgres:// or postgresql:// URL' });

// Keys are environment variable names, so an error path is the variable's name.
const EnvSchema = z.object({
  PORT: intIn(1, 65535).default(3000),
  HOST: z.string().min(1, 'must not be empty').default('127.0.0.1'),
  PUBLIC_URL: publicUrl.optional(),
  DATABASE_URL: postgresUrl.optional(),
  DATA_DIR: z.string().min(1, 'must not be empty').default('./data'),
  LOG_LEVEL: z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  // Behind a proxy, X-Forwarded-* is trusted only when this says so (interop.md 7).
  TRUST_PROXY: bool.default(false),
  // /metrics answers loopback clients, and anyone else sending this as a bearer token.
  METRICS_TOKEN: z
    .string()
    .refine((v) => /^[\x21-\x7e]{24,256}$/.test(v), { message: 'must be 24 to 256 printable characters without spaces' })
    .optional(),
  BODY_LIMIT_BYTES: intIn(1024, 50 * 1024 * 1024).default(1024 * 1024),
  ACCESS_TOKEN_TTL: duration(60, 86400).default(3600),
  REFRESH_TOKEN_TTL: duration(3600, 365 * 86400).default(30 * 86400),
  REFRESH_REUSE_GRACE: duration(0, 300).default(30),
  MCP_ANONYMOUS_DISCOVERY: bool.default(true),
  MCP_CONFORMANCE_FIXTURES: bool.default(false),
  // Browser origins, besides PUBLIC_URL's own, allowed to call /api/mcp (MCP Inspector in a browser,
  // a web client): comma-separated http(s) origins. Any other Origin gets 403 (DNS rebinding).
  MCP_ALLOWED_ORIGINS: originList.default([]),
  // An MCP session unused for this long is forgotten; its client gets 404 and starts a new one.
  MCP_SESSION_IDLE_TTL: duration(60, 30 * 86400).default(86400),
  // Development only: lets Client ID Metadata Documents live on loopback or private addresses.
  CIMD_ALLOW_PRIVATE_HOSTS: bool.default(false),
  // Development only: agent tools' outbound requests (api_request, function) may reach loopback, over
  // plain http too. Private, link-local and metadata addresses stay refused.
  AGENT_TOOLS_ALLOW_LOOPBACK: bool.default(false),
  // Open dynamic client registration: registrations accepted per source address per hour.
  REGISTRATION_RATE_LIMIT: intIn(1, 100_000).default(30),
  DB_POOL_SIZE: intIn(1, 200).default(10),
  DB_PREPARED_STATEMENTS: bool.default(true),
  // The longest this node waits on the database for one thing (a connection, a statement's answer):
  // a hung server costs callers this long, then a 503, instead of as long as it hangs.
  DB_QUERY_TIMEOUT_MS: intIn(100, 600_000).default(5000),
  // Who carries calls: the simulator (default), or Vapi (spec/voice-runtime.md §D; README "Vapi").
  TELEPHONY_PROVIDER: z.enum(['simulator', 'vapi'], { message: 'must be simulator or vapi' }).default('simulator'),
  // Vapi: the private API key, its API's base URL, and the secret its webhooks prove themselves with.
  VAPI_API_KEY: z
    .string()
    .refine((v) => /^[\x21-\x7e]{8,512}$/.test(v), { message: 'must be 8 to 512 printable characters without spaces' })
    .optional(),
  VAPI_BASE_URL: httpUrl.default('https://api.vapi.ai'),
  VAPI_WEBHOOK_SECRET: z
    .string()
    .refine((v) => /^[\x21-\x7e]{16,512}$/.test(v), { message: 'must be 16 to 512 printable characters without spaces' })
    .optional(),
  // The id of a Vapi credential (HMAC, with VAPI_WEBHOOK_SECRET) for Vapi to sign webhooks with;
  // without it the assistants send the secret as X-Vapi-Secret (Vapi's legacy form).
  VAPI_CREDENTIAL_ID: z.string().trim().min(1).max(200).optional(),
  VAPI_SIGNATURE_HEADER: headerName.default('x-vapi-signature'),
  VAPI_TIMESTAMP_HEADER: headerName.default('x-vapi-timestamp'),
  // The longest a request to Vapi's API may take (a call not confirmed by then is recorded as failed).
  VAPI_TIMEOUT_MS: intIn(500, 60_000).default(10_000),
  // Time between two states of a simulated call (queued → ringing → in-progress → ended).
  SIMULATOR_STEP_MS: intIn(1, 600_000).default(1500),
  // The simulator plays the voice runtime's part too: its calls use the in-call tools (office hours,
  // contact lookup, a lead for an unknown caller, a transfer for numbers ending in 0196).
  SIMULATOR_RUNTIME: bool.default(true),
  // How often the dialer looks for scheduled calls and campaign leads that are due.
  DIALER_INTERVAL_MS: intIn(10, 3_600_000).default(5000),
  IDEMPOTENCY_TTL: duration(60, 30 * 86400).default(86400),
  // Outbound contact is allowed from START (inclusive) to END (exclusive) in the recipient's time zone.
  CONTACT_HOURS_START: clockTime.default(8 * 60),
  CONTACT_HOURS_END: clockTime.default(21 * 60),
  // Per-business outbound limits, counted from the calls and messages tables (shared by all nodes).
  RATE_LIMIT_CALLS_PER_MINUTE: intIn(1, 100_000).default(10),
  RATE_LIMIT_CALLS_PER_HOUR: intIn(1, 1_000_000).default(200),
  RATE_LIMIT_SMS_PER_MINUTE: intIn(1, 100_000).default(20),
  RATE_LIMIT_SMS_PER_HOUR: intIn(1, 1_000_000).default(500),
  // Dashboard sign-in: a session unused for the idle time ends; any session ends at the absolute one.
  DASHBOARD_SESSION_IDLE_TTL: duration(60, 30 * 86400).default(2 * 3600),
  DASHBOARD_SESSION_MAX_AGE: duration(300, 365 * 86400).default(7 * 86400),
});

export interface Config {
  readonly port: number;
  readonly host: string;
  /** Public origin, no trailing slash: the OAuth issuer byte for byte (interop.md 3). */
  readonly publicUrl: string;
  readonly issuer: string;
  /** The canonical MCP resource: `${publicUrl}/api/mcp` (interop.md 1). */
  readonly mcpUrl: string;
  readonly databaseUrl: string | undefined;
  /** Directory of the embedded database; `memory://` keeps it in memory (tests). */
  readonly dataDir: string;
  readonly logLevel: (typeof LOG_LEVELS)[number];
  readonly trustProxy: boolean;
  /** Bearer token that opens /metrics to non-loopback scrapers; without it only loopback may scrape. */
  readonly metricsToken: string | undefined;
  readonly bodyLimitBytes: number;
  readonly accessTokenTtlSeconds: number;
  readonly refreshTokenTtlSeconds: number;
  readonly refreshReuseGraceSeconds: number;
  readonly anonymousDiscovery: boolean;
  readonly conformanceFixtures: boolean;
  /** Extra browser origins allowed on the MCP endpoint (PUBLIC_URL's origin always is). */
  readonly mcpAllowedOrigins: readonly string[];
  readonly mcpSessionIdleTtlSeconds: number;
  readonly cimdAllowPrivateHosts: boolean;
  /** Development only: agent tools' outbound requests may reach loopback (plain http included). */
  readonly agentToolsAllowLoopback: boolean;
  readonly registrationRateLimitPerHour: number;
  readonly dbPoolSize: number;
  /** Name each SQL text as a prepared statement on Postgres; off behind a pooler that cannot keep them (PgBouncer in transaction mode before 1.21). */
  readonly dbPreparedStatements: boolean;
  /** Bound on each database wait on Postgres: connecting, and a statement's answer (client and server side). */
  readonly dbQueryTimeoutMs: number;
  readonly telephonyProvider: 'simulator' | 'vapi';
  /** Vapi's settings, when TELEPHONY_PROVIDER is vapi. */
  readonly vapi: Readonly<VapiSettings> | undefined;
  readonly simulatorStepMs: number;
  /** Simulated calls use the in-call tools during their conversation. */
  readonly simulatorRuntime: boolean;
  readonly dialerIntervalMs: number;
  readonly idempotencyTtlSeconds: number;
  /** Minutes after local midnight: outbound contact allowed in [start, end) of the recipient's day. */
  readonly contactHours: Readonly<{ start: number; end: number }>;
  readonly outboundRateLimits: Readonly<OutboundRateLimits>;
  /** Dashboard sessions: ended after this long unused, and after the absolute lifetime whatever happens. */
  readonly dashboardSession: Readonly<{ idleSeconds: number; maxAgeSeconds: number }>;
}

export interface VapiSettings {
  apiKey: string;
  baseUrl: string;
  webhookSecret: string;
  credentialId: string | undefined;
  /** Lower-case header names of the HMAC signature and its timestamp. */
  signatureHeader: string;
  timestampHeader: string;
  timeoutMs: number;
}

export interface OutboundRateLimits {
  callsPerMinute: number;
  callsPerHour: number;
  smsPerMinute: number;
  smsPerHour: number;
}

/** Variables whose value an error message never repeats (it would reach a terminal or a log): a
 * database URL may carry its password. */
const SECRET_VARIABLES: ReadonlySet<string> = new Set(['METRICS_TOKEN', 'DATABASE_URL', 'VAPI_API_KEY', 'VAPI_WEBHOOK_SECRET']);

export class ConfigError extends Error {
  constructor(readonly lines: string[]) {
    super(lines.join('\n'));
    this.name = 'ConfigError';
  }
}

/** Parses configuration from an environment (process.env by default) and freezes it. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty strings count as unset, as a shell `FOO= cmd` means "no value".
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = String(issue.path[0] ?? 'configuration');
        const got = present[name];
        return `${name} ${issue.message}${got === undefined || SECRET_VARIABLES.has(name) ? '' : `, got ${JSON.stringify(got)}`}`;
      }),
    );
  }
  const e = parsed.data;
  if (e.CONTACT_HOURS_START >= e.CONTACT_HOURS_END) {
    throw new ConfigError([
      `CONTACT_HOURS_START must be earlier than CONTACT_HOURS_END, got ${JSON.stringify(present.CONTACT_HOURS_START ?? '08:00')} and ${JSON.stringify(present.CONTACT_HOURS_END ?? '21:00')}`,
    ]);
  }
  if (e.TELEPHONY_PROVIDER === 'vapi') {
    const missing = (['VAPI_API_KEY', 'VAPI_WEBHOOK_SECRET'] as const).filter((name) => !e[name]);
    if (missing.length) throw new ConfigError(missing.map((name) => `${name} must be set when TELEPHONY_PROVIDER is vapi`));
  }
  const publicUrl = (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '');
  const dataDir = e.DATA_DIR === 'memory://' ? e.DATA_DIR : path.resolve(e.DATA_DIR);
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    publicUrl,
    issuer: publicUrl,
    mcpUrl: `${publicUrl}/api/mcp`,
    databaseUrl: e.DATABASE_URL,
    dataDir,
    logLevel: e.LOG_LEVEL,
    trustProxy: e.TRUST_PROXY,
    metricsToken: e.METRICS_TOKEN,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    accessTokenTtlSeconds: e.ACCESS_TOKEN_TTL,
    refreshTokenTtlSeconds: e.REFRESH_TOKEN_TTL,
    refreshReuseGraceSeconds: e.REFRESH_REUSE_GRACE,
    anonymousDiscovery: e.MCP_ANONYMOUS_DISCOVERY,
    conformanceFixtures: e.MCP_CONFORMANCE_FIXTURES,
    mcpAllowedOrigins: Object.freeze(e.MCP_ALLOWED_ORIGINS),
    mcpSessionIdleTtlSeconds: e.MCP_SESSION_IDLE_TTL,
    cimdAllowPrivateHosts: e.CIMD_ALLOW_PRIVATE_HOSTS,
    agentToolsAllowLoopback: e.AGENT_TOOLS_ALLOW_LOOPBACK,
    registrationRateLimitPerHour: e.REGISTRATION_RATE_LIMIT,
    dbPoolSize: e.DB_POOL_SIZE,
    dbPreparedStatements: e.DB_PREPARED_STATEMENTS,
    dbQueryTimeoutMs: e.DB_QUERY_TIMEOUT_MS,
    telephonyProvider: e.TELEPHONY_PROVIDER,
    vapi:
      e.TELEPHONY_PROVIDER === 'vapi'
        ? Object.freeze({
            apiKey: e.VAPI_API_KEY!,
            baseUrl: e.VAPI_BASE_URL.replace(/\/+$/, ''),
            webhookSecret: e.VAPI_WEBHOOK_SECRET!,
            credentialId: e.VAPI_CREDENTIAL_ID,
            signatureHeader: e.VAPI_SIGNATURE_HEADER,
            timestampHeader: e.VAPI_TIMESTAMP_HEADER,
            timeoutMs: e.VAPI_TIMEOUT_MS,
          })
        : undefined,
    simulatorStepMs: e.SIMULATOR_STEP_MS,
    simulatorRuntime: e.SIMULATOR_RUNTIME,
    dialerIntervalMs: e.DIALER_INTERVAL_MS,
    idempotencyTtlSeconds: e.IDEMPOTENCY_TTL,
    contactHours: Object.freeze({ start: e.CONTACT_HOURS_START, end: e.CONTACT_HOURS_END }),
    outboundRateLimits: Object.freeze({
      callsPerMinute: e.RATE_LIMIT_CALLS_PER_MINUTE,
      callsPerHour: e.RATE_LIMIT_CALLS_PER_HOUR,
      smsPerMinute: e.RATE_LIMIT_SMS_PER_MINUTE,
      smsPerHour: e.RATE_LIMIT_SMS_PER_HOUR,
    }),
    dashboardSession: Object.freeze({ idleSeconds: e.DASHBOARD_SESSION_IDLE_TTL, maxAgeSeconds: e.DASHBOARD_SESSION_MAX_AGE }),
  });
}
