import type { Business, Role, User } from '../../db/schema.js';
import type { TenantTx, OwnerDb } from '../shared/db.js';

export interface BusinessMembership {
  business: Business;
  role: Role;
}

export function createAccountsRepository(db: OwnerDb | TenantTx) {
  return {
    async createBusiness(values: { name: string; slug: string; timezone: string; phone?: string | null }): Promise<Business> {
      return db
        .insertInto('businesses')
        .values({ name: values.name, slug: values.slug, timezone: values.timezone, phone: values.phone ?? null })
        .returningAll()
        .executeTakeFirstOrThrow();
    },

    findBusinessBySlug(slug: string): Promise<Business | undefined> {
      return db.selectFrom('businesses').selectAll().where('slug', '=', slug).executeTakeFirst();
    },

    findBusinessById(id: string): Promise<Business | undefined> {
      return db.selectFrom('businesses').selectAll().where('id', '=', id).executeTakeFirst();
    },

    async createUser(values: { email: string; passwordHash: string | null; name?: string | null; phone?: string | null }): Promise<User> {
      return db
        .insertInto('users')
        .values({ email: values.email.toLowerCase(), password_hash: values.passwordHash, name: values.name ?? null, phone: values.phone ?? null })
        .returningAll()
        .executeTakeFirstOrThrow();
    },

    findUserByEmail(email: string): Promise<User | undefined> {
      return db.selectFrom('users').selectAll().where('email', '=', email.trim().toLowerCase()).executeTakeFirst();
    },

    findUserById(id: string): Promise<User | undefined> {
      return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    },

    async setPassword(userId: string, passwordHash: string): Promise<void> {
      await db.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', userId).execute();
    },

    /** Adds or changes a membership. */
    async upsertMembership(businessId: string, userId: string, role: Role): Promise<void> {
      await db
        .insertInto('memberships')
        .values({ business_id: businessId, user_id: userId, role })
        .onConflict((oc) => oc.columns(['business_id', 'user_id']).doUpdateSet({ role }))
        .execute();
    },

    /** The businesses a user belongs to, by name. */
    async listMemberships(userId: string): Promise<BusinessMembership[]> {
      const rows = await db
        .selectFrom('memberships as m')
        .innerJoin('businesses as b', 'b.id', 'm.business_id')
        .select(['b.id', 'b.name', 'b.slug', 'b.timezone', 'b.phone', 'b.created_at', 'm.role'])
        .where('m.user_id', '=', userId)
        .orderBy('b.name')
        .orderBy('b.id')
        .execute();
      return rows.map(({ role, ...business }) => ({ business, role }));
    },

    /** The owners' user ids, locked until the transaction ends, so that two demotions cannot both pass a last-owner check. */
    async lockOwners(businessId: string): Promise<string[]> {
      const rows = await db.selectFrom('memberships').select('user_id').where('business_id', '=', businessId).where('role', '=', 'owner').forUpdate().execute();
      return rows.map((r) => r.user_id);
    },

    async roleOf(userId: string, businessId: string): Promise<Role | undefined> {
      const row = await db.selectFrom('memberships').select('role').where('user_id', '=', userId).where('business_id', '=', businessId).executeTakeFirst();
      return row?.role;
    },
  };
}
