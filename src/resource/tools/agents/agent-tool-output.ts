// An agent tool as the agent-tool tools take and answer it: one settings object per type (seed 000's
// shape: the object named after the tool's type), shared by create, update and the reads; secret
// header values come back masked.
import { z } from 'zod';
import type { AgentTool, AgentToolSettingsInput } from '../../../domain/agent-tools/agent-tools.types.js';
import { AGENT_TOOL_TYPES, HTTP_METHODS } from '../../../domain/agent-tools/agent-tools.types.js';

// Lengths and formats of the nested fields are checked by the agent-tools service, naming the field;
// the schemas here stay small because every client reads them on every conversation.
const header = z.strictObject({
  name: z.string().describe('Header name.'),
  value: z.string().optional().describe('Omit on update to keep the stored value.'),
  secret: z.boolean().optional().describe('Masked in reads (credential-like names always are).'),
});

const parameter = z.strictObject({
  name: z.string().describe('Identifier; {{name}} in url, body, headers.'),
  type: z.enum(['text', 'number', 'dropdown']).describe('Value type.'),
  description: z.string().optional().describe('Told to the model.'),
  required: z.boolean().optional().describe('Default true.'),
  options: z.array(z.string()).optional().describe('Dropdown choices.'),
});

const message = z.string().nullable().optional().describe('What the agent says first.');

/** The per-type settings; on create the object of the tool's type is required, on update each field given replaces the stored one. */
export const agentToolSettings = {
  transfer_call: z
    .strictObject({
      destinations: z
        .array(z.strictObject({ number: z.string().describe('E.164.'), description: z.string().nullable().optional().describe('When to use it.'), message }))
        .optional()
        .describe('Replaces the list.'),
    })
    .optional()
    .describe('Fixed destinations, 1–10; message: what the agent says first.'),
  transfer_to_user: z
    .strictObject({ staff_id: z.guid().optional().describe('A staff member of the business.'), message })
    .optional()
    .describe('One staff member.'),
  transfer_to_queue: z
    .strictObject({ queue_id: z.guid().optional().describe('A staff queue of the business.'), message })
    .optional()
    .describe('A staff queue.'),
  sms: z
    .strictObject({ message: message.describe('Template with {{variables}}.'), link_key: message.describe('A textable link key.') })
    .optional()
    .describe('Texts the caller a template or a textable link.'),
  api_request: z
    .strictObject({
      method: z.enum(HTTP_METHODS).optional().describe('Default GET.'),
      url: z.string().optional().describe('https URL template; {{placeholders}} only after the host.'),
      headers: z.array(header).optional().describe('Replaces the list.'),
      body: message.describe('Body template.'),
      parameters: z.array(parameter).optional().describe('Replaces the list.'),
    })
    .optional()
    .describe('An HTTP request the runtime makes.'),
  function: z
    .strictObject({
      server_url: z.string().optional().describe('https URL the arguments are POSTed to as JSON.'),
      headers: z.array(header).optional().describe('Replaces the list.'),
      parameters: z.array(parameter).optional().describe('Replaces the list.'),
    })
    .optional()
    .describe("The business's server."),
};

// The settings come back under the key of the tool's type, shaped as create_agent_tool takes them;
// typed loosely here so the listing does not carry the settings schema a second time.
const settingsOut = z.record(z.string(), z.unknown()).optional().describe("The settings, when this is the tool's type.");

export const agentToolOutput = z.object({
  id: z.guid().describe('Agent tool id: pass it as tool_id, or in an agent’s tool_ids.'),
  type: z.enum(AGENT_TOOL_TYPES).describe('Its settings come back under the key of this name, as create_agent_tool takes them (secret values masked).'),
  name: z.string().describe('What the model calls it.'),
  description: z.string().describe('What the model is told it does.'),
  transfer_call: settingsOut,
  transfer_to_user: settingsOut,
  transfer_to_queue: settingsOut,
  sms: settingsOut,
  api_request: settingsOut,
  function: settingsOut,
  used_by: z.array(z.object({ id: z.guid().describe('Agent id.'), name: z.string().describe('Agent name.') })).describe('Agents it is attached to.'),
  created_at: z.string().describe('ISO 8601 (UTC).'),
  updated_at: z.string().describe('ISO 8601 (UTC).'),
});

export type AgentToolOutput = z.infer<typeof agentToolOutput>;

export function toAgentToolOutput(tool: AgentTool): AgentToolOutput {
  const c = tool.config;
  const settings = ((): AgentToolSettingsInput => {
    switch (c.type) {
      case 'transfer_call':
        return { transfer_call: { destinations: c.destinations } };
      case 'transfer_to_user':
        return { transfer_to_user: { staff_id: c.staffId, message: c.message } };
      case 'transfer_to_queue':
        return { transfer_to_queue: { queue_id: c.queueId, message: c.message } };
      case 'sms':
        return { sms: { message: c.message, link_key: c.linkKey } };
      case 'api_request':
        return { api_request: { method: c.method, url: c.url, headers: c.headers.map(headerOut), body: c.body, parameters: c.parameters } };
      case 'function':
        return { function: { server_url: c.serverUrl, headers: c.headers.map(headerOut), parameters: c.parameters } };
    }
  })();
  return {
    id: tool.id,
    type: c.type,
    name: tool.name,
    description: tool.description,
    ...(settings as Partial<AgentToolOutput>),
    used_by: tool.usedBy,
    created_at: tool.createdAt.toISOString(),
    updated_at: tool.updatedAt.toISOString(),
  };
}

const headerOut = (h: { name: string; value: string | null; secret: boolean }) => ({ name: h.name, value: h.value ?? '', secret: h.secret });

/** The settings given, as the domain takes them. */
export const settingsFrom = (input: AgentToolSettingsInput): AgentToolSettingsInput => ({
  transfer_call: input.transfer_call,
  transfer_to_user: input.transfer_to_user,
  transfer_to_queue: input.transfer_to_queue,
  sms: input.sms,
  api_request: input.api_request,
  function: input.function,
});

/** Audit details of a create or update: names and kinds only, never a header value or a template. */
export function agentToolAuditDetails(input: { name?: string | undefined; type?: string | undefined; tool_id?: string | undefined } & AgentToolSettingsInput) {
  const given = (Object.keys(agentToolSettings) as (keyof AgentToolSettingsInput)[]).filter((k) => input[k] !== undefined);
  return {
    tool_id: input.tool_id ?? null,
    type: input.type ?? null,
    name: input.name ?? null,
    settings: Object.fromEntries(given.map((k) => [k, Object.keys(input[k] ?? {})])),
  };
}
