// The conformance fixture surface: off unless MCP_CONFORMANCE_FIXTURES=true, and then behind the
// same transport and credential checks as /api/mcp. (The full suite runs with
// ../shared/tools/conformance/run.sh; this exercises the surface itself.)
import { ElicitRequestSchema, LoggingMessageNotificationSchema, CreateMessageRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { callTool, connectClient, createBusiness, createKey, mintAccessToken, post } from './helpers/mcp.js';

let off: TestApp;
let on: TestApp;
let url: string;
let businessId: string;
let readKey: string;

beforeAll(async () => {
  off = await startTestApp();
  on = await startTestApp({ MCP_CONFORMANCE_FIXTURES: 'true' }, off.database);
  url = `${on.mcpUrl}/conformance`;
  businessId = (await createBusiness(off.app.db, 'Fixtures')).id;
  readKey = (await createKey(off.app.db, businessId, ['agents:read', 'calls:read'])).key;
});
afterAll(async () => {
  await on?.stop();
  await off?.stop();
});

describe('conformance fixtures', () => {
  it('are not served unless MCP_CONFORMANCE_FIXTURES=true', async () => {
    const res = await post(`${off.mcpUrl}/conformance`, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, { authorization: `Bearer ${readKey}` });
    expect(res.status).toBe(404);
  });

  it('security: need a credential for tools/call like /api/mcp, and check Host/Origin the same way', async () => {
    const anonymous = await post(url, callTool('test_simple_text'));
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer resource_metadata=/);
    const foreign = await post(url, callTool('test_simple_text'), { authorization: `Bearer ${readKey}`, origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
  });

  it('serve tools, resources and prompts, with logging, progress, sampling and elicitation in a session', async () => {
    const { client } = await connectClient(url, { headers: { authorization: `Bearer ${readKey}` }, capabilities: { sampling: {}, elicitation: {} } });
    try {
      const logs: string[] = [];
      client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
        logs.push(String(n.params.data));
      });
      client.setRequestHandler(CreateMessageRequestSchema, async () => ({ role: 'assistant', content: { type: 'text', text: 'sampled' }, model: 'test' }));
      client.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'decline' }));

      const names = (await client.listTools()).tools.map((t) => t.name);
      expect(names).toEqual(expect.arrayContaining(['test_simple_text', 'test_sampling', 'test_elicitation', 'test_tool_with_progress']));

      expect(await client.callTool({ name: 'test_simple_text', arguments: {} })).toMatchObject({
        content: [{ type: 'text', text: 'This is a simple text response for testing.' }],
      });
      expect(await client.callTool({ name: 'test_error_handling', arguments: {} })).toMatchObject({ isError: true });

      await client.callTool({ name: 'test_tool_with_logging', arguments: {} });
      expect(logs).toEqual(['Tool execution started', 'Tool processing data', 'Tool execution completed']);

      const progress: number[] = [];
      await client.callTool({ name: 'test_tool_with_progress', arguments: {} }, undefined, { onprogress: (p) => progress.push(p.progress) });
      expect(progress).toEqual([0, 50, 100]);

      expect(await client.callTool({ name: 'test_sampling', arguments: { prompt: 'hi' } })).toMatchObject({ content: [{ text: 'LLM response: sampled' }] });
      expect(await client.callTool({ name: 'test_elicitation', arguments: { message: 'Name?' } })).toMatchObject({
        content: [{ text: 'User response: action=decline, content={}' }],
      });

      const resource = await client.readResource({ uri: 'test://template/42/data' });
      expect(JSON.parse((resource.contents[0] as { text: string }).text)).toEqual({ id: '42', templateTest: true, data: 'Data for ID: 42' });
      const prompt = await client.getPrompt({ name: 'test_prompt_with_arguments', arguments: { arg1: 'a', arg2: 'b' } });
      expect(prompt.messages[0]!.content).toEqual({ type: 'text', text: "Prompt with arguments: arg1='a', arg2='b'" });
      const completion = await client.complete({ ref: { type: 'ref/prompt', name: 'test_prompt_with_arguments' }, argument: { name: 'arg1', value: 'par' } });
      expect(completion.completion.values).toEqual(['paris', 'park', 'party']);
    } finally {
      await client.close();
    }
  });

  it('security: a calls:write fixture gets 403 insufficient_scope for a read-only OAuth token, and a tool error for a read-only key', async () => {
    const readOnly = await mintAccessToken(on.app.db, { issuer: on.app.config.issuer, mcpUrl: on.mcpUrl }, { businessId, scopes: ['agents:read', 'calls:read'] });
    const stepUp = await post(url, callTool('test_scope_calls_write'), { authorization: `Bearer ${readOnly}` });
    expect(stepUp.status).toBe(403);
    expect(stepUp.headers.get('www-authenticate')).toMatch(/^Bearer error="insufficient_scope", scope="calls:read calls:write agents:read"/);

    const withKey = await post(url, callTool('test_scope_calls_write'), { authorization: `Bearer ${readKey}` });
    expect(withKey.status).toBe(200);
    expect(withKey.body.result).toMatchObject({ isError: true, content: [{ text: 'Missing required scope: calls:write' }] });

    const writer = await mintAccessToken(on.app.db, { issuer: on.app.config.issuer, mcpUrl: on.mcpUrl }, { businessId, scopes: ['calls:write'] });
    const granted = await post(url, callTool('test_scope_calls_write'), { authorization: `Bearer ${writer}` });
    expect(granted.body.result.content[0].text).toBe('calls:write granted');
  });
});
