// The Members page over HTTP against a real migrated database: owners list, add an existing
// account, change roles and remove (after Confirm); the last owner can be neither demoted nor
// removed; refusals are the page again with the message in role="alert" and the values kept;
// every change audited with the owner as actor; admins get 403, another business's people 404.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGrantsRepository } from '../src/authz/grants.repository.js';
import { SCOPES } from '../src/scopes/index.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { insertAppointmentType, insertStaff } from './helpers/booking.js';
import { alertOf, signInOverHttp, type SignedInBrowser } from './helpers/dashboard.js';
import { createTeam, type Team } from './helpers/dashboard-team.js';
import { insertApiKey } from './helpers/fixtures.js';
import { initialize, post } from './helpers/mcp.js';
import { createTestAccount, decodeEntities, type PageResponse } from './helpers/oauth.js';

let t: TestApp;
let team: Team;
let other: Team;
let owner: SignedInBrowser;

beforeAll(async () => {
  t = await startTestApp();
  team = await createTeam(t.app.db, 'Members Roofing');
  other = await createTeam(t.app.db, 'Other Roofing');
  owner = await signInOverHttp(t.baseUrl, team.owner.email, team.owner.password);
});
afterAll(async () => t?.stop());

const url = (path = '') => `${t.baseUrl}/dashboard/${team.business.slug}/members${path}`;
const text = (page: PageResponse) => decodeEntities(page.body.replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ');
const roleOf = async (userId: string) =>
  (await t.app.db.kysely.selectFrom('memberships').select('role').where('business_id', '=', team.business.id).where('user_id', '=', userId).executeTakeFirst())?.role;
const audited = (action: string) =>
  t.app.db.kysely.selectFrom('audit_log').selectAll().where('business_id', '=', team.business.id).where('action', '=', action).orderBy('created_at', 'desc').execute();
const emails = (page: PageResponse) => [...page.body.matchAll(/<td data-label="Email">([^<]+)<\/td>/g)].map((m) => decodeEntities(m[1]!));

/** A new account added as a member through the page, with their staff directory entry's id. */
async function addLeaver(name: string) {
  const account = await createTestAccount(t.app.db);
  await t.app.db.kysely.updateTable('users').set({ name }).where('id', '=', account.user.id).execute();
  expect((await owner.browser.post(url(), { _csrf: owner.csrf, email: account.email, role: 'member' })).status).toBe(303);
  const staff = await t.app.db.kysely
    .selectFrom('staff_members')
    .select('id')
    .where('business_id', '=', team.business.id)
    .where('user_id', '=', account.user.id)
    .executeTakeFirstOrThrow();
  return { ...account, staffId: staff.id };
}

const insertAppointment = (staffId: string, typeId: string, startsAt: Date, status: 'booked' | 'completed') =>
  t.app.db.kysely
    .insertInto('appointments')
    .values({
      business_id: team.business.id,
      appointment_type_id: typeId,
      staff_id: staffId,
      starts_at: startsAt,
      ends_at: new Date(startsAt.getTime() + 3_600_000),
      blocked_from: startsAt,
      blocked_until: new Date(startsAt.getTime() + 3_600_000),
      timezone: team.business.timezone,
      status,
      booked_via: 'dashboard',
      created_by: 'test',
    })
    .returning('id')
    .executeTakeFirstOrThrow();

describe('members', () => {
  it('lists owners, admins and members, with a form per row and an add form', async () => {
    const page = await owner.browser.get(url());
    expect(page.status).toBe(200);
    expect(emails(page)).toEqual([team.owner.email, team.admin.email, team.member.email]);
    expect(page.body).toContain(`aria-label="Role of ${team.member.email}"`);
    expect(page.body).toContain(`aria-label="Remove ${team.member.email}">Remove</button>`);
    expect(page.body).toContain('<label for="member-email">Email</label>');
    expect(owner.landing.body).toContain('>Members</a>');
  });

  it('adds an existing account; an unknown email is the form again with the alert and the values kept', async () => {
    const newcomer = await createTestAccount(t.app.db);
    const missing = await owner.browser.post(url(), { _csrf: owner.csrf, email: 'nobody@nowhere.example', role: 'admin' });
    expect(missing.status).toBe(400);
    expect(alertOf(missing)).toContain('there is no account with the email nobody@nowhere.example');
    expect(missing.body).toContain('value="nobody@nowhere.example"');
    expect(missing.body).toContain('<option value="admin" selected>admin</option>');

    const added = await owner.browser.post(url(), { _csrf: owner.csrf, email: newcomer.email, role: 'admin' });
    expect(added.status).toBe(303);
    expect(added.location).toBe(url('?done=added'));
    const page = await owner.browser.get(added.location!);
    expect(text(page)).toContain('Member added.');
    expect(emails(page)).toContain(newcomer.email);
    expect(await roleOf(newcomer.user.id)).toBe('admin');
    expect((await audited('member.added'))[0]).toMatchObject({ actor_kind: 'user', actor_id: team.owner.user.id, details: { user_id: newcomer.user.id, role: 'admin' } });

    const again = await owner.browser.post(url(), { _csrf: owner.csrf, email: newcomer.email, role: 'member' });
    expect(again.status).toBe(409);
    expect(alertOf(again)).toContain('is already a member');
  });

  it('changes a role, audited; the last owner cannot be demoted', async () => {
    const changed = await owner.browser.post(url(`/${team.member.user.id}/role`), { _csrf: owner.csrf, role: 'admin' });
    expect(changed.status).toBe(303);
    expect(await roleOf(team.member.user.id)).toBe('admin');
    expect((await audited('member.role_changed'))[0]).toMatchObject({
      actor_id: team.owner.user.id,
      details: { user_id: team.member.user.id, role: 'admin', previous_role: 'member' },
    });
    await owner.browser.post(url(`/${team.member.user.id}/role`), { _csrf: owner.csrf, role: 'member' });

    const demote = await owner.browser.post(url(`/${team.owner.user.id}/role`), { _csrf: owner.csrf, role: 'admin' });
    expect(demote.status).toBe(409);
    expect(alertOf(demote)).toContain(`${team.owner.email} is the only owner`);
    expect(await roleOf(team.owner.user.id)).toBe('owner');
  });

  it('removes after Confirm; the removed person loses the business at once', async () => {
    const leaver = await createTestAccount(t.app.db);
    await owner.browser.post(url(), { _csrf: owner.csrf, email: leaver.email, role: 'member' });
    const session = await signInOverHttp(t.baseUrl, leaver.email, leaver.password);
    expect((await session.browser.get(`${t.baseUrl}/dashboard/${team.business.slug}/calls`)).status).toBe(200);

    const asked = await owner.browser.post(url(`/${leaver.user.id}/remove`), { _csrf: owner.csrf });
    expect(asked.status).toBe(200);
    expect(text(asked)).toContain(`Remove ${leaver.email}?`);
    expect(asked.body).toContain('class="danger">Confirm</button>');
    expect(await roleOf(leaver.user.id)).toBe('member');

    const removed = await owner.browser.post(url(`/${leaver.user.id}/remove`), { _csrf: owner.csrf, confirm: 'yes' });
    expect(removed.status).toBe(303);
    expect(await roleOf(leaver.user.id)).toBeUndefined();
    expect((await audited('member.removed'))[0]).toMatchObject({ actor_id: team.owner.user.id, details: { user_id: leaver.user.id, previous_role: 'member' } });
    expect((await session.browser.get(`${t.baseUrl}/dashboard/${team.business.slug}/calls`)).status).toBe(404);
  });

  it('the last owner cannot be removed', async () => {
    const res = await owner.browser.post(url(`/${team.owner.user.id}/remove`), { _csrf: owner.csrf, confirm: 'yes' });
    expect(res.status).toBe(409);
    expect(alertOf(res)).toContain('is the only owner');
    expect(await roleOf(team.owner.user.id)).toBe('owner');
  });

  it('security: an admin gets 403 on the page and on every change, and nothing changes', async () => {
    const admin = await signInOverHttp(t.baseUrl, team.admin.email, team.admin.password);
    expect(admin.landing.body).not.toContain('>Members</a>');
    expect((await admin.browser.get(url())).status).toBe(403);
    expect((await admin.browser.post(url(`/${team.member.user.id}/role`), { _csrf: admin.csrf, role: 'owner' })).status).toBe(403);
    expect((await admin.browser.post(url(`/${team.member.user.id}/remove`), { _csrf: admin.csrf, confirm: 'yes' })).status).toBe(403);
    expect(await roleOf(team.member.user.id)).toBe('member');
  });

  it('security: another business’s person is 404; a POST without the CSRF token is 403', async () => {
    expect((await owner.browser.post(url(`/${other.member.user.id}/role`), { _csrf: owner.csrf, role: 'owner' })).status).toBe(404);
    expect((await owner.browser.post(url(`/${other.member.user.id}/remove`), { _csrf: owner.csrf })).status).toBe(404);
    expect((await owner.browser.post(url(`/${team.member.user.id}/role`), { role: 'owner' })).status).toBe(403);
    expect(await roleOf(team.member.user.id)).toBe('member');
  });

  it('removing keeps their past appointments under their name, revokes their keys and connected apps, and takes them off the staff alerts', async () => {
    const leaver = await addLeaver('Dana Departing');
    await t.app.db.kysely.updateTable('users').set({ phone: '+12125550188' }).where('id', '=', leaver.user.id).execute();
    const colleague = await insertStaff(t.app.db, team.business.id, 'Colleague', null);
    const typeId = await insertAppointmentType(t.app.db, team.business.id, [leaver.staffId, colleague], { name: 'Roof inspection' });
    await insertAppointment(leaver.staffId, typeId, new Date('2026-11-20T17:00:00Z'), 'completed');
    await t.app.db.kysely
      .insertInto('notification_settings')
      .values({ business_id: team.business.id, notification_phone: '+12125550188', sms_notifications: true })
      .onConflict((oc) => oc.column('business_id').doUpdateSet({ notification_phone: '+12125550188', sms_notifications: true }))
      .execute();
    await t.app.db.kysely
      .insertInto('escalation_rules')
      .values({ business_id: team.business.id, trigger: 'emergency', notify: leaver.email, channel: 'email', position: 0 })
      .execute();
    const { key } = await insertApiKey(t.app.db, team.business.id, { name: 'dana-laptop', scopes: SCOPES, createdBy: leaver.user.id });
    const grantId = randomBytes(16).toString('base64url');
    await createGrantsRepository(t.app.db.kysely).insert({
      grantId,
      businessId: team.business.id,
      userId: leaver.user.id,
      clientId: 'dana-client',
      clientName: 'Dana’s app',
      scopes: ['calls:read'],
      expiresInSeconds: 86_400,
    });
    const mcp = () => post(t.mcpUrl, initialize(), { authorization: `Bearer ${key}` });
    expect((await mcp()).status).toBe(200);

    const asked = await owner.browser.post(url(`/${leaver.user.id}/remove`), { _csrf: owner.csrf });
    expect(text(asked)).toContain(`The API key they created for ${team.business.name} is revoked too, and stops working at once: dana-laptop`);
    expect(text(asked)).not.toContain('stay until an admin revokes them');

    const removed = await owner.browser.post(url(`/${leaver.user.id}/remove`), { _csrf: owner.csrf, confirm: 'yes' });
    expect(removed.status).toBe(303);
    expect(await roleOf(leaver.user.id)).toBeUndefined();
    expect((await mcp()).status).toBe(401);

    const day = await owner.browser.get(`${t.baseUrl}/dashboard/${team.business.slug}/appointments?date=2026-11-20`);
    expect(day.status).toBe(200);
    expect(text(day)).toContain('Roof inspection Dana Departing');
    expect(await t.app.db.kysely.selectFrom('staff_members').selectAll().where('id', '=', leaver.staffId).executeTakeFirstOrThrow()).toMatchObject({
      user_id: null,
      name: 'Dana Departing',
      do_not_disturb: true,
    });
    expect(await t.app.db.kysely.selectFrom('notification_settings').selectAll().where('business_id', '=', team.business.id).executeTakeFirstOrThrow()).toMatchObject({
      notification_phone: null,
      sms_notifications: false,
    });
    expect(await t.app.db.kysely.selectFrom('escalation_rules').select('notify').where('business_id', '=', team.business.id).where('notify', '=', leaver.email).execute()).toEqual(
      [],
    );
    expect(await t.app.db.kysely.selectFrom('appointment_type_staff').select('staff_id').where('appointment_type_id', '=', typeId).execute()).toEqual([{ staff_id: colleague }]);

    expect((await audited('api_key.revoked'))[0]).toMatchObject({
      actor_id: team.owner.user.id,
      details: { name: 'dana-laptop', reason: 'member_removed', created_by: leaver.user.id },
    });
    expect((await t.app.db.kysely.selectFrom('oauth_grants').select('revoked_at').where('grant_id', '=', grantId).executeTakeFirstOrThrow()).revoked_at).not.toBeNull();
    expect((await audited('grant.revoked'))[0]).toMatchObject({ actor_id: team.owner.user.id, details: { grant_id: grantId, connected_by: leaver.user.id } });
  });

  it('removing someone with upcoming appointments is refused with the count; they stay a member', async () => {
    const busy = await addLeaver('Busy Bee');
    const typeId = await insertAppointmentType(t.app.db, team.business.id, [busy.staffId], { name: 'Gutter check' });
    const soon = Date.now() + 86_400_000;
    for (const offset of [0, 1, 2]) await insertAppointment(busy.staffId, typeId, new Date(soon + offset * 86_400_000), 'booked');
    const res = await owner.browser.post(url(`/${busy.user.id}/remove`), { _csrf: owner.csrf, confirm: 'yes' });
    expect(res.status).toBe(409);
    expect(alertOf(res)).toContain(`${busy.email} has 3 upcoming appointments: reassign or cancel them first.`);
    expect(await roleOf(busy.user.id)).toBe('member');
  });

  it('removing the target of a transfer tool is refused, naming the tool', async () => {
    const target = await addLeaver('Tess Transfer');
    await t.app.db.kysely
      .insertInto('agent_tools')
      .values({ business_id: team.business.id, type: 'transfer_to_user', name: 'transfer_to_tess', config: JSON.stringify({ message: null }), staff_id: target.staffId })
      .execute();
    const res = await owner.browser.post(url(`/${target.user.id}/remove`), { _csrf: owner.csrf, confirm: 'yes' });
    expect(res.status).toBe(409);
    expect(alertOf(res)).toContain(`${target.email} is the transfer target of the agent tool transfer_to_tess: point it at someone else or delete it first.`);
    expect(await roleOf(target.user.id)).toBe('member');
  });
});
