// An agent as the read tools see it: its live voice, model and greeting, and the phone line assigned to it.
import type { AgentStatus } from '../../../db/schema.js';
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
