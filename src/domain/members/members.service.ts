// Membership changes and their rule: a business keeps at least one owner, because a business without
// one has nobody who may manage its members and keys. Every surface that changes roles (the admin
// CLI today, the dashboard next) goes through here, so none can leave a business ownerless.
import type { Db } from '../../shared/db.js';
import { AppError } from '../../shared/errors.js';
import { createAuditRepository } from '../audit/audit.repository.js';
import { auditActor } from '../audit/actor.js';
import { createMembersRepository } from './members.repository.js';
import type { RoleChange, RoleChangeResult } from './members.types.js';

export interface MembersService {
  /** Adds the user to the business with the role, or changes their role there; audited. Refuses to demote the only owner. */
  setRole(change: RoleChange): Promise<RoleChangeResult>;
}

export function createMembersService(deps: { db: Db }): MembersService {
  return {
    setRole({ business, user, role, actor }) {
      // The owner connection: memberships are not writable through row-level security. The caller
      // has decided that this actor may change this business's members.
      return deps.db.kysely.transaction().execute(async (tx): Promise<RoleChangeResult> => {
        const members = createMembersRepository(tx);
        // Locked first, so that two concurrent demotions of the last two owners cannot both pass.
        const owners = await members.lockOwners(business.id);
        const previous = (await members.roleOf(business.id, user.id)) ?? null;
        if (previous === role) return { previous, changed: false };
        if (role !== 'owner' && owners.length === 1 && owners[0] === user.id) {
          throw new AppError('conflict', `${user.email} is the only owner of ${business.slug}: make another member owner first, then change this role.`);
        }
        await members.upsert(business.id, user.id, role);
        await createAuditRepository(tx).append({
          businessId: business.id,
          ...auditActor(actor),
          action: 'membership.changed',
          outcome: 'success',
          details: { user_id: user.id, role, previous_role: previous },
        });
        return { previous, changed: true };
      });
    },
  };
}
