// Requests without a session: one request is answered as JSON by a pooled server object; batches,
// notifications and requests the Streamable HTTP transport refuses get the SDK transport's answers;
// and a pooled server never carries one caller's credential into another caller's request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCOPES } from '../src/scopes/index.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { callTool, createBusiness, createKey, post } from './helpers/mcp.js';

let app: TestApp;
let acme: { id: string; name: string; key: string };
let globex: { id: string; name: string; key: string };

beforeAll(async () => {
  app = await startTestApp();
  const a = await createBusiness(app.app.db, 'Acme Plumbing');
  const g = await createBusiness(app.app.db, 'Globex Heating');
  acme = { ...a, key: (await createKey(app.app.db, a.id, [...SCOPES])).key };
  globex = { ...g, key: (await createKey(app.app.db, g.id, [...SCOPES])).key };
});
afterAll(async () => {
  await app?.stop();
});

const withKey = (key: string) => ({ authorization: `Bearer ${key}` });

describe('MCP requests without a session', () => {
  it('one request is answered as JSON with its own id, and no session is created', async () => {
    const res = await post(app.mcpUrl, callTool('get_business_info', {}, 'req-7'), withKey(acme.key));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('mcp-session-id')).toBeNull();
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toMatchObject({ jsonrpc: '2.0', id: 'req-7', result: { structuredContent: { success: true, business: { name: 'Acme Plumbing' } } } });
  });

  it('security: concurrent callers of two businesses, with the same JSON-RPC id, each get their own business', async () => {
    const calls = Array.from({ length: 40 }, (_, i) => (i % 2 ? globex : acme));
    const answers = await Promise.all(calls.map((caller) => post(app.mcpUrl, callTool('get_business_info', {}, 1), withKey(caller.key))));
    answers.forEach((res, i) => {
      expect(res.status).toBe(200);
      expect(res.body.id).toBe(1);
      expect(res.body.result.structuredContent).toMatchObject({ success: true, business: { id: calls[i]!.id, name: calls[i]!.name } });
    });
  });

  it('a request the server cannot dispatch gets a JSON-RPC error with its id', async () => {
    const res = await post(app.mcpUrl, { jsonrpc: '2.0', id: 3, method: 'no/such/method' }, withKey(acme.key));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: 3, error: { code: -32601 } });
  });

  it('a tool argument that fails its schema is refused before the tool runs, as a tool result naming the field', async () => {
    const res = await post(app.mcpUrl, callTool('get_business_info', { business_id: 42 }, 4), withKey(acme.key));
    expect(res.status).toBe(200);
    expect(res.body.id).toBe(4);
    expect(res.body.result).toMatchObject({ isError: true, structuredContent: { success: false, error_code: 'invalid_argument' } });
    expect(res.body.result.structuredContent.error).toMatch(/^Invalid arguments for get_business_info: business_id: /);
  });

  it('anonymous tools/list and ping are answered without a credential', async () => {
    const list = await post(app.mcpUrl, { jsonrpc: '2.0', id: 1, method: 'tools/list' });
    expect(list.status).toBe(200);
    expect(list.body.result.tools.map((t: { name: string }) => t.name)).toContain('get_business_info');
    const ping = await post(app.mcpUrl, { jsonrpc: '2.0', id: 2, method: 'ping' });
    expect(ping.body).toEqual({ jsonrpc: '2.0', id: 2, result: {} });
  });

  it('a batch is answered as an array, one response per request', async () => {
    const res = await post(app.mcpUrl, [callTool('get_business_info', {}, 1), { jsonrpc: '2.0', id: 2, method: 'ping' }], withKey(acme.key));
    expect(res.status).toBe(200);
    expect(Array.isArray(res.body)).toBe(true);
    expect(res.body.map((m: { id: number }) => m.id).sort()).toEqual([1, 2]);
  });

  it('a one-element batch is answered as the SDK transport answers it: the single response', async () => {
    const res = await post(app.mcpUrl, [callTool('get_business_info', {}, 5)], withKey(acme.key));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ jsonrpc: '2.0', id: 5, result: { structuredContent: { success: true } } });
  });

  it('a notification alone is accepted with 202 and no body', async () => {
    const res = await post(app.mcpUrl, { jsonrpc: '2.0', method: 'notifications/initialized' }, withKey(acme.key));
    expect(res.status).toBe(202);
    expect(res.text).toBe('');
  });

  it('an unsupported MCP-Protocol-Version is refused with 400 naming it', async () => {
    const res = await post(app.mcpUrl, callTool('get_business_info'), { ...withKey(acme.key), 'mcp-protocol-version': '1999-01-01' });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('Unsupported protocol version: 1999-01-01');
  });

  it('a request of the stateless 2026-07-28 revision, which SDK 1.x does not speak, gets the legacy refusal so a dual-era client falls back to initialize', async () => {
    const modern = {
      jsonrpc: '2.0',
      id: 9,
      method: 'tools/list',
      params: { _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} } },
    };
    const res = await post(app.mcpUrl, modern, { ...withKey(acme.key), 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/list' });
    expect(res.status).toBe(400);
    // -32022 (UnsupportedProtocolVersion) would tell the client this server is of the new era.
    expect(res.body.error.code).toBe(-32000);
    expect(res.body.error.message).toContain('Unsupported protocol version: 2026-07-28');
  });

  it('initialize asking for a version the server does not know is answered with the latest it does', async () => {
    for (const asked of ['2026-07-28', '1999-01-01']) {
      const res = await post(app.mcpUrl, {
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: asked, capabilities: {}, clientInfo: { name: 'future-client', version: '1' } },
      });
      expect(res.status).toBe(200);
      expect(res.body.result.protocolVersion).toBe('2025-11-25');
    }
  });

  it('a supported MCP-Protocol-Version is served', async () => {
    const res = await post(app.mcpUrl, callTool('get_business_info'), { ...withKey(acme.key), 'mcp-protocol-version': '2025-06-18' });
    expect(res.status).toBe(200);
    expect(res.body.result.structuredContent.success).toBe(true);
  });

  it('a client that does not accept both JSON and SSE is refused with 406', async () => {
    const res = await post(app.mcpUrl, callTool('get_business_info'), { ...withKey(acme.key), accept: 'application/json' });
    expect(res.status).toBe(406);
    expect(res.body.error.message).toContain('Not Acceptable');
  });
});
