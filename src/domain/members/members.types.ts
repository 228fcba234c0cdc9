// Who belongs to a business, and with which role; and what a change of role asks and answers.
import type { Role } from '../../../db/schema.js';
import type { Actor } from '../audit/actor.js';

export const ROLES = ['owner', 'admin', 'member'] as const satisfies readonly Role[];

/** Add a user to a business with a role, or change the role they have there. */
export interface RoleChange {
  /** The slug names the business in a refusal. */
  business: { id: string; slug: string };
  /** The email names the user in a refusal. */
  user: { id: string; email: string };
  role: Role;
  actor: Actor;
}

export interface RoleChangeResult {
  /** The role the user had before, or null when they were not a member. */
  previous: Role | null;
  /** False when the user already had that role: nothing was written. */
  changed: boolean;
}

/** A member of a business as the Members page lists them. */
export interface Member {
  userId: string;
  email: string;
  name: string | null;
  role: Role;
  /** When they joined the business. */
  since: Date;
}

/** The dashboard's member changes: made by a signed-in owner of the business. */
export interface MemberChangeBase {
  business: { id: string; slug: string };
  /** The signed-in user making the change; must be an owner of the business. */
  actorUserId: string;
}
