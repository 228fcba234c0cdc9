// The dashboard summary get_analytics reports: figures over a recent window, computed from the
// business's own leads and calls at the moment of asking.
import type { CallStatus, Direction, LeadStatus } from '../../../db/schema.js';

/** The lead statuses that count as converted: the lead booked an appointment or became a customer. */
export const CONVERTED_LEAD_STATUSES = ['appointment_set', 'won'] as const satisfies readonly LeadStatus[];
/** How many agents the summary ranks. */
export const TOP_AGENTS = 5;

export interface AnalyticsWindow {
  /** Exclusive lower bound. */
  since: Date;
  /** Inclusive upper bound. */
  until: Date;
}

/** Calls of the window that share a status and a direction, with their talk time. */
export interface CallGroup {
  status: CallStatus;
  direction: Direction;
  calls: number;
  /** Sum of recorded talk time, in seconds. */
  durationSeconds: number;
  /** Calls of the group with a recorded duration. */
  timedCalls: number;
}

export interface AgentActivity {
  agentId: string;
  agentName: string;
  calls: number;
  completedCalls: number;
  durationSeconds: number;
}

export interface AnalyticsSummary {
  window: AnalyticsWindow & { days: number };
  /** Leads created in the window, by their current status. */
  leads: { total: number; byStatus: Record<LeadStatus, number>; converted: number };
  /** converted / total, from 0 to 1, rounded to 4 decimals; null when no lead was created in the window. */
  conversionRate: number | null;
  calls: {
    total: number;
    inbound: number;
    outbound: number;
    byStatus: Record<CallStatus, number>;
    totalDurationSeconds: number;
    /** Average talk time of the completed calls with a recorded duration (1 decimal), or null when there are none. */
    averageDurationSeconds: number | null;
  };
  /** The agents that handled the most calls, most first (at most TOP_AGENTS; ties by name, then id). */
  topAgents: AgentActivity[];
  /** Calls by recorded business outcome, most frequent first; calls with none (still going) are not counted. */
  outcomes: Array<{ outcome: string; calls: number }>;
}
