// Two compatibility edges found with other clients, and the lean tools/list:
//   - a client of the 2026-07-28 revision probes with `server/discover` before falling back to
//     initialize (the v2 SDK client in versionNegotiation 'auto');
//   - the standalone GET stream of a session must send its headers before its first event (proxies
//     with a header timeout cut it otherwise);
//   - tools/list is trimmed of what carries no meaning, every output schema kept in full shape, and
//     answered without a session from bytes prepared once, exactly as the SDK answers it.
import http from 'node:http';
import zlib from 'node:zlib';
import { toJsonSchemaCompat } from '@modelcontextprotocol/sdk/server/zod-json-schema-compat.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outputSchemaOf, inputSchemaOf } from '../src/resource/framework/tool.js';
import { listTools } from '../src/resource/tools/registry.js';
import { SCOPES } from '../src/scopes/index.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { ACCEPT_BOTH, createBusiness, createKey, initialize, post } from './helpers/mcp.js';

let app: TestApp;
let strict: TestApp;
let key: string;

beforeAll(async () => {
  app = await startTestApp();
  strict = await startTestApp({ MCP_ANONYMOUS_DISCOVERY: 'false' }, app.database);
  const business = await createBusiness(app.app.db, 'Acme Plumbing');
  key = (await createKey(app.app.db, business.id, [...SCOPES])).key;
});
afterAll(async () => {
  await strict?.stop();
  await app?.stop();
});

/** What the v2 SDK client sends first in versionNegotiation 'auto' (protocol revision 2026-07-28). */
const DISCOVER = {
  jsonrpc: '2.0',
  id: 0,
  method: 'server/discover',
  params: { _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} } },
};
const MODERN_HEADERS = { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'server/discover' };

describe('a 2026-07-28 client probing with server/discover', () => {
  it('without a credential and anonymous discovery on, gets the unsupported-version refusal (400, -32000), not 401, so it falls back to initialize', async () => {
    const res = await post(app.mcpUrl, DISCOVER, MODERN_HEADERS);
    expect(res.status).toBe(400);
    expect(res.headers.get('www-authenticate')).toBeNull();
    // -32022 (UnsupportedProtocolVersion) would tell the client this server is of the new era.
    expect(res.body.error.code).toBe(-32000);
    expect(res.body.error.message).toContain('Unsupported protocol version: 2026-07-28');

    // The refusal is the one a signed-in client gets for the same probe.
    const signedIn = await post(app.mcpUrl, DISCOVER, { ...MODERN_HEADERS, authorization: `Bearer ${key}` });
    expect({ status: signedIn.status, body: signedIn.body }).toEqual({ status: res.status, body: res.body });

    // And the fallback works anonymously.
    const init = await post(app.mcpUrl, initialize());
    expect(init.status).toBe(200);
    expect(init.body.result.serverInfo.name).toBe('kaicalls');
    expect(init.headers.get('mcp-session-id')).toBeTruthy();
  });

  it('without a protocol version header the probe reaches the server, which does not know the method', async () => {
    const res = await post(app.mcpUrl, DISCOVER);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: 0, error: { code: -32601 } });
  });

  it('security: with anonymous discovery off, the probe still gets the 401 challenge', async () => {
    const res = await post(strict.mcpUrl, DISCOVER, MODERN_HEADERS);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer resource_metadata=/);
  });

  it('security: only a lone probe passes without a credential; batched with tools/call it gets 401', async () => {
    const res = await post(app.mcpUrl, [DISCOVER, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'get_business_info', arguments: {} } }], MODERN_HEADERS);
    expect(res.status).toBe(401);
  });
});

describe('the standalone GET stream of a session', () => {
  it('sends its status and headers at once, before any event', async () => {
    const init = await post(app.mcpUrl, initialize());
    const sessionId = init.headers.get('mcp-session-id')!;
    expect(sessionId).toBeTruthy();
    const headers = { accept: ACCEPT_BOTH, 'content-type': 'application/json', 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' };
    await post(app.mcpUrl, { jsonrpc: '2.0', method: 'notifications/initialized' }, headers);

    // The server has nothing to send on this stream: only the headers can arrive.
    const stream = await fetch(app.mcpUrl, {
      method: 'GET',
      headers: { accept: 'text/event-stream', 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' },
      signal: AbortSignal.timeout(1_000),
    }).catch((err: Error) => err);
    expect(stream).toBeInstanceOf(Response);
    const res = stream as Response;
    try {
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/event-stream');
      expect(res.headers.get('mcp-session-id')).toBe(sessionId);
      expect(res.headers.get('cache-control')).toBe('no-store');
    } finally {
      await res.body?.cancel().catch(() => {});
    }
  });
});

describe('tools/list', () => {
  const LIST = { jsonrpc: '2.0', id: 'list-1', method: 'tools/list' };

  it('without a session is answered byte for byte as the SDK server answers it, for any id and the parameters it accepts', async () => {
    // A one-element batch is answered by the SDK's McpServer (the stateless path), with the single response.
    const cases: object[] = [LIST, { ...LIST, id: 7 }, { ...LIST, params: { cursor: 'next' } }, { ...LIST, params: { _meta: { progressToken: 3 } } }];
    // (Uncompressed: the SDK path does not compress; gzip is the next test's.)
    const headers = { accept: ACCEPT_BOTH, 'content-type': 'application/json', 'accept-encoding': 'identity' };
    for (const message of cases) {
      const direct = await fetch(app.mcpUrl, { method: 'POST', headers, body: JSON.stringify(message) });
      const viaSdk = await fetch(app.mcpUrl, { method: 'POST', headers, body: JSON.stringify([message]) });
      expect(direct.status).toBe(200);
      expect(await direct.text()).toBe(await viaSdk.text());
      // The prepared answer also varies with Accept-Encoding (it is gzip-compressed for clients that take it).
      const headersOf = (res: Response) =>
        [...res.headers]
          .filter(([name]) => name !== 'date' && name !== 'x-request-id')
          .map(([name, value]) => [name, name === 'vary' ? value.replace(', Accept-Encoding', '') : value]);
      expect(headersOf(direct)).toEqual(headersOf(viaSdk));
    }
  });

  it('is gzip-compressed for a client that accepts it, into exactly the uncompressed bytes, whatever the id', async () => {
    const identity = (message: object) => rawPost(message, 'identity');
    const ids: unknown[] = ['list-1', 0, -7, 'ü “quoted” \\ \u0000', 'x'.repeat(70_000)];
    for (const id of ids) {
      const message = { ...LIST, id };
      const plain = await identity(message);
      expect(plain.headers['content-encoding']).toBeUndefined();
      const zipped = await rawPost(message, 'gzip, deflate, br');
      expect(zipped.status).toBe(200);
      // gunzipSync checks the CRC-32 and the length in the trailer too.
      const body = zipped.headers['content-encoding'] === 'gzip' ? zlib.gunzipSync(zipped.body) : zipped.body;
      expect(body.equals(plain.body), `id ${String(id).slice(0, 20)}`).toBe(true);
      expect(Number(zipped.headers['content-length'])).toBe(zipped.body.length);
      expect(zipped.headers.vary).toContain('Accept-Encoding');
      // An id too long for one stored block (64 KB) is answered uncompressed.
      expect(zipped.headers['content-encoding']).toBe(String(id).length > 65_000 ? undefined : 'gzip');
      if (id === 'list-1') expect(zipped.body.length).toBeLessThan(plain.body.length / 5);
    }
    // gzip refused by q=0: uncompressed.
    const refused = await rawPost(LIST, 'gzip;q=0, identity');
    expect(refused.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(refused.body.toString('utf8')).result.tools.length).toBe(listTools().length);
  });

  it('parameters the SDK refuses still get its error', async () => {
    const res = await post(app.mcpUrl, { ...LIST, params: { cursor: 5 } });
    expect(res.body.id).toBe('list-1');
    expect(res.body.error).toBeDefined();
    expect(res.body.result).toBeUndefined();
  });

  it('security: Host, Origin, Accept and protocol-version checks still come first', async () => {
    const evil = await post(app.mcpUrl, LIST, { origin: 'https://evil.example' });
    expect(evil.status).toBe(403);
    const notAcceptable = await post(app.mcpUrl, LIST, { accept: 'application/json' });
    expect(notAcceptable.status).toBe(406);
    const unknownVersion = await post(app.mcpUrl, LIST, { 'mcp-protocol-version': '1999-01-01' });
    expect(unknownVersion.status).toBe(400);
    expect(unknownVersion.body.error.message).toContain('Unsupported protocol version: 1999-01-01');
    const badKey = await post(app.mcpUrl, LIST, { authorization: 'Bearer kc_live_not-a-key' });
    expect(badKey.status).toBe(401);
  });

  it('stays lean: the 22 tools of issue 10 in at most 75 KB (137 KB as generated), and a fifth of that or less gzip-compressed', async () => {
    // Tools added since are listed too; the size target is these 22's (bench/README.md).
    const original = new Set([
      ...['get_business_info', 'list_agents', 'get_operational_settings', 'update_agent_config', 'configure_agent_business_rules', 'list_recent_calls', 'check_call_status'],
      ...['get_transcript', 'get_call_recording', 'make_call', 'list_voicemails', 'list_leads', 'get_lead', 'upsert_lead', 'list_sms_messages', 'send_sms'],
      ...['list_campaigns', 'create_campaign', 'get_analytics', 'configure_staff_alerts', 'configure_textable_links', 'request_kaicalls_update'],
    ]);
    const plain = await rawPost(LIST, 'identity');
    const answer = JSON.parse(plain.body.toString('utf8'));
    const tools = answer.result.tools.filter((tool: { name: string }) => original.has(tool.name));
    expect(tools).toHaveLength(22);
    expect(Buffer.byteLength(JSON.stringify({ ...answer, result: { tools } }))).toBeLessThanOrEqual(75_000);
    const zipped = await rawPost(LIST, 'gzip');
    expect(zipped.body.length).toBeLessThanOrEqual(plain.body.length / 5);
  });

  it('keeps every schema whole: the same types, required fields, enums, formats and bounds as the registry’s zod schemas', async () => {
    const { body } = await post(app.mcpUrl, LIST);
    const listed = new Map<string, { inputSchema: object; outputSchema: object }>(body.result.tools.map((t: { name: string }) => [t.name, t]));
    expect(listed.size).toBe(listTools().length);
    for (const tool of listTools()) {
      const entry = listed.get(tool.name)!;
      const fullInput = toJsonSchemaCompat(inputSchemaOf(tool), { strictUnions: true, pipeStrategy: 'input' });
      const fullOutput = toJsonSchemaCompat(outputSchemaOf(tool), { strictUnions: true, pipeStrategy: 'output' });
      expect(shapeOf(entry.inputSchema), `${tool.name} input`).toEqual(shapeOf(fullInput));
      // Unknown arguments are refused, and clients are told so.
      expect((entry.inputSchema as { additionalProperties?: unknown }).additionalProperties, tool.name).toBe(false);
      // The advertised output only loosens `required` to the success/failure envelope (then/else).
      const { if: _if, then, else: _else, ...output } = entry.outputSchema as { if: unknown; then: { required: string[] }; else: unknown; required: string[] };
      expect(shapeOf({ ...output, required: [...output.required, ...then.required] }), `${tool.name} output`).toEqual(shapeOf(fullOutput));
    }
  });
});

/**
 * What a validator checks in a schema, written one way: the set of types (an `anyOf` with null and
 * a type list alike), required fields, enums, consts, formats, bounds and lengths, per property and
 * item, recursively. Descriptions, `$schema`, a regex beside a format, JavaScript's safe-integer
 * bounds and `additionalProperties: false` on outputs are left out: they are what the listing drops.
 */
function shapeOf(schema: unknown): unknown {
  if (typeof schema !== 'object' || schema === null) return schema;
  const s = schema as Record<string, any>;
  const shape: Record<string, unknown> = {};
  const types = new Set<string>();
  const branches: unknown[] = [];
  const addType = (node: Record<string, any>) => {
    for (const t of Array.isArray(node.type) ? node.type : node.type ? [node.type] : []) types.add(t);
  };
  addType(s);
  const merged: Record<string, any> = { ...s };
  if (Array.isArray(s.anyOf)) {
    for (const branch of s.anyOf) {
      if (branch.type === 'null' && Object.keys(branch).length === 1) types.add('null');
      else if (typeof branch.type === 'string' && !('enum' in branch) && !('const' in branch) && s.anyOf.length === 2) {
        addType(branch);
        Object.assign(merged, branch);
      } else branches.push(shapeOf(branch));
    }
  }
  if (types.size) shape.type = [...types].sort();
  if (branches.length) shape.anyOf = branches;
  for (const key of ['enum', 'const', 'format', 'minLength', 'maxLength', 'minItems', 'maxItems', 'default']) if (key in merged) shape[key] = merged[key];
  for (const key of ['minimum', 'maximum']) if (key in merged && Math.abs(merged[key]) !== Number.MAX_SAFE_INTEGER) shape[key] = merged[key];
  if (typeof merged.pattern === 'string' && typeof merged.format !== 'string') shape.pattern = merged.pattern;
  if (merged.required) shape.required = [...merged.required].sort();
  if (merged.properties) shape.properties = Object.fromEntries(Object.entries(merged.properties).map(([k, v]) => [k, shapeOf(v)]));
  if (merged.items) shape.items = shapeOf(merged.items);
  if (typeof merged.additionalProperties === 'object') shape.additionalProperties = shapeOf(merged.additionalProperties);
  return shape;
}

/** A POST without fetch's transparent decompression: the bytes as sent, with the headers. */
function rawPost(message: object, acceptEncoding: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request(app.mcpUrl, { method: 'POST', headers: { accept: ACCEPT_BOTH, 'content-type': 'application/json', 'accept-encoding': acceptEncoding } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(JSON.stringify(message));
  });
}
