// list_agents: the business's phone agents, newest first, paginated.
import { z } from 'zod';
import { pageFields, pageHeadline, paginationInput, paginationOutput, toPage } from '../../framework/pagination.js';
import { defineTool } from '../../framework/tool.js';

const agentOutput = z.object({
  id: z.guid().describe('Agent id: pass it as agent_id to other tools.'),
  name: z.string().describe('Agent name.'),
  status: z.enum(['active', 'paused', 'draft']).describe('active answers and places calls; paused and draft do not.'),
  voice: z.string().describe('Voice the agent speaks with.'),
  model: z.string().describe('Language model behind the agent.'),
  phone_number: z.string().nullable().describe("The agent's phone number in E.164, or null when it has none."),
  created_at: z.string().describe('When the agent was created, ISO 8601 (UTC).'),
});

export const listAgents = defineTool({
  name: 'list_agents',
  title: 'List agents',
  description: 'List KaiCalls agents available to the authenticated account',
  scopes: ['agents:read'],
  externalEffect: false,
  annotations: { title: 'List agents', readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  input: { ...paginationInput(50) },
  output: {
    agents: z.array(agentOutput).describe('Agents, newest first.'),
    ...paginationOutput,
  },
  async run(input, ctx) {
    const rows = await ctx.domain.agents.list(ctx.tx, ctx.businessId, input);
    const page = toPage(rows, input.limit, input.offset);
    const agents = page.items.map((a) => ({
      id: a.id,
      name: a.name,
      status: a.status,
      voice: a.voice,
      model: a.model,
      phone_number: a.phoneNumber,
      created_at: a.createdAt.toISOString(),
    }));
    const lines = agents.map((a) => `- ${a.name} (${a.status}, ${a.phone_number ?? 'no number'}) id ${a.id}`);
    return {
      data: { agents, ...pageFields(page) },
      text: [pageHeadline(page, 'agent'), ...lines].join('\n'),
    };
  },
});
