// create_agent: a new phone agent, active at once. Needs the admin role (an API key speaks for its
// issuer); giving it a number (phone_number_id) also needs numbers:write, as assign_phone_number does.
import { z } from 'zod';
import { AGENT_DEFAULTS } from '../../../domain/agents/agents.types.js';
import { WeeklyHoursSchema } from '../../../domain/business/hours.js';
import { FIRST_MESSAGE_MODES } from '../../../domain/updates/intents.js';
import type { Scope } from '../../../scopes/index.js';
import { actorFromCredential } from '../../auth/actor.js';
import { idempotencyKeyInput, replayedOutput } from '../../framework/idempotency-key.js';
import { defineEffectTool } from '../../framework/tool.js';
import { agentDetailOutput, describeAgent, toAgentDetailOutput, type AgentDetailOutput } from './agent-output.js';

const d = AGENT_DEFAULTS;

export const createAgent = defineEffectTool({
  name: 'create_agent',
  title: 'Create an agent',
  description: 'Create a phone agent (active at once) with its prompt, voice, model, tools and optionally a phone number. Requires the admin role.',
  scopes: ['agents:write', 'numbers:write'],
  requiredScopes: (args) => {
    const withNumber = typeof args === 'object' && args !== null && (args as Record<string, unknown>).phone_number_id != null;
    return withNumber ? (['agents:write', 'numbers:write'] as Scope[]) : (['agents:write'] as Scope[]);
  },
  externalEffect: false,
  annotations: { title: 'Create an agent', readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  input: {
    name: z.string().trim().min(1).max(200).describe('Agent name.'),
    first_message: z.string().max(2000).optional().describe('Greeting, with {{variables}}. Default: none (greets by name).'),
    first_message_mode: z.enum(FIRST_MESSAGE_MODES).optional().describe(`Default ${d.firstMessageMode}.`),
    instructions: z.string().max(50_000).optional().describe(`System prompt. Default "${d.instructions}"`),
    voice: z.string().trim().min(1).max(100).optional().describe(`Default ${d.voice}.`),
    model: z.string().trim().min(1).max(100).optional().describe(`Default ${d.model}.`),
    transcriber: z.string().trim().min(1).max(100).optional().describe(`Default ${d.transcriber}.`),
    language: z.string().max(35).optional().describe(`BCP 47. Default ${d.language}.`),
    max_call_duration_seconds: z.number().int().min(30).max(7200).optional().describe(`Default ${d.maxCallDurationSeconds}.`),
    office_hours: WeeklyHoursSchema.optional().describe("Default: the business's office hours."),
    tool_ids: z.array(z.guid()).max(20).optional().describe('Agent tools to attach, in order (from list_agent_tools).'),
    phone_number_id: z.guid().optional().describe('A number of the business to point at it (from list_phone_numbers); needs numbers:write.'),
    idempotency_key: idempotencyKeyInput,
  },
  output: {
    agent: agentDetailOutput.describe('The agent as created.'),
    replayed: replayedOutput,
  },
  auditDetails: (input) => ({
    // No prompt or greeting text: they are long and may hold business details.
    name: input.name,
    fields: Object.keys(input).filter((k) => k !== 'idempotency_key'),
    tool_ids: input.tool_ids ?? [],
    phone_number_id: input.phone_number_id ?? null,
  }),
  async run(input, ctx) {
    const { idempotency_key: key, ...args } = input;
    const { outcome: agent, replayed } = await ctx.domain.idempotency.run<AgentDetailOutput>({ businessId: ctx.businessId, key, tool: 'create_agent', args }, async () =>
      toAgentDetailOutput(
        await ctx.domain.agents.create({
          businessId: ctx.businessId,
          actor: actorFromCredential(ctx.credential),
          agent: {
            name: input.name,
            firstMessage: input.first_message,
            firstMessageMode: input.first_message_mode,
            instructions: input.instructions,
            voice: input.voice,
            model: input.model,
            transcriber: input.transcriber,
            language: input.language,
            maxCallDurationSeconds: input.max_call_duration_seconds,
            officeHours: input.office_hours,
            toolIds: input.tool_ids,
            phoneNumberId: input.phone_number_id,
          },
        }),
      ),
    );
    return { data: { agent, replayed }, text: `${replayed ? 'Already done with this idempotency_key: ' : 'Created. '}${describeAgent(agent)}` };
  },
});
