// OAuth 2.0 Protected Resource Metadata (RFC 9728) for the MCP endpoint: where an MCP client learns
// which authorization server to use and which scopes exist, starting from nothing but the MCP URL.
import { SCOPES } from '../scopes/index.js';
import type { Config } from '../shared/config.js';

export const PRM_PATH = '/.well-known/oauth-protected-resource';

/** RFC 9728 §3.1: the well-known segment goes between the host and the resource's path. */
export function protectedResourceMetadataUrl(config: Pick<Config, 'publicUrl' | 'mcpUrl'>): string {
  return `${config.publicUrl}${PRM_PATH}${new URL(config.mcpUrl).pathname}`;
}

export function protectedResourceMetadata(config: Pick<Config, 'mcpUrl' | 'issuer'>) {
  return {
    // Byte for byte the URL clients connect to: they refuse metadata whose resource does not match
    // (interop.md 1–2).
    resource: config.mcpUrl,
    authorization_servers: [config.issuer],
    // The same list as the AS metadata and the 401 challenge (interop.md 4); no offline_access.
    scopes_supported: [...SCOPES],
    // RFC 6750 §2.1 only: never the query string or a form body.
    bearer_methods_supported: ['header'],
    resource_name: 'KaiCalls MCP server',
  };
}
