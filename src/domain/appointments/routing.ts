// Who gets a booking when nobody is named: the highest-priority active rule whose conditions the
// lead and the appointment type meet, then weighted round robin among that rule's staff who are
// free at the slot. The pick is a function of counters the repository keeps under a row lock, so
// concurrent bookings on any node see each other's picks.
import type { RoutingConditions, RoutingLead, RoutingRule } from './appointments.types.js';

export function ruleMatches(conditions: RoutingConditions, lead: RoutingLead | null, appointmentTypeId: string): boolean {
  const same = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();
  if (conditions.appointment_type_ids?.length && !conditions.appointment_type_ids.includes(appointmentTypeId)) return false;
  if (conditions.lead_source?.length && !(lead?.source && conditions.lead_source.some((s) => same(s, lead.source!)))) return false;
  if (conditions.state?.length && !(lead?.state && conditions.state.some((s) => same(s, lead.state!)))) return false;
  if (conditions.zip?.length) {
    const zip = lead?.zip?.trim();
    if (!zip || !conditions.zip.some((z) => (z.endsWith('*') ? zip.startsWith(z.slice(0, -1)) : zip === z))) return false;
  }
  if (conditions.score_at_least !== undefined && !(lead?.score != null && lead.score >= conditions.score_at_least)) return false;
  return true;
}

/** Active matching rules, highest priority first (ties: the older rule first). */
export function matchingRules(rules: readonly RoutingRule[], lead: RoutingLead | null, appointmentTypeId: string): RoutingRule[] {
  return rules
    .filter((r) => r.active && ruleMatches(r.conditions, lead, appointmentTypeId))
    .sort((a, b) => b.priority - a.priority || a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id));
}

export interface PoolMember {
  staffId: string;
  weight: number;
  /** Appointments this pool has given them so far. */
  assigned: number;
  lastAssignedAt: Date | null;
}

/**
 * Weighted round robin: the member furthest behind their share, i.e. with the least (assigned + 1) /
 * weight; ties go to whoever waited longest, then by id. Over n picks each member gets n·w/Σw
 * within one.
 */
export function pickWeighted(members: readonly PoolMember[]): PoolMember | undefined {
  let best: PoolMember | undefined;
  for (const m of members) {
    if (m.weight <= 0) continue;
    if (!best) {
      best = m;
      continue;
    }
    const mine = (m.assigned + 1) / m.weight;
    const theirs = (best.assigned + 1) / best.weight;
    if (mine < theirs - 1e-12) best = m;
    else if (Math.abs(mine - theirs) <= 1e-12) {
      const a = m.lastAssignedAt?.getTime() ?? -1;
      const b = best.lastAssignedAt?.getTime() ?? -1;
      if (a < b || (a === b && m.staffId < best.staffId)) best = m;
    }
  }
  return best;
}
