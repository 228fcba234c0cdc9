// An agent tool: a tool of the business that its agents can be given, run by the voice runtime during
// a call (voice-runtime.md §A/§B). Six types; each keeps its settings in `config` (never a secret),
// while secret header values are stored apart and come back masked.
import type { AgentToolType } from '../../../db/schema.js';

export type { AgentToolType };

export const AGENT_TOOL_TYPES = ['transfer_call', 'transfer_to_user', 'transfer_to_queue', 'sms', 'api_request', 'function'] as const satisfies readonly AgentToolType[];

/** What a masked secret header value reads as. */
export const MASKED_SECRET = '********';

/** Placeholders the runtime fills from the call itself, besides a tool's own parameters. */
export const CONTEXT_VARIABLES = ['call_id', 'caller_id_number', 'agent_id', 'business_id'] as const;

/** The in-call surface's global tools (seed 002, booking): an agent tool may not take their names. */
export const RESERVED_TOOL_NAMES = [
  'transfer_call',
  'is_office_open',
  'lookup_contact',
  'check_user_availability',
  'create_lead',
  'hangup_call',
  'check_availability',
  'book_appointment',
] as const;

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export interface ToolParameter {
  /** Identifier the model fills and {{name}} placeholders use. */
  name: string;
  type: 'text' | 'number' | 'dropdown';
  description: string;
  required: boolean;
  /** The allowed values of a dropdown. */
  options?: string[];
}

/** A header; a secret one's value is stored apart (config holds null) and read back masked. */
export interface ToolHeader {
  name: string;
  value: string | null;
  secret: boolean;
}

export interface TransferDestination {
  /** E.164. */
  number: string;
  description: string | null;
  /** What the agent says before transferring. */
  message: string | null;
}

export type AgentToolConfig =
  | { type: 'transfer_call'; destinations: TransferDestination[] }
  | { type: 'transfer_to_user'; staffId: string; message: string | null }
  | { type: 'transfer_to_queue'; queueId: string; message: string | null }
  /** Texts the caller the message (a template with {{variables}}) or a textable link by key. */
  | { type: 'sms'; message: string | null; linkKey: string | null }
  | { type: 'api_request'; method: HttpMethod; url: string; headers: ToolHeader[]; body: string | null; parameters: ToolParameter[] }
  | { type: 'function'; serverUrl: string; headers: ToolHeader[]; parameters: ToolParameter[] };

export interface AgentTool {
  id: string;
  name: string;
  description: string;
  /** Secret header values masked (MASKED_SECRET). */
  config: AgentToolConfig;
  /** The agents it is attached to. */
  usedBy: Array<{ id: string; name: string }>;
  createdAt: Date;
  updatedAt: Date;
}

/** For the in-call executor only: the tool with its secret header values. Never returned to a client. */
export interface AgentToolWithSecrets extends Omit<AgentTool, 'usedBy'> {
  secretHeaders: Record<string, string>;
}

/** A header as given on create or update: a value omitted on update keeps the stored one. */
export interface HeaderInput {
  name: string;
  value?: string | undefined;
  secret?: boolean | undefined;
}

export interface ParameterInput {
  name: string;
  type: ToolParameter['type'];
  description?: string | undefined;
  required?: boolean | undefined;
  options?: string[] | undefined;
}

/** Per-type settings as create and update take them (update: only the fields given change). */
export interface AgentToolSettingsInput {
  transfer_call?: { destinations?: Array<{ number: string; description?: string | null | undefined; message?: string | null | undefined }> | undefined } | undefined;
  transfer_to_user?: { staff_id?: string | undefined; message?: string | null | undefined } | undefined;
  transfer_to_queue?: { queue_id?: string | undefined; message?: string | null | undefined } | undefined;
  sms?: { message?: string | null | undefined; link_key?: string | null | undefined } | undefined;
  api_request?:
    | {
        method?: HttpMethod | undefined;
        url?: string | undefined;
        headers?: HeaderInput[] | undefined;
        body?: string | null | undefined;
        parameters?: ParameterInput[] | undefined;
      }
    | undefined;
  function?: { server_url?: string | undefined; headers?: HeaderInput[] | undefined; parameters?: ParameterInput[] | undefined } | undefined;
}

export interface NewAgentTool extends AgentToolSettingsInput {
  type: AgentToolType;
  name: string;
  description?: string | undefined;
}

export interface AgentToolChange extends AgentToolSettingsInput {
  name?: string | undefined;
  description?: string | undefined;
}
