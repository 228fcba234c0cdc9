// Requests without a session id (clients that never initialize, one-shot scripts, load balancers
// that do not keep affinity) are served statelessly: a fresh transport per request, as the SDK
// requires, connected to a server object borrowed from a small pool. Server objects are reusable
// once closed; only the transport is per request.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { ServerFactory } from './mcp-server.js';

export type StatelessDispatcher = (request: Request, options: { parsedBody: unknown; authInfo: AuthInfo | undefined }) => Promise<Response>;

const POOL_SIZE = 64;

export function createStatelessDispatcher(createServer: ServerFactory): StatelessDispatcher {
  const idle: McpServer[] = [];

  // Closing a server ends its request bookkeeping; it is done once the answer has left, on a later
  // turn of the event loop, so the request's own completion has settled by then (closing earlier
  // would abort its finished handler and build errors nobody reads) and the client does not wait.
  const release = (server: McpServer) => {
    setImmediate(() => {
      server.close().then(
        () => {
          if (idle.length < POOL_SIZE) idle.push(server);
        },
        () => {},
      );
    });
  };

  return async (request, options) => {
    const server = idle.pop() ?? createServer();
    // JSON responses: with no session the client cannot answer a server-to-client request anyway,
    // and a JSON body settles when the last response is ready, so the server can go back at once.
    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    try {
      await server.connect(transport);
      return await transport.handleRequest(request, options);
    } finally {
      release(server);
    }
  };
}
