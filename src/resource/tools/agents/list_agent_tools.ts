// list_agent_tools: the business's agent tools, newest first, with the agents using each; secret
// header values masked.
import { z } from 'zod';
import { pageFields, pageHeadline, paginationInput, paginationOutput, toPage } from '../../framework/pagination.js';
import { defineTool } from '../../framework/tool.js';
import { agentToolOutput, toAgentToolOutput } from './agent-tool-output.js';

export const listAgentTools = defineTool({
  name: 'list_agent_tools',
  title: 'List agent tools',
  description: "List the business's agent tools (transfers, texts, API requests, functions) and which agents use them; secrets masked.",
  scopes: ['agents:read'],
  externalEffect: false,
  annotations: { title: 'List agent tools', readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  input: { ...paginationInput(50) },
  output: {
    tools: z.array(agentToolOutput).describe('Agent tools, newest first.'),
    ...paginationOutput,
  },
  async run(input, ctx) {
    const page = toPage(await ctx.domain.agentTools.list(ctx.tx, ctx.businessId, input), input.limit, input.offset);
    const tools = page.items.map(toAgentToolOutput);
    const lines = tools.map((t) => `- ${t.name} (${t.type}${t.used_by.length ? `, used by ${t.used_by.map((a) => a.name).join(', ')}` : ', unused'}) id ${t.id}`);
    return { data: { tools, ...pageFields(page) }, text: [pageHeadline(page, 'agent tool'), ...lines].join('\n') };
  },
});
