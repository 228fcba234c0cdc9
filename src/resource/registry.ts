// The tool registry: the single source of truth for tools/list, /.well-known/mcp.json, the server
// card, the consent screen's "what this scope allows" and the README's tool table.
import type { Scope } from '../scopes/index.js';

/** What every surface but the MCP server itself needs to know about a tool. */
export interface ToolSummary {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  /** The scopes that can unlock the tool (one for most; one per intent for the update broker). */
  readonly scopes: readonly Scope[];
  /** True when calling it causes an effect outside this server (a phone call, a text). */
  readonly externalEffect: boolean;
}

// Filled by the domain folders (calls/, agents/, leads/, …) as their tools are built.
const TOOLS: readonly ToolSummary[] = [];

export function listToolSummaries(): readonly ToolSummary[] {
  return TOOLS;
}

export function toolsForScope(scope: Scope): readonly ToolSummary[] {
  return TOOLS.filter((t) => t.scopes.includes(scope));
}
