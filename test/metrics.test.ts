// /metrics (dashboard.md "`/metrics` and request ids"): Prometheus text from the app's own registry,
// to loopback clients or a holder of METRICS_TOKEN, 404 to anyone else.
//
// "Anyone else" is simulated honestly, twice: (1) a server bound on all interfaces and reached over
// this machine's non-loopback address, so the TCP peer really is not loopback; (2) TRUST_PROXY on
// and a forwarding header, as a reverse proxy on the same host delivers every request (from
// loopback), including one whose client wrote `X-Forwarded-For: 127.0.0.1` itself.
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCOPES } from '../src/scopes/index.js';
import { ConfigError, loadConfig } from '../src/shared/config.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { usingPostgres } from './helpers/db.js';
import { callTool, createBusiness, createKey, initialize, post } from './helpers/mcp.js';
import { createTestAccount, obtainTokens } from './helpers/oauth.js';

const TOKEN = 'metrics-token-0123456789abcdef';

let t: TestApp;
let key: string;
let readOnlyKey: string;

beforeAll(async () => {
  t = await startTestApp({ DIALER_INTERVAL_MS: '600000' });
  const business = await createBusiness(t.app.db, 'Metrics Plumbing');
  key = (await createKey(t.app.db, business.id, [...SCOPES])).key;
  readOnlyKey = (await createKey(t.app.db, business.id, ['calls:read'])).key;
}, 60_000);
afterAll(async () => t?.stop());

async function scrape(base: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}/metrics`, { headers });
  return { status: res.status, type: res.headers.get('content-type'), body: await res.text() };
}

/** The value of one sample line, e.g. `kaicalls_tool_calls_total{surface="main",…}`; undefined when absent. */
function sample(body: string, series: string): number | undefined {
  const line = body.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('/metrics from loopback', () => {
  it('counts tool calls by surface, tool and outcome, with their latency', async () => {
    const ok = await post(t.mcpUrl, callTool('get_business_info'), { authorization: `Bearer ${key}` });
    expect(ok.body.result.structuredContent.success).toBe(true);
    const denied = await post(t.mcpUrl, callTool('list_agents'), { authorization: `Bearer ${readOnlyKey}` });
    expect(denied.body.result.structuredContent.error_code).toBe('missing_scope');
    const bad = await post(t.mcpUrl, callTool('get_lead', { lead_id: 'not-a-uuid' }), { authorization: `Bearer ${key}` });
    expect(bad.body.result.structuredContent.error_code).toBe('invalid_argument');

    const { status, type, body } = await scrape(t.listenUrl);
    expect(status).toBe(200);
    expect(type).toContain('text/plain');
    expect(body).toContain('# TYPE kaicalls_tool_calls_total counter');
    expect(sample(body, 'kaicalls_tool_calls_total{surface="main",tool="get_business_info",outcome="success"}')).toBe(1);
    expect(sample(body, 'kaicalls_tool_calls_total{surface="main",tool="list_agents",outcome="denied"}')).toBe(1);
    expect(sample(body, 'kaicalls_tool_calls_total{surface="main",tool="get_lead",outcome="error"}')).toBe(1);
    expect(sample(body, 'kaicalls_tool_call_duration_seconds_count{surface="main",tool="get_business_info",outcome="success"}')).toBe(1);
  });

  it('counts HTTP requests by method, matched route and status, never by raw path', async () => {
    await fetch(`${t.listenUrl}/healthz`);
    await fetch(`${t.listenUrl}/oauth/interaction/abcdefghijklmnopqrstu`);
    await fetch(`${t.listenUrl}/no/such/path/3f2c9a`);
    const { body } = await scrape(t.listenUrl);
    expect(sample(body, 'kaicalls_http_requests_total{method="GET",route="/healthz",status="200"}')).toBeGreaterThanOrEqual(1);
    expect(sample(body, 'kaicalls_http_requests_total{method="POST",route="/api/mcp",status="200"}')).toBeGreaterThanOrEqual(3);
    expect(body).toMatch(/kaicalls_http_requests_total\{method="GET",route="\/oauth\/interaction\/:uid",status="\d+"\} 1/);
    expect(sample(body, 'kaicalls_http_requests_total{method="GET",route="unmatched",status="404"}')).toBeGreaterThanOrEqual(1);
    expect(body).not.toContain('abcdefghijklmnopqrstu');
    expect(body).not.toContain('3f2c9a');
    expect(body).toMatch(/kaicalls_http_request_duration_seconds_bucket\{le="0\.1",method="GET",route="\/healthz",status="200"\} \d+/);
  });

  it('counts tokens issued by grant type, and active MCP sessions', async () => {
    const account = await createTestAccount(t.app.db, { businesses: [{ name: 'Metrics Dental' }] });
    const { tokens, client } = await obtainTokens(t.baseUrl, { email: account.email, password: account.password, scopes: ['calls:read'] });
    const refreshed = await fetch(`${t.baseUrl}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token!, client_id: client.clientInformation()!.client_id }),
    });
    expect(refreshed.status).toBe(200);

    const opened = await post(t.mcpUrl, initialize(), { authorization: `Bearer ${tokens.access_token}` });
    expect(opened.headers.get('mcp-session-id')).toBeTruthy();

    const { body } = await scrape(t.listenUrl);
    expect(sample(body, 'kaicalls_oauth_tokens_issued_total{grant_type="authorization_code",token_type="access_token"}')).toBe(1);
    expect(sample(body, 'kaicalls_oauth_tokens_issued_total{grant_type="authorization_code",token_type="refresh_token"}')).toBe(1);
    expect(sample(body, 'kaicalls_oauth_tokens_issued_total{grant_type="refresh_token",token_type="access_token"}')).toBe(1);
    expect(sample(body, 'kaicalls_mcp_sessions_active{surface="main"}')).toBe(1);
  });

  it('reports dialer passes and lag, the database pool (Postgres), webhook events and the process defaults', async () => {
    const before = sample((await scrape(t.listenUrl)).body, 'kaicalls_dialer_passes_total{outcome="success"}') ?? 0;
    await t.app.jobs.runOnce();
    t.app.metrics.webhookEvent('simulator', 'call.ended', 'accepted');
    const { body } = await scrape(t.listenUrl);
    expect(sample(body, 'kaicalls_dialer_passes_total{outcome="success"}')).toBe(before + 1);
    const lag = sample(body, 'kaicalls_dialer_lag_seconds');
    expect(lag).toBeGreaterThanOrEqual(0);
    expect(lag).toBeLessThan(5);
    expect(sample(body, 'kaicalls_webhook_events_total{provider="simulator",type="call.ended",outcome="accepted"}')).toBe(1);
    if (usingPostgres()) {
      // Idle between requests: nothing checked out, nobody waiting, some connections open.
      expect(sample(body, 'kaicalls_db_pool_connections_in_use')).toBe(0);
      expect(sample(body, 'kaicalls_db_pool_waiting')).toBe(0);
      expect(sample(body, 'kaicalls_db_pool_connections_idle')).toBeGreaterThan(0);
    } else {
      // PGlite is one connection and no pool: no pool gauges (a 0 would read as an idle pool).
      expect(body).not.toContain('kaicalls_db_pool');
    }
    expect(sample(body, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(body).toContain('nodejs_eventloop_lag_seconds');
  });

  it('keeps one registry per app: a second app in this process starts from zero', async () => {
    const other = await startTestApp({}, t.database);
    try {
      const { status, body } = await scrape(other.listenUrl);
      expect(status).toBe(200);
      expect(body).toContain('# TYPE kaicalls_tool_calls_total counter');
      expect(body).not.toContain('tool="get_business_info"');
      expect(sample((await scrape(t.listenUrl)).body, 'kaicalls_tool_calls_total{surface="main",tool="get_business_info",outcome="success"}')).toBe(1);
    } finally {
      await other.stop();
    }
  });
});

describe('METRICS_TOKEN', () => {
  it('must be 24 to 256 printable characters; a bad one stops the start without being repeated', () => {
    for (const bad of ['too-short-token', `${'x'.repeat(30)} spaced`, 'x'.repeat(257)]) {
      const thrown = (() => {
        try {
          loadConfig({ METRICS_TOKEN: bad });
        } catch (err) {
          return err;
        }
      })();
      expect(thrown).toBeInstanceOf(ConfigError);
      expect((thrown as ConfigError).lines).toEqual(['METRICS_TOKEN must be 24 to 256 printable characters without spaces']);
    }
    expect(loadConfig({ METRICS_TOKEN: TOKEN }).metricsToken).toBe(TOKEN);
    expect(loadConfig({}).metricsToken).toBeUndefined();
  });
});

/** This machine's first address that is not loopback. */
function nonLoopbackAddress(): string {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (!a.internal && a.family === 'IPv4') return a.address;
  }
  throw new Error('this test needs a network interface with a non-loopback IPv4 address');
}

describe('/metrics from elsewhere', () => {
  let open: TestApp;
  let remoteBase: string;

  beforeAll(async () => {
    open = await startTestApp({ HOST: '0.0.0.0', METRICS_TOKEN: TOKEN }, t.database);
    remoteBase = `http://${nonLoopbackAddress()}:${new URL(open.listenUrl).port}`;
  }, 60_000);
  afterAll(async () => open?.stop());

  it('is 404, like a path that does not exist, without the token; 200 with it; 404 with a wrong one', async () => {
    const missing = await scrape(remoteBase);
    expect(missing.status).toBe(404);
    expect(missing.body).toBe(await fetch(`${remoteBase}/no-such-page`).then((r) => r.text()));
    expect((await scrape(remoteBase, { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    expect((await scrape(remoteBase, { authorization: `Bearer ${TOKEN}x` })).status).toBe(404);
    expect((await scrape(remoteBase, { authorization: `Bearer ${TOKEN.slice(0, -1)}` })).status).toBe(404);
    expect((await scrape(remoteBase, { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` })).status).toBe(404);
    // The same server from loopback needs no token.
    expect((await scrape(`http://127.0.0.1:${new URL(open.listenUrl).port}`)).status).toBe(200);
  });

  it('with no METRICS_TOKEN configured, no bearer token opens it', async () => {
    const closed = await startTestApp({ HOST: '0.0.0.0' }, t.database);
    try {
      const base = `http://${nonLoopbackAddress()}:${new URL(closed.listenUrl).port}`;
      expect((await scrape(base)).status).toBe(404);
      expect((await scrape(base, { authorization: 'Bearer undefined' })).status).toBe(404);
      expect((await scrape(base, { authorization: 'Bearer ' })).status).toBe(404);
    } finally {
      await closed.stop();
    }
  });

  it('a request forwarded by a proxy on this host needs the token, even with TRUST_PROXY forgotten', async () => {
    // `t` runs without TRUST_PROXY: the proxy's connection is from loopback, its header gives it away.
    expect((await scrape(t.listenUrl, { 'x-forwarded-for': '203.0.113.9' })).status).toBe(404);
    expect((await scrape(t.listenUrl, { 'x-real-ip': '203.0.113.9' })).status).toBe(404);
    expect((await scrape(t.listenUrl)).status).toBe(200);
  });

  it('behind a trusted proxy, a forwarded request needs the token, whatever X-Forwarded-For claims', async () => {
    const proxied = await startTestApp({ TRUST_PROXY: 'true', METRICS_TOKEN: TOKEN }, t.database);
    try {
      // The proxy appends the real client to what the client sent: Koa's ctx.ip would be 127.0.0.1.
      expect((await scrape(proxied.listenUrl, { 'x-forwarded-for': '127.0.0.1, 203.0.113.9' })).status).toBe(404);
      expect((await scrape(proxied.listenUrl, { 'x-forwarded-for': '127.0.0.1' })).status).toBe(404);
      expect((await scrape(proxied.listenUrl, { forwarded: 'for=127.0.0.1' })).status).toBe(404);
      expect((await scrape(proxied.listenUrl, { 'x-forwarded-for': '203.0.113.9', authorization: `Bearer ${TOKEN}` })).status).toBe(200);
      // A scraper on the host calling the node directly (no proxy in between).
      expect((await scrape(proxied.listenUrl)).status).toBe(200);
    } finally {
      await proxied.stop();
    }
  });
});
