// The admin CLI (issue 2, item 7), run as a user runs it: a real process against this run's
// database (a fresh embedded data directory, or a fresh Postgres database with TEST_DATABASE_URL).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { verifyApiKey, verifyRuntimeKey } from '../../src/authz/api-keys.js';
import { verifyPassword } from '../../src/authz/passwords.js';
import { SCOPES } from '../../src/scopes/index.js';
import { openDatabase, type Db } from '../../src/shared/db.js';
import { freePort } from '../helpers/app.js';
import { createTestDatabase, usingPostgres, type TestDatabase } from '../helpers/db.js';
import { killAll, runScript, spawnScript, waitForOk } from '../helpers/process.js';

// These tests start real processes (each loads Node, tsx and the embedded Postgres): on a busy
// two-core machine a test of several of them needs more than the default 30 s.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 120_000 });

const KEY = /^kc_live_[0-9A-Za-z]{40}$/;

let tmp: string;
let target: Record<string, string>;
let pgDatabase: TestDatabase | undefined;

const admin = (...args: string[]) => runScript('src/cli/admin.ts', args, target);

/** Looks at the database between CLI runs (the embedded one is opened only while no CLI runs). */
async function inspect<T>(fn: (db: Db) => Promise<T>): Promise<T> {
  if (pgDatabase) return fn(pgDatabase.db);
  const db = await openDatabase({ databaseUrl: undefined, dataDir: target.DATA_DIR!, dbPoolSize: 1 });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

/** Runs `fn` over `items`, at most `limit` at a time (these are whole processes on a small machine). */
async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kc-admin-'));
  if (usingPostgres()) {
    pgDatabase = await createTestDatabase();
    target = { DATABASE_URL: pgDatabase.databaseUrl! };
  } else {
    target = { DATA_DIR: path.join(tmp, 'data') };
  }
});
afterEach(killAll);
afterAll(async () => {
  await pgDatabase?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('admin CLI: usage', () => {
  it('help, --help and <command> --help print usage on stdout with exit 0, without opening a database', async () => {
    const untouched = { DATA_DIR: path.join(tmp, 'untouched-help') };
    const [help, dashHelp, commandHelp, helpCommand] = await Promise.all([
      runScript('src/cli/admin.ts', ['help'], untouched),
      runScript('src/cli/admin.ts', ['--help'], untouched),
      runScript('src/cli/admin.ts', ['api-key', 'create', '--help'], untouched),
      runScript('src/cli/admin.ts', ['help', 'member', 'add'], untouched),
    ]);
    for (const r of [help, dashHelp, commandHelp, helpCommand]) {
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^Usage: /);
    }
    for (const name of ['api-key create', 'api-key list', 'api-key revoke', 'user create', 'business create', 'member add']) expect(help.stdout).toContain(name);
    expect(dashHelp.stdout).toBe(help.stdout);
    expect(commandHelp.stdout).toMatch(/--scopes <list>.*calls:read, calls:write/);
    expect(commandHelp.stdout).toMatch(/--expires-in <duration>/);
    expect(helpCommand.stdout).toMatch(/--role <role>.*owner \| admin \| member/);
    expect(fs.existsSync(untouched.DATA_DIR)).toBe(false);
  });

  it('bad input exits 2 with one line naming the problem, and never opens the database', async () => {
    const untouched = { DATA_DIR: path.join(tmp, 'untouched-errors') };
    const key = `kc_live_${'A'.repeat(40)}`;
    const cases: [string[], RegExp][] = [
      [['frobnicate'], /^unknown command "frobnicate" \(see: .*help\)$/],
      [['api-key', 'delete'], /^unknown command "api-key delete": api-key takes create, list, revoke/],
      [['api-key', 'create', '--business', 'acme', '--scopes', 'calls:read,calls:delete'], /^--scopes: unknown scope: calls:delete \(the scopes are: calls:read, /],
      [['api-key', 'create', '--business', 'acme', '--scopes', 'admin,root'], /unknown scopes: admin, root/],
      [['api-key', 'create', '--business', 'acme'], /^api-key create: --scopes is required/],
      [
        ['api-key', 'create', '--business', 'acme', '--scopes', 'calls:read', '--expires-in', 'soon'],
        /^--expires-in must be a duration such as 90d, 12h or 30m, at most 1825d, got "soon"$/,
      ],
      [['api-key', 'create', '--business', 'acme', '--scopes', 'calls:read', '--expires-in', '0d'], /^--expires-in must be a duration/],
      [['api-key', 'create', '--business', 'acme', '--scopes', 'calls:read', '--expires-in', '9999d'], /^--expires-in must be a duration.*"9999d"$/],
      [['api-key', 'create', '--business', 'acme', '--scopes', 'calls:read', '--colour', 'red'], /^api-key create: Unknown option '--colour'/],
      [['api-key', 'create', '--business'], /^api-key create: Option '--business <value>' argument missing/],
      [['api-key', 'list'], /^api-key list: --business is required/],
      [['api-key', 'revoke'], /^api-key revoke: missing <prefix>/],
      [['api-key', 'revoke', 'kc_live_abc', 'extra'], /^api-key revoke: unexpected argument "extra"/],
      [['api-key', 'revoke', 'abcdef'], /^the prefix must look like kc_live_XXXXXXXX/],
      [['api-key', 'revoke', key], /^pass the key prefix \(its first 16 characters, as api-key list shows\), not the whole key$/],
      [['member', 'add', '--business', 'acme', '--email', 'x@example.com', '--role', 'superuser'], /^--role must be one of owner, admin, member, got "superuser"$/],
      [['member', 'add', '--business', 'acme', '--email', 'not-an-email', '--role', 'admin'], /^--email must be an email address, got "not-an-email"$/],
      [['business', 'create', '--name', 'X', '--slug', 'x', '--timezone', 'Mars/Olympus_Mons'], /^--timezone must be an IANA time zone .*got "Mars\/Olympus_Mons"$/],
      [['business', 'create', '--name', 'X', '--slug', 'x', '--timezone', '+02:00'], /^--timezone must be an IANA time zone .*not a UTC offset/],
      [['business', 'create', '--name', 'X', '--slug', 'Acme Co', '--timezone', 'UTC'], /^--slug must be 1–63 lowercase letters/],
      [['business', 'create', '--name', 'X', '--slug', 'sign-in', '--timezone', 'UTC'], /^--slug "sign-in" is reserved/],
      [['business', 'create', '--name', 'X', '--slug', 'x', '--timezone', 'UTC', '--phone', '555-0100'], /^--phone must be a phone number in E\.164/],
      [['user', 'create', '--email', 'someone@example.com', '--password', 'short'], /^--password must be 8–256 characters$/],
    ];
    const results = await mapLimited(cases, 4, ([args]) => runScript('src/cli/admin.ts', args, untouched));
    results.forEach((r, i) => {
      const [args, message] = cases[i]!;
      expect({ args, code: r.code, stdout: r.stdout }).toEqual({ args, code: 2, stdout: '' });
      const lines = r.stderr.trim().split('\n');
      expect(lines, `stderr of ${args.join(' ')}`).toHaveLength(1);
      expect(lines[0], `stderr of ${args.join(' ')}`).toMatch(message);
    });
    const none = await runScript('src/cli/admin.ts', [], untouched);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^no command given\n\nUsage: /);
    // Argument errors are found before the database is opened: the data directory never appears.
    expect(fs.existsSync(untouched.DATA_DIR)).toBe(false);
  });
});

describe('admin CLI: commands', () => {
  let acmeId: string;

  it('business create creates a business with its canonical time zone; a taken slug exits 1', async () => {
    const created = await admin('business', 'create', '--name', 'Acme Plumbing', '--slug', 'acme', '--timezone', 'america/new_york', '--phone', '+12125550100');
    expect(created.stderr).not.toMatch(/error/i);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^Created business acme "Acme Plumbing" \([0-9a-f-]{36}, America\/New_York\)\.\n$/);
    const business = await inspect((db) => db.kysely.selectFrom('businesses').selectAll().where('slug', '=', 'acme').executeTakeFirstOrThrow());
    expect(business).toMatchObject({ name: 'Acme Plumbing', timezone: 'America/New_York', phone: '+12125550100' });
    acmeId = business.id;

    const taken = await admin('business', 'create', '--name', 'Other', '--slug', 'acme', '--timezone', 'UTC');
    expect(taken.code).toBe(1);
    expect(taken.stderr.trim()).toBe('a business with slug "acme" already exists');
  });

  it('user create generates a password when none is given (stored as argon2id); a taken email exits 1', async () => {
    const generated = await admin('user', 'create', '--email', 'Owner@Example.com', '--name', 'Olive Owner');
    expect(generated.code).toBe(0);
    const [createdLine, passwordLine, ...rest] = generated.stdout.trim().split('\n');
    expect(createdLine).toMatch(/^Created user owner@example\.com \([0-9a-f-]{36}\)\.$/);
    const password = /^Password: (\S{16,})$/.exec(passwordLine!)![1]!;
    expect(rest).toEqual([]);

    const chosen = await admin('user', 'create', '--email', 'staff@example.com', '--password', 'correct horse battery staple');
    expect(chosen.code).toBe(0);
    expect(chosen.stdout).not.toMatch(/Password/);

    await inspect(async (db) => {
      const users = await db.kysely.selectFrom('users').select(['email', 'name', 'password_hash']).orderBy('email').execute();
      expect(users.map((u) => u.email)).toEqual(['owner@example.com', 'staff@example.com']);
      expect(users[0]!.name).toBe('Olive Owner');
      for (const u of users) expect(u.password_hash).toMatch(/^\$argon2id\$/);
      expect(await verifyPassword(users[0]!.password_hash, password)).toBe(true);
      expect(await verifyPassword(users[1]!.password_hash, 'correct horse battery staple')).toBe(true);
    });

    const taken = await admin('user', 'create', '--email', 'OWNER@example.com');
    expect(taken.code).toBe(1);
    expect(taken.stderr.trim()).toBe('a user with email owner@example.com already exists');
  });

  it('member add adds, changes and reports roles; an unknown business or user exits 1', async () => {
    const added = await admin('member', 'add', '--business', 'acme', '--email', 'owner@example.com', '--role', 'owner');
    expect(added.code).toBe(0);
    expect(added.stdout.trim()).toBe('Added owner@example.com to acme as owner.');
    const staff = await admin('member', 'add', '--business', 'acme', '--email', 'staff@example.com', '--role', 'member');
    expect(staff.stdout.trim()).toBe('Added staff@example.com to acme as member.');
    const promoted = await admin('member', 'add', '--business', 'acme', '--email', 'staff@example.com', '--role', 'admin');
    expect(promoted.stdout.trim()).toBe("Changed staff@example.com's role in acme from member to admin.");
    const same = await admin('member', 'add', '--business', 'acme', '--email', 'staff@example.com', '--role', 'admin');
    expect(same.code).toBe(0);
    expect(same.stdout.trim()).toBe('staff@example.com is already admin of acme.');

    const noBusiness = await admin('member', 'add', '--business', 'nope', '--email', 'staff@example.com', '--role', 'admin');
    expect(noBusiness.code).toBe(1);
    expect(noBusiness.stderr.trim()).toBe('unknown business "nope": no business has that slug (create one with: business create)');
    const noUser = await admin('member', 'add', '--business', 'acme', '--email', 'ghost@example.com', '--role', 'admin');
    expect(noUser.code).toBe(1);
    expect(noUser.stderr.trim()).toBe('unknown user ghost@example.com (create one with: user create --email ghost@example.com)');

    const roles = await inspect((db) =>
      db.kysely
        .selectFrom('memberships as m')
        .innerJoin('users as u', 'u.id', 'm.user_id')
        .select(['u.email', 'm.role'])
        .where('m.business_id', '=', acmeId)
        .orderBy('u.email')
        .execute(),
    );
    expect(roles).toEqual([
      { email: 'owner@example.com', role: 'owner' },
      { email: 'staff@example.com', role: 'admin' },
    ]);

    const lastOwner = await admin('member', 'add', '--business', 'acme', '--email', 'owner@example.com', '--role', 'admin');
    expect(lastOwner.code).toBe(1);
    expect(lastOwner.stderr.trim()).toBe('owner@example.com is the only owner of acme: make another member owner first, then change this role.');
    expect((await admin('member', 'add', '--business', 'acme', '--email', 'staff@example.com', '--role', 'owner')).code).toBe(0);
    const handedOver = await admin('member', 'add', '--business', 'acme', '--email', 'owner@example.com', '--role', 'admin');
    expect(handedOver.stdout.trim()).toBe("Changed owner@example.com's role in acme from owner to admin.");
  });

  it('security: api-key create prints the key alone on stdout; it verifies with its scopes and expiry, and only its hash is stored', async () => {
    const unknown = await admin('api-key', 'create', '--business', 'ghost', '--scopes', 'calls:read');
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr.trim()).toBe('unknown business "ghost": no business has that slug (create one with: business create)');

    const before = Date.now();
    const reader = await admin('api-key', 'create', '--business', 'acme', '--scopes', 'calls:read, agents:read', '--name', 'CI reader', '--expires-in', '30d');
    expect(reader.code).toBe(0);
    const key = reader.stdout.slice(0, -1);
    expect(reader.stdout).toBe(`${key}\n`);
    expect(key).toMatch(KEY);
    expect(reader.stderr).toContain(key.slice(0, 16));
    expect(reader.stderr).not.toContain(key);
    expect(reader.stderr).toMatch(/shown only this once/);

    const all = await admin('api-key', 'create', '--business', 'acme', '--scopes', SCOPES.join(','));
    expect(all.code).toBe(0);
    const allKey = all.stdout.trim();
    expect(allKey).toMatch(KEY);

    await inspect(async (db) => {
      const verified = await verifyApiKey(db.kysely, key);
      if (!verified.ok) throw new Error(`the new key did not verify: ${verified.reason}`);
      expect(verified.key.businessId).toBe(acmeId);
      expect(verified.key.name).toBe('CI reader');
      expect([...verified.key.scopes].sort()).toEqual(['agents:read', 'calls:read']);
      const expected = before + 30 * 86_400_000;
      expect(Math.abs(verified.key.expiresAt!.getTime() - expected)).toBeLessThan(5 * 60_000);
      const second = await verifyApiKey(db.kysely, allKey);
      expect(second.ok && [...second.key.scopes].sort()).toEqual([...SCOPES].sort());
      expect(second.ok && second.key.expiresAt).toBeNull();

      const rows = await db.kysely.selectFrom('api_keys').selectAll().execute();
      expect(JSON.stringify(rows)).not.toContain(key);
      const audit = await db.kysely.selectFrom('audit_log').selectAll().where('action', '=', 'api_key.created').execute();
      expect(audit).toHaveLength(2);
      expect(audit[0]).toMatchObject({ business_id: acmeId, actor_kind: 'system', actor_id: 'admin-cli', outcome: 'success' });
      expect(JSON.stringify(audit)).not.toContain(key);
    });

    // list shows prefixes, names, scopes and dates, never a key.
    const list = await admin('api-key', 'list', '--business', 'acme');
    expect(list.code).toBe(0);
    const lines = list.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^PREFIX\s+NAME\s+SCOPES\s+CREATED\s+EXPIRES\s+LAST USED\s+REVOKED$/);
    expect(lines).toHaveLength(3);
    const readerRow = lines.find((l) => l.startsWith(key.slice(0, 16)))!;
    expect(readerRow).toMatch(/CI reader\s+calls:read,agents:read\s+\d{4}-\d\d-\d\d \d\d:\d\dZ\s+\d{4}-\d\d-\d\d \d\d:\d\dZ\s+never\s+-$/);
    expect(lines.find((l) => l.startsWith(allKey.slice(0, 16)))).toMatch(/Admin CLI key\s+calls:read,calls:write,.*\s+never\s+never\s+-$/);
    expect(list.stdout).not.toContain(key);
    expect(list.stdout).not.toContain(allKey);

    // security: revoking by prefix stops the key at once; the other key keeps working.
    const revoked = await admin('api-key', 'revoke', key.slice(0, 16));
    expect(revoked.code).toBe(0);
    expect(revoked.stdout.trim()).toBe(`Revoked ${key.slice(0, 16)} ("CI reader", acme). It no longer authenticates.`);
    await inspect(async (db) => {
      expect(await verifyApiKey(db.kysely, key)).toEqual({ ok: false, reason: 'revoked' });
      expect((await verifyApiKey(db.kysely, allKey)).ok).toBe(true);
      expect(await db.kysely.selectFrom('audit_log').select('action').where('action', '=', 'api_key.revoked').execute()).toHaveLength(1);
    });
    const again = await admin('api-key', 'revoke', key.slice(0, 16));
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/was already revoked at \d{4}-\d\d-\d\d \d\d:\d\dZ\.$/m);
    const listed = await admin('api-key', 'list', '--business', 'acme');
    expect(listed.stdout.split('\n').find((l) => l.startsWith(key.slice(0, 16)))).toMatch(/\d\d:\d\dZ$/);

    const missing = await admin('api-key', 'revoke', 'kc_live_00000000');
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe('no API key has the prefix kc_live_00000000');
  });

  it('security: api-key create --kind runtime makes a kc_rt_ key for the in-call surface only, with no scopes; it lists and revokes like the others', async () => {
    const scoped = await admin('api-key', 'create', '--business', 'acme', '--kind', 'runtime', '--scopes', 'calls:read');
    expect([scoped.code, scoped.stderr.trim()]).toEqual([2, '--scopes: a runtime key takes no scopes (it may call the in-call tools only)']);
    expect((await admin('api-key', 'create', '--business', 'acme', '--kind', 'robot')).stderr.trim()).toBe('--kind must be account or runtime, got "robot"');

    const made = await admin('api-key', 'create', '--business', 'acme', '--kind', 'runtime', '--name', 'Vapi');
    expect(made.code).toBe(0);
    const key = made.stdout.trim();
    expect(key).toMatch(/^kc_rt_[0-9A-Za-z]{40}$/);
    expect(made.stderr).toContain('/api/mcp/in-call');
    await inspect(async (db) => {
      const verified = await verifyRuntimeKey(db.kysely, key);
      expect(verified.ok && [verified.key.businessId, verified.key.kind, verified.key.scopes]).toEqual([acmeId, 'runtime', []]);
      expect(await verifyApiKey(db.kysely, key)).toEqual({ ok: false, reason: 'malformed' });
    });
    const listed = await admin('api-key', 'list', '--business', 'acme');
    expect(listed.stdout.split('\n').find((l) => l.startsWith(key.slice(0, 14)))).toMatch(/Vapi\s+\(runtime: in-call\)/);
    const revoked = await admin('api-key', 'revoke', key.slice(0, 14));
    expect(revoked.stdout.trim()).toBe(`Revoked ${key.slice(0, 14)} ("Vapi", acme). It no longer authenticates.`);
    await inspect(async (db) => expect(await verifyRuntimeKey(db.kysely, key)).toEqual({ ok: false, reason: 'revoked' }));
  });
});

describe('admin CLI: signing keys', () => {
  it('keys rotate makes a new key current and keeps the old one published until its tokens expire', async () => {
    const first = await admin('keys', 'rotate');
    expect(first.code).toBe(0);
    const firstKid = /^New signing key (\S+) is current/.exec(first.stdout)?.[1];
    expect(firstKid).toBeDefined();
    const second = await admin('keys', 'rotate');
    expect(second.code).toBe(0);
    const secondKid = /^New signing key (\S+) is current/.exec(second.stdout)?.[1];
    expect(secondKid).not.toBe(firstKid);
    expect(second.stdout).toContain(`Retired ${firstKid}: still published until`);
    await inspect(async (db) => {
      const keys = await db.kysely.selectFrom('signing_keys').selectAll().where('use', '=', 'sig').execute();
      const old = keys.find((k) => k.kid === firstKid)!;
      const current = keys.find((k) => k.kid === secondKid)!;
      expect(current.retired_at).toBeNull();
      expect(old.retired_at).not.toBeNull();
      // Published for the access-token lifetime (1 h by default) and then some, not forever.
      const publishedFor = (old.publish_until!.getTime() - old.retired_at!.getTime()) / 1000;
      expect(publishedFor).toBeGreaterThanOrEqual(3600);
      expect(publishedFor).toBeLessThan(3600 + 300);
    });
  });
});

describe('admin CLI next to a running server', () => {
  if (usingPostgres()) {
    it('on Postgres, the CLI simply works while a server runs on the same database', async () => {
      const port = await freePort();
      const server = spawnScript('src/main.ts', [], { ...target, PORT: String(port) });
      await waitForOk(`http://127.0.0.1:${port}/readyz`, 20_000, server);
      const created = await admin('api-key', 'create', '--business', 'acme', '--scopes', 'calls:read', '--name', 'while serving');
      expect(created.code).toBe(0);
      expect(created.stdout.trim()).toMatch(KEY);
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
      expect(await server.stop()).toEqual({ code: 0, signal: null });
    });
  } else {
    it('security: on the embedded database, the CLI refuses while a server holds DATA_DIR, leaves it intact, and works once the server stops', async () => {
      const dataDir = path.join(tmp, 'served');
      const lock = path.join(dataDir, 'kaicalls.lock');
      const port = await freePort();
      const server = spawnScript('src/main.ts', [], { PORT: String(port), DATA_DIR: dataDir });
      await waitForOk(`http://127.0.0.1:${port}/readyz`, 20_000, server);
      const readOnly = /: (kc_live_\w+)$/.exec(await server.waitForLine(/^Demo API key \(read-only\): /))![1]!;
      const allScopes = /: (kc_live_\w+)$/.exec(await server.waitForLine(/^Demo API key \(all scopes\): /))![1]!;
      expect(fs.readFileSync(lock, 'utf8')).toBe(String(server.process.pid));

      const [listing, creating] = await Promise.all([
        runScript('src/cli/admin.ts', ['api-key', 'list', '--business', 'acme'], { DATA_DIR: dataDir }),
        runScript('src/cli/admin.ts', ['api-key', 'create', '--business', 'acme', '--scopes', 'calls:read'], { DATA_DIR: dataDir }),
      ]);
      for (const r of [listing, creating]) {
        expect(r.code).toBe(1);
        expect(r.stdout).toBe('');
        const lines = r.stderr.trim().split('\n');
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatch(
          new RegExp(`^The embedded database in .* is in use by process ${server.process.pid} \\(a running server\\?\\)\\. PGlite allows one process at a time`),
        );
      }
      // The server neither noticed nor lost its lock.
      expect(fs.readFileSync(lock, 'utf8')).toBe(String(server.process.pid));
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
      expect(await server.stop()).toEqual({ code: 0, signal: null });

      // Now the CLI owns the directory and sees the seeded data: the two demo keys and the demo runtime key, nothing more.
      const after = await runScript('src/cli/admin.ts', ['api-key', 'list', '--business', 'acme'], { DATA_DIR: dataDir });
      expect(after.code).toBe(0);
      const rows = after.stdout.trim().split('\n').slice(1);
      expect(rows).toHaveLength(3);
      expect(rows.find((r) => r.startsWith('kc_rt_'))).toMatch(/Demo runtime key \(in-call\)\s+\(runtime: in-call\)\s/);
      expect(rows.find((r) => r.startsWith(readOnly.slice(0, 16)))).toMatch(/Demo key \(read-only\)\s+agents:read,calls:read\s/);
      expect(rows.find((r) => r.startsWith(allScopes.slice(0, 16)))).toMatch(/Demo key \(all scopes\)\s+calls:read,calls:write,/);
      expect(after.stdout).not.toContain(readOnly);
      expect(fs.existsSync(lock)).toBe(false);
    });
  }
});
