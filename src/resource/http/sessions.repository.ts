// MCP sessions at rest: enough to recognise a session on any node and to rebuild it there (the
// client's initialize parameters). Ids are random UUIDs; nothing here is a secret on its own, and a
// session is useless without the credential it is bound to.
import { sql } from 'kysely';
import type { OwnerDb } from '../../shared/db.js';

export interface McpSessionRecord {
  id: string;
  surface: string;
  /** The credential the session is bound to (see credentials.ts principalOf), or null while anonymous. */
  principal: string | null;
  protocolVersion: string;
  clientInfo: Record<string, unknown>;
  clientCapabilities: Record<string, unknown>;
}

export function createMcpSessionsRepository(db: OwnerDb) {
  return {
    async insert(record: McpSessionRecord): Promise<void> {
      await db
        .insertInto('mcp_sessions')
        .values({
          id: record.id,
          surface: record.surface,
          principal: record.principal,
          protocol_version: record.protocolVersion,
          client_info: JSON.stringify(record.clientInfo),
          client_capabilities: JSON.stringify(record.clientCapabilities),
        })
        .execute();
    },

    /**
     * Marks a live session as used now and returns it; undefined when it is unknown, ended, or idle
     * for longer than `idleTtlSeconds`.
     */
    async touch(id: string, surface: string, idleTtlSeconds: number): Promise<McpSessionRecord | undefined> {
      const row = await db
        .updateTable('mcp_sessions')
        .set({ last_seen_at: sql<Date>`now()` })
        .where('id', '=', id)
        .where('surface', '=', surface)
        .where('ended_at', 'is', null)
        .where('last_seen_at', '>', sql<Date>`now() - make_interval(secs => ${idleTtlSeconds})`)
        .returning(['id', 'surface', 'principal', 'protocol_version', 'client_info', 'client_capabilities'])
        .executeTakeFirst();
      return row
        ? {
            id: row.id,
            surface: row.surface,
            principal: row.principal,
            protocolVersion: row.protocol_version,
            clientInfo: row.client_info,
            clientCapabilities: row.client_capabilities,
          }
        : undefined;
    },

    /**
     * Binds an anonymous session to `principal`, atomically: the first credential wins. Returns the
     * principal the session is bound to afterwards, or undefined when the session is not live.
     */
    async bind(id: string, surface: string, principal: string): Promise<string | undefined> {
      const row = await db
        .updateTable('mcp_sessions')
        .set({ principal: sql<string>`coalesce(principal, ${principal})` })
        .where('id', '=', id)
        .where('surface', '=', surface)
        .where('ended_at', 'is', null)
        .returning('principal')
        .executeTakeFirst();
      return row?.principal ?? undefined;
    },

    async end(id: string): Promise<void> {
      await db.updateTable('mcp_sessions').set({ ended_at: sql<Date>`now()` }).where('id', '=', id).where('ended_at', 'is', null).execute();
    },

    /** Forgets ended and expired sessions: both answer 404 either way. */
    async deleteStale(idleTtlSeconds: number): Promise<number> {
      const result = await db
        .deleteFrom('mcp_sessions')
        .where((eb) => eb.or([eb('ended_at', 'is not', null), eb('last_seen_at', '<', sql<Date>`now() - make_interval(secs => ${idleTtlSeconds})`)]))
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
