// Dashboard sessions at rest: the SHA-256 of the session id, its user and its two clocks. Looked up
// by hash before the user is known, so this is system work on the owner connection (like an API key
// by its hash); the session id itself never reaches this module.
import { sql } from 'kysely';
import type { OwnerDb } from '../shared/db.js';

export interface StoredSession {
  userId: string;
  lastSeenAt: Date;
  expiresAt: Date;
}

export function createSessionsRepository(db: OwnerDb) {
  return {
    async insert(idHash: string, userId: string, maxAgeSeconds: number): Promise<void> {
      await db
        .insertInto('dashboard_sessions')
        .values({ id_hash: idHash, user_id: userId, expires_at: sql<Date>`now() + make_interval(secs => ${maxAgeSeconds})` })
        .execute();
    },

    /**
     * The live session with this hash (within both lifetimes, by the database's clock, so all nodes
     * agree), its idle clock restarted. `touchAfterSeconds` spares a write per page view: the clock
     * moves only when it is that old, and only while the session is still live, so a session that
     * went idle in between is never revived.
     */
    async findLive(idHash: string, idleSeconds: number, touchAfterSeconds: number): Promise<StoredSession | undefined> {
      const live = await db
        .selectFrom('dashboard_sessions')
        .select(['user_id', 'last_seen_at', 'expires_at'])
        .where('id_hash', '=', idHash)
        .where('expires_at', '>', sql<Date>`now()`)
        .where('last_seen_at', '>', sql<Date>`now() - make_interval(secs => ${idleSeconds})`)
        .executeTakeFirst();
      if (!live) return undefined;
      if (Date.now() - live.last_seen_at.getTime() > touchAfterSeconds * 1000) {
        await db
          .updateTable('dashboard_sessions')
          .set({ last_seen_at: sql<Date>`now()` })
          .where('id_hash', '=', idHash)
          .where('last_seen_at', '>', sql<Date>`now() - make_interval(secs => ${idleSeconds})`)
          .execute();
      }
      return { userId: live.user_id, lastSeenAt: live.last_seen_at, expiresAt: live.expires_at };
    },

    async delete(idHash: string): Promise<void> {
      await db.deleteFrom('dashboard_sessions').where('id_hash', '=', idHash).execute();
    },

    /** Housekeeping: sessions past their absolute lifetime or idle for longer than `idleSeconds`. */
    async deleteEnded(idleSeconds: number): Promise<void> {
      await db
        .deleteFrom('dashboard_sessions')
        .where((eb) => eb.or([eb('expires_at', '<=', sql<Date>`now()`), eb('last_seen_at', '<=', sql<Date>`now() - make_interval(secs => ${idleSeconds})`)]))
        .execute();
    },
  };
}
