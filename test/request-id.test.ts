// X-Request-Id (dashboard.md "`/metrics` and request ids"): every response carries one, a sane
// incoming id is kept and anything else replaced, and every log line written while the request is
// handled carries the same id, whoever writes it (the request logger, oidc-provider's events, the
// tool runner).
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { SCOPES } from '../src/scopes/index.js';
import { createLogger } from '../src/shared/log.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { callTool, createBusiness, createKey, initialize, post } from './helpers/mcp.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Every line the app logs, parsed (its own logger, written to memory instead of stdout). */
const lines: Record<string, any>[] = [];

let t: TestApp;
let key: string;

beforeAll(async () => {
  const log = createLogger({ logLevel: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  t = await startTestApp({ DIALER_INTERVAL_MS: '600000' }, undefined, { log });
  const business = await createBusiness(t.app.db, 'Request Id Roofing');
  key = (await createKey(t.app.db, business.id, [...SCOPES])).key;
}, 60_000);
afterAll(async () => t?.stop());
beforeEach(() => {
  lines.length = 0;
});

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${t.listenUrl}${path}`, { headers });

describe('X-Request-Id on every response', () => {
  it('is a new random id when none is sent, a different one per request', async () => {
    const a = (await get('/healthz')).headers.get('x-request-id');
    const b = (await get('/healthz')).headers.get('x-request-id');
    expect(a).toMatch(UUID);
    expect(b).toMatch(UUID);
    expect(a).not.toBe(b);
  });

  it('keeps a sane incoming id (a proxy’s or a tracer’s), and replaces one too long or with other characters', async () => {
    for (const sane of ['abc-123', 'f0e1d2c3b4a5968778695a4b3c2d1e0f', 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8', 'x'.repeat(128)]) {
      expect((await get('/healthz', { 'x-request-id': sane })).headers.get('x-request-id')).toBe(sane);
    }
    for (const insane of ['x'.repeat(129), 'id with spaces', '<script>', 'a"b', 'é-accent']) {
      const got = (await get('/healthz', { 'x-request-id': insane })).headers.get('x-request-id');
      expect(got, insane).toMatch(UUID);
    }
  });

  it('is on health, OAuth (metadata, a refused token request), connect page, 404 and MCP answers (401, prepared tools/list, a session, a tool call)', async () => {
    const sent = (label: string) => `test-${label}`;
    const answers: [string, Response][] = [
      ['readyz', await get('/readyz', { 'x-request-id': sent('readyz') })],
      ['as-metadata', await get('/.well-known/oauth-authorization-server', { 'x-request-id': sent('as-metadata') })],
      ['prm', await get('/.well-known/oauth-protected-resource/api/mcp', { 'x-request-id': sent('prm') })],
      [
        'token',
        await fetch(`${t.listenUrl}/oauth/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-request-id': sent('token') },
          body: 'grant_type=authorization_code&code=nope&client_id=nobody',
        }),
      ],
      ['connect', await get('/', { 'x-request-id': sent('connect') })],
      ['missing', await get('/no/such/page', { 'x-request-id': sent('missing') })],
    ];
    const mcp = async (label: string, body: unknown, headers: Record<string, string> = {}) => {
      const res = await post(t.mcpUrl, body, { 'x-request-id': sent(label), ...headers });
      return [label, { status: res.status, headers: res.headers }] as const;
    };
    const rpc = [
      await mcp('mcp-401', callTool('get_business_info')),
      await mcp('mcp-tools-list', { jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      await mcp('mcp-initialize', initialize(), { authorization: `Bearer ${key}` }),
      await mcp('mcp-call', callTool('get_business_info'), { authorization: `Bearer ${key}` }),
    ];
    const statuses = Object.fromEntries([...answers, ...rpc].map(([label, res]) => [label, res.status]));
    expect(statuses).toEqual({
      readyz: 200,
      'as-metadata': 200,
      prm: 200,
      token: 401,
      connect: 200,
      missing: 404,
      'mcp-401': 401,
      'mcp-tools-list': 200,
      'mcp-initialize': 200,
      'mcp-call': 200,
    });
    for (const [label, res] of [...answers, ...rpc]) expect(res.headers.get('x-request-id'), label).toBe(sent(label));
  });

  it('is readable by browser clients of the MCP endpoint and the discovery documents (CORS exposes it)', async () => {
    const mcp = await post(t.mcpUrl, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, { origin: t.baseUrl });
    expect(mcp.headers.get('access-control-expose-headers')).toMatch(/X-Request-Id/i);
    const doc = await get('/.well-known/mcp.json', { origin: 'http://localhost:6274' });
    expect(doc.headers.get('access-control-expose-headers')).toMatch(/X-Request-Id/i);
  });
});

describe('the id in log lines', () => {
  it('is on the request line of each request, and on lines other code writes while handling it', async () => {
    // oidc-provider's grant.error event is logged by the authorization server's handler.
    const refused = await fetch(`${t.listenUrl}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-request-id': 'trace-token-1' },
      body: 'grant_type=refresh_token&refresh_token=nope&client_id=nobody',
    });
    expect(refused.status).toBeGreaterThanOrEqual(400);
    const fresh = await get('/healthz');
    const freshId = fresh.headers.get('x-request-id');

    const ofRequest = (id: string) => lines.filter((l) => l.requestId === id);
    const token = ofRequest('trace-token-1');
    expect(token.map((l) => l.msg)).toEqual(expect.arrayContaining(['oauth request refused', 'request']));
    expect(token.find((l) => l.msg === 'request')).toMatchObject({ method: 'POST', path: '/oauth/token', status: refused.status });
    expect(ofRequest(freshId!)).toEqual([expect.objectContaining({ msg: 'request', path: '/healthz', status: 200 })]);
    // Every request line names its request.
    for (const line of lines.filter((l) => l.msg === 'request')) expect(line.requestId).toEqual(expect.any(String));
  });

  it('is on the tool runner’s line for a failing tool, written inside the MCP SDK’s handler chain; concurrent requests keep their own ids', async () => {
    // A fault inside the domain: the runner logs "tool failed" and answers `internal`.
    const fault = vi.spyOn(t.app.domain.business, 'summary').mockImplementation(async () => {
      throw new Error('injected fault');
    });
    try {
      const ids = ['concurrent-a', 'concurrent-b', 'concurrent-c'];
      const answers = await Promise.all(ids.map((id) => post(t.mcpUrl, callTool('get_business_info'), { authorization: `Bearer ${key}`, 'x-request-id': id })));
      for (const answer of answers) expect(answer.body.result.structuredContent.error_code).toBe('internal');
      for (const id of ids) {
        const own = lines.filter((l) => l.requestId === id);
        expect(own.map((l) => l.msg).sort(), id).toEqual(['request', 'tool failed']);
        expect(own.find((l) => l.msg === 'tool failed')).toMatchObject({ tool: 'get_business_info', err: { message: 'injected fault' } });
      }
    } finally {
      fault.mockRestore();
    }
  });

  it('is absent from lines written outside any request', async () => {
    t.app.log.info('outside a request');
    expect(lines.find((l) => l.msg === 'outside a request')).not.toHaveProperty('requestId');
  });
});
