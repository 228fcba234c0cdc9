// Issue 10, fault 4: a hung database holds no request for longer than DB_QUERY_TIMEOUT_MS. Between
// the app and Postgres sits a TCP proxy that can "freeze": it stops forwarding bytes both ways and
// closes nothing, as a stopped server or a partitioned network does (no refusal, no reset, nothing).
// While frozen, a tools/call and /readyz answer 503 within the bound (plus a margin); once it thaws,
// the node serves again with connections in a clean state.
import net from 'node:net';
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../src/app.js';
import { SCOPES } from '../src/scopes/index.js';
import { ConfigError, loadConfig } from '../src/shared/config.js';
import { isDatabaseUnavailable } from '../src/shared/db-unavailable.js';
import { freePort } from './helpers/app.js';
import { createTestDatabase, usingPostgres, type TestDatabase } from './helpers/db.js';
import { callTool, createBusiness, createKey } from './helpers/mcp.js';

describe('DB_QUERY_TIMEOUT_MS', () => {
  it('defaults to 5000 ms and takes a number of milliseconds', () => {
    expect(loadConfig({}).dbQueryTimeoutMs).toBe(5000);
    expect(loadConfig({ DB_QUERY_TIMEOUT_MS: '1500' }).dbQueryTimeoutMs).toBe(1500);
  });

  it('a bad value stops the start with a line naming the variable, the rule and the value', () => {
    for (const bad of ['abc', '5s', '0', '99', '600001', '-1']) {
      expect(() => loadConfig({ DB_QUERY_TIMEOUT_MS: bad })).toThrow(ConfigError);
      expect(() => loadConfig({ DB_QUERY_TIMEOUT_MS: bad })).toThrow(`DB_QUERY_TIMEOUT_MS must be an integer 100–600000, got ${JSON.stringify(bad)}`);
    }
  });
});

/** A TCP relay to `target` that can stop forwarding (and closing) in both directions, and resume in order. */
async function freezableProxy(target: { host: string; port: number }) {
  let frozen = false;
  // What arrived while frozen, data and closes alike, replayed in arrival order on thaw.
  const held: (() => void)[] = [];
  const sockets = new Set<net.Socket>();
  const relay = (from: net.Socket, to: net.Socket) => {
    const forward = (action: () => void) => (frozen ? held.push(action) : action());
    from.on('data', (chunk) => forward(() => to.write(chunk)));
    from.on('end', () => forward(() => to.end()));
    from.on('error', () => forward(() => to.destroy()));
    from.on('close', () => sockets.delete(from));
  };
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    sockets.add(client).add(upstream);
    relay(client, upstream);
    relay(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    freeze() {
      frozen = true;
    },
    thaw() {
      frozen = false;
      for (const action of held.splice(0)) action();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Status and elapsed time of a request; status 0 when it had no answer within `giveUpMs`. */
async function timed(url: string, init: RequestInit, giveUpMs: number): Promise<{ status: number; ms: number; body: any }> {
  const started = performance.now();
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(giveUpMs) });
    const body = await res.json().catch(() => undefined);
    return { status: res.status, ms: performance.now() - started, body };
  } catch {
    return { status: 0, ms: performance.now() - started, body: undefined };
  }
}

// The embedded database (PGlite) runs inside this process: there is no connection, network or
// server that could hang apart from the process itself, and DB_QUERY_TIMEOUT_MS does not apply to
// it. Only the configuration above runs there.
if (usingPostgres()) {
  describe('fault: a hung Postgres (frozen TCP proxy) answers 503 within DB_QUERY_TIMEOUT_MS, and the node recovers', () => {
    const BOUND_MS = 800;
    // Above the bound: scheduling on a busy two-core machine. Below /readyz's own 2 s fallback, so
    // that /readyz can only pass by the database bound.
    const MARGIN_MS = 1000;

    let database: TestDatabase;
    let proxy: Awaited<ReturnType<typeof freezableProxy>>;
    let app: App;
    let baseUrl: string;
    let key: string;
    let businessName: string;
    let businessId: string;

    beforeAll(async () => {
      database = await createTestDatabase();
      const direct = new URL(database.databaseUrl!);
      proxy = await freezableProxy({ host: direct.hostname, port: Number(direct.port || 5432) });
      const viaProxy = new URL(direct);
      viaProxy.hostname = '127.0.0.1';
      viaProxy.port = String(proxy.port);
      const port = await freePort();
      baseUrl = `http://127.0.0.1:${port}`;
      // The app opens its own pool from the configuration, as in production: the bound under test is DB_QUERY_TIMEOUT_MS's.
      app = await createApp(
        loadConfig({
          PORT: String(port),
          HOST: '127.0.0.1',
          PUBLIC_URL: baseUrl,
          DATA_DIR: 'memory://',
          LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
          DATABASE_URL: viaProxy.toString(),
          DB_QUERY_TIMEOUT_MS: String(BOUND_MS),
          DB_POOL_SIZE: '4',
          DIALER_INTERVAL_MS: '600000',
        }),
      );
      await app.listen();
      const business = await createBusiness(database.db, `Hang Test ${randomUUID().slice(0, 6)}`);
      businessName = business.name;
      businessId = business.id;
      key = (await createKey(database.db, business.id, [...SCOPES])).key;
    }, 60_000);

    afterAll(async () => {
      proxy?.thaw();
      await app?.stop();
      await proxy?.close();
      await database?.close();
    });

    const getBusinessInfo = (giveUpMs: number) =>
      timed(
        `${baseUrl}/api/mcp`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${key}` },
          body: JSON.stringify(callTool('get_business_info', {})),
        },
        giveUpMs,
      );
    const readyz = (giveUpMs: number) => timed(`${baseUrl}/readyz`, {}, giveUpMs);

    it('tools/call and /readyz answer 503 within the bound while the database hangs, and 200 once it is back', async () => {
      // Warm: the pool holds open connections, so the freeze catches statements in flight, not only connects.
      for (let i = 0; i < 3; i++) expect((await getBusinessInfo(10_000)).status).toBe(200);
      expect((await readyz(10_000)).status).toBe(200);

      proxy.freeze();
      try {
        // Twice each: the first meets pooled connections (query_timeout), the next new ones (connect timeout).
        for (let i = 0; i < 2; i++) {
          const call = await getBusinessInfo(BOUND_MS + 5000);
          expect({ status: call.status, withinBound: call.ms < BOUND_MS + MARGIN_MS, ms: Math.round(call.ms) }).toMatchObject({ status: 503, withinBound: true });
          expect(call.body).toMatchObject({ jsonrpc: '2.0', error: { message: expect.stringMatching(/database/) } });
          const ready = await readyz(BOUND_MS + 5000);
          expect({ status: ready.status, withinBound: ready.ms < BOUND_MS + MARGIN_MS, ms: Math.round(ready.ms) }).toMatchObject({ status: 503, withinBound: true });
        }
        // A Koa route outside MCP (here the simulator's recordings, which look the call up): the
        // shared error mapper answers 503 with Retry-After, not a 500.
        const started = performance.now();
        const recording = await fetch(`${baseUrl}/simulator/recordings/sim_call_${'a'.repeat(24)}.wav`, { signal: AbortSignal.timeout(BOUND_MS + 5000) });
        expect({ status: recording.status, withinBound: performance.now() - started < BOUND_MS + MARGIN_MS }).toEqual({ status: 503, withinBound: true });
        expect(recording.headers.get('retry-after')).toBe('5');
        expect(await recording.json()).toMatchObject({ error: 'unavailable' });
      } finally {
        proxy.thaw();
      }

      // Back: the node serves again without a restart.
      let answer = await getBusinessInfo(10_000);
      for (let i = 0; i < 30 && answer.status !== 200; i++) {
        await new Promise((r) => setTimeout(r, 100));
        answer = await getBusinessInfo(10_000);
      }
      expect(answer.status).toBe(200);
      expect(answer.body.result.structuredContent).toMatchObject({ success: true, business: { name: businessName } });
      expect((await readyz(10_000)).status).toBe(200);
    }, 60_000);

    it('a connection whose statement timed out is closed, not reused: after the thaw no session is left inside a transaction', async () => {
      // Four connections open in the pool (overlapping units of work), so that each hung unit of work below holds one.
      await Promise.all(Array.from({ length: 4 }, () => app.db.forBusiness(businessId, (tx) => sql`select pg_sleep(0.05)`.execute(tx))));
      proxy.freeze();
      try {
        // A unit of work on every pooled connection at once, each hung after sending its BEGIN.
        const hung = await Promise.all(
          Array.from({ length: 4 }, async () => {
            const started = performance.now();
            const err = await app.db
              .forBusiness(businessId, (tx) => sql`select 1`.execute(tx))
              .then(
                () => undefined,
                (e: unknown) => e,
              );
            return { unavailable: isDatabaseUnavailable(err), withinBound: performance.now() - started < BOUND_MS + MARGIN_MS };
          }),
        );
        expect(hung).toEqual(Array.from({ length: 4 }, () => ({ unavailable: true, withinBound: true })));
      } finally {
        proxy.thaw();
      }
      // A connection kept after its statement timed out would now sit "idle in transaction", the
      // hung BEGIN having run on thaw, with the tenant's role and settings bound: the next owner
      // query handed that connection would run as that tenant.
      const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
      await admin.connect();
      try {
        const dbName = new URL(database.databaseUrl!).pathname.slice(1);
        const inTransaction = async () =>
          (
            await admin.query<{ n: number }>(
              `select count(*)::int as n from pg_stat_activity where datname = $1 and pid <> pg_backend_pid() and state like 'idle in transaction%'`,
              [dbName],
            )
          ).rows[0]!.n;
        // The thawed bytes reach the server in a moment; give the state a moment to show.
        await new Promise((r) => setTimeout(r, 300));
        let stuck = await inTransaction();
        for (let i = 0; i < 20 && stuck !== 0; i++) {
          await new Promise((r) => setTimeout(r, 100));
          stuck = await inTransaction();
        }
        expect(stuck).toBe(0);
      } finally {
        await admin.end();
      }
      const calls = await Promise.all(Array.from({ length: 8 }, () => getBusinessInfo(10_000)));
      for (const call of calls) expect(call.body?.result?.structuredContent).toMatchObject({ success: true, business: { name: businessName } });
    }, 60_000);
  });
}
