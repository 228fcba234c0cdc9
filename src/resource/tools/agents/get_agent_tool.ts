// get_agent_tool: one agent tool with its settings (secret header values masked) and its agents.
import { z } from 'zod';
import { defineTool } from '../../framework/tool.js';
import { agentToolOutput, toAgentToolOutput } from './agent-tool-output.js';

export const getAgentTool = defineTool({
  name: 'get_agent_tool',
  title: 'Get an agent tool',
  description: 'Read one agent tool: its type, settings (secrets masked) and the agents that use it.',
  scopes: ['agents:read'],
  externalEffect: false,
  annotations: { title: 'Get an agent tool', readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  input: { tool_id: z.guid().describe('The tool (from list_agent_tools).') },
  output: { tool: agentToolOutput.describe('The tool.') },
  async run(input, ctx) {
    const tool = toAgentToolOutput(await ctx.domain.agentTools.get(ctx.tx, ctx.businessId, input.tool_id));
    const users = tool.used_by.length ? `used by ${tool.used_by.map((a) => a.name).join(', ')}` : 'not attached to any agent';
    return { data: { tool }, text: `Agent tool "${tool.name}" (${tool.type}), ${users}. id ${tool.id}` };
  },
});
