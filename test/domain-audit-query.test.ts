// Reading the audit log back, against a real database: filters by action, outcome, actor and time,
// newest first, keyset pages that neither skip nor repeat rows written in one transaction (same
// created_at to the microsecond), actors named, details as stored, one business only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditQueryService, type AuditEntryView, type AuditQueryService } from '../src/domain/audit/audit-query.service.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';
import { createTenant, type Tenant } from './helpers/domain-fixtures.js';

let t: TestDatabase;
let a: Tenant;
let b: Tenant;
let audit: AuditQueryService;

const DAY = 86_400_000;
const base = new Date('2026-11-01T12:00:00.000Z');

beforeAll(async () => {
  t = await createTestDatabase();
  a = await createTenant(t.db, 'audit-a');
  b = await createTenant(t.db, 'audit-b');
  audit = createAuditQueryService({ db: t.db });
  const row = (
    tenant: Tenant,
    values: { action: string; outcome: string; actorKind: 'user' | 'api_key' | 'oauth' | 'system'; actorId: string; clientId?: string; at: Date; details?: object },
  ) => ({
    business_id: tenant.businessId,
    actor_kind: values.actorKind,
    actor_id: values.actorId,
    client_id: values.clientId ?? null,
    action: values.action,
    outcome: values.outcome,
    details: JSON.stringify(values.details ?? {}),
    created_at: values.at,
  });
  await t.db.kysely
    .insertInto('audit_log')
    .values([
      row(a, {
        action: 'make_call',
        outcome: 'success',
        actorKind: 'api_key',
        actorId: a.keys.owner,
        at: new Date(base.getTime() + 0 * DAY),
        details: { arguments: { to: '+1415***0123' } },
      }),
      row(a, { action: 'make_call', outcome: 'error', actorKind: 'oauth', actorId: a.admin.id, clientId: 'claude-client', at: new Date(base.getTime() + 1 * DAY) }),
      row(a, { action: 'approval.approved', outcome: 'executed', actorKind: 'user', actorId: a.owner.id, at: new Date(base.getTime() + 2 * DAY) }),
      row(a, { action: 'list_leads', outcome: 'denied', actorKind: 'api_key', actorId: a.keys.member, at: new Date(base.getTime() + 3 * DAY) }),
      row(a, { action: 'call.completed', outcome: 'success', actorKind: 'system', actorId: 'telephony', at: new Date(base.getTime() + 4 * DAY) }),
      row(b, { action: 'make_call', outcome: 'success', actorKind: 'api_key', actorId: b.keys.owner, at: new Date(base.getTime() + 1 * DAY) }),
    ])
    .execute();
  await t.db.kysely
    .insertInto('oauth_grants')
    .values({
      grant_id: 'grant-audit-a',
      business_id: a.businessId,
      user_id: a.admin.id,
      client_id: 'claude-client',
      client_name: 'Claude',
      scopes: ['calls:read'],
      expires_at: new Date(Date.now() + DAY),
    })
    .execute();
});
afterAll(async () => t?.close());

const window = { from: base, to: new Date(base.getTime() + 5 * DAY) };
const actions = (entries: AuditEntryView[]) => entries.map((e) => e.action);

describe('filters', () => {
  it('lists one business’s entries newest first, with actors named and details as stored', async () => {
    const page = await audit.query({ businessId: a.businessId, ...window });
    expect(actions(page.entries)).toEqual(['call.completed', 'list_leads', 'approval.approved', 'make_call', 'make_call']);
    expect(page.next).toBeNull();
    expect(page.entries.map((e) => e.actor.label)).toEqual(['system (telephony)', 'API key "member key"', a.owner.email, `${a.admin.email} via Claude`, 'API key "owner key"']);
    expect(page.entries.at(-1)!.details).toEqual({ arguments: { to: '+1415***0123' } });
  });

  it('by tool or action, and by outcome', async () => {
    expect(actions((await audit.query({ businessId: a.businessId, ...window, action: ' make_call ' })).entries)).toEqual(['make_call', 'make_call']);
    const errors = await audit.query({ businessId: a.businessId, ...window, action: 'make_call', outcome: 'error' });
    expect(errors.entries.map((e) => [e.action, e.outcome])).toEqual([['make_call', 'error']]);
  });

  it('by actor: a member’s email, a key id, or an OAuth client id', async () => {
    expect(actions((await audit.query({ businessId: a.businessId, ...window, actor: a.owner.email.toUpperCase() })).entries)).toEqual(['approval.approved']);
    expect(actions((await audit.query({ businessId: a.businessId, ...window, actor: a.keys.member })).entries)).toEqual(['list_leads']);
    expect(actions((await audit.query({ businessId: a.businessId, ...window, actor: 'claude-client' })).entries)).toEqual(['make_call']);
  });

  it('by time range: from inclusive, to exclusive', async () => {
    const page = await audit.query({ businessId: a.businessId, from: new Date(base.getTime() + 1 * DAY), to: new Date(base.getTime() + 3 * DAY) });
    expect(actions(page.entries)).toEqual(['approval.approved', 'make_call']);
  });

  it('bad filters are refused with the field named', async () => {
    await expect(audit.query({ businessId: a.businessId, from: window.to, to: window.from })).rejects.toMatchObject({ code: 'invalid_argument', details: { field: 'to' } });
    await expect(audit.query({ businessId: a.businessId, from: new Date('nope') })).rejects.toMatchObject({ code: 'invalid_argument', details: { field: 'from' } });
    await expect(audit.query({ businessId: a.businessId, actor: b.owner.email })).rejects.toMatchObject({ code: 'invalid_argument', details: { field: 'actor' } });
    await expect(audit.query({ businessId: a.businessId, after: 'bm9wZQ' })).rejects.toMatchObject({ code: 'invalid_argument', details: { field: 'after' } });
    await expect(audit.query({ businessId: a.businessId, action: 'x'.repeat(201) })).rejects.toMatchObject({ code: 'invalid_argument', details: { field: 'action' } });
  });

  it('security: another business’s ids match nothing here', async () => {
    expect((await audit.query({ businessId: a.businessId, actor: b.keys.owner })).entries).toEqual([]);
  });
});

describe('keyset pagination', () => {
  it('pages through rows written in one transaction (one timestamp) without a gap or a repeat', async () => {
    await t.db.forBusiness(b.businessId, async (tx) => {
      await tx
        .insertInto('audit_log')
        .values(
          Array.from({ length: 57 }, (_, i) => ({
            business_id: b.businessId,
            actor_kind: 'system' as const,
            actor_id: 'bulk',
            action: 'bulk.write',
            outcome: 'success',
            details: JSON.stringify({ i }),
          })),
        )
        .execute();
    });
    const seen: number[] = [];
    let after: string | undefined;
    let pages = 0;
    do {
      const page = await audit.query({ businessId: b.businessId, action: 'bulk.write', limit: 20, after });
      seen.push(...page.entries.map((e) => e.details.i as number));
      after = page.next ?? undefined;
      pages++;
    } while (after);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(57);
    expect(new Set(seen).size).toBe(57);
  });

  it('follows newest first across pages of distinct times', async () => {
    const first = await audit.query({ businessId: a.businessId, ...window, limit: 2 });
    expect(actions(first.entries)).toEqual(['call.completed', 'list_leads']);
    const second = await audit.query({ businessId: a.businessId, ...window, limit: 2, after: first.next! });
    expect(actions(second.entries)).toEqual(['approval.approved', 'make_call']);
    const third = await audit.query({ businessId: a.businessId, ...window, limit: 2, after: second.next! });
    expect(third.entries.map((e) => e.actor.label)).toEqual(['API key "owner key"']);
    expect(third.next).toBeNull();
  });
});
