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
  z.string().trim().refine((v) => /^\d+$/.test(v) && Number(v) >= min && Number(v) <= max, { message: `must be ${what}` }).transform(Number);

const duration = (min: number, max: number) =>
  z
    .string()
    .refine((v) => {
      const s = parseDuration(v);
      return s !== undefined && s >= min && s <= max;
    }, { message: `must be a duration such as 30s, 15m, 1h or 30d, between ${min}s and ${max}s` })
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
  BODY_LIMIT_BYTES: intIn(1024, 50 * 1024 * 1024).default(1024 * 1024),
  ACCESS_TOKEN_TTL: duration(60, 86400).default(3600),
  REFRESH_TOKEN_TTL: duration(3600, 365 * 86400).default(30 * 86400),
  REFRESH_REUSE_GRACE: duration(0, 300).default(30),
  MCP_ANONYMOUS_DISCOVERY: bool.default(true),
  MCP_CONFORMANCE_FIXTURES: bool.default(false),
  // Development only: lets Client ID Metadata Documents live on loopback or private addresses.
  CIMD_ALLOW_PRIVATE_HOSTS: bool.default(false),
  DB_POOL_SIZE: intIn(1, 200).default(10),
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
  readonly bodyLimitBytes: number;
  readonly accessTokenTtlSeconds: number;
  readonly refreshTokenTtlSeconds: number;
  readonly refreshReuseGraceSeconds: number;
  readonly anonymousDiscovery: boolean;
  readonly conformanceFixtures: boolean;
  readonly cimdAllowPrivateHosts: boolean;
  readonly dbPoolSize: number;
}

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
        return `${name} ${issue.message}${got === undefined ? '' : `, got ${JSON.stringify(got)}`}`;
      }),
    );
  }
  const e = parsed.data;
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
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    accessTokenTtlSeconds: e.ACCESS_TOKEN_TTL,
    refreshTokenTtlSeconds: e.REFRESH_TOKEN_TTL,
    refreshReuseGraceSeconds: e.REFRESH_REUSE_GRACE,
    anonymousDiscovery: e.MCP_ANONYMOUS_DISCOVERY,
    conformanceFixtures: e.MCP_CONFORMANCE_FIXTURES,
    cimdAllowPrivateHosts: e.CIMD_ALLOW_PRIVATE_HOSTS,
    dbPoolSize: e.DB_POOL_SIZE,
  });
}
