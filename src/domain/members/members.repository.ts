// Memberships: which users belong to which business, with which role. Changing them is owner work:
// the row-level-security role may read memberships but never write them.
import type { Role } from '../../../db/schema.js';
import type { OwnerDb } from '../../shared/db.js';

export function createMembersRepository(db: OwnerDb) {
  return {
    async roleOf(businessId: string, userId: string): Promise<Role | undefined> {
      const row = await db.selectFrom('memberships').select('role').where('business_id', '=', businessId).where('user_id', '=', userId).executeTakeFirst();
      return row?.role;
    },

    /** The owners' user ids, locked until the transaction ends, so that two demotions cannot both pass a last-owner check. */
    async lockOwners(businessId: string): Promise<string[]> {
      const rows = await db.selectFrom('memberships').select('user_id').where('business_id', '=', businessId).where('role', '=', 'owner').forUpdate().execute();
      return rows.map((r) => r.user_id);
    },

    /** Adds or changes a membership. */
    async upsert(businessId: string, userId: string, role: Role): Promise<void> {
      await db
        .insertInto('memberships')
        .values({ business_id: businessId, user_id: userId, role })
        .onConflict((oc) => oc.columns(['business_id', 'user_id']).doUpdateSet({ role }))
        .execute();
    },
  };
}
