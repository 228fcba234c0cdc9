// The MCP endpoint's edge: credentials (OAuth access tokens and API keys), the 401/403 answers and
// their challenges, DNS-rebinding protection, CORS, body limits and malformed JSON-RPC. Over HTTP,
// against the real app and a migrated database.
import { listTools } from '../src/resource/tools/registry.js';
import { exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKeysRepository } from '../src/authz/api-keys.repository.js';
import { SCOPES } from '../src/scopes/index.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { callTool, connectClient, createBusiness, createKey, initialize, mintAccessToken, post } from './helpers/mcp.js';

let t: TestApp;
let businessId: string;
let allKey: string;
let readKey: { key: string; id: string };
let callsOnlyKey: string;
const token = (scopes: string[], extra: Partial<Parameters<typeof mintAccessToken>[2]> = {}) =>
  mintAccessToken(t.app.db, { issuer: t.app.config.issuer, mcpUrl: t.mcpUrl }, { businessId, scopes, ...extra });
const bearer = (value: string) => ({ authorization: `Bearer ${value}` });
const prmUrl = () => `${t.baseUrl}/.well-known/oauth-protected-resource/api/mcp`;

beforeAll(async () => {
  t = await startTestApp({ BODY_LIMIT_BYTES: '2048' });
  businessId = (await createBusiness(t.app.db, 'Acme Plumbing')).id;
  allKey = (await createKey(t.app.db, businessId, [...SCOPES])).key;
  readKey = await createKey(t.app.db, businessId, ['agents:read', 'calls:read']);
  callsOnlyKey = (await createKey(t.app.db, businessId, ['calls:read'])).key;
});
afterAll(async () => t?.stop());

describe('MCP endpoint without credentials (anonymous discovery on, the default)', () => {
  it('answers initialize, ping and tools/list; tools/list is marked no-store and varies by Authorization', async () => {
    const init = await post(t.mcpUrl, initialize());
    expect(init.status).toBe(200);
    expect(init.body.result.serverInfo.name).toBe('kaicalls');

    const ping = await post(t.mcpUrl, { jsonrpc: '2.0', id: 2, method: 'ping' });
    expect(ping.body).toEqual({ jsonrpc: '2.0', id: 2, result: {} });

    const list = await post(t.mcpUrl, { jsonrpc: '2.0', id: 3, method: 'tools/list' });
    expect(list.status).toBe(200);
    expect(list.body.result.tools.map((tool: { name: string }) => tool.name)).toContain('get_business_info');
    expect(list.headers.get('cache-control')).toBe('no-store');
    expect(list.headers.get('vary')).toMatch(/\bAuthorization\b/);
  });

  it('security: tools/call gets HTTP 401 with a Bearer challenge naming the metadata and every scope', async () => {
    const res = await post(t.mcpUrl, callTool('get_business_info'));
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(`Bearer resource_metadata="${prmUrl()}", scope="${SCOPES.join(' ')}"`);
    expect(res.body.error.message).toMatch(/Authentication required/);
    expect(res.body.id).toBe(1);
    // The challenge leads somewhere real.
    const prm = (await (await fetch(prmUrl())).json()) as { resource: string };
    expect(prm.resource).toBe(t.mcpUrl);
  });

  it('works with the real SDK client: list anonymously, then a call is refused with 401', async () => {
    const { client } = await connectClient(t.mcpUrl);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name)).toEqual(listTools().map((tool) => tool.name));
      await expect(client.callTool({ name: 'get_business_info', arguments: {} })).rejects.toMatchObject({ code: 401 });
    } finally {
      await client.close();
    }
  });
});

describe('API keys', () => {
  it('work as Authorization: Bearer and as X-KaiCalls-API-Key', async () => {
    for (const headers of [bearer(allKey), { 'x-kaicalls-api-key': allKey }]) {
      const res = await post(t.mcpUrl, callTool('get_business_info'), headers);
      expect(res.status).toBe(200);
      expect(res.body.result.isError).toBeFalsy();
      expect(res.body.result.structuredContent.business.id).toBe(businessId);
    }
  });

  it('work with the real SDK client, in both headers', async () => {
    for (const headers of [bearer(allKey), { 'X-KaiCalls-API-Key': allKey }]) {
      const { client } = await connectClient(t.mcpUrl, { headers });
      try {
        const result = await client.callTool({ name: 'get_business_info', arguments: {} });
        expect(result.isError).toBeFalsy();
        expect((result.structuredContent as { success: boolean }).success).toBe(true);
      } finally {
        await client.close();
      }
    }
  });

  it('security: a key in the query string or in a cookie is never read', async () => {
    const inQuery = await post(`${t.mcpUrl}?api_key=${allKey}&access_token=${allKey}`, callTool('get_business_info'));
    expect(inQuery.status).toBe(401);
    expect(inQuery.headers.get('www-authenticate')).not.toContain('invalid_token');
    const inCookie = await post(t.mcpUrl, callTool('get_business_info'), { cookie: `api_key=${allKey}; kc_api_key=${allKey}` });
    expect(inCookie.status).toBe(401);
  });

  it('security: unknown, malformed, revoked and expired keys get 401 invalid_token', async () => {
    const revoked = await createKey(t.app.db, businessId, ['agents:read']);
    await createApiKeysRepository(t.app.db.kysely).revoke(revoked.id);
    const expiring = await createKey(t.app.db, businessId, ['agents:read'], { expiresAt: new Date(Date.now() + 60_000) });
    await t.app.db.kysely
      .updateTable('api_keys')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('id', '=', expiring.id)
      .execute();

    const cases: [string, RegExp][] = [
      [`kc_live_${'A'.repeat(40)}`, /not valid/],
      ['kc_live_short', /malformed/],
      [revoked.key, /revoked/],
      [expiring.key, /expired/],
    ];
    for (const [key, reason] of cases) {
      for (const headers of [bearer(key), { 'x-kaicalls-api-key': key }]) {
        const res = await post(t.mcpUrl, callTool('get_business_info'), headers);
        expect(res.status).toBe(401);
        const challenge = res.headers.get('www-authenticate')!;
        expect(challenge).toContain('error="invalid_token"');
        expect(challenge).toContain(`resource_metadata="${prmUrl()}"`);
        expect(challenge).toMatch(reason);
      }
    }
    // A bad credential is reported even on a method that needs none: the client should fix it.
    const list = await post(t.mcpUrl, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, bearer(revoked.key));
    expect(list.status).toBe(401);
  });

  it('security: a key without the tool scope gets a tool error "Missing required scope", audited as denied', async () => {
    const res = await post(t.mcpUrl, callTool('get_business_info'), bearer(callsOnlyKey));
    expect(res.status).toBe(200);
    expect(res.body.result.isError).toBe(true);
    expect(res.body.result.content[0].text).toBe('Missing required scope: agents:read');
    expect(res.body.result.structuredContent).toEqual({ success: false, error: 'Missing required scope: agents:read', error_code: 'missing_scope' });
    const row = await t.app.db.kysely
      .selectFrom('audit_log')
      .selectAll()
      .where('business_id', '=', businessId)
      .where('action', '=', 'get_business_info')
      .where('outcome', '=', 'denied')
      .executeTakeFirst();
    expect(row?.actor_kind).toBe('api_key');
    expect(row?.error_code).toBe('missing_scope');
  });

  it('record last_used_at without writing on every request', async () => {
    await post(t.mcpUrl, callTool('list_agents'), bearer(readKey.key));
    const first = await t.app.db.kysely.selectFrom('api_keys').select('last_used_at').where('id', '=', readKey.id).executeTakeFirstOrThrow();
    expect(first.last_used_at).toBeInstanceOf(Date);
    await post(t.mcpUrl, callTool('list_agents'), bearer(readKey.key));
    const second = await t.app.db.kysely.selectFrom('api_keys').select('last_used_at').where('id', '=', readKey.id).executeTakeFirstOrThrow();
    expect(second.last_used_at!.getTime()).toBe(first.last_used_at!.getTime());
  });
});

describe('OAuth access tokens', () => {
  it('with the scope: the tool runs for the token business', async () => {
    const res = await post(t.mcpUrl, callTool('get_business_info'), bearer(await token(['agents:read', 'calls:read'])));
    expect(res.status).toBe(200);
    expect(res.body.result.isError).toBeFalsy();
    expect(res.body.result.structuredContent.business.id).toBe(businessId);
  });

  it('security: without the scope → 403 insufficient_scope asking for granted plus missing scopes, audited', async () => {
    const res = await post(t.mcpUrl, callTool('get_business_info', {}, 7), bearer(await token(['calls:read'])));
    expect(res.status).toBe(403);
    const challenge = res.headers.get('www-authenticate')!;
    expect(challenge).toMatch(/^Bearer error="insufficient_scope", scope="calls:read agents:read"/);
    expect(challenge).toContain(`resource_metadata="${prmUrl()}"`);
    expect(res.body.id).toBe(7);
    expect(res.body.error.message).toContain('get_business_info needs agents:read');
    const row = await t.app.db.kysely
      .selectFrom('audit_log')
      .selectAll()
      .where('business_id', '=', businessId)
      .where('actor_kind', '=', 'oauth')
      .where('outcome', '=', 'denied')
      .executeTakeFirst();
    expect(row?.action).toBe('get_business_info');
    expect(row?.client_id).toBe('test-client');
  });

  it('security: expired, foreign-audience, foreign-issuer, wrong-typ, foreign-key, business-less and tampered tokens get 401 invalid_token', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const foreignJwk = { ...(await exportJWK(privateKey)), kid: 'not-ours' };
    const good = await token(['agents:read']);
    const [h, p, s] = good.split('.');
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), business_id: '00000000-0000-4000-8000-000000000000' })).toString('base64url')}.${s}`;
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')}.${p}.`;
    const cases: [string, RegExp][] = [
      [await token(['agents:read'], { expiresIn: -10 }), /expired/],
      [await token(['agents:read'], { audience: `${t.baseUrl}/other` }), /another resource/],
      [await token(['agents:read'], { audience: `${t.mcpUrl}/` }), /another resource/],
      [await token(['agents:read'], { issuer: 'https://evil.example' }), /another authorization server/],
      [await token(['agents:read'], { typ: 'JWT' }), /not an access token/],
      [await token(['agents:read'], { privateJwk: foreignJwk }), /unknown key/],
      [await token(['agents:read'], { omitBusiness: true }), /no business/],
      [tampered, /signature/],
      [unsigned, /algorithm|malformed/],
      ['not-a-jwt', /malformed/],
    ];
    for (const [value, reason] of cases) {
      const res = await post(t.mcpUrl, callTool('get_business_info'), bearer(value));
      expect(res.status, String(reason)).toBe(401);
      const challenge = res.headers.get('www-authenticate')!;
      expect(challenge).toContain('error="invalid_token"');
      expect(challenge).toMatch(reason);
    }
  });

  it('security: a verified token is not remembered past its expiry', async () => {
    const shortLived = await token(['agents:read'], { expiresIn: 2 });
    expect((await post(t.mcpUrl, callTool('get_business_info'), bearer(shortLived))).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const later = await post(t.mcpUrl, callTool('get_business_info'), bearer(shortLived));
    expect(later.status).toBe(401);
    expect(later.headers.get('www-authenticate')).toMatch(/expired/);
  });

  it('security: an Authorization header that is not Bearer is refused, not ignored', async () => {
    const res = await post(t.mcpUrl, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });
});

describe('transport edge', () => {
  it('security: a foreign Host gets 403 before any credential check (DNS rebinding)', async () => {
    const res = await rawPost({ host: 'evil.example.com' }, initialize());
    expect(res.status).toBe(403);
    expect(res.body.error.message).toMatch(/Host/);
    const withKey = await rawPost({ host: 'evil.example.com', authorization: `Bearer ${allKey}` }, callTool('get_business_info'));
    expect(withKey.status).toBe(403);
  });

  it('security: a foreign Origin gets 403, preflight included; the public origin gets CORS headers on 401 too', async () => {
    const foreign = await post(t.mcpUrl, initialize(), { origin: 'http://evil.example.com' });
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await fetch(t.mcpUrl, { method: 'OPTIONS', headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'POST' } });
    expect(preflight.status).toBe(403);

    const own = await post(t.mcpUrl, callTool('get_business_info'), { origin: t.baseUrl });
    expect(own.status).toBe(401);
    expect(own.headers.get('access-control-allow-origin')).toBe(t.baseUrl);
    expect(own.headers.get('access-control-expose-headers')).toMatch(/WWW-Authenticate/i);
    expect(own.headers.get('access-control-expose-headers')).toMatch(/Mcp-Session-Id/i);

    // A browser tool on another loopback port of the same machine (MCP Inspector) is the user's own.
    const inspector = await fetch(t.mcpUrl, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:6274', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, mcp-protocol-version' },
    });
    expect(inspector.status).toBe(204);
    expect(inspector.headers.get('access-control-allow-origin')).toBe('http://localhost:6274');
    const allowed = inspector.headers.get('access-control-allow-headers')!.toLowerCase();
    for (const header of ['authorization', 'content-type', 'mcp-protocol-version', 'mcp-session-id', 'last-event-id']) expect(allowed).toContain(header);
  });

  it('a body over BODY_LIMIT_BYTES gets 413 with a JSON-RPC error', async () => {
    const res = await post(t.mcpUrl, { jsonrpc: '2.0', id: 1, method: 'tools/list', params: { padding: 'x'.repeat(4096) } });
    expect(res.status).toBe(413);
    expect(res.body.error.message).toMatch(/2048 bytes/);
  });

  it('malformed JSON and non-JSON-RPC bodies get JSON-RPC errors, never a stack trace', async () => {
    const broken = await post(t.mcpUrl, '{"jsonrpc": "2.0", "id": 1, "method": ');
    expect(broken.status).toBe(400);
    expect(broken.body.error.code).toBe(-32700);
    const notRpc = await post(t.mcpUrl, { hello: 'world' });
    expect(notRpc.status).toBe(400);
    expect(notRpc.body.error.code).toBe(-32600);
    const scalar = await post(t.mcpUrl, '42');
    expect(scalar.status).toBe(400);
    for (const res of [broken, notRpc, scalar]) expect(res.text).not.toMatch(/\bat .*\.(ts|js):\d+/);
  });

  it('an unknown method gets a JSON-RPC "Method not found" error', async () => {
    const res = await post(t.mcpUrl, { jsonrpc: '2.0', id: 4, method: 'no/such/method' }, bearer(allKey));
    expect(res.body.error.code).toBe(-32601);
  });

  it('other HTTP methods get 405; GET without a session gets 405; DELETE without one gets 400', async () => {
    expect((await fetch(t.mcpUrl, { method: 'PUT' })).status).toBe(405);
    const get = await fetch(t.mcpUrl, { headers: { accept: 'text/event-stream' } });
    expect(get.status).toBe(405);
    const del = await fetch(t.mcpUrl, { method: 'DELETE', headers: bearer(allKey) });
    expect(del.status).toBe(400);
  });

  it('serves the endpoint with a trailing slash too', async () => {
    const res = await post(`${t.mcpUrl}/`, { jsonrpc: '2.0', id: 1, method: 'tools/list' });
    expect(res.status).toBe(200);
    expect(res.body.result.tools).toHaveLength(listTools().length);
  });

  it('an unknown session id gets 404, so the client starts over', async () => {
    for (const id of ['4f9e2c1a-8d7b-4c3e-9a1f-0b2c3d4e5f60', 'not-a-session']) {
      const res = await post(t.mcpUrl, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, { 'mcp-session-id': id });
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe(-32001);
    }
  });
});

describe('MCP_ANONYMOUS_DISCOVERY=false', () => {
  let strict: TestApp;
  beforeAll(async () => {
    strict = await startTestApp({ MCP_ANONYMOUS_DISCOVERY: 'false' }, t.database);
  });
  afterAll(async () => strict?.stop());

  it('answers every request without a credential with the 401 challenge', async () => {
    for (const body of [initialize(), { jsonrpc: '2.0', id: 1, method: 'tools/list' }, { jsonrpc: '2.0', id: 1, method: 'ping' }]) {
      const res = await post(strict.mcpUrl, body);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer resource_metadata=".*\/\.well-known\/oauth-protected-resource\/api\/mcp", scope="/);
    }
  });

  it('the real SDK client is refused at connect without a credential, and works with one', async () => {
    await expect(connectClient(strict.mcpUrl)).rejects.toMatchObject({ code: 401 });
    const { client } = await connectClient(strict.mcpUrl, { headers: { 'X-KaiCalls-API-Key': allKey } });
    try {
      expect((await client.listTools()).tools).toHaveLength(listTools().length);
      const result = await client.callTool({ name: 'list_agents', arguments: {} });
      expect(result.isError).toBeFalsy();
    } finally {
      await client.close();
    }
  });
});

/** A POST with full control of Host (fetch does not allow setting it). */
async function rawPost(headers: Record<string, string>, body: unknown) {
  const http = await import('node:http');
  const url = new URL(t.mcpUrl);
  const payload = JSON.stringify(body);
  return new Promise<{ status: number; body: any }>((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'content-length': Buffer.byteLength(payload), ...headers },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : undefined }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
