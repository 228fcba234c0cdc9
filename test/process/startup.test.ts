// Issue 2's acceptance, as a new user meets it: `npm start` on a fresh data directory migrates,
// seeds and prints how to connect; a restart keeps everything and prints no new secrets; a bad
// setting stops the process with a line naming it; `db:migrate` and `db:seed` prepare a database.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { migrateToLatest } from '../../db/migrate.js';
import { DEMO_EMAIL } from '../../src/cli/demo-data.js';
import { verifyApiKey } from '../../src/authz/api-keys.js';
import { verifyPassword } from '../../src/authz/passwords.js';
import { SCOPES } from '../../src/scopes/index.js';
import { openDatabase } from '../../src/shared/db.js';
import { freePort } from '../helpers/app.js';
import { usingPostgres } from '../helpers/db.js';
import { killAll, runScript, spawnScript, waitForOk } from '../helpers/process.js';

// These tests start real processes (each loads Node, tsx and the embedded Postgres): on a busy
// two-core machine a test of several of them needs more than the default 30 s.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 120_000 });

/**
 * The acceptance bound for `/readyz` after a first start (issue 2). These files run alone, one at a
 * time (vitest.process.config.ts), so the server under test has the machine to itself, as it would
 * on a new user's laptop.
 */
const readyBudgetMs = () => 10_000;

const KEY_LINE = (kind: string) => new RegExp(`^Demo API key \\(${kind.replace(/[()]/g, '\\$&')}\\): (kc_live_[0-9A-Za-z]{40})$`);
const SIGN_IN = /^Demo sign-in: (\S+@\S+) \/ (\S+)$/;

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kc-startup-'));
});
afterEach(killAll);
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('npm start on the embedded database', () => {
  let dataDir: string;
  let first: { email: string; password: string; readOnly: string; allScopes: string };

  it('on a fresh DATA_DIR: migrates, seeds, prints the four lines, and is ready within 10 s', async () => {
    dataDir = path.join(tmp, 'data');
    const port = await freePort();
    const budget = readyBudgetMs();
    const started = Date.now();
    const server = spawnScript('src/main.ts', [], { PORT: String(port), DATA_DIR: dataDir });
    await waitForOk(`http://127.0.0.1:${port}/readyz`, budget, server);
    expect(Date.now() - started).toBeLessThan(budget);
    await server.waitForLine(/^Demo runtime key \(in-call, acme\): kc_rt_/);

    const lines = server.textLines();
    expect(lines).toHaveLength(7);
    expect(lines[0]).toBe(`MCP endpoint: http://localhost:${port}/api/mcp`);
    expect(lines[1]).toBe(`Dashboard: http://localhost:${port}/dashboard`);
    const [, email, password] = SIGN_IN.exec(lines[2]!)!;
    const readOnly = KEY_LINE('read-only').exec(lines[3]!)![1]!;
    const allScopes = KEY_LINE('all scopes').exec(lines[4]!)![1]!;
    expect(email).toBe(DEMO_EMAIL);
    expect(readOnly).not.toBe(allScopes);
    first = { email: email!, password: password!, readOnly, allScopes };

    // SIGTERM: a clean exit that releases the data directory.
    expect(fs.existsSync(path.join(dataDir, 'kaicalls.lock'))).toBe(true);
    expect(await server.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    expect(fs.existsSync(path.join(dataDir, 'kaicalls.lock'))).toBe(false);
  });

  it('a second start on the same DATA_DIR keeps the data, prints the MCP line (from PUBLIC_URL) and no secrets', async () => {
    const port = await freePort();
    const server = spawnScript('src/main.ts', [], { PORT: String(port), DATA_DIR: dataDir, PUBLIC_URL: 'https://mcp.example.com' });
    await waitForOk(`http://127.0.0.1:${port}/readyz`, readyBudgetMs(), server);
    // The last of the three lines: they are printed one after another.
    await server.waitForLine(/^In-call endpoint /);
    expect(server.textLines()).toEqual([
      'MCP endpoint: https://mcp.example.com/api/mcp',
      'Dashboard: https://mcp.example.com/dashboard',
      'In-call endpoint (voice runtimes): https://mcp.example.com/api/mcp/in-call',
    ]);
    expect(server.stdout()).not.toMatch(/Demo|kc_live_|kc_rt_/);
    expect(await server.stop('SIGINT')).toEqual({ code: 0, signal: null });

    // The first start's credentials are still the valid ones, and exist only as hashes.
    const db = await openDatabase({ databaseUrl: undefined, dataDir, dbPoolSize: 1 });
    try {
      for (const key of [first.readOnly, first.allScopes]) {
        const verified = await verifyApiKey(db.kysely, key);
        expect(verified.ok).toBe(true);
      }
      const user = await db.kysely.selectFrom('users').select('password_hash').where('email', '=', first.email).executeTakeFirstOrThrow();
      expect(await verifyPassword(user.password_hash, first.password)).toBe(true);
      expect(await db.kysely.selectFrom('businesses').select('slug').orderBy('slug').execute()).toEqual([{ slug: 'acme' }, { slug: 'bright' }]);
    } finally {
      await db.close();
    }
  });

  it('PORT=abc stops at once with exit ≠ 0 and a line naming PORT, before touching DATA_DIR', async () => {
    const dir = path.join(tmp, 'never-created');
    const result = await runScript('src/main.ts', [], { PORT: 'abc', DATA_DIR: dir });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/^PORT must be an integer 1–65535, got "abc"$/m);
    expect(result.stdout).toBe('');
    expect(fs.existsSync(dir)).toBe(false);
  });

  it('a bad LOG_LEVEL stops with exit ≠ 0 and a line naming LOG_LEVEL', async () => {
    const result = await runScript('src/main.ts', [], { LOG_LEVEL: 'loud', DATA_DIR: path.join(tmp, 'never-created') });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/^LOG_LEVEL must be one of .*, got "loud"$/m);
  });
});

// db:migrate and db:seed on this run's database: a fresh embedded data directory, or, with
// TEST_DATABASE_URL, a fresh Postgres database (where `npm start` migrates but does not seed).
describe(`db:migrate, db:seed and start-up on ${usingPostgres() ? 'Postgres' : 'the embedded database'}`, () => {
  const drops: (() => Promise<void>)[] = [];
  let env: Record<string, string>;

  /** A database nobody has touched: a new Postgres database, or a new data directory. */
  async function freshDatabase(label: string): Promise<Record<string, string>> {
    const base = process.env.TEST_DATABASE_URL;
    if (!base) return { DATA_DIR: path.join(tmp, label) };
    const name = `kc_${label.replace(/-/g, '_')}_${process.pid}_${Date.now()}`;
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    drops.push(async () => {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    });
    const url = new URL(base);
    url.pathname = `/${name}`;
    return { DATABASE_URL: url.toString() };
  }

  beforeAll(async () => {
    env = await freshDatabase('cli-data');
  });
  afterAll(async () => {
    for (const drop of drops) await drop();
  });

  if (usingPostgres()) {
    it('DATABASE_URL=<fresh database>: npm start migrates it and is ready, without seeding it', async () => {
      const port = await freePort();
      const server = spawnScript('src/main.ts', [], { ...(await freshDatabase('served')), PORT: String(port) });
      await waitForOk(`http://127.0.0.1:${port}/readyz`, readyBudgetMs(), server);
      await server.waitForLine(/^In-call endpoint /);
      expect(server.textLines()).toEqual([
        `MCP endpoint: http://localhost:${port}/api/mcp`,
        `Dashboard: http://localhost:${port}/dashboard`,
        `In-call endpoint (voice runtimes): http://localhost:${port}/api/mcp/in-call`,
      ]);
      expect(await server.stop()).toEqual({ code: 0, signal: null });
    });
  }

  it('db:migrate brings the database to the latest schema, and says so when it already is', async () => {
    const migrated = await runScript('src/cli/migrate.ts', [], env);
    expect(migrated.stderr).not.toMatch(/error/i);
    expect(migrated.code).toBe(0);
    expect(migrated.stdout).toMatch(/^Applied \d+ migrations? to (Postgres \(DATABASE_URL\)|the embedded database): 2026-11-21-001-initial/);
    const again = await runScript('src/cli/migrate.ts', [], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/is up to date; no migration to apply/);
  });

  it('db:seed seeds it once and prints the same lines as a first start; a second run says it is already seeded', async () => {
    const seeded = await runScript('src/cli/seed.ts', [], { ...env, PORT: '4321' });
    expect(seeded.code).toBe(0);
    const lines = seeded.stdout.trim().split('\n');
    expect(lines).toHaveLength(7);
    expect(lines[0]).toBe('MCP endpoint: http://localhost:4321/api/mcp');
    expect(lines[1]).toBe('Dashboard: http://localhost:4321/dashboard');
    expect(lines[2]).toMatch(SIGN_IN);
    const readOnly = KEY_LINE('read-only').exec(lines[3]!)![1]!;
    const allScopes = KEY_LINE('all scopes').exec(lines[4]!)![1]!;

    const again = await runScript('src/cli/seed.ts', [], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/already has data.*nothing was seeded/);
    expect(again.stdout).not.toMatch(/kc_live_/);

    const db = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir: env.DATA_DIR ?? 'memory://', dbPoolSize: 1 });
    try {
      expect(await migrateToLatest(db.kysely)).toEqual([]);
      const ro = await verifyApiKey(db.kysely, readOnly);
      const all = await verifyApiKey(db.kysely, allScopes);
      expect(ro.ok && [...ro.key.scopes].sort()).toEqual(['agents:read', 'calls:read']);
      expect(all.ok && [...all.key.scopes].sort()).toEqual([...SCOPES].sort());
      const calls = await db.kysely
        .selectFrom('calls')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      expect(Number(calls.n)).toBe(100);
    } finally {
      await db.close();
    }
  });

  it('a bad DATABASE_URL or DATA_DIR setting is one clear line and exit ≠ 0', async () => {
    const result = await runScript('src/cli/seed.ts', [], { DATABASE_URL: 'mysql://nope' });
    expect(result.code).not.toBe(0);
    // The value is not repeated: a database URL may carry a password.
    expect(result.stderr.trim()).toBe('DATABASE_URL must be a postgres:// or postgresql:// URL');
  });
});
