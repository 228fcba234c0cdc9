// The in-call surface's tools for one persona: the global tools (seed 002), then the tools the
// business attached to that agent, in attachment order. The global part of tools/list is converted
// to JSON Schema once; an attached tool's listing is converted once per version of the tool (cached
// by id and update time), since a runtime lists tools on every fresh session.
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { LRUCache } from 'lru-cache';
import { z, type ZodRawShape } from 'zod';
import type { AgentToolWithSecrets } from '../../domain/agent-tools/agent-tools.types.js';
import type { Domain } from '../../domain/index.js';
import { listingOf, type ToolListing } from '../framework/tool-listing.js';
import { failureResult } from '../framework/tool.js';
import type { InCallRequest, InCallRunner } from './runner.js';
import { asListable, defineInCallTool, type AnyInCallTool } from './tool.js';

/** The answer fields of each type of agent tool. */
const TRANSFER_OUTPUT = {
  transferred: z.boolean().describe('True when the provider took the transfer.'),
  destination: z.string().describe('The number the call was handed to, E.164.'),
  kind: z.enum(['number', 'staff', 'queue']).describe('What the number is.'),
};
const OUTPUTS: Record<AgentToolWithSecrets['config']['type'], ZodRawShape> = {
  transfer_call: TRANSFER_OUTPUT,
  transfer_to_user: { ...TRANSFER_OUTPUT, staff_id: z.guid().describe('The staff member the call went to.') },
  transfer_to_queue: { ...TRANSFER_OUTPUT, queue_id: z.guid().describe('The queue the call went to.') },
  sms: {
    sent: z.boolean().describe('True when the text was handed to the carrier.'),
    message_id: z.guid().describe('The text message’s id.'),
    status: z.string().describe('The message’s status (queued, sent, failed…).'),
  },
  api_request: {
    status: z.number().int().describe('The HTTP status the service answered.'),
    content_type: z.string().nullable().describe('The answer’s content type.'),
    body: z.string().describe('The answer’s body as text (its first 16,000 characters).'),
    body_truncated: z.boolean().describe('True when the body was longer than what is shown.'),
  },
  function: {} as ZodRawShape,
};
OUTPUTS.function = OUTPUTS.api_request;

/** An agent tool as the in-call framework runs it. */
function asInCallTool(tool: AgentToolWithSecrets, domain: Domain): AnyInCallTool {
  return defineInCallTool({
    name: tool.name,
    title: tool.name,
    description: tool.description || `The business’s ${tool.config.type.replace(/_/g, ' ')} tool ${tool.name}.`,
    annotations: { readOnlyHint: false, destructiveHint: tool.config.type !== 'api_request', openWorldHint: true },
    acts: true,
    mode: 'effect',
    input: domain.agentToolCalls.inputShape(tool),
    output: OUTPUTS[tool.config.type],
    run: (args: Record<string, unknown>, ctx) => domain.agentToolCalls.run(tool, args, ctx.call, ctx.actor, ctx.now),
  });
}

export interface InCallTools {
  /** tools/list for the request's persona. */
  list(request: InCallRequest): Promise<{ tools: ToolListing[] }>;
  /** tools/call for the request's persona: a global tool, or one of the agent's own. */
  call(name: string, args: Record<string, unknown> | undefined, request: InCallRequest): Promise<CallToolResult>;
}

export function createInCallTools(deps: { globals: readonly AnyInCallTool[]; domain: Domain; run: InCallRunner }): InCallTools {
  const { globals, domain, run } = deps;
  const byName = new Map(globals.map((t) => [t.name, t]));
  const globalListings = globals.map((t) => listingOf(asListable(t)));
  const listings = new LRUCache<string, ToolListing>({ max: 10_000 });

  /** The agent's own tools; one whose name a global tool has is left out (agent-tools refuses such names). */
  const attached = async (request: InCallRequest) => (await domain.agentToolCalls.attached(request.businessId, request.agentId)).filter((t) => !byName.has(t.name));

  return {
    async list(request) {
      const own = await attached(request);
      return {
        tools: [
          ...globalListings,
          ...own.map((tool) => {
            const key = `${tool.id}:${tool.updatedAt.getTime()}`;
            const known = listings.get(key);
            if (known) return known;
            const listing = listingOf(asListable(asInCallTool(tool, domain)));
            listings.set(key, listing);
            return listing;
          }),
        ],
      };
    },

    async call(name, args, request) {
      const global = byName.get(name);
      if (global) return run(global, args, request, 'global');
      const own = (await attached(request)).find((t) => t.name === name);
      if (!own) return failureResult({ code: 'not_found', message: `Unknown tool ${JSON.stringify(name)}: this persona has no tool of that name (see tools/list).` });
      return run(asInCallTool(own, domain), args, request, own.config.type);
    },
  };
}
