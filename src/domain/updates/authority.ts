// Who may authorize what. Two questions, answered from memberships in the same unit of work:
//
// 1. Role of the acting person (requireAdmin): an OAuth token and a dashboard session are a person;
//    an API key has no person at the keyboard, so it speaks for the member who issued it
//    (api_keys.created_by) and carries that member's CURRENT role — never more than its issuer
//    could do, and nothing once the issuer is demoted or removed. A key with no issuer is refused.
//    This is the safer of the two readings (the other — "a key acts for the whole business" —
//    would let any holder of a leaked key exercise admin powers).
//
// 2. Authority for a high-impact change (verifyAuthority): the envelope is a person's statement,
//    recorded in the approval trail. It must name the acting person (the OAuth user, the key's
//    issuer), so a client cannot borrow an admin's name, and that person must be an admin or owner
//    now. The envelope is an attestation bound to an authenticated party, not a second factor: for
//    sign-off by a human in our own UI, use queue_for_approval and the dashboard.
import { z } from 'zod';
import type { Role } from '../../../db/schema.js';
import type { TenantTx } from '../../shared/db.js';
import { AppError } from '../../shared/errors.js';
import type { Actor } from '../audit/actor.js';
import { createUpdatesRepository } from './updates.repository.js';

export const ADMIN_ROLES: readonly Role[] = ['owner', 'admin'];

/** The authority envelope of a high-impact request. */
export const AuthorityEnvelopeSchema = z
  .strictObject({
    user_email: z.string().trim().email().max(320).optional().describe('Email of the admin or owner who authorizes the change'),
    user_id: z.string().uuid().optional().describe('User id of the admin or owner who authorizes the change (alternative to user_email)'),
    statement: z.string().trim().min(10).max(2000).describe("The person's own words authorizing this change, recorded in the approval trail"),
  })
  .refine((a) => a.user_email !== undefined || a.user_id !== undefined, { message: 'authority needs user_email or user_id', path: ['user_email'] });

export type AuthorityEnvelope = z.infer<typeof AuthorityEnvelopeSchema>;

export type AuthorityVerdict = { ok: true; userId: string; email: string; role: Role; statement: string } | { ok: false; reason: string };

/** The person an actor speaks for: the user, or an API key's issuer (null: nobody). */
export async function actingPerson(tx: TenantTx, businessId: string, actor: Actor): Promise<string | null> {
  switch (actor.kind) {
    case 'oauth':
    case 'user':
      return actor.userId;
    case 'api_key':
      return createUpdatesRepository(tx, businessId).apiKeyIssuer(actor.apiKeyId);
    case 'system':
      return null;
  }
}

/** Checks an authority envelope against the actor and the business's memberships. */
export async function verifyAuthority(tx: TenantTx, businessId: string, actor: Actor, envelope: AuthorityEnvelope): Promise<AuthorityVerdict> {
  const person = await actingPerson(tx, businessId, actor);
  if (!person) {
    return {
      ok: false,
      reason:
        actor.kind === 'api_key' ? 'This API key has no issuing user, so no one can vouch through it; use queue_for_approval instead.' : 'System actors cannot give authority.',
    };
  }
  const repo = createUpdatesRepository(tx, businessId);
  const member = await repo.findMember({ userId: envelope.user_id, email: envelope.user_email });
  const acting = await repo.findMember({ userId: person });
  if (!member || !acting || member.id !== acting.id) {
    const who = actor.kind === 'api_key' ? "the API key's issuer" : 'the signed-in user';
    return { ok: false, reason: `authority must come from ${who}, who must be a member of this business; the named person is not.` };
  }
  if (!ADMIN_ROLES.includes(member.role)) {
    return { ok: false, reason: `authority needs an admin or owner of this business; ${member.email} is a ${member.role}.` };
  }
  return { ok: true, userId: member.id, email: member.email, role: member.role, statement: envelope.statement };
}

/** The acting person's role in the business, per the rules in the header (undefined: none). */
export async function actingRole(tx: TenantTx, businessId: string, actor: Actor): Promise<{ userId: string; role: Role } | undefined> {
  const person = await actingPerson(tx, businessId, actor);
  if (!person) return undefined;
  const role = await createUpdatesRepository(tx, businessId).memberRole(person);
  return role && { userId: person, role };
}

/** Refuses (forbidden) unless the acting person is an admin or owner of the business. */
export async function requireAdmin(tx: TenantTx, businessId: string, actor: Actor, what: string): Promise<{ userId: string; role: Role }> {
  const acting = await actingRole(tx, businessId, actor);
  if (!acting || !ADMIN_ROLES.includes(acting.role)) {
    const subject =
      actor.kind === 'api_key'
        ? acting
          ? "This API key's issuer is not an admin or owner of the business"
          : 'This API key has no issuing member of this business, so it cannot act with the admin role'
        : actor.kind === 'system'
          ? 'A system actor has no role'
          : 'You are not an admin or owner of this business';
    throw new AppError('forbidden', `${subject}: ${what} requires the admin role.`, { required_role: 'admin' });
  }
  return acting;
}
