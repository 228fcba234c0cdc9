// MCP sessions over two nodes sharing one database: a session started on one node works on the
// other (including server-to-client requests), ends everywhere on DELETE, expires when idle, and is
// bound to the credential that first used it.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCOPES } from '../src/scopes/index.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { callTool, connectClient, createBusiness, createKey, initialize, post } from './helpers/mcp.js';

let nodeA: TestApp;
let nodeB: TestApp;
let keyA: string;
let keyB: string;

beforeAll(async () => {
  nodeA = await startTestApp({ MCP_CONFORMANCE_FIXTURES: 'true' });
  nodeB = await startTestApp({ MCP_CONFORMANCE_FIXTURES: 'true' }, nodeA.database);
  const business = await createBusiness(nodeA.app.db, 'Acme');
  keyA = (await createKey(nodeA.app.db, business.id, [...SCOPES])).key;
  keyB = (await createKey(nodeA.app.db, business.id, [...SCOPES])).key;
});
afterAll(async () => {
  await nodeB?.stop();
  await nodeA?.stop();
});

const withKey = (key: string) => ({ authorization: `Bearer ${key}` });

async function openSession(node: TestApp, headers: Record<string, string> = {}): Promise<string> {
  const res = await post(node.mcpUrl, initialize(), headers);
  expect(res.status).toBe(200);
  const id = res.headers.get('mcp-session-id');
  expect(id).toMatch(/^[0-9a-f-]{36}$/);
  await post(node.mcpUrl, { jsonrpc: '2.0', method: 'notifications/initialized' }, { ...headers, 'mcp-session-id': id! });
  return id!;
}

describe('MCP sessions', () => {
  it('initialize opens a session that later requests use; requests without one are served statelessly', async () => {
    const id = await openSession(nodeA, withKey(keyA));
    const inSession = await post(nodeA.mcpUrl, callTool('list_agents'), { ...withKey(keyA), 'mcp-session-id': id });
    expect(inSession.status).toBe(200);
    expect(inSession.headers.get('content-type')).toMatch(/text\/event-stream/);
    expect(inSession.body.result.structuredContent.success).toBe(true);

    const stateless = await post(nodeA.mcpUrl, callTool('list_agents'), withKey(keyA));
    expect(stateless.status).toBe(200);
    expect(stateless.headers.get('mcp-session-id')).toBeNull();
    expect(stateless.body.result.structuredContent.success).toBe(true);
  });

  it('a session opened on one node is served by another (the row is the session)', async () => {
    const id = await openSession(nodeA, withKey(keyA));
    const res = await post(nodeB.mcpUrl, callTool('get_business_info', {}, 9), { ...withKey(keyA), 'mcp-session-id': id });
    expect(res.status).toBe(200);
    expect(res.headers.get('mcp-session-id')).toBe(id);
    expect(res.body).toMatchObject({ id: 9, result: { structuredContent: { success: true } } });
  });

  it('server-to-client requests work in a session taken over by another node', async () => {
    const url = `${nodeA.mcpUrl}/conformance`;
    const { client, transport } = await connectClient(url, { headers: withKey(keyA), capabilities: { elicitation: {} } });
    const sessionId = transport.sessionId!;
    await client.close();

    // A new client process resumes the same session against node B: B rebuilds it from the stored
    // initialize, so it knows the client can answer elicitation requests.
    const resumed = new Client({ name: 'kaicalls-test', version: '1.0.0' }, { capabilities: { elicitation: {} } });
    resumed.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'accept', content: { username: 'ada', email: 'ada@example.com' } }));
    await resumed.connect(new StreamableHTTPClientTransport(new URL(`${nodeB.mcpUrl}/conformance`), { sessionId, requestInit: { headers: withKey(keyA) } }));
    try {
      const result = await resumed.callTool({ name: 'test_elicitation', arguments: { message: 'Who are you?' } });
      expect(result.isError).toBeFalsy();
      expect((result.content as { text: string }[])[0]!.text).toBe('User response: action=accept, content={"username":"ada","email":"ada@example.com"}');
    } finally {
      await resumed.close();
    }
  });

  it('DELETE ends the session: 404 at once on that node and on any node that looks it up', async () => {
    const id = await openSession(nodeA, withKey(keyA));
    const del = await fetch(nodeA.mcpUrl, { method: 'DELETE', headers: { ...withKey(keyA), 'mcp-session-id': id } });
    expect(del.status).toBe(200);
    for (const node of [nodeA, nodeB]) {
      const res = await post(node.mcpUrl, { jsonrpc: '2.0', id: 1, method: 'ping' }, { ...withKey(keyA), 'mcp-session-id': id });
      expect(res.status).toBe(404);
    }
    const row = await nodeA.app.db.kysely.selectFrom('mcp_sessions').select('ended_at').where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.ended_at).toBeInstanceOf(Date);
  });

  it('a session idle for longer than MCP_SESSION_IDLE_TTL gets 404 on a node that must look it up', async () => {
    const id = await openSession(nodeA, withKey(keyA));
    await nodeA.app.db.kysely
      .updateTable('mcp_sessions')
      .set({ last_seen_at: new Date(Date.now() - 2 * 86400_000) })
      .where('id', '=', id)
      .execute();
    const res = await post(nodeB.mcpUrl, { jsonrpc: '2.0', id: 1, method: 'ping' }, { ...withKey(keyA), 'mcp-session-id': id });
    expect(res.status).toBe(404);
  });

  it('security: a session is bound to its credential; another credential gets 404, none gets 401', async () => {
    const id = await openSession(nodeA, withKey(keyA));
    for (const node of [nodeA, nodeB]) {
      const other = await post(node.mcpUrl, callTool('list_agents'), { ...withKey(keyB), 'mcp-session-id': id });
      expect(other.status).toBe(404);
      const none = await post(node.mcpUrl, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, { 'mcp-session-id': id });
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toMatch(/^Bearer resource_metadata=/);
    }
  });

  it('security: an anonymous session is bound by the first credential that uses it', async () => {
    const id = await openSession(nodeA);
    expect((await post(nodeA.mcpUrl, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, { 'mcp-session-id': id })).status).toBe(200);
    // The first credential wins, on whichever node it arrives.
    expect((await post(nodeB.mcpUrl, callTool('list_agents'), { ...withKey(keyA), 'mcp-session-id': id })).status).toBe(200);
    expect((await post(nodeA.mcpUrl, callTool('list_agents'), { ...withKey(keyB), 'mcp-session-id': id })).status).toBe(404);
    expect((await post(nodeA.mcpUrl, callTool('list_agents'), { ...withKey(keyA), 'mcp-session-id': id })).status).toBe(200);
  });

  it('negotiates the protocol version and falls back for an unknown one', async () => {
    const known = await post(nodeA.mcpUrl, { ...initialize(), params: { ...initialize().params, protocolVersion: '2025-11-25' } });
    expect(known.body.result.protocolVersion).toBe('2025-11-25');
    const unknown = await post(nodeA.mcpUrl, { ...initialize(), params: { ...initialize().params, protocolVersion: '1999-01-01' } });
    expect(unknown.status).toBe(200);
    expect(unknown.body.result.protocolVersion).toBe('2025-11-25');
  });

  it('the SDK client keeps working when its node is replaced mid-session', async () => {
    const { client, transport } = await connectClient(nodeA.mcpUrl, { headers: withKey(keyA) });
    const sessionId = transport.sessionId!;
    expect((await client.callTool({ name: 'list_agents', arguments: {} })).isError).toBeFalsy();
    await client.close();
    const third = await startTestApp({}, nodeA.database);
    try {
      const resumed = new Client({ name: 'kaicalls-test', version: '1.0.0' });
      await resumed.connect(new StreamableHTTPClientTransport(new URL(third.mcpUrl), { sessionId, requestInit: { headers: withKey(keyA) } }));
      const result = await resumed.callTool({ name: 'get_business_info', arguments: {} });
      expect(result.isError).toBeFalsy();
      await resumed.close();
    } finally {
      await third.stop();
    }
  });
});
