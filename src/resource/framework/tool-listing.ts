// The tools as MCP clients see them (the `tools/list` entries), generated once from the registry
// with the SDK's own zod → JSON Schema conversion, so that the discovery documents and tools/list
// cannot disagree.
import { toJsonSchemaCompat } from '@modelcontextprotocol/sdk/server/zod-json-schema-compat.js';
import type { Tool as McpTool } from '@modelcontextprotocol/sdk/types.js';
import type { ToolRegistry } from './tool.js';
import { inputSchemaOf, outputSchemaOf, type AnyTool } from './tool.js';

export type ToolListing = McpTool;

/** The `tools/list` entry of one tool. */
export function listingOf(tool: AnyTool): ToolListing {
  return {
    name: tool.name,
    title: tool.title,
    description: tool.description,
    inputSchema: toJsonSchemaCompat(inputSchemaOf(tool), { strictUnions: true, pipeStrategy: 'input' }) as ToolListing['inputSchema'],
    outputSchema: advertisedOutputSchema(tool),
    annotations: tool.annotations,
    execution: { taskSupport: 'forbidden' },
  };
}

/**
 * A result is either a success carrying every field of the tool, or a failure carrying `error` and
 * `error_code` (tools.md "Common rules"). Clients validate `structuredContent` against this schema
 * for failures too (the MCP SDK client does), so the schema says exactly that: the tool's fields
 * are required when `success` is true, `error` and `error_code` when it is false. (The zod schema
 * the server checks its own successful results with keeps every field required.)
 */
function advertisedOutputSchema(tool: AnyTool): ToolListing['outputSchema'] {
  const schema = toJsonSchemaCompat(outputSchemaOf(tool), { strictUnions: true, pipeStrategy: 'output' }) as ToolListing['outputSchema'] & {
    required?: string[];
  };
  const fields = (schema.required ?? []).filter((name) => name !== 'success');
  return {
    ...schema,
    required: ['success'],
    if: { properties: { success: { const: true } }, required: ['success'] },
    // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then/else keyword, not a thenable
    then: { required: fields },
    else: { required: ['error', 'error_code'] },
  };
}

/** Each tool as tools/list shows it, plus the scopes it needs and whether it reaches the outside world (the discovery documents' entries). */
export function discoveryEntries(tools: ToolRegistry) {
  return tools.list().map((tool) => ({
    ...listingOf(tool),
    scopes: [...tool.scopes],
    external_effect: tool.externalEffect,
  }));
}
