// The admin CLI: `npm run --silent admin -- <command> [options]`.
//
// Commands are rows of one table. Each checks its arguments before anything opens the database (a
// typo never waits on, or touches, the data directory), then does its work on the owner connection
// as system work. Results go to stdout (`api-key create` prints the key alone, for scripts); notes
// go to stderr. The embedded database belongs to one process: while a server runs on the same
// DATA_DIR, opening it fails with a message saying so and nothing is touched.
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { createAccountsRepository } from '../authz/accounts.repository.js';
import { createApiKeysRepository, type ApiKeyRecord } from '../authz/api-keys.repository.js';
import { API_KEY_PREFIX, issueApiKey, requireScopes, RUNTIME_KEY_PREFIX } from '../authz/api-keys.js';
import { generatePassword, hashPassword } from '../authz/passwords.js';
import { createAuditRepository } from '../domain/audit/audit.repository.js';
import { parseE164 } from '../domain/compliance/phone.js';
import { RESERVED_SLUGS } from '../domain/business/business.types.js';
import { createMembersService } from '../domain/members/members.service.js';
import { ROLES } from '../domain/members/members.types.js';
import { SCOPES, type Scope } from '../scopes/index.js';
import { KEY_RELOAD_SECONDS, rotateSigningKeys } from '../authz/keys.js';
import { parseDuration, type Config } from '../shared/config.js';
import type { Db } from '../shared/db.js';
import { AppError } from '../shared/errors.js';
import { runCli, stdio, UsageError, type Output } from './run.js';

type OptionSpec = { type: 'string' | 'boolean'; short?: string; required?: boolean; value?: string; help: string };
type Values = Record<string, string | boolean | undefined>;

interface CommandContext extends Output {
  db: Db;
  config: Config;
}

interface Command {
  /** One or two words: `help`, `api-key create`. */
  name: string;
  summary: string;
  options: Record<string, OptionSpec>;
  /** Names of required positional arguments, in order. */
  positionals?: string[];
  /** Checks the arguments without the database and returns the work to do with it (or null: done). */
  prepare(values: Values, positionals: string[]): ((ctx: CommandContext) => Promise<void>) | null;
}

const SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/;
const DISPLAY_PREFIX = new RegExp(`^(${API_KEY_PREFIX}|${RUNTIME_KEY_PREFIX})[0-9A-Za-z]{8}$`);
const MAX_KEY_LIFETIME_SECONDS = 5 * 365 * 86_400;
// NIST SP 800-63B §5.1.1.2: at least 8 characters for a chosen secret, and accept long ones.
const PASSWORD_LENGTH = { min: 8, max: 256 };
/** The audit log's actor for work done from this CLI (someone with shell access to the server). */
const CLI_ACTOR = 'admin-cli';

const str = (values: Values, name: string): string | undefined => {
  const v = values[name];
  return typeof v === 'string' ? v.trim() : undefined;
};

function requireBusinessSlug(value: string): string {
  if (!SLUG.test(value)) throw new UsageError(`--business must be a business slug (lowercase letters, digits, dashes), got ${JSON.stringify(value)}`);
  return value;
}

function requireEmail(value: string): string {
  const email = value.toLowerCase();
  if (!z.email().safeParse(email).success) throw new UsageError(`--email must be an email address, got ${JSON.stringify(value)}`);
  return email;
}

function requirePhone(value: string | undefined): string | null {
  if (value === undefined) return null;
  const parsed = parseE164(value);
  if (!parsed) throw new UsageError(`--phone must be a phone number in E.164 format such as +14155552671, got ${JSON.stringify(value)}`);
  return parsed.e164;
}

/** An IANA zone name as Intl knows it, in its canonical spelling (`america/new_york` → `America/New_York`). */
function requireTimeZone(value: string): string {
  // Intl also accepts UTC offsets such as "+02:00", which are not zones: offsets change with daylight
  // saving time, zones do not.
  if (/^[+-]/.test(value)) throw new UsageError(`--timezone must be an IANA time zone such as America/New_York, not a UTC offset, got ${JSON.stringify(value)}`);
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone;
  } catch {
    throw new UsageError(`--timezone must be an IANA time zone such as America/New_York or Europe/Paris, got ${JSON.stringify(value)}`);
  }
}

function requireScopeList(value: string): Scope[] {
  try {
    return requireScopes(value);
  } catch (err) {
    if (err instanceof AppError) throw new UsageError(`--scopes: ${err.message} (the scopes are: ${SCOPES.join(', ')})`);
    throw err;
  }
}

async function findBusiness(db: Db, slug: string) {
  const business = await createAccountsRepository(db.kysely).findBusinessBySlug(slug);
  if (!business) throw new AppError('not_found', `unknown business "${slug}": no business has that slug (create one with: business create)`);
  return business;
}

const when = (d: Date | null | undefined, none = '-'): string => (d ? `${d.toISOString().slice(0, 16).replace('T', ' ')}Z` : none);

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '));
}

function keyRows(keys: ApiKeyRecord[], now: Date): string[][] {
  return [
    ['PREFIX', 'NAME', 'SCOPES', 'CREATED', 'EXPIRES', 'LAST USED', 'REVOKED'],
    ...keys.map((k) => [
      k.prefix,
      k.name,
      k.kind === 'runtime' ? '(runtime: in-call)' : k.scopes.join(','),
      when(k.createdAt),
      k.expiresAt ? `${when(k.expiresAt)}${k.expiresAt <= now ? ' (expired)' : ''}` : 'never',
      when(k.lastUsedAt, 'never'),
      when(k.revokedAt),
    ]),
  ];
}

// ── The commands ────────────────────────────────────────────────────────────────────────────────

const COMMANDS: Command[] = [
  {
    name: 'api-key create',
    summary:
      'Create an API key for a business and print it (alone, on stdout). It is shown only this once. ' +
      'An account key (kc_live_, /api/mcp) takes --scopes; a runtime key (--kind runtime: kc_rt_, /api/mcp/in-call, for a voice runtime during calls) takes none.',
    options: {
      business: { type: 'string', required: true, value: 'slug', help: 'the business the key acts for' },
      kind: { type: 'string', value: 'kind', help: 'account (default: the account surface, with scopes) or runtime (the in-call surface, no scopes)' },
      scopes: { type: 'string', value: 'list', help: `comma-separated scopes of an account key (required for one): ${SCOPES.join(', ')}` },
      name: { type: 'string', value: 'name', help: 'a label to recognise the key by (default "Admin CLI key")' },
      'expires-in': { type: 'string', value: 'duration', help: 'lifetime such as 90d, 12h or 30m (default: no expiry)' },
    },
    prepare(values) {
      const slug = requireBusinessSlug(str(values, 'business')!);
      const kind = str(values, 'kind') ?? 'account';
      if (kind !== 'account' && kind !== 'runtime') throw new UsageError(`--kind must be account or runtime, got ${JSON.stringify(kind)}`);
      const givenScopes = str(values, 'scopes');
      if (kind === 'runtime' && givenScopes !== undefined) throw new UsageError('--scopes: a runtime key takes no scopes (it may call the in-call tools only)');
      if (kind === 'account' && !givenScopes) throw new UsageError(`api-key create: --scopes is required for an account key (see: ${PROGRAM} help api-key create)`);
      const scopes = kind === 'account' ? requireScopeList(givenScopes!) : [];
      const name = str(values, 'name') ?? (kind === 'runtime' ? 'Admin CLI runtime key' : 'Admin CLI key');
      if (name.length < 1 || name.length > 100) throw new UsageError('--name must be 1–100 characters');
      const expiresIn = str(values, 'expires-in');
      let lifetime: number | null = null;
      if (expiresIn !== undefined) {
        const seconds = parseDuration(expiresIn);
        if (!seconds || seconds > MAX_KEY_LIFETIME_SECONDS) {
          throw new UsageError(`--expires-in must be a duration such as 90d, 12h or 30m, at most 1825d, got ${JSON.stringify(expiresIn)}`);
        }
        lifetime = seconds;
      }
      return async ({ db, out, note }) => {
        const business = await findBusiness(db, slug);
        const expiresAt = lifetime === null ? null : new Date(Date.now() + lifetime * 1000);
        const issued = await db.kysely.transaction().execute(async (tx) => {
          const result = await issueApiKey(tx, { kind, businessId: business.id, name, scopes, expiresAt });
          await createAuditRepository(tx).append({
            businessId: business.id,
            actorKind: 'system',
            actorId: CLI_ACTOR,
            action: 'api_key.created',
            outcome: 'success',
            details: { prefix: result.record.prefix, kind, name, scopes, expires_at: expiresAt?.toISOString() ?? null },
          });
          return result;
        });
        out(issued.key);
        const what =
          kind === 'runtime' ? `for ${slug}'s in-call surface (/api/mcp/in-call; send it as X-API-Key with the call's context headers)` : `for ${slug} with ${scopes.join(', ')}`;
        note(`Created ${kind === 'runtime' ? 'runtime' : 'API'} key ${issued.record.prefix}… "${name}" ${what}${expiresAt ? `, expiring ${when(expiresAt)}` : ''}.`);
        note('Store it now: it is shown only this once (the server keeps only its hash).');
      };
    },
  },
  {
    name: 'api-key list',
    summary: "List a business's API keys (prefix, name, scopes, dates). Keys themselves are never shown.",
    options: { business: { type: 'string', required: true, value: 'slug', help: 'the business' } },
    prepare(values) {
      const slug = requireBusinessSlug(str(values, 'business')!);
      return async ({ db, out }) => {
        const business = await findBusiness(db, slug);
        const keys = await createApiKeysRepository(db.kysely).listForBusiness(business.id);
        if (keys.length === 0) {
          out(`No API keys for ${slug}.`);
          return;
        }
        for (const line of table(keyRows(keys, new Date()))) out(line);
      };
    },
  },
  {
    name: 'api-key revoke',
    summary: 'Revoke an API key by its prefix (as shown by api-key list). It stops working at once.',
    options: {},
    positionals: ['prefix'],
    prepare(_values, [prefix]) {
      if (!DISPLAY_PREFIX.test(prefix!)) {
        throw new UsageError(
          (prefix!.startsWith(API_KEY_PREFIX) || prefix!.startsWith(RUNTIME_KEY_PREFIX)) && prefix!.length > 16
            ? 'pass the key prefix (its first 16 characters, as api-key list shows), not the whole key'
            : `the prefix must look like ${API_KEY_PREFIX}XXXXXXXX (as api-key list shows), got ${JSON.stringify(prefix)}`,
        );
      }
      return async ({ db, out }) => {
        const repo = createApiKeysRepository(db.kysely);
        const key = await repo.findByPrefix(prefix!);
        if (!key) throw new AppError('not_found', `no API key has the prefix ${prefix}`);
        const business = await createAccountsRepository(db.kysely).findBusinessById(key.businessId);
        if (key.revokedAt) {
          out(`${prefix} ("${key.name}", ${business?.slug}) was already revoked at ${when(key.revokedAt)}.`);
          return;
        }
        await db.kysely.transaction().execute(async (tx) => {
          await createApiKeysRepository(tx).revoke(key.id);
          await createAuditRepository(tx).append({
            businessId: key.businessId,
            actorKind: 'system',
            actorId: CLI_ACTOR,
            action: 'api_key.revoked',
            outcome: 'success',
            details: { prefix: key.prefix, name: key.name },
          });
        });
        out(`Revoked ${prefix} ("${key.name}", ${business?.slug}). It no longer authenticates.`);
      };
    },
  },
  {
    name: 'user create',
    summary: 'Create a user who can sign in. Without --password, a strong one is generated and printed once.',
    options: {
      email: { type: 'string', required: true, value: 'email', help: 'the sign-in email' },
      password: { type: 'string', value: 'password', help: `${PASSWORD_LENGTH.min}–${PASSWORD_LENGTH.max} characters (prefer omitting it: shell history keeps it)` },
      name: { type: 'string', value: 'name', help: 'display name' },
      phone: { type: 'string', value: 'e164', help: 'phone in E.164 (for staff alerts)' },
    },
    prepare(values) {
      const email = requireEmail(str(values, 'email')!);
      const given = typeof values.password === 'string' ? values.password : undefined;
      if (given !== undefined && (given.length < PASSWORD_LENGTH.min || given.length > PASSWORD_LENGTH.max)) {
        throw new UsageError(`--password must be ${PASSWORD_LENGTH.min}–${PASSWORD_LENGTH.max} characters`);
      }
      const name = str(values, 'name') || null;
      const phone = requirePhone(str(values, 'phone'));
      return async ({ db, out }) => {
        const accounts = createAccountsRepository(db.kysely);
        if (await accounts.findUserByEmail(email)) throw new AppError('conflict', `a user with email ${email} already exists`);
        const password = given ?? generatePassword();
        const user = await accounts.createUser({ email, passwordHash: await hashPassword(password), name, phone }).catch(conflictAs(`a user with email ${email} already exists`));
        out(`Created user ${user.email} (${user.id}).`);
        if (given === undefined) out(`Password: ${password}`);
      };
    },
  },
  {
    name: 'business create',
    summary: 'Create a business. Add its owner afterwards with member add.',
    options: {
      name: { type: 'string', required: true, value: 'name', help: 'display name' },
      slug: { type: 'string', required: true, value: 'slug', help: 'short unique handle: lowercase letters, digits, dashes' },
      timezone: { type: 'string', required: true, value: 'zone', help: 'IANA time zone, such as America/New_York' },
      phone: { type: 'string', value: 'e164', help: 'main phone number in E.164' },
    },
    prepare(values) {
      const name = str(values, 'name')!;
      if (name.length < 1 || name.length > 200) throw new UsageError('--name must be 1–200 characters');
      const slug = str(values, 'slug')!;
      if (!SLUG.test(slug)) throw new UsageError(`--slug must be 1–63 lowercase letters, digits or dashes, starting with a letter or digit, got ${JSON.stringify(slug)}`);
      if (RESERVED_SLUGS.has(slug)) throw new UsageError(`--slug "${slug}" is reserved (the dashboard uses /dashboard/${slug} itself); choose another`);
      const timezone = requireTimeZone(str(values, 'timezone')!);
      const phone = requirePhone(str(values, 'phone'));
      return async ({ db, out, note }) => {
        const accounts = createAccountsRepository(db.kysely);
        if (await accounts.findBusinessBySlug(slug)) throw new AppError('conflict', `a business with slug "${slug}" already exists`);
        const business = await accounts.createBusiness({ name, slug, timezone, phone }).catch(conflictAs(`a business with slug "${slug}" already exists`));
        out(`Created business ${business.slug} "${business.name}" (${business.id}, ${business.timezone}).`);
        note(`Next: member add --business ${slug} --email <email> --role owner`);
      };
    },
  },
  {
    name: 'member add',
    summary: "Add a user to a business with a role, or change the user's role there.",
    options: {
      business: { type: 'string', required: true, value: 'slug', help: 'the business' },
      email: { type: 'string', required: true, value: 'email', help: 'an existing user (see user create)' },
      role: { type: 'string', required: true, value: 'role', help: ROLES.join(' | ') },
    },
    prepare(values) {
      const slug = requireBusinessSlug(str(values, 'business')!);
      const email = requireEmail(str(values, 'email')!);
      const given = str(values, 'role')!;
      const role = ROLES.find((r) => r === given);
      if (!role) throw new UsageError(`--role must be one of ${ROLES.join(', ')}, got ${JSON.stringify(given)}`);
      return async ({ db, out }) => {
        const business = await findBusiness(db, slug);
        const user = await createAccountsRepository(db.kysely).findUserByEmail(email);
        if (!user) throw new AppError('not_found', `unknown user ${email} (create one with: user create --email ${email})`);
        // The members service keeps the rule that a business keeps at least one owner.
        const { previous, changed } = await createMembersService({ db }).setRole({
          business: { id: business.id, slug },
          user: { id: user.id, email },
          role,
          actor: { kind: 'system', name: CLI_ACTOR },
        });
        if (!changed) out(`${email} is already ${role} of ${slug}.`);
        else out(previous ? `Changed ${email}'s role in ${slug} from ${previous} to ${role}.` : `Added ${email} to ${slug} as ${role}.`);
      };
    },
  },
  {
    name: 'keys rotate',
    summary: 'Make a new signing key current. Old public keys stay published until the tokens they signed have expired.',
    options: {},
    prepare() {
      return async ({ db, config, out }) => {
        const rotation = await rotateSigningKeys(db.kysely, config);
        out(`New signing key ${rotation.kid} is current; running servers pick it up within ${KEY_RELOAD_SECONDS} s.`);
        for (const old of rotation.retired) out(`Retired ${old.kid}: still published until ${when(old.publishUntil)} so tokens it signed keep verifying.`);
      };
    },
  },
  {
    name: 'help',
    summary: "Show this help, or a command's help: help <command>.",
    options: {},
    prepare() {
      return null;
    },
  },
];

/** A unique-violation from a race between the existence check and the insert reads as a conflict. */
function conflictAs(message: string) {
  return (err: unknown): never => {
    if ((err as { code?: string }).code === '23505') throw new AppError('conflict', message);
    throw err;
  };
}

// ── Parsing and help ────────────────────────────────────────────────────────────────────────────

const PROGRAM = 'npm run --silent admin --';

function commandUsage(c: Command): string {
  const options = Object.entries(c.options).map(([name, o]) => {
    const text = o.type === 'boolean' ? `--${name}` : `--${name} <${o.value ?? 'value'}>`;
    return o.required ? text : `[${text}]`;
  });
  return [c.name, ...(c.positionals ?? []).map((p) => `<${p}>`), ...options].join(' ');
}

function usage(): string {
  return [
    `Usage: ${PROGRAM} <command> [options]`,
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${commandUsage(c)}\n      ${c.summary}`),
    '',
    'Configuration comes from the same environment variables as the server: DATABASE_URL for',
    'Postgres, otherwise the embedded database under DATA_DIR (which a running server holds:',
    'stop it first, or use Postgres).',
  ].join('\n');
}

function commandHelp(c: Command): string {
  const lines = [`Usage: ${PROGRAM} ${commandUsage(c)}`, '', c.summary];
  const opts = Object.entries(c.options);
  if (opts.length > 0) {
    lines.push('', 'Options:');
    const flags = opts.map(([name, o]) => `--${name}${o.type === 'string' ? ` <${o.value ?? 'value'}>` : ''}`);
    const width = Math.max(...flags.map((f) => f.length));
    for (const [i, [, o]] of opts.entries()) lines.push(`  ${flags[i]!.padEnd(width)}  ${o.help}${o.required ? ' (required)' : ''}`);
  }
  return lines.join('\n');
}

/** Finds the command named by the leading words of argv. */
function findCommand(argv: string[]): { command: Command; rest: string[] } {
  const words = argv.slice(0, 2);
  for (const c of COMMANDS) {
    const name = c.name.split(' ');
    if (name.every((w, i) => words[i] === w)) return { command: c, rest: argv.slice(name.length) };
  }
  const group = COMMANDS.filter((c) => c.name.split(' ')[0] === argv[0]);
  if (group.length > 0) {
    const known = group.map((c) => c.name.split(' ')[1]).join(', ');
    throw new UsageError(`unknown command "${argv.slice(0, 2).join(' ')}": ${argv[0]} takes ${known} (see: ${PROGRAM} help)`);
  }
  throw new UsageError(`unknown command "${argv[0]}" (see: ${PROGRAM} help)`);
}

type Planned = { kind: 'help'; text: string } | { kind: 'run'; work: (ctx: CommandContext) => Promise<void> };

/** Everything up to (not including) opening the database: pure, so argument errors cost nothing. */
function plan(argv: string[]): Planned {
  if (argv.length === 0) throw new UsageError(`no command given\n\n${usage()}`);
  if (argv[0] === '--help' || argv[0] === '-h') return { kind: 'help', text: usage() };
  const { command, rest } = findCommand(argv);
  if (command.name === 'help') {
    if (rest.length === 0) return { kind: 'help', text: usage() };
    return { kind: 'help', text: commandHelp(findCommand(rest).command) };
  }
  if (rest.includes('--help') || rest.includes('-h')) return { kind: 'help', text: commandHelp(command) };

  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: rest,
      options: Object.fromEntries(Object.entries(command.options).map(([n, o]) => [n, { type: o.type, ...(o.short ? { short: o.short } : {}) }])),
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    // parseArgs explains unknown options and missing values well; keep its first sentence.
    const message = (err as Error).message.split('. ')[0]!.replace(/\.$/, '');
    throw new UsageError(`${command.name}: ${message} (see: ${PROGRAM} help ${command.name})`);
  }
  const values = parsed.values as Values;
  for (const [name, o] of Object.entries(command.options)) {
    if (o.required && (typeof values[name] !== 'string' || (values[name] as string).trim() === '')) {
      throw new UsageError(`${command.name}: --${name} is required (see: ${PROGRAM} help ${command.name})`);
    }
  }
  const expected = command.positionals ?? [];
  if (parsed.positionals.length < expected.length) {
    throw new UsageError(`${command.name}: missing <${expected[parsed.positionals.length]}> (usage: ${commandUsage(command)})`);
  }
  if (parsed.positionals.length > expected.length) {
    throw new UsageError(`${command.name}: unexpected argument ${JSON.stringify(parsed.positionals[expected.length])} (usage: ${commandUsage(command)})`);
  }
  const work = command.prepare(values, parsed.positionals);
  return work ? { kind: 'run', work } : { kind: 'help', text: usage() };
}

async function main(argv: string[]): Promise<void> {
  const planned = plan(argv);
  if (planned.kind === 'help') {
    stdio.out(planned.text);
    return;
  }
  // Loaded only now: help and argument errors never pay for the database driver.
  const { withDatabase } = await import('./database.js');
  await withDatabase((db, { config }) => planned.work({ db, config, ...stdio }));
}

runCli(() => main(process.argv.slice(2)));
