// An agent as the read tools see it: its live voice, model and greeting, and the phone line assigned to it.
import type { AgentStatus, FirstMessageMode, TransferSettings, WeeklyHours } from '../../../db/schema.js';
import type { AgentToolType } from '../agent-tools/agent-tools.types.js';
import type { BusinessSummary } from '../business/business.types.js';
import type { BusinessLink, StaffAlertSettings } from '../settings/settings.types.js';

export interface AgentRecord {
  id: string;
  name: string;
  status: AgentStatus;
  voice: string;
  model: string;
  /** BCP 47 tag, such as en-US. */
  language: string;
  /** What the agent says first when it answers (its first message); empty when unset. */
  greeting: string;
  /** The agent's first assigned number (E.164), or null. */
  phoneNumber: string | null;
  maxCallDurationSeconds: number;
  transferEnabled: boolean;
  /** Version of the live configuration. */
  configVersion: number;
  createdAt: Date;
}

/** The business-level setup to audit before changing a client account. */
export interface OperationalSettings {
  business: BusinessSummary;
  staffAlerts: StaffAlertSettings;
  /** Every textable link, by key. */
  links: BusinessLink[];
  /** Newest first, at most the number asked for. */
  agents: AgentRecord[];
  /** True when the business has more agents than those given. */
  agentsTruncated: boolean;
}

/** The defaults of a new agent (create_agent names them in its schema). */
export const AGENT_DEFAULTS = Object.freeze({
  firstMessage: '',
  firstMessageMode: 'assistant_speaks_first' as FirstMessageMode,
  instructions: 'You are a helpful assistant.',
  voice: 'alloy',
  model: 'gpt-4o',
  transcriber: 'deepgram:nova-3',
  language: 'en-US',
  maxCallDurationSeconds: 600,
});

export interface NewAgent {
  name: string;
  firstMessage?: string | undefined;
  firstMessageMode?: FirstMessageMode | undefined;
  /** The system prompt for calls (inbound_prompt). */
  instructions?: string | undefined;
  voice?: string | undefined;
  model?: string | undefined;
  transcriber?: string | undefined;
  language?: string | undefined;
  maxCallDurationSeconds?: number | undefined;
  toolIds?: readonly string[] | undefined;
  officeHours?: WeeklyHours | null | undefined;
  phoneNumberId?: string | null | undefined;
}

/** An agent's whole configuration (get_agent). */
export interface AgentDetail {
  id: string;
  name: string;
  status: AgentStatus;
  firstMessage: string;
  firstMessageMode: FirstMessageMode;
  instructions: string;
  smsPrompt: string;
  voice: string;
  model: string;
  transcriber: string;
  language: string;
  maxCallDurationSeconds: number;
  transferSettings: TransferSettings;
  /** The agent's own office hours, or null when it follows the business's. */
  officeHours: WeeklyHours | null;
  /** The hours that apply: the agent's, else the business's, else none set. */
  effectiveOfficeHours: { source: 'agent' | 'business' | 'none'; hours: WeeklyHours | null };
  tools: Array<{ id: string; name: string; type: AgentToolType }>;
  /** Its numbers, oldest first (the first is the line it calls from). */
  phoneNumbers: Array<{ id: string; number: string }>;
  configVersion: number;
  createdAt: Date;
  updatedAt: Date;
  /** Where a voice provider keeps this agent (its assistant), and whether it has the latest version. */
  providerCopies: Array<{ provider: string; assistantId: string | null; inStep: boolean; syncedAt: Date | null; lastError: string | null }>;
}
