// Who is acting. Every service that causes or records an effect takes an Actor, so the audit row,
// the change history and the role checks all speak about the same party. The MCP layer maps its
// verified credential to one of these (src/resource/auth/actor.ts: the domain does not know the
// credential type); the dashboard passes its signed-in user; timers pass system.
import type { ActorKind } from '../../../db/schema.js';
import type { Scope } from '../../scopes/index.js';

export type Actor =
  /** An OAuth access token: a user who consented, through a client, for one business. */
  | { kind: 'oauth'; userId: string; clientId: string | null; scopes: readonly Scope[] }
  /**
   * A `kc_live_` API key. It has no person at the keyboard; where a person's role matters it
   * speaks for the member who issued it (api_keys.created_by, read at the time; see authority.ts).
   */
  | { kind: 'api_key'; apiKeyId: string; scopes: readonly Scope[] }
  /** A signed-in dashboard user. */
  | { kind: 'user'; userId: string }
  /** The server itself: the dialer, provider events, recovery after a restart. */
  | { kind: 'system'; name: string };

/** The audit columns for an actor: ids only, never a secret. */
export function auditActor(actor: Actor): { actorKind: ActorKind; actorId: string | null; clientId: string | null } {
  switch (actor.kind) {
    case 'oauth':
      return { actorKind: 'oauth', actorId: actor.userId, clientId: actor.clientId };
    case 'api_key':
      return { actorKind: 'api_key', actorId: actor.apiKeyId, clientId: null };
    case 'user':
      return { actorKind: 'user', actorId: actor.userId, clientId: null };
    case 'system':
      return { actorKind: 'system', actorId: actor.name, clientId: null };
  }
}

/** A short stable label for text columns such as `created_by` and `actor` (`api_key:<id>`). */
export function actorLabel(actor: Actor): string {
  switch (actor.kind) {
    case 'oauth':
      return `oauth:${actor.userId}${actor.clientId ? `@${actor.clientId}` : ''}`;
    case 'api_key':
      return `api_key:${actor.apiKeyId}`;
    case 'user':
      return `user:${actor.userId}`;
    case 'system':
      return `system:${actor.name}`;
  }
}

export const SYSTEM_ACTOR = (name: string): Actor => ({ kind: 'system', name });
