// Memberships: which users belong to which business, with which role. Changing them is owner work:
// the row-level-security role may read memberships but never write them.
import { sql } from 'kysely';
import type { ApiKeyKind, Role } from '../../../db/schema.js';
import type { OwnerDb, TenantTx } from '../../shared/db.js';
import type { Member } from './members.types.js';

/** An API key revoked with its creator's membership. */
export interface RevokedKey {
  id: string;
  kind: ApiKeyKind;
  name: string;
  prefix: string;
  scopes: string[];
  expiresAt: Date | null;
}

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

    /** Any account by email, member or not: adding someone means finding them outside the business. */
    async userByEmail(email: string): Promise<{ id: string; email: string } | undefined> {
      return db.selectFrom('users').select(['id', 'email']).where('email', '=', email.trim().toLowerCase()).executeTakeFirst();
    },

    /** A member of the business, with their email (for refusals that name them). */
    async member(businessId: string, userId: string): Promise<{ id: string; email: string; name: string | null; role: Role; since: Date } | undefined> {
      return db
        .selectFrom('memberships as m')
        .innerJoin('users as u', 'u.id', 'm.user_id')
        .select(['u.id', 'u.email', 'u.name', 'm.role', 'm.created_at as since'])
        .where('m.business_id', '=', businessId)
        .where('m.user_id', '=', userId)
        .executeTakeFirst();
    },

    async remove(businessId: string, userId: string): Promise<void> {
      await db.deleteFrom('memberships').where('business_id', '=', businessId).where('user_id', '=', userId).execute();
    },

    /**
     * Revokes the live API keys `userId` created for the business (a removed member's keys must not
     * outlast their membership: keys are checked against the database on every request, so none
     * works after this commits). Returns what each was, for the audit log.
     */
    async revokeKeysCreatedBy(businessId: string, userId: string): Promise<RevokedKey[]> {
      const rows = await db
        .updateTable('api_keys')
        .set({ revoked_at: sql<Date>`now()` })
        .where('business_id', '=', businessId)
        .where('created_by', '=', userId)
        .where('revoked_at', 'is', null)
        .returning(['id', 'kind', 'name', 'prefix', 'scopes', 'expires_at'])
        .execute();
      return rows.map((r) => ({ id: r.id, kind: r.kind, name: r.name, prefix: r.prefix, scopes: r.scopes, expiresAt: r.expires_at }));
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

/** Reading the members of a business, in its row-level-security unit of work. */
export function createMembersReadRepository(tx: TenantTx, businessId: string) {
  return {
    /** Owners first, then admins, then members; by email within a role. */
    async list(): Promise<Member[]> {
      const rows = await tx
        .selectFrom('memberships as m')
        .innerJoin('users as u', 'u.id', 'm.user_id')
        .select(['u.id', 'u.email', 'u.name', 'm.role', 'm.created_at'])
        .where('m.business_id', '=', businessId)
        .orderBy((eb) => eb.case().when('m.role', '=', 'owner').then(0).when('m.role', '=', 'admin').then(1).else(2).end())
        .orderBy('u.email')
        .execute();
      return rows.map((r) => ({ userId: r.id, email: r.email, name: r.name, role: r.role, since: r.created_at }));
    },
  };
}
