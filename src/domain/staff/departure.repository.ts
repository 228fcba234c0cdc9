// A member leaving the business, as seen from the staff directory and what points at it: their entry
// stays (past appointments and transfers name it) but is detached from the account and stops
// receiving anything. Runs on the owner connection, inside the transaction that deletes the
// membership: memberships are not writable through row-level security, and the directory's cleanup
// must commit with the removal or not at all. Every statement names the business.
import { sql } from 'kysely';
import type { OwnerDb } from '../../shared/db.js';

/** A member's directory entry, with their own contact details apart from their profile's. */
export interface DepartingEntry {
  id: string;
  /** The entry's name, else the profile's name, else the account's email. */
  name: string;
  /** The entry's own, not the profile's (null: it had none). */
  ownPhone: string | null;
  ownEmail: string | null;
  /** Effective: the entry's, else the profile's. */
  phone: string | null;
  email: string | null;
}

export function createStaffDepartureRepository(db: OwnerDb, businessId: string) {
  return {
    /** The member's entry, locked until the transaction ends, so no booking or tool write races the checks. */
    async lockEntry(userId: string): Promise<DepartingEntry | undefined> {
      const row = await db
        .selectFrom('staff_members as s')
        .innerJoin('users as u', 'u.id', 's.user_id')
        .select(['s.id', 's.phone as own_phone', 's.email as own_email'])
        .select((eb) => [
          eb.fn.coalesce('s.name', 'u.name', 'u.email').as('name'),
          eb.fn.coalesce('s.phone', 'u.phone').as('phone'),
          eb.fn.coalesce('s.email', 'u.email').as('email'),
        ])
        .where('s.business_id', '=', businessId)
        .where('s.user_id', '=', userId)
        .forUpdate('s')
        .executeTakeFirst();
      return row && { id: row.id, name: row.name, ownPhone: row.own_phone, ownEmail: row.own_email, phone: row.phone, email: row.email };
    },

    /** Names of the agent tools that transfer calls to this entry. */
    async transferTools(staffId: string): Promise<string[]> {
      const rows = await db
        .selectFrom('agent_tools')
        .select('name')
        .where('business_id', '=', businessId)
        .where('type', '=', 'transfer_to_user')
        .where('staff_id', '=', staffId)
        .orderBy('name')
        .execute();
      return rows.map((r) => r.name);
    },

    /** Names of the appointment types booked only with this entry (assignment `specific`). */
    async specificTypes(staffId: string): Promise<string[]> {
      const rows = await db.selectFrom('appointment_types').select('name').where('business_id', '=', businessId).where('staff_id', '=', staffId).orderBy('name').execute();
      return rows.map((r) => r.name);
    },

    /** Held (hold still live) or booked appointments of this entry that have not ended yet. */
    async upcomingAppointments(staffId: string): Promise<number> {
      const now = sql<Date>`now()`;
      const row = await db
        .selectFrom('appointments')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('business_id', '=', businessId)
        .where('staff_id', '=', staffId)
        .where('ends_at', '>', now)
        .where((eb) => eb.or([eb('status', '=', 'booked'), eb.and([eb('status', '=', 'held'), eb('hold_expires_at', '>', now)])]))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    /** Routing rules whose staff action lists this entry, locked (their revision changes below). */
    async lockRulesNaming(staffId: string): Promise<Array<{ id: string; name: string; staff: Array<{ staff_id: string; weight: number }> }>> {
      const rows = await db
        .selectFrom('routing_rules')
        .select(['id', 'name', 'action'])
        .where('business_id', '=', businessId)
        .where(sql<boolean>`action->>'type' = 'staff' and action->'staff' @> ${JSON.stringify([{ staff_id: staffId }])}::jsonb`)
        .orderBy('name')
        .forUpdate()
        .execute();
      return rows.map((r) => ({ id: r.id, name: r.name, staff: (r.action as { staff: Array<{ staff_id: string; weight: number }> }).staff }));
    },

    /** Rewrites a rule's staff targets; a new revision, so an editor holding the old one is told it is stale. */
    async retargetRule(ruleId: string, staff: Array<{ staff_id: string; weight: number }>): Promise<void> {
      await db
        .updateTable('routing_rules')
        .set((eb) => ({ action: JSON.stringify({ type: 'staff', staff }), revision: eb('revision', '+', 1), updated_at: sql<Date>`now()` }))
        .where('business_id', '=', businessId)
        .where('id', '=', ruleId)
        .execute();
    },

    /** Out of every queue and every round-robin appointment type; returns how many of each it left. */
    async leaveRotations(staffId: string): Promise<{ queues: number; appointmentTypes: number }> {
      const queues = await db.deleteFrom('staff_queue_members').where('business_id', '=', businessId).where('staff_id', '=', staffId).executeTakeFirst();
      const types = await db.deleteFrom('appointment_type_staff').where('business_id', '=', businessId).where('staff_id', '=', staffId).executeTakeFirst();
      return { queues: Number(queues.numDeletedRows), appointmentTypes: Number(types.numDeletedRows) };
    },

    /**
     * Detaches the entry from the account: it keeps the name it was shown with and only contact
     * details of its own (the profile's belong to the person, not the business), and is on
     * do-not-disturb, so nothing rings or texts it. Detached first, then the membership goes: the
     * entry's foreign key to the membership would otherwise delete it with the membership. The name
     * is cut to the directory's 200 characters (a name taken from an email can be longer).
     */
    async detach(entry: DepartingEntry): Promise<void> {
      await db
        .updateTable('staff_members')
        .set({ user_id: null, name: entry.name.slice(0, 200), do_not_disturb: true, updated_at: sql<Date>`now()` })
        .where('business_id', '=', businessId)
        .where('id', '=', entry.id)
        .execute();
    },

    /** Whether another directory entry (than `staffId`) reaches this phone or email, through its own details or its member's profile. */
    async othersReach(staffId: string, contact: { phone: string | null; email: string | null }): Promise<{ phone: boolean; email: boolean }> {
      const reach = async (column: 'phone' | 'email', value: string | null): Promise<boolean> => {
        if (!value) return false;
        const row = await db
          .selectFrom('staff_members as s')
          .leftJoin('users as u', 'u.id', 's.user_id')
          .select('s.id')
          .where('s.business_id', '=', businessId)
          .where('s.id', '!=', staffId)
          .where((eb) => eb(eb.fn.coalesce(`s.${column}`, `u.${column}`), '=', value))
          .executeTakeFirst();
        return row !== undefined;
      };
      return { phone: await reach('phone', contact.phone), email: await reach('email', contact.email) };
    },

    /**
     * Takes a phone and an email off the staff alerts: the notification recipient (turning its
     * channel off, which needs a recipient) and the escalation rules that notify it. Returns how
     * many recipients went.
     */
    async dropAlertRecipient(contact: { phone: string | null; email: string | null }): Promise<number> {
      let dropped = 0;
      if (contact.phone) {
        const r = await db
          .updateTable('notification_settings')
          .set({ notification_phone: null, sms_notifications: false, updated_at: sql<Date>`now()` })
          .where('business_id', '=', businessId)
          .where('notification_phone', '=', contact.phone)
          .executeTakeFirst();
        dropped += Number(r.numUpdatedRows);
      }
      if (contact.email) {
        const r = await db
          .updateTable('notification_settings')
          .set({ notification_email: null, email_notifications: false, updated_at: sql<Date>`now()` })
          .where('business_id', '=', businessId)
          .where('notification_email', '=', contact.email)
          .executeTakeFirst();
        dropped += Number(r.numUpdatedRows);
      }
      const targets = [
        ...(contact.phone ? [{ channel: 'sms' as const, notify: contact.phone }] : []),
        ...(contact.email ? [{ channel: 'email' as const, notify: contact.email }] : []),
      ];
      if (targets.length) {
        const r = await db
          .deleteFrom('escalation_rules')
          .where('business_id', '=', businessId)
          .where((eb) => eb.or(targets.map((t) => eb.and([eb('channel', '=', t.channel), eb('notify', '=', t.notify)]))))
          .executeTakeFirst();
        dropped += Number(r.numDeletedRows);
      }
      return dropped;
    },
  };
}
