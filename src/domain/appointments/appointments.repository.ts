// The booking tables: appointment types, time off, appointments, routing rules and round-robin
// counters, plus the reads of the staff directory, leads and agents that booking needs. Tenant work
// only (TenantTx), except the scans at the bottom, which the reminders job runs as system work.
import { sql, type ExpressionBuilder, type Selectable } from 'kysely';
import type { AppointmentsTable, Database } from '../../../db/schema.js';
import type { OwnerDb, TenantTx } from '../../shared/db.js';
import type { WeeklyHours } from '../business/hours.js';
import type {
  Appointment,
  AppointmentFilters,
  AppointmentStatus,
  AppointmentType,
  BookedVia,
  RoutingAction,
  RoutingConditions,
  RoutingLead,
  RoutingRule,
  RoutingRuleWrite,
} from './appointments.types.js';
import type { Interval, StaffHours } from './slots.js';

type AppointmentRow = Selectable<AppointmentsTable> & { type_name: string; staff_name: string | null; lead_name: string | null };

const toAppointment = (r: AppointmentRow): Appointment => ({
  id: r.id,
  appointmentTypeId: r.appointment_type_id,
  appointmentTypeName: r.type_name,
  staffId: r.staff_id,
  staffName: r.staff_name,
  leadId: r.lead_id,
  leadName: r.lead_name,
  agentId: r.agent_id,
  callId: r.call_id,
  routingRuleId: r.routing_rule_id,
  startsAt: r.starts_at,
  endsAt: r.ends_at,
  timezone: r.timezone,
  status: r.status,
  holdExpiresAt: r.hold_expires_at,
  bookedVia: r.booked_via,
  notes: r.notes,
  cancelReason: r.cancel_reason,
  bookedAt: r.booked_at,
  cancelledAt: r.cancelled_at,
  noShowAt: r.no_show_at,
  confirmationStatus: r.confirmation_status,
  reminderStatus: r.reminder_status,
  createdAt: r.created_at,
});

const toRule = (r: Selectable<Database['routing_rules']>): RoutingRule => ({
  id: r.id,
  name: r.name,
  priority: r.priority,
  conditions: r.conditions as RoutingConditions,
  action: r.action as unknown as RoutingAction,
  active: r.active,
  revision: r.revision,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** A staff member's display name: their own, else their user's. */
const staffName = (eb: ExpressionBuilder<Database, 'staff_members'>) =>
  eb.fn.coalesce('staff_members.name', eb.selectFrom('users').select('users.name').whereRef('users.id', '=', 'staff_members.user_id')).as('staff_name');

type TextKind = 'confirmation' | 'reminder';

/** The column that claims a booking's text of this kind for one node. */
const claimColumn = (kind: TextKind) => (kind === 'confirmation' ? 'confirmation_claimed_at' : 'reminder_claimed_at');

/** What cancelling writes, by whoever cancels (a person, a lapsed hold); the slot is freed with the hold's expiry. */
const cancellation = (reason: string | null, now: Date) => ({ status: 'cancelled' as const, cancel_reason: reason, hold_expires_at: null, cancelled_at: now, updated_at: now });

export interface NewAppointment {
  appointmentTypeId: string;
  staffId: string;
  leadId: string | null;
  agentId: string | null;
  callId: string | null;
  routingRuleId: string | null;
  start: Date;
  end: Date;
  blockedFrom: Date;
  blockedUntil: Date;
  timezone: string;
  status: 'held' | 'booked';
  holdExpiresAt: Date | null;
  bookedVia: BookedVia;
  notes: string | null;
  createdBy: string;
  now: Date;
}

export function createAppointmentsRepository(tx: TenantTx, businessId: string) {
  const appointmentQuery = () =>
    tx
      .selectFrom('appointments')
      .innerJoin('appointment_types', 'appointment_types.id', 'appointments.appointment_type_id')
      .innerJoin('staff_members', 'staff_members.id', 'appointments.staff_id')
      .leftJoin('leads', 'leads.id', 'appointments.lead_id')
      .selectAll('appointments')
      .select(['appointment_types.name as type_name', 'leads.name as lead_name'])
      .select((eb) => staffName(eb as unknown as ExpressionBuilder<Database, 'staff_members'>))
      .where('appointments.business_id', '=', businessId);

  const findAppointment = async (id: string): Promise<Appointment | undefined> => {
    const row = await appointmentQuery().where('appointments.id', '=', id).executeTakeFirst();
    return row && toAppointment(row as AppointmentRow);
  };

  return {
    async businessZone(): Promise<{ name: string; timezone: string } | undefined> {
      return tx.selectFrom('businesses').select(['name', 'timezone']).where('id', '=', businessId).executeTakeFirst();
    },

    async findType(typeId: string): Promise<AppointmentType | undefined> {
      const row = await tx.selectFrom('appointment_types').selectAll().where('business_id', '=', businessId).where('id', '=', typeId).executeTakeFirst();
      if (!row) return undefined;
      const eligible =
        row.assignment === 'specific'
          ? [row.staff_id!]
          : (
              await tx
                .selectFrom('appointment_type_staff')
                .select('staff_id')
                .where('business_id', '=', businessId)
                .where('appointment_type_id', '=', typeId)
                .orderBy('staff_id')
                .execute()
            ).map((r) => r.staff_id);
      return {
        id: row.id,
        name: row.name,
        durationMinutes: row.duration_minutes,
        bufferBeforeMinutes: row.buffer_before_minutes,
        bufferAfterMinutes: row.buffer_after_minutes,
        slotIntervalMinutes: row.slot_interval_minutes,
        minNoticeMinutes: row.min_notice_minutes,
        maxDaysAhead: row.max_days_ahead,
        assignment: row.assignment,
        staffId: row.staff_id,
        location: row.location,
        active: row.active,
        eligibleStaffIds: eligible,
      };
    },

    /** The agent's default appointment type, else the business's oldest active one. */
    async defaultTypeId(agentId: string | null): Promise<string | undefined> {
      if (agentId) {
        const agent = await tx.selectFrom('agents').select('default_appointment_type_id').where('business_id', '=', businessId).where('id', '=', agentId).executeTakeFirst();
        if (agent?.default_appointment_type_id) return agent.default_appointment_type_id;
      }
      const first = await tx
        .selectFrom('appointment_types')
        .select('id')
        .where('business_id', '=', businessId)
        .where('active', '=', true)
        .orderBy('created_at')
        .orderBy('id')
        .executeTakeFirst();
      return first?.id;
    },

    async staffHours(staffIds: readonly string[]): Promise<StaffHours[]> {
      if (staffIds.length === 0) return [];
      const rows = await tx.selectFrom('staff_members').select(['id', 'working_hours']).where('business_id', '=', businessId).where('id', 'in', staffIds).orderBy('id').execute();
      return rows.map((r) => ({ staffId: r.id, hours: r.working_hours as WeeklyHours | null }));
    },

    async staffExists(staffId: string): Promise<boolean> {
      return (await tx.selectFrom('staff_members').select('id').where('business_id', '=', businessId).where('id', '=', staffId).executeTakeFirst()) !== undefined;
    },

    async timeOff(staffIds: readonly string[], from: Date, until: Date): Promise<Interval[]> {
      if (staffIds.length === 0) return [];
      const rows = await tx
        .selectFrom('staff_time_off')
        .select(['staff_id', 'starts_at', 'ends_at'])
        .where('business_id', '=', businessId)
        .where('staff_id', 'in', staffIds)
        .where('starts_at', '<', until)
        .where('ends_at', '>', from)
        .execute();
      return rows.map((r) => ({ staffId: r.staff_id, from: r.starts_at, until: r.ends_at }));
    },

    /** Blocked ranges of bookings and of holds still live at `now`, overlapping [from, until). */
    async busy(staffIds: readonly string[], from: Date, until: Date, now: Date, excludeId?: string): Promise<Interval[]> {
      if (staffIds.length === 0) return [];
      let query = tx
        .selectFrom('appointments')
        .select(['staff_id', 'blocked_from', 'blocked_until'])
        .where('business_id', '=', businessId)
        .where('staff_id', 'in', staffIds)
        .where('blocked_from', '<', until)
        .where('blocked_until', '>', from)
        .where((eb) => eb.or([eb('status', '=', 'booked'), eb.and([eb('status', '=', 'held'), eb('hold_expires_at', '>', now)])]));
      if (excludeId) query = query.where('id', '!=', excludeId);
      const rows = await query.execute();
      return rows.map((r) => ({ staffId: r.staff_id, from: r.blocked_from, until: r.blocked_until }));
    },

    /**
     * Cancels the holds of one staff member that expired by `now` and overlap [from, until), before
     * an insert into that range: the exclusion constraint would otherwise count them. Row locks are
     * taken in id order, so two bookings sweeping the same holds queue behind each other instead of
     * deadlocking, and the later one finds them already cancelled.
     */
    async sweepExpiredHolds(staffId: string, from: Date, until: Date, now: Date): Promise<number> {
      const expired = tx
        .selectFrom('appointments')
        .select('id')
        .where('business_id', '=', businessId)
        .where('staff_id', '=', staffId)
        .where('status', '=', 'held')
        .where('hold_expires_at', '<=', now)
        .where('blocked_from', '<', until)
        .where('blocked_until', '>', from)
        .orderBy('id')
        .forUpdate();
      const result = await tx
        .updateTable('appointments')
        .set(cancellation('hold_expired', now))
        .where('business_id', '=', businessId)
        .where('id', 'in', expired)
        .where('status', '=', 'held')
        .where('hold_expires_at', '<=', now)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    async insert(values: NewAppointment): Promise<string> {
      const row = await tx
        .insertInto('appointments')
        .values({
          business_id: businessId,
          appointment_type_id: values.appointmentTypeId,
          staff_id: values.staffId,
          lead_id: values.leadId,
          agent_id: values.agentId,
          call_id: values.callId,
          routing_rule_id: values.routingRuleId,
          starts_at: values.start,
          ends_at: values.end,
          blocked_from: values.blockedFrom,
          blocked_until: values.blockedUntil,
          timezone: values.timezone,
          status: values.status,
          hold_expires_at: values.holdExpiresAt,
          booked_via: values.bookedVia,
          notes: values.notes,
          created_by: values.createdBy,
          booked_at: values.status === 'booked' ? values.now : null,
          created_at: values.now,
          updated_at: values.now,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return row.id;
    },

    find: findAppointment,

    /** The hold, locked for this unit of work (a second booking of it waits, then sees it used). */
    async lockHold(holdId: string): Promise<{ id: string; status: AppointmentStatus; holdExpiresAt: Date | null; leadId: string | null; agentId: string | null } | undefined> {
      const row = await tx
        .selectFrom('appointments')
        .select(['id', 'status', 'hold_expires_at', 'lead_id', 'agent_id'])
        .where('business_id', '=', businessId)
        .where('id', '=', holdId)
        .forUpdate()
        .executeTakeFirst();
      return row && { id: row.id, status: row.status, holdExpiresAt: row.hold_expires_at, leadId: row.lead_id, agentId: row.agent_id };
    },

    async expireHold(holdId: string, now: Date): Promise<void> {
      await tx
        .updateTable('appointments')
        .set(cancellation('hold_expired', now))
        .where('business_id', '=', businessId)
        .where('id', '=', holdId)
        .where('status', '=', 'held')
        .execute();
    },

    /** Turns a live hold into a booking; false when it is no longer a live hold. */
    async confirmHold(
      holdId: string,
      values: { leadId: string | null; notes: string | null; bookedVia: BookedVia; callId: string | null; agentId: string | null; now: Date },
    ): Promise<boolean> {
      const result = await tx
        .updateTable('appointments')
        .set({
          status: 'booked',
          hold_expires_at: null,
          booked_at: values.now,
          lead_id: values.leadId,
          notes: values.notes,
          booked_via: values.bookedVia,
          call_id: values.callId,
          agent_id: values.agentId,
          updated_at: values.now,
        })
        .where('business_id', '=', businessId)
        .where('id', '=', holdId)
        .where('status', '=', 'held')
        .where('hold_expires_at', '>', values.now)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async lockAppointment(id: string): Promise<{ status: AppointmentStatus; startsAt: Date; staffId: string; appointmentTypeId: string; timezone: string } | undefined> {
      const row = await tx
        .selectFrom('appointments')
        .select(['status', 'starts_at', 'staff_id', 'appointment_type_id', 'timezone'])
        .where('business_id', '=', businessId)
        .where('id', '=', id)
        .forUpdate()
        .executeTakeFirst();
      return row && { status: row.status, startsAt: row.starts_at, staffId: row.staff_id, appointmentTypeId: row.appointment_type_id, timezone: row.timezone };
    },

    /** Moves a booking; its texts are due again for the new time. */
    async moveBooking(id: string, values: { staffId: string; start: Date; end: Date; blockedFrom: Date; blockedUntil: Date; now: Date }): Promise<void> {
      await tx
        .updateTable('appointments')
        .set({
          staff_id: values.staffId,
          starts_at: values.start,
          ends_at: values.end,
          blocked_from: values.blockedFrom,
          blocked_until: values.blockedUntil,
          confirmation_claimed_at: null,
          confirmation_status: null,
          reminder_claimed_at: null,
          reminder_status: null,
          updated_at: values.now,
        })
        .where('business_id', '=', businessId)
        .where('id', '=', id)
        .execute();
    },

    async cancel(id: string, reason: string | null, now: Date): Promise<void> {
      await tx.updateTable('appointments').set(cancellation(reason, now)).where('business_id', '=', businessId).where('id', '=', id).execute();
    },

    async markNoShow(id: string, now: Date): Promise<void> {
      await tx.updateTable('appointments').set({ status: 'no_show', no_show_at: now, updated_at: now }).where('business_id', '=', businessId).where('id', '=', id).execute();
    },

    async list(filters: AppointmentFilters, page: { limit: number; offset: number }): Promise<Appointment[]> {
      let query = appointmentQuery();
      if (filters.status) query = query.where('appointments.status', '=', filters.status);
      if (filters.from) query = query.where('appointments.starts_at', '>=', filters.from);
      if (filters.to) query = query.where('appointments.starts_at', '<', filters.to);
      if (filters.staffId) query = query.where('appointments.staff_id', '=', filters.staffId);
      if (filters.leadId) query = query.where('appointments.lead_id', '=', filters.leadId);
      const rows = await query
        .orderBy('appointments.starts_at', filters.earliestFirst ? 'asc' : 'desc')
        .orderBy('appointments.id', filters.earliestFirst ? 'asc' : 'desc')
        .limit(page.limit + 1)
        .offset(page.offset)
        .execute();
      return rows.map((r) => toAppointment(r as AppointmentRow));
    },

    // ── Leads and agents ────────────────────────────────────────────────────────────────────────

    async leadForRouting(leadId: string): Promise<(RoutingLead & { id: string }) | undefined> {
      const row = await tx
        .selectFrom('leads')
        .select(['id', 'source', 'state', 'zip'])
        .select((eb) =>
          eb
            .selectFrom('lead_scores')
            .select('lead_scores.score')
            .whereRef('lead_scores.lead_id', '=', 'leads.id')
            .where('lead_scores.business_id', '=', businessId)
            .orderBy('lead_scores.created_at', 'desc')
            .orderBy('lead_scores.id', 'desc')
            .limit(1)
            .as('score'),
        )
        .where('business_id', '=', businessId)
        .where('id', '=', leadId)
        .executeTakeFirst();
      return row && { id: row.id, source: row.source, state: row.state, zip: row.zip, score: row.score ?? null };
    },

    /** A lead that gets a booking is at least `appointment_set` (a lead already won or lost keeps its status). */
    async markLeadAppointmentSet(leadId: string, now: Date): Promise<void> {
      await tx
        .updateTable('leads')
        .set({ status: 'appointment_set', updated_at: now })
        .where('business_id', '=', businessId)
        .where('id', '=', leadId)
        .where('status', 'in', ['new', 'contacted', 'qualified'])
        .execute();
    },

    async agentExists(agentId: string): Promise<boolean> {
      return (await tx.selectFrom('agents').select('id').where('business_id', '=', businessId).where('id', '=', agentId).executeTakeFirst()) !== undefined;
    },

    // ── Routing ─────────────────────────────────────────────────────────────────────────────────

    async activeRules(): Promise<RoutingRule[]> {
      const rows = await tx.selectFrom('routing_rules').selectAll().where('business_id', '=', businessId).where('active', '=', true).execute();
      return rows.map(toRule);
    },

    async queueMembers(queueId: string): Promise<string[]> {
      const rows = await tx
        .selectFrom('staff_queue_members')
        .select('staff_id')
        .where('business_id', '=', businessId)
        .where('queue_id', '=', queueId)
        .orderBy('position')
        .execute();
      return rows.map((r) => r.staff_id);
    },

    async queueExists(queueId: string): Promise<boolean> {
      return (await tx.selectFrom('staff_queues').select('id').where('business_id', '=', businessId).where('id', '=', queueId).executeTakeFirst()) !== undefined;
    },

    async existingStaff(staffIds: readonly string[]): Promise<Set<string>> {
      if (staffIds.length === 0) return new Set();
      const rows = await tx.selectFrom('staff_members').select('id').where('business_id', '=', businessId).where('id', 'in', staffIds).execute();
      return new Set(rows.map((r) => r.id));
    },

    /**
     * The pool's counters for these staff members, created at zero when missing and locked (in
     * staff id order) until the unit of work ends: concurrent bookings from one pool pick one
     * after another, each seeing the counts the previous one left.
     */
    async lockPool(pool: string, staffIds: readonly string[]): Promise<Array<{ staffId: string; assigned: number; lastAssignedAt: Date | null }>> {
      const sorted = [...staffIds].sort();
      await tx
        .insertInto('round_robin_counters')
        .values(sorted.map((staffId) => ({ business_id: businessId, pool, staff_id: staffId })))
        .onConflict((oc) => oc.columns(['business_id', 'pool', 'staff_id']).doNothing())
        .execute();
      const rows = await tx
        .selectFrom('round_robin_counters')
        .select(['staff_id', 'assigned', 'last_assigned_at'])
        .where('business_id', '=', businessId)
        .where('pool', '=', pool)
        .where('staff_id', 'in', sorted)
        .orderBy('staff_id')
        .forUpdate()
        .execute();
      return rows.map((r) => ({ staffId: r.staff_id, assigned: Number(r.assigned), lastAssignedAt: r.last_assigned_at }));
    },

    async countAssignment(pool: string, staffId: string, now: Date): Promise<void> {
      await tx
        .updateTable('round_robin_counters')
        .set((eb) => ({ assigned: eb('assigned', '+', 1), last_assigned_at: now }))
        .where('business_id', '=', businessId)
        .where('pool', '=', pool)
        .where('staff_id', '=', staffId)
        .execute();
    },

    async listRules(page: { limit: number; offset: number }): Promise<RoutingRule[]> {
      const rows = await tx
        .selectFrom('routing_rules')
        .selectAll()
        .where('business_id', '=', businessId)
        .orderBy('priority', 'desc')
        .orderBy('created_at')
        .orderBy('id')
        .limit(page.limit + 1)
        .offset(page.offset)
        .execute();
      return rows.map(toRule);
    },

    async findRule(id: string): Promise<RoutingRule | undefined> {
      const row = await tx.selectFrom('routing_rules').selectAll().where('business_id', '=', businessId).where('id', '=', id).executeTakeFirst();
      return row && toRule(row);
    },

    async insertRule(values: RoutingRuleWrite, createdBy: string): Promise<RoutingRule> {
      const row = await tx
        .insertInto('routing_rules')
        .values({
          business_id: businessId,
          name: values.name,
          priority: values.priority,
          conditions: JSON.stringify(values.conditions),
          action: JSON.stringify(values.action),
          active: values.active,
          created_by: createdBy,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toRule(row);
    },

    /** Writes the rule only if it is still at `revision`; undefined when it is not (or is gone). */
    async updateRule(id: string, revision: number, values: RoutingRuleWrite): Promise<RoutingRule | undefined> {
      const row = await tx
        .updateTable('routing_rules')
        .set((eb) => ({
          name: values.name,
          priority: values.priority,
          conditions: JSON.stringify(values.conditions),
          action: JSON.stringify(values.action),
          active: values.active,
          revision: eb('revision', '+', 1),
          updated_at: sql<Date>`now()`,
        }))
        .where('business_id', '=', businessId)
        .where('id', '=', id)
        .where('revision', '=', revision)
        .returningAll()
        .executeTakeFirst();
      return row && toRule(row);
    },

    async deleteRule(id: string, revision: number): Promise<boolean> {
      const result = await tx.deleteFrom('routing_rules').where('business_id', '=', businessId).where('id', '=', id).where('revision', '=', revision).executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },

    // ── Texts ───────────────────────────────────────────────────────────────────────────────────

    /**
     * Claims one text of a booking for this node: the first unit of work to set the claim wins, a
     * concurrent one waits on the row and then finds it claimed. Returns what the text needs.
     */
    async claimText(id: string, kind: TextKind, now: Date, window?: { startsBefore: Date }) {
      const claimed = claimColumn(kind);
      let query = tx
        .updateTable('appointments')
        .set({ [claimed]: now })
        .where('business_id', '=', businessId)
        .where('id', '=', id)
        .where('status', '=', 'booked')
        .where(claimed, 'is', null)
        .where('starts_at', '>', now);
      if (window) query = query.where('starts_at', '<=', window.startsBefore);
      const row = await query.returning(['id', 'lead_id', 'agent_id', 'starts_at', 'timezone', 'appointment_type_id']).executeTakeFirst();
      if (!row) return undefined;
      const lead = row.lead_id
        ? await tx.selectFrom('leads').select(['phone', 'name']).where('business_id', '=', businessId).where('id', '=', row.lead_id).executeTakeFirst()
        : undefined;
      const type = await tx.selectFrom('appointment_types').select('name').where('business_id', '=', businessId).where('id', '=', row.appointment_type_id).executeTakeFirst();
      return {
        id: row.id,
        leadId: row.lead_id,
        agentId: row.agent_id,
        startsAt: row.starts_at,
        timezone: row.timezone,
        leadPhone: lead?.phone ?? null,
        typeName: type?.name ?? 'appointment',
      };
    },

    async recordText(id: string, kind: TextKind, status: string): Promise<void> {
      const column = kind === 'confirmation' ? 'confirmation_status' : 'reminder_status';
      await tx
        .updateTable('appointments')
        .set({ [column]: status.slice(0, 300) })
        .where('business_id', '=', businessId)
        .where('id', '=', id)
        .execute();
    },

    /** Gives a claim back (a gate that may pass later): the next pass of the job tries again. */
    async releaseText(id: string, kind: TextKind): Promise<void> {
      await tx
        .updateTable('appointments')
        .set({ [claimColumn(kind)]: null })
        .where('business_id', '=', businessId)
        .where('id', '=', id)
        .execute();
    },

    /** The agent whose line texts the customer: the booking's own, else the business's oldest active agent with a number. */
    async textingAgent(agentId: string | null): Promise<string | undefined> {
      let query = tx
        .selectFrom('agents')
        .innerJoin('phone_numbers', (j) => j.onRef('phone_numbers.agent_id', '=', 'agents.id').onRef('phone_numbers.business_id', '=', 'agents.business_id'))
        .select('agents.id')
        .where('agents.business_id', '=', businessId)
        .where('agents.status', '=', 'active');
      if (agentId) query = query.orderBy(sql`agents.id = ${agentId}`, 'desc');
      const row = await query.orderBy('agents.created_at').orderBy('agents.id').executeTakeFirst();
      return row?.id;
    },
  };
}

export type AppointmentsRepository = ReturnType<typeof createAppointmentsRepository>;

/** System work across businesses for the reminders job (the owner connection). */
export function createAppointmentScansRepository(db: OwnerDb) {
  return {
    /**
     * Booked, still ahead, and this text not yet claimed: a reminder once the start is within reach
     * (`before` bounds starts_at), a confirmation the booking's own attempt never claimed (`before`
     * bounds booked_at, so the attempt in flight is left its minute).
     */
    async dueTexts(kind: TextKind, now: Date, before: Date, limit: number): Promise<Array<{ businessId: string; id: string }>> {
      const bound = kind === 'confirmation' ? 'booked_at' : 'starts_at';
      const rows = await db
        .selectFrom('appointments')
        .select(['business_id', 'id'])
        .where('status', '=', 'booked')
        .where(claimColumn(kind), 'is', null)
        .where(bound, '<=', before)
        .where('starts_at', '>', now)
        .orderBy(bound)
        .limit(limit)
        .execute();
      return rows.map((r) => ({ businessId: r.business_id, id: r.id }));
    },

    /** Bookings that ended before `endedBefore` and were not marked otherwise are presumed to have happened. */
    async markCompleted(endedBefore: Date, now: Date, limit: number): Promise<number> {
      const done = db.selectFrom('appointments').select('id').where('status', '=', 'booked').where('ends_at', '<=', endedBefore).orderBy('id').limit(limit).forUpdate();
      const result = await db.updateTable('appointments').set({ status: 'completed', updated_at: now }).where('id', 'in', done).where('status', '=', 'booked').executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    /** Cancels holds that expired (each booking also sweeps the ones in its way), locking in id order like a booking does. */
    async sweepExpiredHolds(now: Date, limit: number): Promise<number> {
      const expired = db.selectFrom('appointments').select('id').where('status', '=', 'held').where('hold_expires_at', '<=', now).orderBy('id').limit(limit).forUpdate();
      const result = await db
        .updateTable('appointments')
        .set(cancellation('hold_expired', now))
        .where('id', 'in', expired)
        .where('status', '=', 'held')
        .where('hold_expires_at', '<=', now)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },
  };
}
