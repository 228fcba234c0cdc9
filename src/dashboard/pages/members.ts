// Members (owner only): who belongs to the business and with which role; add an existing account,
// change a role, remove someone (after a confirmation). The rules live in the members service: only
// an owner, checked again in the same transaction, and the last owner can be neither demoted nor
// removed. Every change is audited there with the owner as the actor. Removing also revokes the API
// keys they created (in the service's transaction) and then their connected apps (here: authz's).
import type { Role } from '../../../db/schema.js';
import { createApiKeyManagement } from '../../authz/api-keys.js';
import { createConnectedApps } from '../../authz/connected-apps.js';
import { ROLES } from '../../domain/members/members.types.js';
import { AppError, httpStatusOf } from '../../shared/errors.js';
import { html, type SafeHtml } from '../../shared/html.js';
import { alertBox, businessPath, csrfField, formText, type PageContext, type PageModule, seeOther } from '../context.js';
import { formatTime, listTable, renderPage } from '../layout.js';

const ROLE_WORDS: Record<Role, string> = {
  owner: 'Owner: everything, including members',
  admin: 'Admin: all keys and apps, approvals, audit log',
  member: 'Member: own keys and apps, reads approvals and calls',
};

const DONE: Record<string, string> = {
  added: 'Member added.',
  changed: 'Role changed.',
  removed: 'Member removed. Their apps, tokens and API keys no longer reach this business.',
};

/** Refusals shown on the page itself (with the status shared/errors.ts maps them to); any other error gets the error page. */
const SHOWN_ON_PAGE: ReadonlySet<AppError['code']> = new Set(['invalid_argument', 'conflict', 'not_found']);

interface MembersForm {
  /** The error, shown at the top of the list (`list`) or of the add form (`add`). */
  error?: { where: 'list' | 'add'; message: string };
  email?: string;
  role?: string;
  status?: number;
}

function roleOptions(current: string): SafeHtml[] {
  return ROLES.map((r) => html`<option value="${r}"${r === current ? html` selected` : ''}>${r}</option>`);
}

export const membersPages: PageModule = (routes, { db, domain, log }) => {
  const keyManagement = createApiKeyManagement(db);
  const connectedApps = createConnectedApps(db);

  /**
   * Their OAuth connections already fail (the token check requires the membership); revoking the
   * grants as well ends refresh tokens, clears them from Connected apps, and audits each with the
   * owner as actor. Runs after the removal has committed (the grants' store is authz's, which the
   * members service cannot reach), so it never fails the request: a grant left behind here no
   * longer works, and is logged.
   */
  async function revokeConnections(ctx: PageContext, userId: string): Promise<void> {
    const businessId = ctx.state.business.id;
    const owner = { userId: ctx.state.user.id, role: 'owner' as const };
    try {
      for (const app of await connectedApps.listFor(businessId, { userId, role: 'member' })) {
        await connectedApps.revokeFor(businessId, owner, app.grantId).catch((err: unknown) => {
          // Revoked meanwhile (not found) is the outcome wanted.
          if (!(err instanceof AppError && err.code === 'not_found')) throw err;
        });
      }
    } catch (err) {
      log.warn({ err, business_id: businessId, user_id: userId }, 'revoking a removed member’s connected apps failed');
    }
  }

  async function membersPage(ctx: PageContext, form: MembersForm = {}): Promise<void> {
    const { business } = ctx.state;
    const members = await domain.members.list(business.id);
    const done = typeof ctx.query.done === 'string' ? DONE[ctx.query.done] : undefined;
    renderPage(ctx, {
      title: 'Members',
      active: 'members',
      status: form.status,
      body: html`<h1>Members</h1>
${done && !form.error ? html`<p class="notice" role="status">${done}</p>` : ''}
${form.error?.where === 'list' ? alertBox(form.error.message) : ''}
${listTable({
  caption: `People of ${business.name}`,
  columns: ['Email', 'Name', 'Role', 'Member since', 'Change role', 'Remove'],
  rows: members.map((m) => [
    m.email,
    m.name ?? '—',
    m.role,
    formatTime(ctx.state, m.since),
    html`<form method="post" action="${businessPath(ctx, `/members/${m.userId}/role`)}" class="inline">
${csrfField(ctx)}<select name="role" aria-label="Role of ${m.email}">${roleOptions(m.role)}</select>
<button type="submit" class="secondary" aria-label="Change role of ${m.email}">Change role</button></form>`,
    html`<form method="post" action="${businessPath(ctx, `/members/${m.userId}/remove`)}">
${csrfField(ctx)}<button type="submit" class="danger" aria-label="Remove ${m.email}">Remove</button></form>`,
  ]),
  empty: 'No members.',
})}
<p class="muted">A business always keeps at least one owner: make someone else owner before you change or remove the last one.</p>
<h2>Add a member</h2>
${form.error?.where === 'add' ? alertBox(form.error.message) : ''}
<form method="post" action="${businessPath(ctx, '/members')}" novalidate>
${csrfField(ctx)}
<label for="member-email">Email</label>
<input type="email" id="member-email" name="email" autocomplete="off" required value="${form.email ?? ''}" aria-describedby="member-email-hint">
<p class="muted" id="member-email-hint">The email of their KaiCalls account; they must have one already.</p>
<label for="member-role">Role</label>
<select id="member-role" name="role">${roleOptions(form.role ?? 'member')}</select>
<ul class="muted">${ROLES.map((r) => html`<li>${ROLE_WORDS[r]}</li>`)}</ul>
<div class="actions"><button type="submit">Add member</button></div>
</form>`,
    });
  }

  /** A refusal from the members service as the page again with the message; anything else propagates. */
  async function refused(ctx: PageContext, err: unknown, form: MembersForm & { error: NonNullable<MembersForm['error']> }): Promise<void> {
    if (!(err instanceof AppError) || !SHOWN_ON_PAGE.has(err.code)) throw err;
    await membersPage(ctx, { ...form, error: { ...form.error, message: err.message }, status: httpStatusOf(err.code) });
  }

  routes.get('/members', 'owner', (ctx) => membersPage(ctx));

  routes.post('/members', 'owner', async (ctx) => {
    const email = formText(ctx, 'email');
    const role = formText(ctx, 'role');
    try {
      await domain.members.add({ business: ctx.state.business, actorUserId: ctx.state.user.id, email, role: role as Role });
      seeOther(ctx, businessPath(ctx, '/members?done=added'));
    } catch (err) {
      await refused(ctx, err, { email, role, error: { where: 'add', message: '' } });
    }
  });

  routes.post('/members/:userId/role', 'owner', async (ctx) => {
    try {
      await domain.members.changeRole({ business: ctx.state.business, actorUserId: ctx.state.user.id, userId: ctx.params.userId!, role: formText(ctx, 'role') as Role });
      seeOther(ctx, businessPath(ctx, '/members?done=changed'));
    } catch (err) {
      await refused(ctx, err, { error: { where: 'list', message: '' } });
    }
  });

  // Removing is asked twice: the row's Remove button shows this confirmation, whose Confirm removes.
  routes.post('/members/:userId/remove', 'owner', async (ctx) => {
    const userId = ctx.params.userId!;
    if (formText(ctx, 'confirm') !== 'yes') {
      const member = (await domain.members.list(ctx.state.business.id)).find((m) => m.userId === userId);
      if (!member) throw new AppError('not_found', 'Member not found');
      const keys = (await keyManagement.list(ctx.state.business.id, { userId, role: 'member' })).filter(
        (k) => !k.revokedAt && !(k.expiresAt && k.expiresAt.getTime() <= Date.now()),
      );
      return renderPage(ctx, {
        title: 'Remove member',
        active: 'members',
        body: html`<h1>Remove ${member.email}?</h1>
<p>${member.email} (${member.role}) will no longer see ${ctx.state.business.name}, and the apps they connected to it are disconnected: their access ends within seconds.</p>
${
  keys.length
    ? html`<p>The ${keys.length === 1 ? 'API key' : `${keys.length} API keys`} they created for ${ctx.state.business.name} ${keys.length === 1 ? 'is' : 'are'} revoked too, and stop${keys.length === 1 ? 's' : ''} working at once: ${keys.map((k, i) => html`${i ? ', ' : ''}<strong>${k.name}</strong> (${k.prefix}…${k.kind === 'runtime' ? ', runtime key: in-call tools using it stop until you create a new one' : ''})`)}.</p>`
    : html`<p>They created no API keys for ${ctx.state.business.name} that still work.</p>`
}
<p>Their staff directory entry stays, under their name, for past calls and appointments, but receives nothing: no transfers, alerts, queue calls or bookings.</p>
<form method="post" action="${businessPath(ctx, `/members/${userId}/remove`)}">
${csrfField(ctx)}<input type="hidden" name="confirm" value="yes">
<div class="actions"><button type="submit" class="danger">Confirm</button> <a href="${businessPath(ctx, '/members')}">Cancel</a></div>
</form>`,
      });
    }
    try {
      await domain.members.remove({ business: ctx.state.business, actorUserId: ctx.state.user.id, userId });
    } catch (err) {
      return refused(ctx, err, { error: { where: 'list', message: '' } });
    }
    await revokeConnections(ctx, userId);
    // Removing oneself leaves nothing of this business to show.
    seeOther(ctx, userId === ctx.state.user.id ? '/dashboard' : businessPath(ctx, '/members?done=removed'));
  });
};
