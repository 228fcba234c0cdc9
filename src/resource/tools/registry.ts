// The tool registry: the single source of truth for tools/list, /.well-known/mcp.json, the server
// card, the consent screen's "what this scope allows" and the README's tool table. Each domain
// folder lists its tools in its index.ts; this file only concatenates them.
import type { Scope } from '../../scopes/index.js';
import { AGENT_TOOLS } from './agents/index.js';
import { ANALYTICS_TOOLS } from './analytics/index.js';
import { BUSINESS_TOOLS } from './business/index.js';
import { CALL_TOOLS } from './calls/index.js';
import { CAMPAIGN_TOOLS } from './campaigns/index.js';
import { LEAD_TOOLS } from './leads/index.js';
import { SETTINGS_TOOLS } from './settings/index.js';
import { SMS_TOOLS } from './sms/index.js';
import type { AnyTool } from '../framework/tool.js';
import { UPDATE_TOOLS } from '../../domain/updates/index.js';
import { VOICEMAIL_TOOLS } from './voicemails/index.js';

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

// In the order of the recommended first flow (tools.md): business → agents → calls.
const TOOLS: readonly AnyTool[] = Object.freeze([...BUSINESS_TOOLS, ...AGENT_TOOLS, ...CALL_TOOLS, ...VOICEMAIL_TOOLS, ...LEAD_TOOLS, ...SMS_TOOLS, ...CAMPAIGN_TOOLS, ...ANALYTICS_TOOLS, ...SETTINGS_TOOLS, ...UPDATE_TOOLS]);

const BY_NAME: ReadonlyMap<string, AnyTool> = new Map(TOOLS.map((t) => [t.name, t]));
if (BY_NAME.size !== TOOLS.length) throw new Error('two tools share a name');

const SUMMARIES: readonly ToolSummary[] = Object.freeze(
  TOOLS.map((t) => Object.freeze({ name: t.name, title: t.title, description: t.description, scopes: t.scopes, externalEffect: t.externalEffect })),
);

/** Every tool, with schemas and handler: for the MCP server and the discovery documents. */
export function listTools(): readonly AnyTool[] {
  return TOOLS;
}

export function findTool(name: string): AnyTool | undefined {
  return BY_NAME.get(name);
}

export function listToolSummaries(): readonly ToolSummary[] {
  return SUMMARIES;
}

export function toolsForScope(scope: Scope): readonly ToolSummary[] {
  return SUMMARIES.filter((t) => t.scopes.includes(scope));
}
