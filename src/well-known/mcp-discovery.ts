// /.well-known/mcp.json and /.well-known/mcp/server-card.json: what this MCP server is, where it
// is, how to authenticate, and every tool with its scopes, annotations and schemas. Both are
// generated from the tool registry, with the very entries tools/list serves, so they cannot drift;
// the resource server describes itself and app.ts hands the description here.
import { SCOPES } from '../scopes/index.js';
import type { Config } from '../shared/config.js';
import { protectedResourceMetadataUrl } from './protected-resource.js';

type DiscoveryConfig = Pick<Config, 'publicUrl' | 'mcpUrl' | 'issuer' | 'anonymousDiscovery'>;

/** What initialize declares: tools only (McpServer marks its tool list as able to change). */
export const SERVER_CAPABILITIES = Object.freeze({ tools: Object.freeze({ listChanged: true }) });

/** How the MCP server describes itself: its identity and each tool as tools/list shows it, with its scopes and effect. */
export interface ServerDescription {
  readonly serverInfo: { readonly name: string; readonly title: string; readonly version: string; readonly description: string };
  readonly provider: { readonly name: string; readonly url: string };
  readonly tools: readonly object[];
}

function authentication(config: DiscoveryConfig) {
  return {
    description:
      'OAuth 2.1 (authorization code with PKCE S256, dynamic client registration, refresh tokens) for hosted clients, ' +
      'or a KaiCalls API key sent as "Authorization: Bearer kc_live_…" or "X-KaiCalls-API-Key: kc_live_…". ' +
      (config.anonymousDiscovery ? 'initialize, ping and tools/list work without credentials; tools/call needs one.' : 'Every request needs a credential.'),
    oauth2: {
      protected_resource_metadata: protectedResourceMetadataUrl(config),
      authorization_servers: [config.issuer],
      scopes_supported: [...SCOPES],
      code_challenge_methods_supported: ['S256'],
    },
    api_key: {
      prefix: 'kc_live_',
      headers: ['Authorization: Bearer <key>', 'X-KaiCalls-API-Key: <key>'],
    },
    anonymous_methods: config.anonymousDiscovery ? ['initialize', 'ping', 'tools/list'] : [],
  };
}

export function mcpDiscoveryDocument(config: DiscoveryConfig, server: ServerDescription) {
  const { serverInfo: SERVER_INFO, provider: PROVIDER } = server;
  return {
    name: SERVER_INFO.name,
    title: SERVER_INFO.title,
    version: SERVER_INFO.version,
    description: SERVER_INFO.description,
    provider: PROVIDER,
    endpoint: config.mcpUrl,
    transport: { type: 'streamable-http', url: config.mcpUrl },
    authentication: authentication(config),
    capabilities: SERVER_CAPABILITIES,
    tools: server.tools,
  };
}

/** A reverse-DNS server name from the public host (`mcp.example.com` → `com.example.mcp/kaicalls`). */
function registryName(publicUrl: string, serverName: string): string {
  return `${new URL(publicUrl).hostname.split('.').reverse().join('.')}/${serverName}`;
}

/**
 * The server card (SEP-2127 shape: name, version, description, remotes) with the same server,
 * provider, authentication, capability and tool details as mcp.json.
 */
export function serverCard(config: DiscoveryConfig, server: ServerDescription) {
  const { serverInfo: SERVER_INFO, provider: PROVIDER } = server;
  return {
    $schema: 'https://static.modelcontextprotocol.io/schemas/v1/server-card.schema.json',
    name: registryName(config.publicUrl, SERVER_INFO.name),
    title: SERVER_INFO.title,
    version: SERVER_INFO.version,
    description: SERVER_INFO.description,
    serverInfo: { name: SERVER_INFO.name, title: SERVER_INFO.title, version: SERVER_INFO.version },
    provider: PROVIDER,
    remotes: [{ type: 'streamable-http', url: config.mcpUrl }],
    endpoint: config.mcpUrl,
    transport: { type: 'streamable-http', url: config.mcpUrl },
    authentication: authentication(config),
    capabilities: SERVER_CAPABILITIES,
    tools: server.tools,
  };
}
