// OAuth end to end at the MCP endpoint, the way an MCP client does it from nothing but the MCP URL:
// the SDK client's own OAuth code (discovery from the 401, registration, PKCE, token) with a
// scripted sign-in and consent, then every read tool with the token the authorization server
// issued. Both discovery modes.
import { listTools } from '../src/resource/tools/registry.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createCall } from './helpers/mcp.js';
import { createTestAccount, signInAndConsent, TestBrowser, TestOAuthClient, type TestAccount } from './helpers/oauth.js';

let open: TestApp;
let strict: TestApp;
let account: TestAccount;
let callId: string;

beforeAll(async () => {
  open = await startTestApp();
  strict = await startTestApp({ MCP_ANONYMOUS_DISCOVERY: 'false' }, open.database);
  account = await createTestAccount(open.app.db, { businesses: [{ name: 'Acme OAuth' }] });
  callId = (await createCall(open.app.db, account.businesses[0]!.id)).id;
});
afterAll(async () => {
  await strict?.stop();
  await open?.stop();
});

async function callEveryReadTool(client: Client) {
  const info = await client.callTool({ name: 'get_business_info', arguments: {} });
  expect(info.isError).toBeFalsy();
  expect((info.structuredContent as { business: { id: string } }).business.id).toBe(account.businesses[0]!.id);
  for (const [name, args] of [
    ['list_agents', {}],
    ['list_recent_calls', {}],
    ['check_call_status', { call_id: callId }],
    ['get_transcript', { call_id: callId }],
  ] as const) {
    const result = await client.callTool({ name, arguments: args });
    expect(result.isError, name).toBeFalsy();
    expect((result.structuredContent as { success: boolean }).success).toBe(true);
  }
}

describe('OAuth from the MCP URL alone', () => {
  it('with anonymous discovery: tools list at once, OAuth starts at the first tools/call, then every tool works', async () => {
    const provider = new TestOAuthClient();
    const transport = new StreamableHTTPClientTransport(new URL(open.mcpUrl), { authProvider: provider });
    const client = new Client({ name: 'oauth-test', version: '1.0.0' });
    await client.connect(transport);
    try {
      expect((await client.listTools()).tools).toHaveLength(listTools().length);
      await expect(client.callTool({ name: 'get_business_info', arguments: {} })).rejects.toBeInstanceOf(UnauthorizedError);

      const callback = await signInAndConsent(new TestBrowser(), provider.authorizationUrl!.href, account);
      await transport.finishAuth(callback.searchParams.get('code')!);
      expect(provider.tokens()?.access_token).toBeTruthy();
      await callEveryReadTool(client);
    } finally {
      await client.close();
    }
  });

  it('without anonymous discovery: the first request starts OAuth, then every tool works', async () => {
    const provider = new TestOAuthClient();
    const first = new StreamableHTTPClientTransport(new URL(strict.mcpUrl), { authProvider: provider });
    await expect(new Client({ name: 'oauth-test', version: '1.0.0' }).connect(first)).rejects.toBeInstanceOf(UnauthorizedError);

    const callback = await signInAndConsent(new TestBrowser(), provider.authorizationUrl!.href, account);
    await first.finishAuth(callback.searchParams.get('code')!);

    const client = new Client({ name: 'oauth-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(strict.mcpUrl), { authProvider: provider }));
    try {
      await callEveryReadTool(client);
    } finally {
      await client.close();
    }
  });
});
