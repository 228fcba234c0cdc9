// Membership changes and their rule: a business keeps at least one owner, because a business without
// one has nobody who may manage its members and keys. Every surface that changes roles (the admin
// CLI today, the dashboard next) goes through here, so none can leave a business ownerless.
import type { Role } from '../../../db/schema.js';
import type { Db, OwnerDb } from '../../shared/db.js';
import { AppError, invalidArgument, notFound } from '../../shared/errors.js';
import { isUuid } from '../../shared/ids.js';
import { createAuditRepository } from '../audit/audit.repository.js';
import { auditActor } from '../audit/actor.js';
import { createStaffDepartureRepository } from '../staff/departure.repository.js';
import { createMembersReadRepository, createMembersRepository } from './members.repository.js';
import { ROLES, type Member, type MemberChangeBase, type RoleChange, type RoleChangeResult } from './members.types.js';

export interface MembersService {
  /** Adds the user to the business with the role, or changes their role there; audited. Refuses to demote the only owner. */
  setRole(change: RoleChange): Promise<RoleChangeResult>;
  /** The business's members, owners first. */
  list(businessId: string): Promise<Member[]>;
  /** Adds an existing account by email (owner only); audited as member.added. */
  add(input: MemberChangeBase & { email: string; role: Role }): Promise<Member>;
  /** Changes a member's role (owner only); the last owner cannot be demoted. Audited as member.role_changed. */
  changeRole(input: MemberChangeBase & { userId: string; role: Role }): Promise<RoleChangeResult>;
  /**
   * Removes a member (owner only); the last owner cannot be removed. Their staff directory entry
   * stays for the history, detached and reaching nobody; removal is refused (conflict) while an
   * agent tool transfers to them, an appointment type or routing rule books only them, or they have
   * upcoming appointments. The API keys they created for the business are revoked (audited as
   * api_key.revoked, reason member_removed). Audited as member.removed.
   */
  remove(input: MemberChangeBase & { userId: string }): Promise<{ email: string; previous: Role; revokedKeys: number }>;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function parseRole(role: unknown): Role {
  if (typeof role === 'string' && (ROLES as readonly string[]).includes(role)) return role as Role;
  throw invalidArgument(`role: must be one of ${ROLES.join(', ')}`, { field: 'role' });
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

    list(businessId) {
      return deps.db.forBusiness(businessId, (tx) => createMembersReadRepository(tx, businessId).list());
    },

    async add({ business, actorUserId, email, role }) {
      const address = email.trim().toLowerCase();
      if (!address) throw invalidArgument('email: enter the email address of their account', { field: 'email' });
      if (address.length > 254 || !EMAIL.test(address)) throw invalidArgument(`email: ${email.trim().slice(0, 254)} is not an email address`, { field: 'email' });
      const newRole = parseRole(role);
      return ownerChange(business.id, actorUserId, async (tx, members) => {
        const user = await members.userByEmail(address);
        if (!user) throw invalidArgument(`email: there is no account with the email ${address}; they need an account before they can be added`, { field: 'email' });
        const existing = await members.roleOf(business.id, user.id);
        if (existing) throw new AppError('conflict', `${user.email} is already a member of ${business.slug} (${existing}).`, { field: 'email' });
        await members.upsert(business.id, user.id, newRole);
        await audit(tx, business.id, actorUserId, 'member.added', { user_id: user.id, role: newRole });
        const added = await members.member(business.id, user.id);
        return { userId: user.id, email: user.email, name: added!.name, role: newRole, since: added!.since };
      });
    },

    async changeRole({ business, actorUserId, userId, role }) {
      const newRole = parseRole(role);
      return ownerChange(business.id, actorUserId, async (tx, members, owners) => {
        const member = isUuid(userId) ? await members.member(business.id, userId) : undefined;
        if (!member) throw notFound('Member');
        if (member.role === newRole) return { previous: member.role, changed: false };
        if (newRole !== 'owner' && owners.length === 1 && owners[0] === member.id) {
          throw new AppError('conflict', `${member.email} is the only owner of ${business.slug}: make another member owner first, then change this role.`);
        }
        await members.upsert(business.id, member.id, newRole);
        await audit(tx, business.id, actorUserId, 'member.role_changed', { user_id: member.id, role: newRole, previous_role: member.role });
        return { previous: member.role, changed: true };
      });
    },

    remove({ business, actorUserId, userId }) {
      return ownerChange(business.id, actorUserId, async (tx, members, owners) => {
        const member = isUuid(userId) ? await members.member(business.id, userId) : undefined;
        if (!member) throw notFound('Member');
        if (owners.length === 1 && owners[0] === member.id) {
          throw new AppError('conflict', `${member.email} is the only owner of ${business.slug}: make another member owner first, then remove them.`);
        }
        const departed = await leaveDirectory(tx, business.id, member);
        const keys = await members.revokeKeysCreatedBy(business.id, member.id);
        await members.remove(business.id, member.id);
        for (const key of keys) {
          await audit(tx, business.id, actorUserId, 'api_key.revoked', {
            api_key_id: key.id,
            kind: key.kind,
            name: key.name,
            prefix: key.prefix,
            scopes: key.scopes,
            expires_at: key.expiresAt,
            reason: 'member_removed',
            created_by: member.id,
          });
        }
        await audit(tx, business.id, actorUserId, 'member.removed', { user_id: member.id, previous_role: member.role, ...departed, api_keys_revoked: keys.length });
        return { email: member.email, previous: member.role, revokedKeys: keys.length };
      });
    },
  };

  /**
   * A change made by a signed-in owner, on the owner connection (memberships are not writable
   * through row-level security). The owners are locked first, so that two concurrent demotions or
   * removals cannot both pass a last-owner check, and the acting user must be one of them at that
   * moment: a role taken away a second ago no longer counts.
   */
  function ownerChange<T>(
    businessId: string,
    actorUserId: string,
    fn: (tx: OwnerDb, members: ReturnType<typeof createMembersRepository>, owners: string[]) => Promise<T>,
  ): Promise<T> {
    return deps.db.kysely.transaction().execute(async (tx) => {
      const members = createMembersRepository(tx);
      const owners = await members.lockOwners(businessId);
      if (!owners.includes(actorUserId)) throw new AppError('forbidden', 'Only an owner of this business can change its members.', { required_role: 'owner' });
      return fn(tx, members, owners);
    });
  }

  /**
   * The member's staff directory entry outlives the membership (appointments and transfers in the
   * call history name it), detached from the account and reaching nobody: out of queues, booking
   * rotations, routing rules and staff alerts, on do-not-disturb. What would keep routing calls or
   * bookings to them is refused first, naming what to change; nothing is written before the checks.
   */
  async function leaveDirectory(tx: OwnerDb, businessId: string, member: { id: string; email: string }) {
    const directory = createStaffDepartureRepository(tx, businessId);
    const entry = await directory.lockEntry(member.id);
    if (!entry) return { staff_id: null };
    const tools = await directory.transferTools(entry.id);
    if (tools.length) {
      throw new AppError(
        'conflict',
        `${member.email} is the transfer target of the agent ${tools.length === 1 ? 'tool' : 'tools'} ${tools.join(', ')}: point ${tools.length === 1 ? 'it' : 'them'} at someone else or delete ${tools.length === 1 ? 'it' : 'them'} first.`,
        { reason: 'transfer_target', tools },
      );
    }
    const types = await directory.specificTypes(entry.id);
    if (types.length) {
      throw new AppError(
        'conflict',
        `${member.email} is the only staff member of the appointment ${types.length === 1 ? 'type' : 'types'} ${types.map((t) => `"${t}"`).join(', ')}: assign ${types.length === 1 ? 'it' : 'them'} to someone else first.`,
        { reason: 'appointment_type_staff', appointment_types: types },
      );
    }
    const upcoming = await directory.upcomingAppointments(entry.id);
    if (upcoming > 0) {
      throw new AppError(
        'conflict',
        `${member.email} has ${upcoming} upcoming ${upcoming === 1 ? 'appointment' : 'appointments'}: reassign or cancel ${upcoming === 1 ? 'it' : 'them'} first.`,
        { reason: 'upcoming_appointments', upcoming_appointments: upcoming },
      );
    }
    const rules = await directory.lockRulesNaming(entry.id);
    const only = rules.filter((r) => r.staff.every((s) => s.staff_id === entry.id));
    if (only.length) {
      throw new AppError(
        'conflict',
        `${member.email} is the only staff member the routing ${only.length === 1 ? 'rule' : 'rules'} ${only.map((r) => `"${r.name}"`).join(', ')} ${only.length === 1 ? 'sends' : 'send'} bookings to: change or delete ${only.length === 1 ? 'it' : 'them'} first.`,
        { reason: 'routing_rule_target', routing_rules: only.map((r) => r.name) },
      );
    }

    for (const rule of rules)
      await directory.retargetRule(
        rule.id,
        rule.staff.filter((s) => s.staff_id !== entry.id),
      );
    const left = await directory.leaveRotations(entry.id);
    // A phone or email another entry also reaches stays on the alerts: it is still staff's.
    const shared = await directory.othersReach(entry.id, entry);
    const alerts = await directory.dropAlertRecipient({ phone: shared.phone ? null : entry.phone, email: shared.email ? null : entry.email });
    await directory.detach(entry);
    return { staff_id: entry.id, queues_left: left.queues, appointment_types_left: left.appointmentTypes, routing_rules_changed: rules.length, alert_recipients_removed: alerts };
  }

  function audit(tx: OwnerDb, businessId: string, actorUserId: string, action: string, details: Record<string, unknown>) {
    return createAuditRepository(tx).recordAction(businessId, { kind: 'user', userId: actorUserId }, action, details);
  }
}
