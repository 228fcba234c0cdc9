// Appointments, appointment types and routing rules as the domain hands them to every surface.
import type { AppointmentStatus, BookedVia } from '../../../db/schema.js';

export type { AppointmentStatus, BookedVia };

export const APPOINTMENT_STATUSES = ['held', 'booked', 'cancelled', 'completed', 'no_show'] as const satisfies readonly AppointmentStatus[];
export const BOOKED_VIA = ['mcp', 'in_call', 'dashboard'] as const satisfies readonly BookedVia[];

/** How long a hold keeps its slot (booking.md: 5 minutes). */
export const HOLD_MINUTES = 5;
/** get_availability's widest range. */
export const MAX_RANGE_DAYS = 31;

export interface AppointmentType {
  id: string;
  name: string;
  durationMinutes: number;
  bufferBeforeMinutes: number;
  bufferAfterMinutes: number;
  slotIntervalMinutes: number;
  minNoticeMinutes: number;
  maxDaysAhead: number;
  assignment: 'round_robin' | 'specific';
  /** The one staff member of a `specific` type. */
  staffId: string | null;
  location: 'phone' | 'on_site' | 'video';
  active: boolean;
  /** Who may take it: the `specific` staff member, or the eligible staff of a round-robin type. */
  eligibleStaffIds: string[];
}

export interface Appointment {
  id: string;
  appointmentTypeId: string;
  appointmentTypeName: string;
  staffId: string;
  staffName: string | null;
  leadId: string | null;
  leadName: string | null;
  agentId: string | null;
  callId: string | null;
  routingRuleId: string | null;
  startsAt: Date;
  endsAt: Date;
  /** The IANA zone it was booked in: times are shown in it. */
  timezone: string;
  status: AppointmentStatus;
  holdExpiresAt: Date | null;
  bookedVia: BookedVia;
  notes: string | null;
  cancelReason: string | null;
  bookedAt: Date | null;
  cancelledAt: Date | null;
  noShowAt: Date | null;
  confirmationStatus: string | null;
  reminderStatus: string | null;
  createdAt: Date;
}

export interface AppointmentFilters {
  status?: AppointmentStatus;
  /** Appointments starting at or after. */
  from?: Date;
  /** Appointments starting before. */
  to?: Date;
  staffId?: string;
  leadId?: string;
  /** Earliest start first (a day's agenda); the default is the newest first. */
  earliestFirst?: boolean;
}

export interface Slot {
  start: Date;
  end: Date;
  /** Staff members free for it, sorted. */
  staffIds: string[];
}

export interface Availability {
  appointmentType: AppointmentType;
  /** The zone slots are expressed in. */
  timezone: string;
  from: Date;
  to: Date;
  slots: Slot[];
}

// ── Routing rules ────────────────────────────────────────────────────────────────────────────────

export interface RoutingConditions {
  /** Lead source, matched without regard to case. */
  lead_source?: string[];
  /** Lead state, matched without regard to case. */
  state?: string[];
  /** Lead zip codes; an entry ending in `*` matches a prefix. */
  zip?: string[];
  /** The lead's latest score at least this. */
  score_at_least?: number;
  appointment_type_ids?: string[];
}

export type RoutingAction = { type: 'staff'; staff: Array<{ staff_id: string; weight: number }> } | { type: 'queue'; queue_id: string };

export interface RoutingRule {
  id: string;
  name: string;
  priority: number;
  conditions: RoutingConditions;
  action: RoutingAction;
  active: boolean;
  revision: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface RoutingRuleWrite {
  name: string;
  priority: number;
  conditions: RoutingConditions;
  action: RoutingAction;
  active: boolean;
}

/** What routing knows about the lead being booked. */
export interface RoutingLead {
  source: string | null;
  state: string | null;
  zip: string | null;
  score: number | null;
}
