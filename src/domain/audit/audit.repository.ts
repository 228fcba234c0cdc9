import type { Selectable } from 'kysely';
import type { ActorKind, AuditLogTable } from '../../../db/schema.js';
import type { TenantTx, OwnerDb } from '../../shared/db.js';
import { type Actor, auditActor } from './actor.js';

export interface AuditEntry {
  businessId: string;
  actorKind: ActorKind;
  /** API key id, user id, or OAuth subject; never a secret. */
  actorId: string | null;
  clientId?: string | null;
  /** Tool name (`make_call`) or event (`approval.approved`, `call.completed`). */
  action: string;
  outcome: 'success' | 'error' | 'denied' | string;
  errorCode?: string | null;
  durationMs?: number | null;
  details?: Record<string, unknown>;
}

export interface AuditRecord extends Required<Omit<AuditEntry, 'details'>> {
  id: string;
  details: Record<string, unknown>;
  createdAt: Date;
}

/** An audit_log row as the domain reads it (this file's list, the dashboard's pages in audit-query.repository.ts). */
export const toAuditRecord = (r: Selectable<AuditLogTable>): AuditRecord => ({
  id: r.id,
  businessId: r.business_id,
  actorKind: r.actor_kind,
  actorId: r.actor_id,
  clientId: r.client_id,
  action: r.action,
  outcome: r.outcome,
  errorCode: r.error_code,
  durationMs: r.duration_ms,
  details: r.details,
  createdAt: r.created_at,
});

export function createAuditRepository(db: OwnerDb | TenantTx) {
  const row = (entry: AuditEntry) => ({
    business_id: entry.businessId,
    actor_kind: entry.actorKind,
    actor_id: entry.actorId,
    client_id: entry.clientId ?? null,
    action: entry.action,
    outcome: entry.outcome,
    error_code: entry.errorCode ?? null,
    duration_ms: entry.durationMs == null ? null : Math.round(entry.durationMs),
    details: JSON.stringify(entry.details ?? {}),
  });
  const insert = (entry: AuditEntry) => db.insertInto('audit_log').values(row(entry));

  return {
    async append(entry: AuditEntry): Promise<void> {
      await insert(entry).execute();
    },

    /** A service's record that `actor` did `action` (tool calls are written by the tool runner). */
    async recordAction(businessId: string, actor: Actor, action: string, details: Record<string, unknown>): Promise<void> {
      await insert({ businessId, ...auditActor(actor), action, outcome: 'success', details }).execute();
    },

    /** The insert of `append`, unexecuted: the closing write of a unit of work (shared/db.ts ClosingWrite). */
    appendStatement: insert,

    /** Several rows in one statement (audit-batch.ts); as many distinct statements as batch sizes, so bounded by the batch's limit. */
    appendManyStatement: (entries: readonly AuditEntry[]) => db.insertInto('audit_log').values(entries.map(row)),

    async list(businessId: string, options: { limit: number; offset: number; action?: string }): Promise<AuditRecord[]> {
      let q = db.selectFrom('audit_log').selectAll().where('business_id', '=', businessId);
      if (options.action) q = q.where('action', '=', options.action);
      const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(options.limit).offset(options.offset).execute();
      return rows.map(toAuditRecord);
    },
  };
}
