// Builds the MCP server objects of the main endpoint from the registry. One factory per app: every
// server it builds shares one JSON Schema validator (building an Ajv instance per server cost the
// SDK's documented per-request pattern about a quarter of its CPU) and one precomputed tools list.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { ListToolsRequestSchema, type RequestId } from '@modelcontextprotocol/sdk/types.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import { INSTRUCTIONS, SERVER_INFO } from './server-info.js';
import { outputSchemaOf, type AnyTool, type ToolPeer } from './tool.js';
import { listingOf } from './tool-listing.js';
import type { ToolHandler } from './tool-runner.js';

export interface ServerFactory {
  (): McpServer;
  /**
   * The `tools/list` result every server of this factory answers, as JSON, when that answer is fixed
   * (the registry never changes at run time): the endpoint writes it without a server (mcp-endpoint.ts).
   */
  readonly toolsListJson?: string;
}

const ANY_ARGUMENTS = z.object({}).loose();

export function createToolServerFactory(deps: { tools: readonly AnyTool[]; handlerFor: (tool: AnyTool) => ToolHandler }): ServerFactory {
  const jsonSchemaValidator = new AjvJsonSchemaValidator();
  const outputSchemas = new Map(deps.tools.map((t) => [t.name, outputSchemaOf(t)]));
  const handlers = new Map(deps.tools.map((t) => [t.name, deps.handlerFor(t)]));
  // McpServer converts every tool's zod schemas to JSON Schema on every tools/list; the registry
  // never changes at run time, so the list is converted once, with the same SDK function.
  const toolsList = { tools: deps.tools.map(listingOf) };

  const createServer = () => {
    const server: McpServer = new McpServer(
      { name: SERVER_INFO.name, title: SERVER_INFO.title, version: SERVER_INFO.version },
      { instructions: INSTRUCTIONS, jsonSchemaValidator },
    );
    // Per tool call: what this session's client declared it can do, and a way to ask it. The
    // question is related to the tool call that asks it, so Streamable HTTP carries it on that
    // call's own response stream, held by the node running the tool; an unrelated request would go
    // to the standalone GET stream, which another node (or none) may hold. Only form elicitation is
    // used, so a client that declared only URL mode cannot be asked.
    const peerFor = (requestId: RequestId): ToolPeer => ({
      get canElicit() {
        return Boolean(server.server.getClientCapabilities()?.elicitation?.form);
      },
      elicit: (params) => server.server.elicitInput(params, { relatedRequestId: requestId }),
    });
    for (const tool of deps.tools) {
      server.registerTool(
        tool.name,
        {
          title: tool.title,
          description: tool.description,
          // The tool runner validates arguments with the tool's own schema and answers a refusal
          // with the result envelope (`invalid_argument`) and an audit row; the SDK, given the
          // real schema, would refuse first with a bare error text. Clients see the real schema
          // in tools/list, which is served from the registry below.
          inputSchema: ANY_ARGUMENTS,
          outputSchema: outputSchemas.get(tool.name)!,
          annotations: tool.annotations,
        },
        (args: Record<string, unknown>, extra) => handlers.get(tool.name)!(args, extra, peerFor(extra.requestId)),
      );
    }
    server.server.removeRequestHandler(ListToolsRequestSchema.shape.method.value);
    server.server.setRequestHandler(ListToolsRequestSchema, () => toolsList);
    return server;
  };
  return Object.assign(createServer, { toolsListJson: JSON.stringify(toolsList) });
}
