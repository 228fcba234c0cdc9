// The tools as MCP clients see them (the `tools/list` entries), generated once from the registry
// with the SDK's own zod → JSON Schema conversion, so that the discovery documents and tools/list
// cannot disagree.
//
// Why the generated schemas are then trimmed: every client reads the whole list on connect, and
// hosted chat clients put it in the model's context. As generated, 22 tools came to 137 KB, 100 KB
// of it output schemas (bench/README.md). Types, required fields, enums, formats and every input
// constraint and description stay. What the conversion adds without meaning goes everywhere
// (`$schema`, the ±2^53 bounds of every integer, a regex beside the `format` it spells out, `anyOf`
// with `null` where a type list says the same, a branch repeating its parent's description). And
// output schemas keep their shape only: a client validates `structuredContent` against them, while
// what a result means is said by the tool's description and its `content` text, so they go without
// descriptions, and without `additionalProperties: false` (a new result field must not fail a call
// of a client holding an older list). Every field is still described in the registry's zod
// schemas, which the server checks its own results with. What is left for those 22 tools, ~66 KB
// as of issue 10, is mostly what must stay: their output schemas alone are 37 KB, and without a
// single description the list would still be 54 KB. Clients that accept gzip get it compressed
// (mcp-endpoint.ts), about 10 KB on the wire.
import { toJsonSchemaCompat } from '@modelcontextprotocol/sdk/server/zod-json-schema-compat.js';
import type { Tool as McpTool } from '@modelcontextprotocol/sdk/types.js';
import type { ToolRegistry } from './tool.js';
import { inputSchemaOf, outputSchemaOf, type AnyTool } from './tool.js';

export type ToolListing = McpTool;

/** The `tools/list` entry of one tool. */
export function listingOf(tool: AnyTool): ToolListing {
  // The tool's `title` already names it; annotations.title is only its fallback (MCP "Tool").
  const { title: annotationTitle, ...annotations } = tool.annotations;
  // No `execution`: its `taskSupport` defaults to "forbidden" (MCP 2025-11-25), which is what these tools are.
  return {
    name: tool.name,
    title: tool.title,
    description: tool.description,
    inputSchema: lean(toJsonSchemaCompat(inputSchemaOf(tool), { strictUnions: true, pipeStrategy: 'input' }), 'input') as ToolListing['inputSchema'],
    outputSchema: advertisedOutputSchema(tool),
    annotations: annotationTitle === undefined || annotationTitle === tool.title ? annotations : tool.annotations,
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
  const schema = lean(toJsonSchemaCompat(outputSchemaOf(tool), { strictUnions: true, pipeStrategy: 'output' }), 'output') as ToolListing['outputSchema'] & {
    required?: string[];
  };
  const fields = (schema.required ?? []).filter((name) => name !== 'success');
  return {
    ...schema,
    required: ['success'],
    // `success` is required at the top already, so `if` need not require it again.
    if: { properties: { success: { const: true } } },
    // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then/else keyword, not a thenable
    then: { required: fields },
    else: { required: ['error', 'error_code'] },
  };
}

type Schema = Record<string, unknown>;

/** Keywords whose value is a schema, a list of schemas, or a map of names to schemas (JSON Schema draft 7 and 2020-12). */
const SUBSCHEMA = new Set(['items', 'additionalItems', 'additionalProperties', 'contains', 'propertyNames', 'not', 'if', 'then', 'else']);
const SUBSCHEMA_LISTS = new Set(['anyOf', 'oneOf', 'allOf', 'prefixItems']);
const SUBSCHEMA_MAPS = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']);

/** zod writes these on every `.int()`: JavaScript's safe-integer range, which says nothing to a client. */
const SAFE_BOUNDS = new Set([Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER]);

const isSchema = (value: unknown): value is Schema => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The schema without what carries no meaning for a client; for `output`, its shape only (see the head of this file). */
function lean(schema: unknown, side: 'input' | 'output'): Schema {
  const walk = (node: Schema, inherited: boolean): Schema => {
    const out: Schema = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === '$schema') continue;
      if (key === 'description' && (side === 'output' || inherited)) continue;
      if ((key === 'minimum' || key === 'maximum') && SAFE_BOUNDS.has(value as number)) continue;
      // `format` names what the pattern spells out (uuid, email…); validators know the format.
      if (key === 'pattern' && typeof node.format === 'string') continue;
      // Every key of a JSON object is a string.
      if (key === 'propertyNames' && isSchema(value) && value.type === 'string' && Object.keys(value).length === 1) continue;
      if (key === 'additionalProperties' && value === false && side === 'output') continue;
      if (SUBSCHEMA.has(key) && isSchema(value)) out[key] = walk(value, false);
      else if (SUBSCHEMA_LISTS.has(key) && Array.isArray(value)) {
        // A branch's own description repeats its parent's (zod copies it into `.nullable()`).
        out[key] = value.map((branch) => (isSchema(branch) ? walk(branch, typeof node.description === 'string') : branch));
      } else if (SUBSCHEMA_MAPS.has(key) && isSchema(value)) {
        out[key] = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, isSchema(sub) ? walk(sub, false) : sub]));
      } else out[key] = value;
    }
    return nullableAsTypeList(out);
  };
  return walk(isSchema(schema) ? schema : {}, false);
}

/**
 * `{anyOf: [{type: T, …}, {type: 'null'}]}` as `{type: [T, 'null'], …}`: the same instances pass.
 * (Every keyword left beside `type` — format, pattern, lengths, bounds, properties, required, items —
 * applies to values of its own type only, so null still passes.) Enums and consts keep the anyOf:
 * null would have to join their values.
 */
function nullableAsTypeList(node: Schema): Schema {
  const branches = node.anyOf;
  if (!Array.isArray(branches) || branches.length !== 2) return node;
  const [value, none] = branches as unknown[];
  if (!isSchema(value) || !isSchema(none) || none.type !== 'null' || Object.keys(none).length !== 1) return node;
  if (typeof value.type !== 'string' || value.type === 'null' || 'enum' in value || 'const' in value) return node;
  const { anyOf: _anyOf, ...rest } = node;
  // Only when the branch and its parent say different things, so nothing is overwritten.
  if (Object.keys(value).some((key) => key in rest)) return node;
  return { ...rest, ...value, type: [value.type, 'null'] };
}

/** Each tool as tools/list shows it, plus the scopes it needs and whether it reaches the outside world (the discovery documents' entries). */
export function discoveryEntries(tools: ToolRegistry) {
  return tools.list().map((tool) => ({
    ...listingOf(tool),
    scopes: [...tool.scopes],
    external_effect: tool.externalEffect,
  }));
}
