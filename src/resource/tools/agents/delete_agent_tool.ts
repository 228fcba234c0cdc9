// delete_agent_tool: removes a tool. One that an agent uses is refused (conflict, naming the agents)
// unless force, which detaches it from them first, so no agent is left pointing at nothing.
import { z } from 'zod';
import { actorFromCredential } from '../../auth/actor.js';
import { idempotencyKeyInput, replayedOutput, replayNote } from '../../framework/idempotency-key.js';
import { defineEffectTool } from '../../framework/tool.js';

type Outcome = { deleted: { id: string; name: string }; detached_from: Array<{ id: string; name: string }> };

export const deleteAgentTool = defineEffectTool({
  name: 'delete_agent_tool',
  title: 'Delete an agent tool',
  description: 'Delete an agent tool. Refused (conflict) while agents use it, unless force: true, which detaches it from them first. Requires the admin role.',
  scopes: ['agents:write'],
  externalEffect: false,
  annotations: { title: 'Delete an agent tool', readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  input: {
    tool_id: z.guid().describe('The tool (from list_agent_tools).'),
    force: z.boolean().optional().describe('Also delete when agents use it (detaching it). Default false.'),
    idempotency_key: idempotencyKeyInput,
  },
  output: {
    deleted: z.object({ id: z.guid().describe('Its id.'), name: z.string().describe('Its name.') }).describe('The tool deleted.'),
    detached_from: z.array(z.object({ id: z.guid().describe('Agent id.'), name: z.string().describe('Agent name.') })).describe('Agents it was detached from (force).'),
    replayed: replayedOutput,
  },
  async run(input, ctx) {
    const { idempotency_key: key, ...args } = input;
    const { outcome, replayed } = await ctx.domain.idempotency.run<Outcome>({ businessId: ctx.businessId, key, tool: 'delete_agent_tool', args }, async () => {
      const { tool, detachedFrom } = await ctx.domain.agentTools.remove({
        businessId: ctx.businessId,
        actor: actorFromCredential(ctx.credential),
        toolId: input.tool_id,
        force: input.force ?? false,
      });
      return { deleted: { id: tool.id, name: tool.name }, detached_from: detachedFrom };
    });
    const detached = outcome.detached_from.length ? `; detached from ${outcome.detached_from.map((a) => a.name).join(', ')}` : '';
    return { data: { ...outcome, replayed }, text: `${replayNote(replayed)}Agent tool "${outcome.deleted.name}" deleted${detached}.` };
  },
});
