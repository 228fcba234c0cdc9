// create_agent_tool: a tool the business's agents can be given (attach it with update_agent_config
// tool_ids or create_agent). The agent-tools service checks the settings of its type: destinations,
// staff and queues of this business, https public URLs, placeholders; secret header values are
// stored apart and never audited.
import { z } from 'zod';
import { AGENT_TOOL_TYPES } from '../../../domain/agent-tools/agent-tools.types.js';
import { actorFromCredential } from '../../auth/actor.js';
import { idempotencyKeyInput, replayedOutput, replayNote } from '../../framework/idempotency-key.js';
import { defineEffectTool } from '../../framework/tool.js';
import { agentToolAuditDetails, agentToolOutput, agentToolSettings, settingsFrom, toAgentToolOutput, type AgentToolOutput } from './agent-tool-output.js';

export const createAgentTool = defineEffectTool({
  name: 'create_agent_tool',
  title: 'Create an agent tool',
  description:
    'Create a tool agents can use during calls: transfer_call, transfer_to_user, transfer_to_queue, sms, api_request or function. ' +
    'Give the settings object named after the type. Attach it with update_agent_config tool_ids. Requires the admin role.',
  scopes: ['agents:write'],
  externalEffect: false,
  annotations: { title: 'Create an agent tool', readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  input: {
    type: z.enum(AGENT_TOOL_TYPES).describe('The kind of tool.'),
    name: z.string().max(64).describe('What the model calls it: lowercase letters, digits, "_"; unique in the business.'),
    description: z.string().max(1000).optional().describe('What the model is told it does.'),
    ...agentToolSettings,
    idempotency_key: idempotencyKeyInput,
  },
  output: {
    tool: agentToolOutput.describe('The tool as created.'),
    replayed: replayedOutput,
  },
  auditDetails: (input) => agentToolAuditDetails(input),
  async run(input, ctx) {
    const { idempotency_key: key, ...args } = input;
    const { outcome: tool, replayed } = await ctx.domain.idempotency.run<AgentToolOutput>({ businessId: ctx.businessId, key, tool: 'create_agent_tool', args }, async () =>
      toAgentToolOutput(
        await ctx.domain.agentTools.create({
          businessId: ctx.businessId,
          actor: actorFromCredential(ctx.credential),
          tool: { type: input.type, name: input.name, description: input.description, ...settingsFrom(input) },
        }),
      ),
    );
    return { data: { tool, replayed }, text: `${replayNote(replayed)}Agent tool "${tool.name}" (${tool.type}) created, id ${tool.id}.` };
  },
});
