// The audit log as its readers see it (the dashboard's Audit log page, admin+): filtered by action
// (a tool name or an event), outcome, actor and time range, newest first, one page at a time with
// an opaque keyset cursor, so a page is an index range however deep the log. Details are shown as
// they were stored: arguments were masked when the row was written, and are never unmasked here.
import type { Db, TenantTx } from '../../shared/db.js';
import { invalidArgument } from '../../shared/errors.js';
import { isUuid } from '../../shared/ids.js';
import { createAuditQueryRepository, type ActorNames, type ActorRef, type AuditCursor } from './audit-query.repository.js';

export interface AuditQuery {
  businessId: string;
  /** A tool name (`make_call`) or an event (`approval.approved`); exact. */
  action?: string | undefined;
  outcome?: string | undefined;
  /** A member's email, or an id as stored: user, API key, OAuth client or system actor. */
  actor?: string | undefined;
  /** Inclusive. */
  from?: Date | undefined;
  /** Exclusive. */
  to?: Date | undefined;
  /** The `next` of the previous page. */
  after?: string | undefined;
  limit?: number | undefined;
}

export interface AuditEntryView {
  id: string;
  at: Date;
  action: string;
  outcome: string;
  errorCode: string | null;
  durationMs: number | null;
  actor: { kind: string; id: string | null; clientId: string | null; label: string };
  details: Record<string, unknown>;
}

export interface AuditPage {
  entries: AuditEntryView[];
  /** Cursor of the next (older) page, or null on the last one. */
  next: string | null;
}

export interface AuditQueryService {
  query(query: AuditQuery): Promise<AuditPage>;
}

const MAX_FILTER_LENGTH = 200;
const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 200;

/** How an actor reads on a page: the person's email, the key's name, the client's name. */
export function describeActor(ref: ActorRef, names: ActorNames): string {
  const user = ref.id ? names.users.get(ref.id) : undefined;
  const person = user?.email ?? (ref.id ? `former member (${ref.id.slice(0, 8)})` : 'unknown user');
  switch (ref.kind) {
    case 'user':
      return person;
    case 'oauth': {
      const client = ref.clientId ? (names.clients.get(ref.clientId) ?? ref.clientId) : null;
      return client ? `${person} via ${client}` : person;
    }
    case 'api_key': {
      const key = ref.id ? names.keys.get(ref.id) : undefined;
      return key ? `API key "${key}"` : `API key ${ref.id?.slice(0, 8) ?? '(unknown)'}`;
    }
    case 'system':
      return `system (${ref.id ?? 'server'})`;
    default:
      return ref.id ?? String(ref.kind);
  }
}

export function encodeAuditCursor(cursor: AuditCursor): string {
  return Buffer.from(`${cursor.at}|${cursor.id}`, 'utf8').toString('base64url');
}

const CURSOR_AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

function decodeAuditCursor(value: string): AuditCursor {
  const [at, id, extra] = Buffer.from(value, 'base64url').toString('utf8').split('|');
  if (extra !== undefined || !at || !CURSOR_AT.test(at) || !isUuid(id)) {
    throw invalidArgument('after: not a page cursor of the audit log (follow the Next page link instead of editing it)', { field: 'after' });
  }
  return { at, id };
}

function filterText(value: string | undefined, field: string): string | undefined {
  const trimmed = value?.trim();
  if (!trimmed) return undefined;
  if (trimmed.length > MAX_FILTER_LENGTH) throw invalidArgument(`${field}: at most ${MAX_FILTER_LENGTH} characters`, { field });
  return trimmed;
}

export function createAuditQueryService(deps: { db: Db }): AuditQueryService {
  const resolveActor = async (tx: TenantTx, businessId: string, actor: string | undefined): Promise<string | undefined> => {
    if (!actor?.includes('@')) return actor;
    const id = await createAuditQueryRepository(tx, businessId).memberIdByEmail(actor);
    if (!id) throw invalidArgument(`actor: no member of this business has the email ${actor}`, { field: 'actor' });
    return id;
  };

  return {
    async query(query) {
      const action = filterText(query.action, 'action');
      const outcome = filterText(query.outcome, 'outcome');
      const actor = filterText(query.actor, 'actor');
      for (const [field, date] of [['from', query.from] as const, ['to', query.to] as const]) {
        if (date && Number.isNaN(date.getTime())) throw invalidArgument(`${field}: not a valid date`, { field });
      }
      if (query.from && query.to && query.from >= query.to) throw invalidArgument('to: must be after from', { field: 'to' });
      const after = query.after ? decodeAuditCursor(query.after) : undefined;
      const limit = Math.min(Math.max(Math.trunc(query.limit ?? DEFAULT_LIMIT), 1), MAX_LIMIT);

      return deps.db.forBusiness(query.businessId, async (tx) => {
        const repo = createAuditQueryRepository(tx, query.businessId);
        const actorId = await resolveActor(tx, query.businessId, actor);
        const rows = await repo.page({ action, outcome, actorId, from: query.from, to: query.to }, { after, limit });
        const shown = rows.slice(0, limit);
        const names = await repo.actorNames(shown.map((r) => ({ kind: r.actorKind, id: r.actorId, clientId: r.clientId })));
        return {
          entries: shown.map((r) => {
            const ref = { kind: r.actorKind, id: r.actorId, clientId: r.clientId };
            return {
              id: r.id,
              at: r.createdAt,
              action: r.action,
              outcome: r.outcome,
              errorCode: r.errorCode,
              durationMs: r.durationMs,
              actor: { ...ref, label: describeActor(ref, names) },
              details: r.details,
            };
          }),
          next: rows.length > limit ? encodeAuditCursor(shown[shown.length - 1]!.cursor) : null,
        };
      });
    },
  };
}
