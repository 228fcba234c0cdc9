// The staff directory's rules. Staff are who a call may be handed to and who may receive staff alerts
// (callers' details), so an entry's phone is strict E.164 and its email an address; a member user is
// staff through their membership and keeps their profile's contact details unless the entry sets
// its own. Queues group staff for transfers; every member must be staff of the same business.
import { z } from 'zod';
import type { TenantTx } from '../../shared/db.js';
import { invalidArgument, invalidArgumentFrom, notFound } from '../../shared/errors.js';
import { isUuid } from '../../shared/ids.js';
import { WeeklyHoursSchema } from '../business/hours.js';
import { parseE164 } from '../compliance/phone.js';
import { createStaffRepository } from './staff.repository.js';
import type { NewStaffMember, NewStaffQueue, StaffChange, StaffMember, StaffQueue } from './staff.types.js';

export interface StaffService {
  /** Newest first; `limit` rows plus one to tell whether more follow. */
  list(tx: TenantTx, businessId: string, page: { limit: number; offset: number }): Promise<StaffMember[]>;
  get(tx: TenantTx, businessId: string, staffId: string): Promise<StaffMember>;
  /** Staff whose phone or email is one of those given (staff alerts check their recipients with it). */
  findByContact(tx: TenantTx, businessId: string, contact: { phones: string[]; emails: string[] }): Promise<StaffMember[]>;
  add(tx: TenantTx, businessId: string, member: NewStaffMember): Promise<StaffMember>;
  update(tx: TenantTx, businessId: string, staffId: string, change: StaffChange): Promise<StaffMember>;
  listQueues(tx: TenantTx, businessId: string): Promise<StaffQueue[]>;
  getQueue(tx: TenantTx, businessId: string, queueId: string): Promise<StaffQueue>;
  addQueue(tx: TenantTx, businessId: string, queue: NewStaffQueue): Promise<StaffQueue>;
}

const email = z.email();

function checkContact(change: { phone?: string | null | undefined; email?: string | null | undefined; workingHours?: unknown }): void {
  if (change.phone && !parseE164(change.phone)) throw invalidArgument('phone must be a valid E.164 number such as +14155552671', { field: 'phone' });
  if (change.email && !email.safeParse(change.email).success) throw invalidArgument('email must be an email address', { field: 'email' });
  if (change.workingHours) {
    const parsed = WeeklyHoursSchema.safeParse(change.workingHours);
    if (!parsed.success) throw invalidArgumentFrom(parsed.error, ['working_hours']);
  }
}

export function createStaffService(): StaffService {
  async function get(tx: TenantTx, businessId: string, staffId: string): Promise<StaffMember> {
    const found = isUuid(staffId) ? await createStaffRepository(tx, businessId).find(staffId) : undefined;
    if (!found) throw notFound('Staff member');
    return found;
  }

  async function getQueue(tx: TenantTx, businessId: string, queueId: string): Promise<StaffQueue> {
    const found = isUuid(queueId) ? await createStaffRepository(tx, businessId).findQueue(queueId) : undefined;
    if (!found) throw notFound('Queue');
    return found;
  }

  return {
    list: (tx, businessId, page) => createStaffRepository(tx, businessId).list(page),
    get,
    findByContact: (tx, businessId, contact) =>
      createStaffRepository(tx, businessId).byContact({ phones: contact.phones, emails: contact.emails.map((e) => e.trim().toLowerCase()) }),

    async add(tx, businessId, member) {
      const name = member.name.trim();
      if (!name || name.length > 200) throw invalidArgument('name must be 1–200 characters', { field: 'name' });
      checkContact(member);
      return createStaffRepository(tx, businessId).insert({ ...member, name, email: member.email?.trim().toLowerCase() ?? null });
    },

    async update(tx, businessId, staffId, change) {
      const current = await get(tx, businessId, staffId);
      if (change.name !== undefined && change.name !== null && (!change.name.trim() || change.name.length > 200)) {
        throw invalidArgument('name must be 1–200 characters', { field: 'name' });
      }
      if (change.name === null && !current.userId) throw invalidArgument('name is required for staff without a user account', { field: 'name' });
      checkContact(change);
      await createStaffRepository(tx, businessId).update(staffId, { ...change, ...(change.email ? { email: change.email.trim().toLowerCase() } : {}) });
      return get(tx, businessId, staffId);
    },

    listQueues: (tx, businessId) => createStaffRepository(tx, businessId).queues(),
    getQueue,

    async addQueue(tx, businessId, queue) {
      const name = queue.name.trim();
      if (!name || name.length > 100) throw invalidArgument('name must be 1–100 characters', { field: 'name' });
      if (queue.phone && !parseE164(queue.phone)) throw invalidArgument('phone must be a valid E.164 number such as +14155552671', { field: 'phone' });
      const repo = createStaffRepository(tx, businessId);
      const ids = [...new Set(queue.staffIds)];
      const known = await repo.existing(ids.filter(isUuid));
      const missing = ids.findIndex((id) => !known.has(id));
      if (missing >= 0) throw invalidArgument(`staff_ids[${missing}]: not a staff member of this business`, { field: `staff_ids[${missing}]` });
      return getQueue(tx, businessId, await repo.insertQueue({ ...queue, name, staffIds: ids }));
    },
  };
}
