// An agent's whole configuration as create_agent and get_agent answer it.
import { z } from 'zod';
import { AGENT_TOOL_TYPES } from '../../../domain/agent-tools/agent-tools.types.js';
import type { AgentDetail } from '../../../domain/agents/agents.types.js';
import { WeeklyHoursSchema } from '../../../domain/business/hours.js';
import { FIRST_MESSAGE_MODES } from '../../../domain/updates/intents.js';

export const agentDetailOutput = z.object({
  id: z.guid().describe('Agent id.'),
  name: z.string().describe('Agent name.'),
  status: z.enum(['active', 'paused', 'draft']).describe('active answers and places calls.'),
  first_message: z.string().describe('Greeting; empty: the agent greets by its name.'),
  first_message_mode: z.enum(FIRST_MESSAGE_MODES).describe('Who speaks first.'),
  instructions: z.string().describe('System prompt for calls.'),
  sms_prompt: z.string().describe('System prompt for texts.'),
  voice: z.string().describe('Voice id.'),
  model: z.string().describe('Language model.'),
  transcriber: z.string().describe('Speech-to-text engine.'),
  language: z.string().describe('BCP 47.'),
  max_call_duration_seconds: z.number().int().describe('Longest call.'),
  transfer_settings: z
    .object({
      enabled: z.boolean().describe('Whether it may transfer.'),
      number: z.string().nullable().describe('Where to (E.164).'),
      warm: z.boolean().describe('Announce the caller first.'),
      announce: z.string().nullable().describe('What it says before transferring.'),
    })
    .describe('Transfer settings (number E.164).'),
  office_hours: WeeklyHoursSchema.nullable().describe('The office hours that apply (null: none set).'),
  office_hours_source: z.enum(['agent', 'business', 'none']).describe("Whose they are: the agent's own, or the business's."),
  tools: z
    .array(z.object({ id: z.guid().describe('Agent tool id.'), name: z.string().describe('Tool name.'), type: z.enum(AGENT_TOOL_TYPES).describe('Tool type.') }))
    .describe('Attached agent tools, in order.'),
  phone_numbers: z
    .array(z.object({ id: z.guid().describe('Phone number id.'), number: z.string().describe('E.164.') }))
    .describe('Its numbers, oldest first; it calls from the first.'),
  config_version: z.number().int().describe('Version of the live configuration.'),
  created_at: z.string().describe('ISO 8601 (UTC).'),
  updated_at: z.string().describe('ISO 8601 (UTC).'),
  voice_provider: z.string().nullable().describe('Its copy at the voice provider (Vapi): assistant id, in step or why not; null: none.'),
});

export type AgentDetailOutput = z.infer<typeof agentDetailOutput>;

export function toAgentDetailOutput(a: AgentDetail): AgentDetailOutput {
  return {
    id: a.id,
    name: a.name,
    status: a.status,
    first_message: a.firstMessage,
    first_message_mode: a.firstMessageMode,
    instructions: a.instructions,
    sms_prompt: a.smsPrompt,
    voice: a.voice,
    model: a.model,
    transcriber: a.transcriber,
    language: a.language,
    max_call_duration_seconds: a.maxCallDurationSeconds,
    transfer_settings: {
      enabled: a.transferSettings.enabled === true,
      number: a.transferSettings.number ?? null,
      warm: a.transferSettings.warm === true,
      announce: a.transferSettings.announce ?? null,
    },
    office_hours: a.effectiveOfficeHours.hours,
    office_hours_source: a.effectiveOfficeHours.source,
    tools: a.tools,
    phone_numbers: a.phoneNumbers,
    config_version: a.configVersion,
    created_at: a.createdAt.toISOString(),
    updated_at: a.updatedAt.toISOString(),
    voice_provider: a.providerCopies.map(describeCopy).join('; ') || null,
  };
}

export const describeAgent = (a: AgentDetailOutput) =>
  `Agent "${a.name}" (${a.status}, v${a.config_version}): voice ${a.voice}, model ${a.model}, ${a.tools.length} tool${a.tools.length === 1 ? '' : 's'}, ` +
  `${a.phone_numbers.length ? a.phone_numbers.map((p) => p.number).join(', ') : 'no number'}. id ${a.id}`;

/** One line per provider copy: `vapi assistant asst_1: in step (synced 2026-…)`, or what is wrong. */
function describeCopy(c: AgentDetail['providerCopies'][number]): string {
  const what = `${c.provider} assistant ${c.assistantId ?? '(none yet)'}`;
  if (c.lastError) return `${what}: behind, last sync failed (retried): ${c.lastError}`;
  return `${what}: ${c.inStep ? 'in step' : 'behind (sync pending)'}${c.syncedAt ? ` (synced ${c.syncedAt.toISOString()})` : ''}`;
}
