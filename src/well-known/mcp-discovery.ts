// /.well-known/mcp.json and /.well-known/mcp/server-card.json: what this MCP server is, where it
// is, how to authenticate, and every tool with its scopes, annotations and schemas. Both are
// generated from the tool registry, with the very entries tools/list serves, so they cannot drift.
import { SCOPES } from '../scopes/index.js';
import { listToolSummaries, listTools } from '../resource/tools/registry.js';
import { PROVIDER, SERVER_INFO } from '../resource/framework/server-info.js';
import { listingOf } from '../resource/framework/tool-listing.js';
import type { Config } from '../shared/config.js';
import { protectedResourceMetadataUrl } from './protected-resource.js';

type DiscoveryConfig = Pick<Config, 'publicUrl' | 'mcpUrl' | 'issuer' | 'anonymousDiscovery'>;

/** What initialize declares: tools only (McpServer marks its tool list as able to change). */
export const SERVER_CAPABILITIES = Object.freeze({ tools: Object.freeze({ listChanged: true }) });

/** Each tool as tools/list shows it, plus the scopes it needs and whether it reaches the outside world. */
export function toolEntries() {
  const summaries = new Map(listToolSummaries().map((s) => [s.name, s]));
  return listTools().map((tool) => ({
    ...listingOf(tool),
    scopes: [...tool.scopes],
    external_effect: summaries.get(tool.name)!.externalEffect,
  }));
}

function authentication(config: DiscoveryConfig) {
  return {
    description:
      'OAuth 2.1 (authorization code with PKCE S256, dynamic client registration, refresh tokens) for hosted clients, ' +
      'or a KaiCalls API key sent as "Authorization: Bearer kc_live_…" or "X-KaiCalls-API-Key: kc_live_…". ' +
      (config.anonymousDiscovery
        ? 'initialize, ping and tools/list work without credentials; tools/call needs one.'
        : 'Every request needs a credential.'),
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

export function mcpDiscoveryDocument(config: DiscoveryConfig) {
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
    tools: toolEntries(),
  };
}

/** A reverse-DNS server name from the public host (`mcp.example.com` → `com.example.mcp/kaicalls`). */
function registryName(publicUrl: string): string {
  return `${new URL(publicUrl).hostname.split('.').reverse().join('.')}/${SERVER_INFO.name}`;
}

/**
 * The server card (SEP-2127 shape: name, version, description, remotes) with the same server,
 * provider, authentication, capability and tool details as mcp.json.
 */
export function serverCard(config: DiscoveryConfig) {
  return {
    $schema: 'https://static.modelcontextprotocol.io/schemas/v1/server-card.schema.json',
    name: registryName(config.publicUrl),
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
    tools: toolEntries(),
  };
}
