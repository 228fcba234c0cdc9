// The staff directory's SQL. A member user's entry reads its missing name, phone and email from the
// user's profile (row-level security shows users only through a membership of the current business,
// and never their password hashes).
import { sql, type ExpressionBuilder } from 'kysely';
import type { Database } from '../../../db/schema.js';
import type { TenantTx } from '../../shared/db.js';
import type { NewStaffMember, NewStaffQueue, StaffChange, StaffMember, StaffQueue } from './staff.types.js';

type From = ExpressionBuilder<Database & { s: Database['staff_members']; u: Database['users'] }, 's' | 'u'>;
const name = (eb: From) => eb.fn.coalesce('s.name', 'u.name', 'u.email').as('name');
const phone = (eb: From) => eb.fn.coalesce('s.phone', 'u.phone').as('phone');
const email = (eb: From) => eb.fn.coalesce('s.email', 'u.email').as('email');

interface Row {
  id: string;
  user_id: string | null;
  name: string | null;
  phone: string | null;
  email: string | null;
  do_not_disturb: boolean;
  working_hours: StaffMember['workingHours'];
  created_at: Date;
  updated_at: Date;
}

const toStaff = (r: Row): StaffMember => ({
  id: r.id,
  userId: r.user_id,
  name: r.name ?? '(unnamed)',
  phone: r.phone,
  email: r.email,
  doNotDisturb: r.do_not_disturb,
  workingHours: r.working_hours,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export function createStaffRepository(tx: TenantTx, businessId: string) {
  const staff = () =>
    tx
      .selectFrom('staff_members as s')
      .leftJoin('users as u', 'u.id', 's.user_id')
      .select(['s.id', 's.user_id', 's.do_not_disturb', 's.working_hours', 's.created_at', 's.updated_at'])
      .select((eb) => [name(eb as From), phone(eb as From), email(eb as From)])
      .where('s.business_id', '=', businessId);

  return {
    /** Newest first, ties broken by id; `limit` rows plus one to tell whether more follow. */
    async list(page: { limit: number; offset: number }): Promise<StaffMember[]> {
      const rows = await staff()
        .orderBy('s.created_at', 'desc')
        .orderBy('s.id', 'desc')
        .limit(page.limit + 1)
        .offset(page.offset)
        .execute();
      return rows.map(toStaff);
    },

    async find(id: string): Promise<StaffMember | undefined> {
      const row = await staff().where('s.id', '=', id).executeTakeFirst();
      return row && toStaff(row);
    },

    /** Staff whose (effective) email or phone is one of those given. */
    async byContact(contact: { emails: string[]; phones: string[] }): Promise<StaffMember[]> {
      if (contact.emails.length === 0 && contact.phones.length === 0) return [];
      const rows = await staff()
        .where((eb) =>
          eb.or([
            ...(contact.emails.length ? [eb(eb.fn.coalesce('s.email', 'u.email'), 'in', contact.emails)] : []),
            ...(contact.phones.length ? [eb(eb.fn.coalesce('s.phone', 'u.phone'), 'in', contact.phones)] : []),
          ]),
        )
        .execute();
      return rows.map(toStaff);
    },

    async insert(member: NewStaffMember): Promise<StaffMember> {
      const { id } = await tx
        .insertInto('staff_members')
        .values({
          business_id: businessId,
          name: member.name,
          phone: member.phone ?? null,
          email: member.email ?? null,
          do_not_disturb: member.doNotDisturb ?? false,
          working_hours: member.workingHours ? JSON.stringify(member.workingHours) : null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return (await this.find(id))!;
    },

    async update(id: string, change: StaffChange): Promise<void> {
      await tx
        .updateTable('staff_members')
        .set({
          ...(change.name !== undefined ? { name: change.name } : {}),
          ...(change.phone !== undefined ? { phone: change.phone } : {}),
          ...(change.email !== undefined ? { email: change.email } : {}),
          ...(change.doNotDisturb !== undefined ? { do_not_disturb: change.doNotDisturb } : {}),
          ...(change.workingHours !== undefined ? { working_hours: change.workingHours ? JSON.stringify(change.workingHours) : null } : {}),
          updated_at: sql<Date>`now()`,
        })
        .where('business_id', '=', businessId)
        .where('id', '=', id)
        .execute();
    },

    /** Which of these ids are staff of this business. */
    async existing(ids: string[]): Promise<Set<string>> {
      if (ids.length === 0) return new Set();
      const rows = await tx.selectFrom('staff_members').select('id').where('business_id', '=', businessId).where('id', 'in', ids).execute();
      return new Set(rows.map((r) => r.id));
    },

    // ── Queues ────────────────────────────────────────────────────────────────────────────────
    async queues(): Promise<StaffQueue[]> {
      const rows = await tx.selectFrom('staff_queues').selectAll().where('business_id', '=', businessId).orderBy('name').orderBy('id').execute();
      const members = await this.queueMembers(rows.map((r) => r.id));
      return rows.map((r) => ({ id: r.id, name: r.name, description: r.description, phone: r.phone, members: members.get(r.id) ?? [], createdAt: r.created_at }));
    },

    async findQueue(id: string): Promise<StaffQueue | undefined> {
      const r = await tx.selectFrom('staff_queues').selectAll().where('business_id', '=', businessId).where('id', '=', id).executeTakeFirst();
      if (!r) return undefined;
      const members = await this.queueMembers([r.id]);
      return { id: r.id, name: r.name, description: r.description, phone: r.phone, members: members.get(r.id) ?? [], createdAt: r.created_at };
    },

    async insertQueue(queue: NewStaffQueue): Promise<string> {
      const { id } = await tx
        .insertInto('staff_queues')
        .values({ business_id: businessId, name: queue.name, description: queue.description ?? null, phone: queue.phone ?? null })
        .returning('id')
        .executeTakeFirstOrThrow();
      if (queue.staffIds.length) {
        await tx
          .insertInto('staff_queue_members')
          .values(queue.staffIds.map((staffId, position) => ({ business_id: businessId, queue_id: id, staff_id: staffId, position })))
          .execute();
      }
      return id;
    },

    async queueMembers(queueIds: string[]): Promise<Map<string, StaffQueue['members']>> {
      const byQueue = new Map<string, StaffQueue['members']>();
      if (queueIds.length === 0) return byQueue;
      const rows = await tx
        .selectFrom('staff_queue_members as m')
        .innerJoin('staff_members as s', (j) => j.onRef('s.id', '=', 'm.staff_id').onRef('s.business_id', '=', 'm.business_id'))
        .leftJoin('users as u', 'u.id', 's.user_id')
        .select(['m.queue_id', 's.id', 's.do_not_disturb'])
        .select((eb) => [name(eb as unknown as From), phone(eb as unknown as From)])
        .where('m.business_id', '=', businessId)
        .where('m.queue_id', 'in', queueIds)
        .orderBy('m.position')
        .execute();
      for (const r of rows) {
        const list = byQueue.get(r.queue_id) ?? [];
        list.push({ id: r.id, name: r.name ?? '(unnamed)', phone: r.phone, doNotDisturb: r.do_not_disturb });
        byQueue.set(r.queue_id, list);
      }
      return byQueue;
    },
  };
}
