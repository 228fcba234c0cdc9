// Reading the audit log back: the dashboard's filtered, newest-first pages, and the names behind
// the ids an audit row (or an approval's requester) carries. Writes stay in audit.repository.ts.
import { sql } from 'kysely';
import type { ActorKind } from '../../../db/schema.js';
import type { TenantTx } from '../../shared/db.js';
import { isUuid } from '../../shared/ids.js';
import { type AuditRecord, toAuditRecord } from './audit.repository.js';

export interface AuditFilters {
  action?: string | undefined;
  outcome?: string | undefined;
  /** Matches the actor id (user, key, system name) or the OAuth client id. */
  actorId?: string | undefined;
  /** Inclusive lower bound. */
  from?: Date | undefined;
  /** Exclusive upper bound. */
  to?: Date | undefined;
}

/**
 * Where the next page starts. `at` is the row's created_at as Postgres text with microseconds: a JS
 * Date keeps milliseconds only, and rows written in one transaction share the same now(), so a
 * cursor rounded to milliseconds would skip or repeat rows.
 */
export interface AuditCursor {
  at: string;
  id: string;
}

/** A row of a page: the stored record and where the page after it starts. */
export interface AuditRow extends AuditRecord {
  cursor: AuditCursor;
}

export interface ActorRef {
  kind: ActorKind | string;
  id: string | null;
  clientId: string | null;
}

/** Display names for actor ids; an id absent from a map is unknown (a deleted key, a former member). */
export interface ActorNames {
  users: Map<string, { email: string; name: string | null }>;
  keys: Map<string, string>;
  clients: Map<string, string>;
}

const CURSOR_AT = sql<string>`to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

export function createAuditQueryRepository(tx: TenantTx, businessId: string) {
  return {
    /**
     * Newest first, `limit` rows plus one to tell whether more follow. The order (created_at desc,
     * id asc) is the one of audit_log_list_idx and audit_log_action_idx, so a page is an index range.
     */
    async page(filters: AuditFilters, page: { after?: AuditCursor | undefined; limit: number }): Promise<AuditRow[]> {
      let q = tx.selectFrom('audit_log').selectAll().select(CURSOR_AT.as('cursor_at')).where('business_id', '=', businessId);
      if (filters.action) q = q.where('action', '=', filters.action);
      if (filters.outcome) q = q.where('outcome', '=', filters.outcome);
      if (filters.actorId) {
        const actorId = filters.actorId;
        q = q.where((eb) => eb.or([eb('actor_id', '=', actorId), eb('client_id', '=', actorId)]));
      }
      if (filters.from) q = q.where('created_at', '>=', filters.from);
      if (filters.to) q = q.where('created_at', '<', filters.to);
      const after = page.after;
      if (after) {
        const at = sql<Date>`${after.at}::timestamptz`;
        q = q.where((eb) => eb.or([eb('created_at', '<', at), eb.and([eb('created_at', '=', at), eb('id', '>', after.id)])]));
      }
      const rows = await q
        .orderBy('created_at', 'desc')
        .orderBy('id', 'asc')
        .limit(page.limit + 1)
        .execute();
      return rows.map((r) => ({ ...toAuditRecord(r), cursor: { at: r.cursor_at, id: r.id } }));
    },

    /** A current member's user id by email (row-level security shows only this business's staff). */
    async memberIdByEmail(email: string): Promise<string | undefined> {
      const row = await tx
        .selectFrom('users as u')
        .innerJoin('memberships as m', 'm.user_id', 'u.id')
        .select('u.id')
        .where('m.business_id', '=', businessId)
        .where('u.email', '=', email.trim().toLowerCase())
        .executeTakeFirst();
      return row?.id;
    },

    /** The emails, key names and client names behind a set of actor references, in three queries at most. */
    async actorNames(refs: readonly ActorRef[]): Promise<ActorNames> {
      const userIds = new Set<string>();
      const keyIds = new Set<string>();
      const clientIds = new Set<string>();
      for (const ref of refs) {
        if ((ref.kind === 'user' || ref.kind === 'oauth') && isUuid(ref.id)) userIds.add(ref.id);
        if (ref.kind === 'api_key' && isUuid(ref.id)) keyIds.add(ref.id);
        if (ref.clientId) clientIds.add(ref.clientId);
      }
      const names: ActorNames = { users: new Map(), keys: new Map(), clients: new Map() };
      if (userIds.size) {
        const rows = await tx
          .selectFrom('users')
          .select(['id', 'email', 'name'])
          .where('id', 'in', [...userIds])
          .execute();
        for (const r of rows) names.users.set(r.id, { email: r.email, name: r.name });
      }
      if (keyIds.size) {
        const rows = await tx
          .selectFrom('api_keys')
          .select(['id', 'name'])
          .where('business_id', '=', businessId)
          .where('id', 'in', [...keyIds])
          .execute();
        for (const r of rows) names.keys.set(r.id, r.name);
      }
      if (clientIds.size) {
        const rows = await tx
          .selectFrom('oauth_grants')
          .select(['client_id', (eb) => eb.fn.max('client_name').as('client_name')])
          .where('business_id', '=', businessId)
          .where('client_id', 'in', [...clientIds])
          .groupBy('client_id')
          .execute();
        for (const r of rows) if (r.client_name) names.clients.set(r.client_id, r.client_name);
      }
      return names;
    },
  };
}
