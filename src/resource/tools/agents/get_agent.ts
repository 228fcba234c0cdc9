// get_agent: one agent's whole configuration: prompt, voice, model, transcriber, office hours,
// attached tools, phone numbers, config version.
import { z } from 'zod';
import { defineTool } from '../../framework/tool.js';
import { agentDetailOutput, describeAgent, toAgentDetailOutput } from './agent-output.js';

export const getAgent = defineTool({
  name: 'get_agent',
  title: 'Get an agent',
  description: "Read an agent's whole configuration: prompt, first message, voice, model, transcriber, office hours, attached tools, phone numbers and config version.",
  scopes: ['agents:read'],
  externalEffect: false,
  annotations: { title: 'Get an agent', readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  input: { agent_id: z.guid().describe('The agent (from list_agents).') },
  output: { agent: agentDetailOutput.describe('The agent.') },
  async run(input, ctx) {
    const agent = toAgentDetailOutput(await ctx.domain.agents.get(ctx.tx, ctx.businessId, input.agent_id));
    return { data: { agent }, text: describeAgent(agent) };
  },
});
