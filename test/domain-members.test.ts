// The dashboard's member changes, against a real database: list, add an existing account, change a
// role, remove; owners only; the last owner can be neither demoted nor removed, even by two
// concurrent changes; every change audited with the owner as the actor.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMembersService, type MembersService } from '../src/domain/members/members.service.js';
import { everyDay, insertAppointmentType, insertStaff } from './helpers/booking.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { createTenant, type Tenant } from './helpers/domain-fixtures.js';
import { insertApiKey, insertMember } from './helpers/fixtures.js';

let t: TestDatabase;
let a: Tenant;
let b: Tenant;
let members: MembersService;
let slugA: string;

beforeAll(async () => {
  t = await createTestDatabase();
  a = await createTenant(t.db, 'members-a');
  b = await createTenant(t.db, 'members-b');
  members = createMembersService({ db: t.db });
  slugA = (await t.db.kysely.selectFrom('businesses').select('slug').where('id', '=', a.businessId).executeTakeFirstOrThrow()).slug;
});
afterAll(async () => t?.close());

const businessA = () => ({ id: a.businessId, slug: slugA });
const roleIn = async (businessId: string, userId: string) =>
  (await t.db.kysely.selectFrom('memberships').select('role').where('business_id', '=', businessId).where('user_id', '=', userId).executeTakeFirst())?.role;
const lastAudit = (action: string) =>
  t.db.kysely.selectFrom('audit_log').selectAll().where('business_id', '=', a.businessId).where('action', '=', action).orderBy('created_at', 'desc').executeTakeFirstOrThrow();

describe('members', () => {
  it('lists owners first, then admins, then members', async () => {
    const list = await members.list(a.businessId);
    expect(list.map((m) => [m.email, m.role])).toEqual([
      [a.owner.email, 'owner'],
      [a.admin.email, 'admin'],
      [a.member.email, 'member'],
    ]);
  });

  it('adds an existing account by email, audited as member.added', async () => {
    const added = await members.add({ business: businessA(), actorUserId: a.owner.id, email: ` ${b.member.email.toUpperCase()} `, role: 'member' });
    expect(added).toMatchObject({ userId: b.member.id, email: b.member.email, role: 'member' });
    expect(await roleIn(a.businessId, b.member.id)).toBe('member');
    expect(await lastAudit('member.added')).toMatchObject({ actor_kind: 'user', actor_id: a.owner.id, details: { user_id: b.member.id, role: 'member' } });
    await expect(members.add({ business: businessA(), actorUserId: a.owner.id, email: b.member.email, role: 'admin' })).rejects.toMatchObject({ code: 'conflict' });
  });

  it('refuses an address with no account, a malformed one, and an unknown role, naming the field', async () => {
    await expect(members.add({ business: businessA(), actorUserId: a.owner.id, email: 'nobody-here@example.com', role: 'member' })).rejects.toMatchObject({
      code: 'invalid_argument',
      details: { field: 'email' },
      message: expect.stringContaining('no account'),
    });
    await expect(members.add({ business: businessA(), actorUserId: a.owner.id, email: 'not an email', role: 'member' })).rejects.toMatchObject({ details: { field: 'email' } });
    await expect(members.add({ business: businessA(), actorUserId: a.owner.id, email: b.admin.email, role: 'king' as never })).rejects.toMatchObject({
      details: { field: 'role' },
    });
  });

  it('changes a role, audited as member.role_changed; the same role again writes nothing', async () => {
    const result = await members.changeRole({ business: businessA(), actorUserId: a.owner.id, userId: a.member.id, role: 'admin' });
    expect(result).toEqual({ previous: 'member', changed: true });
    expect(await lastAudit('member.role_changed')).toMatchObject({ actor_id: a.owner.id, details: { user_id: a.member.id, role: 'admin', previous_role: 'member' } });
    expect(await members.changeRole({ business: businessA(), actorUserId: a.owner.id, userId: a.member.id, role: 'admin' })).toEqual({ previous: 'admin', changed: false });
    await members.changeRole({ business: businessA(), actorUserId: a.owner.id, userId: a.member.id, role: 'member' });
  });

  it('security: only an owner may change members (an admin is forbidden), and another business’s user is not found', async () => {
    await expect(members.changeRole({ business: businessA(), actorUserId: a.admin.id, userId: a.member.id, role: 'admin' })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(members.remove({ business: businessA(), actorUserId: a.admin.id, userId: a.member.id })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(members.add({ business: businessA(), actorUserId: b.owner.id, email: b.admin.email, role: 'owner' })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(members.changeRole({ business: businessA(), actorUserId: a.owner.id, userId: b.owner.id, role: 'member' })).rejects.toMatchObject({ code: 'not_found' });
    await expect(members.remove({ business: businessA(), actorUserId: a.owner.id, userId: 'nope' })).rejects.toMatchObject({ code: 'not_found' });
    expect(await roleIn(a.businessId, a.member.id)).toBe('member');
  });

  it('the last owner can be neither demoted nor removed', async () => {
    await expect(members.changeRole({ business: businessA(), actorUserId: a.owner.id, userId: a.owner.id, role: 'admin' })).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('only owner'),
    });
    await expect(members.remove({ business: businessA(), actorUserId: a.owner.id, userId: a.owner.id })).rejects.toMatchObject({ code: 'conflict' });
    expect(await roleIn(a.businessId, a.owner.id)).toBe('owner');
  });

  it('removes a member, audited as member.removed; they no longer appear', async () => {
    const removed = await members.remove({ business: businessA(), actorUserId: a.owner.id, userId: b.member.id });
    expect(removed).toEqual({ email: b.member.email, previous: 'member', revokedKeys: 0 });
    expect(await roleIn(a.businessId, b.member.id)).toBeUndefined();
    expect((await members.list(a.businessId)).map((m) => m.userId)).not.toContain(b.member.id);
    expect(await lastAudit('member.removed')).toMatchObject({ actor_id: a.owner.id, details: { user_id: b.member.id, previous_role: 'member' } });
  });

  it('two owners demoting each other at once: one succeeds, the business keeps an owner', async () => {
    const second = await insertMember(t.db, a.businessId, { email: `second-owner-${Date.now()}@example.com`, role: 'owner' });
    const results = await Promise.allSettled([
      members.changeRole({ business: businessA(), actorUserId: a.owner.id, userId: second.id, role: 'member' }),
      members.remove({ business: businessA(), actorUserId: second.id, userId: a.owner.id }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const owners = await t.db.kysely.selectFrom('memberships').select('user_id').where('business_id', '=', a.businessId).where('role', '=', 'owner').execute();
    expect(owners).toHaveLength(1);
    // Restore the fixture's owner if the removal won.
    if (!owners.some((o) => o.user_id === a.owner.id)) {
      await t.db.kysely.insertInto('memberships').values({ business_id: a.businessId, user_id: a.owner.id, role: 'owner' }).execute();
    }
  });
});

describe('removing a member keeps the history and reaches them no more', () => {
  const HOUR = 3_600_000;
  let n = 0;
  const leaver = async (name: string | null = 'Robin Leaver') => {
    const user = await insertMember(t.db, a.businessId, { email: `leaver-${++n}-${Date.now()}@example.com`, role: 'member', name });
    const staff = await t.db.kysely.selectFrom('staff_members').select('id').where('business_id', '=', a.businessId).where('user_id', '=', user.id).executeTakeFirstOrThrow();
    return { ...user, staffId: staff.id };
  };
  const remove = (userId: string) => members.remove({ business: businessA(), actorUserId: a.owner.id, userId });
  const appointment = (staffId: string, typeId: string, startsAt: Date, status: 'booked' | 'held' | 'completed' | 'cancelled') =>
    t.db.kysely
      .insertInto('appointments')
      .values({
        business_id: a.businessId,
        appointment_type_id: typeId,
        staff_id: staffId,
        starts_at: startsAt,
        ends_at: new Date(startsAt.getTime() + HOUR),
        blocked_from: startsAt,
        blocked_until: new Date(startsAt.getTime() + HOUR),
        timezone: 'America/New_York',
        status,
        hold_expires_at: status === 'held' ? new Date(Date.now() + HOUR) : null,
        booked_via: 'dashboard',
        created_by: 'test',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
  const staffRow = (id: string) => t.db.kysely.selectFrom('staff_members').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const isMember = async (userId: string) => (await roleIn(a.businessId, userId)) !== undefined;

  it('detaches their directory entry under their name, takes them out of everything, revokes their keys, in one transaction', async () => {
    const robin = await leaver('Robin Leaver');
    await t.db.kysely.updateTable('users').set({ phone: '+12125550177' }).where('id', '=', robin.id).execute();
    const colleague = await insertStaff(t.db, a.businessId, 'Colleague', everyDay(['09:00', '17:00']));
    const typeId = await insertAppointmentType(t.db, a.businessId, [robin.staffId, colleague], { name: 'Estimate' });
    const past = await appointment(robin.staffId, typeId, new Date(Date.now() - 48 * HOUR), 'completed');
    const queue = await t.db.kysely
      .insertInto('staff_queues')
      .values({ business_id: a.businessId, name: `Front desk ${n}` })
      .returning('id')
      .executeTakeFirstOrThrow();
    await t.db.kysely
      .insertInto('staff_queue_members')
      .values([
        { business_id: a.businessId, queue_id: queue.id, staff_id: robin.staffId, position: 0 },
        { business_id: a.businessId, queue_id: queue.id, staff_id: colleague, position: 1 },
      ])
      .execute();
    const rule = await t.db.kysely
      .insertInto('routing_rules')
      .values({
        business_id: a.businessId,
        name: 'Split estimates',
        priority: 10,
        conditions: '{}',
        action: JSON.stringify({
          type: 'staff',
          staff: [
            { staff_id: robin.staffId, weight: 2 },
            { staff_id: colleague, weight: 1 },
          ],
        }),
        created_by: 'test',
      })
      .returning(['id', 'revision'])
      .executeTakeFirstOrThrow();
    await t.db.kysely
      .insertInto('notification_settings')
      .values({ business_id: a.businessId, notification_phone: '+12125550177', sms_notifications: true, notification_email: a.owner.email, email_notifications: true })
      .onConflict((oc) =>
        oc.column('business_id').doUpdateSet({ notification_phone: '+12125550177', sms_notifications: true, notification_email: a.owner.email, email_notifications: true }),
      )
      .execute();
    await t.db.kysely
      .insertInto('escalation_rules')
      .values([
        { business_id: a.businessId, trigger: 'urgent', notify: robin.email, channel: 'email', position: 0 },
        { business_id: a.businessId, trigger: 'urgent', notify: a.owner.email, channel: 'email', position: 1 },
      ])
      .execute();
    const live = await insertApiKey(t.db, a.businessId, { name: 'robin laptop', scopes: ['calls:read'], createdBy: robin.id });
    const alreadyRevoked = await insertApiKey(t.db, a.businessId, { name: 'robin old', scopes: ['calls:read'], createdBy: robin.id });
    await t.db.kysely
      .updateTable('api_keys')
      .set({ revoked_at: new Date(Date.now() - HOUR) })
      .where('id', '=', alreadyRevoked.id)
      .execute();

    expect(await remove(robin.id)).toEqual({ email: robin.email, previous: 'member', revokedKeys: 1 });

    expect(await isMember(robin.id)).toBe(false);
    expect(await staffRow(robin.staffId)).toMatchObject({ user_id: null, name: 'Robin Leaver', phone: null, email: null, do_not_disturb: true });
    // The past appointment still reads with their name, through the same join the appointment reads use.
    const shown = await t.db.forBusiness(a.businessId, (tx) =>
      tx
        .selectFrom('appointments')
        .innerJoin('staff_members', 'staff_members.id', 'appointments.staff_id')
        .select(['appointments.status', 'staff_members.name'])
        .where('appointments.id', '=', past.id)
        .executeTakeFirstOrThrow(),
    );
    expect(shown).toEqual({ status: 'completed', name: 'Robin Leaver' });
    expect(await t.db.kysely.selectFrom('appointment_type_staff').select('staff_id').where('appointment_type_id', '=', typeId).execute()).toEqual([{ staff_id: colleague }]);
    expect(await t.db.kysely.selectFrom('staff_queue_members').select('staff_id').where('queue_id', '=', queue.id).execute()).toEqual([{ staff_id: colleague }]);
    const after = await t.db.kysely.selectFrom('routing_rules').select(['action', 'revision']).where('id', '=', rule.id).executeTakeFirstOrThrow();
    expect(after).toEqual({ action: { type: 'staff', staff: [{ staff_id: colleague, weight: 1 }] }, revision: rule.revision + 1 });
    expect(await t.db.kysely.selectFrom('notification_settings').selectAll().where('business_id', '=', a.businessId).executeTakeFirstOrThrow()).toMatchObject({
      notification_phone: null,
      sms_notifications: false,
      notification_email: a.owner.email,
      email_notifications: true,
    });
    expect((await t.db.kysely.selectFrom('escalation_rules').select('notify').where('business_id', '=', a.businessId).execute()).map((r) => r.notify)).toEqual([a.owner.email]);

    const keys = await t.db.kysely.selectFrom('api_keys').select(['id', 'revoked_at']).where('created_by', '=', robin.id).execute();
    expect(keys.every((k) => k.revoked_at !== null)).toBe(true);
    const revokedAudits = await t.db.kysely.selectFrom('audit_log').selectAll().where('business_id', '=', a.businessId).where('action', '=', 'api_key.revoked').execute();
    expect(revokedAudits.filter((r) => (r.details as { created_by?: string }).created_by === robin.id)).toEqual([
      expect.objectContaining({
        actor_kind: 'user',
        actor_id: a.owner.id,
        details: expect.objectContaining({ api_key_id: live.id, reason: 'member_removed', name: 'robin laptop' }),
      }),
    ]);
    expect(await lastAudit('member.removed')).toMatchObject({
      actor_id: a.owner.id,
      details: {
        user_id: robin.id,
        staff_id: robin.staffId,
        queues_left: 1,
        appointment_types_left: 1,
        routing_rules_changed: 1,
        alert_recipients_removed: 2,
        api_keys_revoked: 1,
      },
    });
  });

  it('a member without a profile name keeps their email as the directory name', async () => {
    const nameless = await leaver(null);
    await remove(nameless.id);
    expect(await staffRow(nameless.staffId)).toMatchObject({ user_id: null, name: nameless.email, do_not_disturb: true });
  });

  it('refuses, naming the count, while they have upcoming appointments; nothing changes', async () => {
    const busy = await leaver();
    const typeId = await insertAppointmentType(t.db, a.businessId, [busy.staffId], { name: 'Visit' });
    await appointment(busy.staffId, typeId, new Date(Date.now() + 24 * HOUR), 'booked');
    await appointment(busy.staffId, typeId, new Date(Date.now() + 48 * HOUR), 'held');
    await appointment(busy.staffId, typeId, new Date(Date.now() + 72 * HOUR), 'cancelled');
    const key = await insertApiKey(t.db, a.businessId, { scopes: ['calls:read'], createdBy: busy.id });
    await expect(remove(busy.id)).rejects.toMatchObject({
      code: 'conflict',
      message: `${busy.email} has 2 upcoming appointments: reassign or cancel them first.`,
      details: { upcoming_appointments: 2 },
    });
    expect(await isMember(busy.id)).toBe(true);
    expect(await staffRow(busy.staffId)).toMatchObject({ user_id: busy.id, do_not_disturb: false });
    expect((await t.db.kysely.selectFrom('api_keys').select('revoked_at').where('id', '=', key.id).executeTakeFirstOrThrow()).revoked_at).toBeNull();
  });

  it('refuses while an agent tool transfers to them, naming the tool', async () => {
    const target = await leaver();
    await t.db.kysely
      .insertInto('agent_tools')
      .values({ business_id: a.businessId, type: 'transfer_to_user', name: `to_robin_${n}`, config: JSON.stringify({ message: null }), staff_id: target.staffId })
      .execute();
    await expect(remove(target.id)).rejects.toMatchObject({
      code: 'conflict',
      message: `${target.email} is the transfer target of the agent tool to_robin_${n}: point it at someone else or delete it first.`,
      details: { tools: [`to_robin_${n}`] },
    });
    expect(await isMember(target.id)).toBe(true);
  });

  it('refuses while an appointment type or a routing rule books only them, naming it', async () => {
    const only = await leaver();
    const typeId = await insertAppointmentType(t.db, a.businessId, [only.staffId], { name: 'Only Robin', specific: true });
    await expect(remove(only.id)).rejects.toMatchObject({ code: 'conflict', message: expect.stringContaining('appointment type "Only Robin": assign it to someone else first') });
    await t.db.kysely.deleteFrom('appointment_types').where('id', '=', typeId).execute();

    await t.db.kysely
      .insertInto('routing_rules')
      .values({
        business_id: a.businessId,
        name: 'All to Robin',
        priority: 5,
        conditions: '{}',
        action: JSON.stringify({ type: 'staff', staff: [{ staff_id: only.staffId, weight: 1 }] }),
        created_by: 'test',
      })
      .execute();
    await expect(remove(only.id)).rejects.toMatchObject({
      code: 'conflict',
      message: expect.stringContaining('routing rule "All to Robin" sends bookings to: change or delete it first'),
    });
    expect(await isMember(only.id)).toBe(true);
  });
});
