// The resource server's discovery documents: protected resource metadata at both paths, mcp.json
// and the server card. They, tools/list, the consent screen's summaries and the README table all
// come from the one registry and are checked against each other here.
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountTools, listToolSummaries, listTools, toolsForScope } from '../src/resource/tools/registry.js';
import { toJsonSchemaCompat } from '@modelcontextprotocol/sdk/server/zod-json-schema-compat.js';
import { outputSchemaOf } from '../src/resource/framework/tool.js';
import { withToolTable } from '../src/resource/framework/tool-table.js';
import { SCOPES } from '../src/scopes/index.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { connectClient } from './helpers/mcp.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t?.stop());

const getJson = async (path: string, headers: Record<string, string> = {}) => {
  const res = await fetch(`${t.baseUrl}${path}`, { headers });
  return { status: res.status, headers: res.headers, body: (await res.json()) as any };
};

describe('protected resource metadata (RFC 9728)', () => {
  it('is served at both paths, with resource equal to the MCP URL byte for byte', async () => {
    for (const path of ['/.well-known/oauth-protected-resource/api/mcp', '/.well-known/oauth-protected-resource']) {
      const { status, headers, body } = await getJson(path, { origin: 'https://inspector.example' });
      expect(status).toBe(200);
      expect(headers.get('content-type')).toMatch(/application\/json/);
      expect(headers.get('access-control-allow-origin')).toBe('*');
      expect(body.resource).toBe(t.mcpUrl);
      expect(body.resource).toBe(`${t.baseUrl}/api/mcp`);
      expect(body.authorization_servers).toEqual([t.app.config.issuer]);
      expect(body.scopes_supported).toEqual([...SCOPES]);
      expect(body.scopes_supported).not.toContain('offline_access');
      expect(body.bearer_methods_supported).toEqual(['header']);
    }
  });

  it('lists the same scopes as the 401 challenge and the authorization server metadata', async () => {
    const res = await fetch(t.mcpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'list_agents', arguments: {} } }),
    });
    const challenge = res.headers.get('www-authenticate')!;
    expect(challenge).toContain(`scope="${SCOPES.join(' ')}"`);
    const as = await getJson('/.well-known/oauth-authorization-server');
    expect(as.body.issuer).toBe(t.app.config.issuer);
    for (const scope of SCOPES) expect(as.body.scopes_supported).toContain(scope);
  });

  it('answers CORS preflights and refuses writes', async () => {
    const preflight = await fetch(`${t.baseUrl}/.well-known/oauth-protected-resource`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:6274', 'access-control-request-method': 'GET' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect((await fetch(`${t.baseUrl}/.well-known/mcp.json`, { method: 'POST' })).status).toBe(405);
  });
});

describe('mcp.json and the server card', () => {
  it('describe the endpoint, transport, authentication and capabilities', async () => {
    for (const path of ['/.well-known/mcp.json', '/.well-known/mcp/server-card.json']) {
      const { headers, body } = await getJson(path);
      expect(headers.get('access-control-allow-origin')).toBe('*');
      expect(body.endpoint).toBe(t.mcpUrl);
      expect(body.transport).toEqual({ type: 'streamable-http', url: t.mcpUrl });
      expect(body.provider.name).toBe('KaiCalls');
      expect(body.authentication.oauth2.protected_resource_metadata).toBe(`${t.baseUrl}/.well-known/oauth-protected-resource/api/mcp`);
      expect(body.authentication.oauth2.scopes_supported).toEqual([...SCOPES]);
      expect(body.authentication.api_key.headers).toHaveLength(2);
    }
    const card = (await getJson('/.well-known/mcp/server-card.json')).body;
    expect(card.serverInfo.name).toBe('kaicalls');
    expect(card.remotes).toEqual([{ type: 'streamable-http', url: t.mcpUrl }]);
  });

  it('agree with tools/list and with what initialize declares', async () => {
    const { client } = await connectClient(t.mcpUrl);
    try {
      const listed = (await client.listTools()).tools;
      const capabilities = client.getServerCapabilities();
      for (const path of ['/.well-known/mcp.json', '/.well-known/mcp/server-card.json']) {
        const { body } = await getJson(path);
        const entries = body.tools.map(({ scopes: _s, external_effect: _e, ...tool }: Record<string, unknown>) => tool);
        expect(entries).toEqual(listed);
        expect(body.capabilities).toEqual(capabilities);
        for (const tool of body.tools) {
          expect(tool.scopes).toEqual(listTools().find((t) => t.name === tool.name)!.scopes);
          expect(tool.outputSchema.type).toBe('object');
          // Read-only exactly when every scope that unlocks it is a read scope.
          expect({ tool: tool.name, readOnly: tool.annotations.readOnlyHint }).toEqual({ tool: tool.name, readOnly: tool.scopes.every((s: string) => s.endsWith(':read')) });
        }
      }
    } finally {
      await client.close();
    }
  });

  it('describe every tool and every field of its input and output', async () => {
    const undescribed: string[] = [];
    const walk = (schema: any, where: string) => {
      for (const [name, property] of Object.entries<any>(schema?.properties ?? {})) {
        if (!property.description) undescribed.push(`${where}.${name}`);
        walk(property, `${where}.${name}`);
        walk(property.items, `${where}.${name}[]`);
      }
    };
    const { body } = await getJson('/.well-known/mcp.json');
    for (const tool of body.tools) {
      expect(tool.title).toBeTruthy();
      expect(tool.description).toBeTruthy();
      walk(tool.inputSchema, `${tool.name}.input`);
      // Output schemas are listed without descriptions, to keep tools/list small (tool-listing.ts):
      // every output field is still described in the registry they are generated from.
      walk(toJsonSchemaCompat(outputSchemaOf(listTools().find((t) => t.name === tool.name)!), { pipeStrategy: 'output' }), `${tool.name}.output`);
    }
    expect(undescribed).toEqual([]);
  });
});

describe('registry summaries (consent screen) and the README table', () => {
  it('summaries list every tool under its scope', () => {
    expect(listToolSummaries().map((s) => s.name)).toEqual(listTools().map((t) => t.name));
    // The scope of every tool, as the catalog (shared/spec/tools.md) assigns them.
    const catalog: Record<string, string[]> = {
      'calls:read': [
        'list_recent_calls',
        'check_call_status',
        'get_transcript',
        'get_call_recording',
        'list_leads',
        'get_lead',
        'list_voicemails',
        'list_sms_messages',
        'list_campaigns',
        'get_analytics',
      ],
      'agents:read': ['get_business_info', 'list_agents', 'get_operational_settings', 'get_agent', 'list_phone_numbers', 'get_phone_number', 'list_agent_tools', 'get_agent_tool'],
      'calls:write': ['make_call', 'create_campaign'],
      'agents:write': [
        'configure_staff_alerts',
        'configure_textable_links',
        'configure_agent_business_rules',
        'update_agent_config',
        'request_kaicalls_update',
        'create_agent',
        'create_agent_tool',
        'update_agent_tool',
        'delete_agent_tool',
      ],
      'leads:write': ['upsert_lead'],
      'sms:write': ['send_sms'],
      'numbers:write': ['request_kaicalls_update', 'create_agent', 'assign_phone_number'],
      'webhooks:write': ['request_kaicalls_update'],
      'appointments:read': ['get_availability', 'list_appointments', 'get_appointment', 'list_routing_rules', 'get_routing_rule'],
      'appointments:write': [
        'hold_appointment',
        'book_appointment',
        'reschedule_appointment',
        'cancel_appointment',
        'mark_no_show',
        'create_routing_rule',
        'update_routing_rule',
        'delete_routing_rule',
      ],
    };
    for (const scope of SCOPES)
      expect({
        scope,
        tools: toolsForScope(scope)
          .map((s) => s.name)
          .sort(),
      }).toEqual({ scope, tools: [...catalog[scope]!].sort() });
    // The seed's 22, booking.md's 13 and voice-runtime.md §A's 10.
    expect(new Set(Object.values(catalog).flat()).size).toBe(45);
    expect(listTools()).toHaveLength(45);
    for (const scope of SCOPES) for (const tool of toolsForScope(scope)) expect(tool.scopes).toContain(scope);
  });

  it('README.md carries the current tool table (npm run docs:tools)', () => {
    const readme = fs.readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    expect(withToolTable(readme, accountTools)).toBe(readme);
    for (const tool of listTools()) expect(readme).toContain(`| \`${tool.name}\` |`);
  });
});
