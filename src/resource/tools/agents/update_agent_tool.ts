// update_agent_tool: changes only the fields given (a settings field given replaces the stored one;
// a header listed without a value keeps its stored secret). The type cannot change.
import { z } from 'zod';
import { actorFromCredential } from '../../auth/actor.js';
import { idempotencyKeyInput, replayedOutput, replayNote } from '../../framework/idempotency-key.js';
import { defineEffectTool } from '../../framework/tool.js';
import { agentToolAuditDetails, agentToolOutput, agentToolSettings, settingsFrom, toAgentToolOutput, type AgentToolOutput } from './agent-tool-output.js';

type Outcome = { tool: AgentToolOutput; changed_fields: string[] };

export const updateAgentTool = defineEffectTool({
  name: 'update_agent_tool',
  title: 'Update an agent tool',
  description: 'Change an agent tool: only the fields given change; its type cannot. Agents using it get the change on their next call. Requires the admin role.',
  scopes: ['agents:write'],
  externalEffect: false,
  annotations: { title: 'Update an agent tool', readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  input: {
    tool_id: z.guid().describe('The tool (from list_agent_tools).'),
    name: z.string().max(64).optional().describe('New name (lowercase letters, digits, "_").'),
    description: z.string().max(1000).optional().describe('New description.'),
    ...agentToolSettings,
    idempotency_key: idempotencyKeyInput,
  },
  output: {
    tool: agentToolOutput.describe('The tool after the change.'),
    changed_fields: z.array(z.string()).describe('The fields given (such as api_request.url).'),
    replayed: replayedOutput,
  },
  auditDetails: (input) => agentToolAuditDetails(input),
  async run(input, ctx) {
    const { idempotency_key: key, ...args } = input;
    const { outcome, replayed } = await ctx.domain.idempotency.run<Outcome>({ businessId: ctx.businessId, key, tool: 'update_agent_tool', args }, async () => {
      const { tool, changedFields } = await ctx.domain.agentTools.update({
        businessId: ctx.businessId,
        actor: actorFromCredential(ctx.credential),
        toolId: input.tool_id,
        change: { name: input.name, description: input.description, ...settingsFrom(input) },
      });
      return { tool: toAgentToolOutput(tool), changed_fields: changedFields };
    });
    const what = outcome.changed_fields.length ? outcome.changed_fields.join(', ') : 'nothing';
    return { data: { ...outcome, replayed }, text: `${replayNote(replayed)}Agent tool "${outcome.tool.name}" updated (${what}).` };
  },
});
