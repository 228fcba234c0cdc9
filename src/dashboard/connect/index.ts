// The public connect page at `/` and its stylesheet. Both are built once: they change only with the
// configuration and the tool registry, that is, with a deploy. The page needs no session and no
// script (the dashboard's script only adds Copy buttons), and gets the dashboard's headers.
import Router from '@koa/router';
import type { Config } from '../../shared/config.js';
import { setDashboardHeaders } from '../layout.js';
import { CONNECT_CSS, CONNECT_CSS_PATH, renderConnectPage, type ConnectTool } from './page.js';

export interface ConnectDeps {
  config: Pick<Config, 'publicUrl' | 'mcpUrl'>;
  /** How the MCP server names itself (`kaicalls`, `KaiCalls`): from the resource server's description. */
  server: { readonly name: string; readonly title: string };
  /** The account surface's tools, from the registry (app.ts): the dashboard never imports src/resource. */
  tools: readonly ConnectTool[];
}

export function connectRouter(deps: ConnectDeps): Router {
  const page = renderConnectPage({ mcpUrl: deps.config.mcpUrl, publicUrl: deps.config.publicUrl, name: deps.server.name, title: deps.server.title }, deps.tools);
  const router = new Router();
  router.get('/', (ctx) => {
    setDashboardHeaders(ctx);
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = page;
  });
  router.get(CONNECT_CSS_PATH, (ctx) => {
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.type = 'text/css; charset=utf-8';
    ctx.body = CONNECT_CSS;
  });
  return router;
}
