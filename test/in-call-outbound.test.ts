// Agent tools on the in-call surface (spec/voice-runtime.md §B): an agent tool made with
// create_agent_tool and attached with update_agent_config is listed for that persona only, and an
// `api_request` / `function` tool's outbound request is safe: https only (plain http to loopback only
// in development), no loopback, private, link-local or metadata address on any resolved address or
// redirect, a 5 s deadline, a 256 KB cap, and header secrets never returned or audited.
//
// A local server records every request it gets: "no request reaches the private address" is its hit
// count. Host names resolve through a stand-in resolver (the DNS boundary), so a name can be made to
// resolve to loopback or to a private address.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiKey } from '../src/authz/api-keys.js';
import { SCOPES } from '../src/scopes/index.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { insertApiKey, insertMember } from './helpers/fixtures.js';
import { callToolWith, connectClient, createAgent, createBusiness, createCall, type ToolAnswer } from './helpers/mcp.js';

let dev: TestApp; // AGENT_TOOLS_ALLOW_LOOPBACK=true: the local server stands in for a public one
let strict: TestApp; // the production default, on the same database
let server: http.Server;
let origin: string;
const hits: Array<{ path: string; method: string; headers: http.IncomingHttpHeaders; body: string }> = [];
const own = { businessId: '', agent: '', otherAgent: '', call: '', otherCall: '', key: '' };
const SECRET = 'Bearer s3cret-partner-token';

/** The DNS stand-in: names tests use, each with the addresses it "resolves" to. */
const RESOLVE: Record<string, string[]> = {
  'api.partner.test': ['127.0.0.1'],
  'rebind.test': ['93.184.216.34', '10.0.0.5'],
  'metadata.test': ['169.254.169.254'],
};
const resolveHost = async (host: string) => {
  const found = RESOLVE[host];
  if (!found) throw new Error(`unknown host ${host}`);
  return found;
};

async function attach(name: string, type: 'api_request' | 'function', config: Record<string, unknown>, secretHeaders: Record<string, string> = {}) {
  const db = dev.app.db.kysely;
  const tool = await db
    .insertInto('agent_tools')
    .values({ business_id: own.businessId, type, name, description: `Test tool ${name}`, config: JSON.stringify(config), secret_headers: JSON.stringify(secretHeaders) })
    .returning('id')
    .executeTakeFirstOrThrow();
  const position = (await db.selectFrom('agent_tool_links').select('position').where('agent_id', '=', own.agent).execute()).length;
  await db.insertInto('agent_tool_links').values({ business_id: own.businessId, agent_id: own.agent, tool_id: tool.id, position }).execute();
}

const request = (url: string, extra: Record<string, unknown> = {}) => ({ method: 'GET', url, headers: [], body: null, parameters: [], ...extra });

function headersFor(agent = own.agent) {
  return { 'x-api-key': own.key, account_id: own.businessId, persona_id: agent, call_id: agent === own.agent ? own.call : own.otherCall, caller_id_number: '+14155550142' };
}

async function inCall(app: TestApp, name: string, args: Record<string, unknown> = {}, agent = own.agent): Promise<ToolAnswer> {
  const { client } = await connectClient(`${app.mcpUrl}/in-call`, { headers: headersFor(agent) });
  try {
    return await callToolWith(client, name, args, { timeout: 20_000 });
  } finally {
    await client.close();
  }
}

async function listed(app: TestApp, agent: string): Promise<string[]> {
  const { client } = await connectClient(`${app.mcpUrl}/in-call`, { headers: headersFor(agent) });
  try {
    return (await client.listTools()).tools.map((t) => t.name);
  } finally {
    await client.close();
  }
}

const hitsOn = (path: string) => hits.filter((h) => h.path.startsWith(path)).length;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      hits.push({ path: req.url ?? '', method: req.method ?? '', headers: req.headers, body });
      const u = new URL(req.url ?? '/', 'http://x');
      if (u.pathname === '/order') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ order: u.searchParams.get('id'), status: 'shipped' }));
      } else if (u.pathname === '/redirect') {
        res.writeHead(302, { location: u.searchParams.get('to')! });
        res.end();
      } else if (u.pathname === '/slow') {
        setTimeout(() => res.end('late'), 7000).unref();
      } else if (u.pathname === '/big') {
        res.end('x'.repeat(300 * 1024));
      } else if (u.pathname === '/fn') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ received: JSON.parse(body) }));
      } else res.end('hit');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;
  RESOLVE['api.partner.test'] = ['127.0.0.1'];

  dev = await startTestApp({ AGENT_TOOLS_ALLOW_LOOPBACK: 'true' }, undefined, { resolveHost });
  strict = await startTestApp({}, dev.database, { resolveHost });
  const db = dev.app.db;
  own.businessId = (await createBusiness(db, 'Tools Co')).id;
  own.agent = (await createAgent(db, own.businessId, { name: 'Ava', phone: '+13125550121' })).id;
  own.otherAgent = (await createAgent(db, own.businessId, { name: 'Ben' })).id;
  own.call = (await createCall(db, own.businessId, { agentId: own.agent, status: 'in-progress', direction: 'inbound', from: '+14155550142', to: '+13125550121' })).id;
  own.otherCall = (await createCall(db, own.businessId, { agentId: own.otherAgent, status: 'in-progress', direction: 'inbound', from: '+14155550142', to: '+13125550100' })).id;
  own.key = (await issueApiKey(db.kysely, { kind: 'runtime', businessId: own.businessId, name: 'rt', scopes: [] })).key;

  await attach(
    'check_order',
    'api_request',
    request(`${origin}/order?id={{order_id}}`, {
      headers: [
        { name: 'Authorization', value: null, secret: true },
        { name: 'X-Caller', value: '{{caller_id_number}}', secret: false },
      ],
      parameters: [{ name: 'order_id', type: 'text', description: 'The order number', required: true }],
    }),
    { Authorization: SECRET },
  );
  await attach(
    'notify_crm',
    'function',
    {
      serverUrl: `${origin}/fn`,
      headers: [{ name: 'Authorization', value: null, secret: true }],
      parameters: [{ name: 'topic', type: 'dropdown', description: 'What it is about', required: true, options: ['billing', 'repair'] }],
    },
    { Authorization: SECRET },
  );
  await attach('loopback_direct', 'api_request', request(`https://127.0.0.1:${port}/direct-literal`));
  await attach('loopback_by_name', 'api_request', request(`https://api.partner.test:${port}/direct-name`));
  await attach('private_direct', 'api_request', request('https://10.1.2.3/internal'));
  await attach('metadata_direct', 'api_request', request('http://169.254.169.254/latest/meta-data/'));
  await attach('link_local_v6', 'api_request', request('https://[fe80::1]/'));
  await attach('plain_http_public', 'api_request', request('http://93.184.216.34/'));
  await attach('redirect_private', 'api_request', request(`${origin}/redirect?to=${encodeURIComponent('http://10.0.0.5/admin')}`));
  await attach('redirect_metadata', 'api_request', request(`${origin}/redirect?to=${encodeURIComponent('http://metadata.test/latest/meta-data/')}`));
  await attach('redirect_rebind', 'api_request', request(`${origin}/redirect?to=${encodeURIComponent(`http://rebind.test:${port}/rebound`)}`));
  await attach('redirect_loopback', 'api_request', request(`${origin}/redirect?to=${encodeURIComponent(`http://127.0.0.1:${port}/redirected-loopback`)}`));
  await attach('slow_service', 'api_request', request(`${origin}/slow`));
  await attach('huge_answer', 'api_request', request(`${origin}/big`));
}, 60_000);

afterAll(async () => {
  await strict?.stop();
  await dev?.stop();
  await new Promise((resolve) => server?.close(resolve));
});

describe('attached tools in tools/list', () => {
  it('a tool made with create_agent_tool and attached with update_agent_config is listed for that persona only', async () => {
    // tool_ids is a high-impact change: the key speaks for the owner who issued it, who authorizes it.
    const owner = await insertMember(dev.app.db, own.businessId, { email: 'owner@tools.example.com', role: 'owner' });
    const { key } = await insertApiKey(dev.app.db, own.businessId, { scopes: [...SCOPES], createdBy: owner.id });
    const { client } = await connectClient(dev.mcpUrl, { headers: { authorization: `Bearer ${key}` } });
    const created = await callToolWith(client, 'create_agent_tool', {
      type: 'api_request',
      name: 'check_stock',
      description: 'Checks whether a part is in stock.',
      api_request: { method: 'GET', url: 'https://inventory.example.com/parts/{{part}}', parameters: [{ name: 'part', type: 'text', description: 'Part number' }] },
      idempotency_key: 'create-check-stock',
    });
    expect(created.isError, created.text).toBe(false);
    const attached = await callToolWith(client, 'update_agent_config', {
      agent_id: own.otherAgent,
      tool_ids: [created.structured.tool.id],
      idempotency_key: 'attach-check-stock',
      authority: { user_id: owner.id, statement: 'Give Ben the stock checker, please.' },
    });
    expect(attached.isError, attached.text).toBe(false);
    expect(attached.structured.status).toBe('executed');
    await client.close();

    const ben = await listed(dev, own.otherAgent);
    expect(ben.slice(0, 6)).toEqual(['transfer_call', 'is_office_open', 'lookup_contact', 'check_user_availability', 'create_lead', 'hangup_call']);
    expect(ben).toContain('check_stock');
    const ava = await listed(dev, own.agent);
    expect(ava).not.toContain('check_stock');
    expect(ava).toContain('check_order');
  });

  it('an api_request tool lists its parameters as its input schema', async () => {
    const { client } = await connectClient(`${dev.mcpUrl}/in-call`, { headers: headersFor() });
    const tool = (await client.listTools()).tools.find((t) => t.name === 'check_order')!;
    await client.close();
    expect(tool.inputSchema).toMatchObject({ type: 'object', properties: { order_id: { type: 'string', description: 'The order number' } }, required: ['order_id'] });
  });
});

describe('api_request and function tools', () => {
  it('reach the service with the filled URL and headers; the secret header is sent but never returned or audited', async () => {
    const answer = await inCall(dev, 'check_order', { order_id: 'A 17/b' });
    expect(answer.isError, answer.text).toBe(false);
    expect(answer.structured).toMatchObject({ success: true, status: 200, content_type: 'application/json', body_truncated: false });
    expect(JSON.parse(answer.structured.body)).toEqual({ order: 'A 17/b', status: 'shipped' });
    const hit = hits.find((h) => h.path.startsWith('/order'))!;
    expect(hit.path).toBe('/order?id=A%2017%2Fb');
    expect(hit.headers.authorization).toBe(SECRET);
    expect(hit.headers['x-caller']).toBe('+14155550142');
    expect(JSON.stringify(answer)).not.toContain('s3cret');
    const audit = await dev.app.db.kysely.selectFrom('audit_log').selectAll().where('business_id', '=', own.businessId).where('action', '=', 'in_call.check_order').execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]!.details).toMatchObject({ call_id: own.call, agent_id: own.agent, tool_kind: 'api_request', arguments: { order_id: 'A 17/b' } });
    expect(JSON.stringify(audit)).not.toContain('s3cret');
  });

  it('a function tool POSTs its arguments as JSON to the server URL; a value outside the dropdown is refused', async () => {
    const answer = await inCall(dev, 'notify_crm', { topic: 'repair' });
    expect(answer.isError, answer.text).toBe(false);
    const hit = hits.find((h) => h.path === '/fn')!;
    expect([hit.method, JSON.parse(hit.body), hit.headers['x-kaicalls-call-id']]).toEqual(['POST', { topic: 'repair' }, own.call]);
    const refused = await inCall(dev, 'notify_crm', { topic: 'lottery' });
    expect(refused.structured.error_code).toBe('invalid_argument');
    expect(hits.filter((h) => h.path === '/fn')).toHaveLength(1);
  });
});

describe('security: outbound requests never reach private addresses', () => {
  it('loopback (by address or by name), private, metadata and IPv6 link-local addresses are refused before connecting', async () => {
    for (const name of ['loopback_direct', 'loopback_by_name', 'private_direct', 'metadata_direct', 'link_local_v6']) {
      const answer = await inCall(strict, name);
      expect(answer.isError, name).toBe(true);
      expect(answer.structured.error_code, name).toBe('upstream_refused');
      expect(answer.text).toMatch(/loopback, private, link-local or metadata|only https/);
    }
    expect(hitsOn('/direct-literal') + hitsOn('/direct-name')).toBe(0);
  });

  it('plain http is refused, even to a public address, and even to loopback unless the development setting allows it', async () => {
    expect((await inCall(dev, 'plain_http_public')).structured.error_code).toBe('upstream_refused');
    const before = hits.length;
    expect((await inCall(strict, 'check_order', { order_id: '1' })).structured.error_code).toBe('upstream_refused');
    expect(hits.length).toBe(before);
  });

  it('a redirect to a private, metadata or rebinding address is refused, and no request reaches it', async () => {
    for (const name of ['redirect_private', 'redirect_metadata', 'redirect_rebind']) {
      const answer = await inCall(dev, name);
      expect(answer.structured.error_code, name).toBe('upstream_refused');
    }
    // rebind.test resolves to a public and a private address: refused, though the request would have landed here.
    expect(hitsOn('/rebound')).toBe(0);
    // The redirect itself was followed only as far as the check: the redirecting server was asked, nothing after it.
    expect(hitsOn('/redirect')).toBe(3);
    // In development a redirect to loopback is followed (the rule is the same on every hop).
    expect((await inCall(dev, 'redirect_loopback')).isError).toBe(false);
    expect(hitsOn('/redirected-loopback')).toBe(1);
  });

  it('a service slower than 5 s is cut off with upstream_timeout', async () => {
    const started = Date.now();
    const answer = await inCall(dev, 'slow_service');
    expect(answer.structured.error_code).toBe('upstream_timeout');
    expect(Date.now() - started).toBeLessThan(6500);
  }, 20_000);

  it('an answer over 256 KB is refused with upstream_too_large', async () => {
    const answer = await inCall(dev, 'huge_answer');
    expect(answer.structured.error_code).toBe('upstream_too_large');
    expect(answer.text).toMatch(/256 KB/);
  });
});
