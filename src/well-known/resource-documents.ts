// Serves the resource server's discovery documents: protected resource metadata at both paths
// (interop.md 2), mcp.json and the server card. All are public and CORS-open: browser clients
// (MCP Inspector) fetch them directly (interop.md 6).
import type { Middleware } from 'koa';
import { openCors } from '../shared/cors.js';
import type { Config } from '../shared/config.js';
import { mcpDiscoveryDocument, serverCard, type ServerDescription } from './mcp-discovery.js';
import { PRM_PATH, protectedResourceMetadata } from './protected-resource.js';

export function resourceDocuments(config: Pick<Config, 'publicUrl' | 'mcpUrl' | 'issuer' | 'anonymousDiscovery'>, server: ServerDescription): Middleware {
  const prm = JSON.stringify(protectedResourceMetadata(config));
  // Computed once: they only change with a deploy.
  const documents = new Map<string, string>([
    [`${PRM_PATH}${new URL(config.mcpUrl).pathname}`, prm],
    [PRM_PATH, prm],
    ['/.well-known/mcp.json', JSON.stringify(mcpDiscoveryDocument(config, server))],
    ['/.well-known/mcp/server-card.json', JSON.stringify(serverCard(config, server))],
  ]);
  const cors = openCors('GET, HEAD, OPTIONS');

  return async function serveResourceDocuments(ctx, next) {
    const document = documents.get(ctx.path);
    if (document === undefined) return next();
    await cors(ctx, async () => {
      if (ctx.method !== 'GET' && ctx.method !== 'HEAD') {
        ctx.status = 405;
        ctx.set('Allow', 'GET, HEAD, OPTIONS');
        ctx.body = { error: 'method_not_allowed', message: 'Discovery documents are read with GET' };
        return;
      }
      ctx.type = 'application/json';
      ctx.set('Cache-Control', 'public, max-age=300');
      ctx.body = document;
    });
  };
}
