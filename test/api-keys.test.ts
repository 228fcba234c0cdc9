import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKeysRepository } from '../src/authz/api-keys.repository.js';
import { hashApiKey, issueApiKey, verifyApiKey } from '../src/authz/api-keys.js';
import { AppError } from '../src/shared/errors.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';

let t: TestDatabase;
let businessId: string;

beforeAll(async () => {
  t = await createTestDatabase();
  businessId = (await t.db.kysely.insertInto('businesses').values({ name: 'Acme', slug: 'acme', timezone: 'UTC' }).returning('id').executeTakeFirstOrThrow()).id;
});
afterAll(async () => t?.close());

describe('API keys', () => {
  it('are kc_live_ plus 40 base62 characters, stored only as a SHA-256 and a display prefix', async () => {
    const { key, record } = await issueApiKey(t.db.kysely, { businessId, name: 'cli', scopes: ['calls:read', 'agents:read'] });
    expect(key).toMatch(/^kc_live_[0-9A-Za-z]{40}$/);
    expect(record.prefix).toBe(key.slice(0, 16));
    const row = await t.db.kysely.selectFrom('api_keys').selectAll().where('id', '=', record.id).executeTakeFirstOrThrow();
    expect(row.key_hash).toBe(hashApiKey(key));
    expect(JSON.stringify(row)).not.toContain(key);
    expect(row.scopes).toEqual(['calls:read', 'agents:read']);
  });

  it('verify to their business and scopes', async () => {
    const { key } = await issueApiKey(t.db.kysely, { businessId, name: 'cli', scopes: ['calls:read'] });
    const result = await verifyApiKey(t.db.kysely, key);
    expect(result.ok && result.key.businessId).toBe(businessId);
    expect(result.ok && result.key.scopes).toEqual(['calls:read']);
    expect(result.ok && 'keyHash' in result.key).toBe(false);
  });

  it('security: unknown, malformed, revoked and expired keys are refused with a reason', async () => {
    expect(await verifyApiKey(t.db.kysely, `kc_live_${'x'.repeat(40)}`)).toEqual({ ok: false, reason: 'unknown' });
    expect(await verifyApiKey(t.db.kysely, 'kc_live_short')).toEqual({ ok: false, reason: 'malformed' });
    expect(await verifyApiKey(t.db.kysely, "kc_live_' or 1=1 --")).toEqual({ ok: false, reason: 'malformed' });

    const revoked = await issueApiKey(t.db.kysely, { businessId, name: 'old', scopes: ['calls:read'] });
    await createApiKeysRepository(t.db.kysely).revoke(revoked.record.id);
    expect(await verifyApiKey(t.db.kysely, revoked.key)).toEqual({ ok: false, reason: 'revoked' });

    const expiring = await issueApiKey(t.db.kysely, { businessId, name: 'soon', scopes: ['calls:read'], expiresAt: new Date(Date.now() + 60_000) });
    await t.db.kysely
      .updateTable('api_keys')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('id', '=', expiring.record.id)
      .execute();
    expect(await verifyApiKey(t.db.kysely, expiring.key)).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuse unknown scopes by name, and empty or past-expiry input', async () => {
    await expect(issueApiKey(t.db.kysely, { businessId, name: 'x', scopes: ['calls:read', 'calls:delete', 'admin'] })).rejects.toThrow(
      new AppError('invalid_argument', 'unknown scopes: calls:delete, admin'),
    );
    await expect(issueApiKey(t.db.kysely, { businessId, name: 'x', scopes: [] })).rejects.toThrow(/at least one scope/);
    await expect(issueApiKey(t.db.kysely, { businessId, name: ' ', scopes: ['calls:read'] })).rejects.toThrow(/name/);
    await expect(issueApiKey(t.db.kysely, { businessId, name: 'x', scopes: ['calls:read'], expiresAt: new Date(0) })).rejects.toThrow(/future/);
  });

  it('record use at most once per interval', async () => {
    const { record } = await issueApiKey(t.db.kysely, { businessId, name: 'busy', scopes: ['calls:read'] });
    const repo = createApiKeysRepository(t.db.kysely);
    await repo.touch(record.id, 60);
    const first = (await repo.findByPrefix(record.prefix))!.lastUsedAt;
    expect(first).toBeInstanceOf(Date);
    await repo.touch(record.id, 60);
    expect((await repo.findByPrefix(record.prefix))!.lastUsedAt).toEqual(first);
    await repo.touch(record.id, 0);
    expect((await repo.findByPrefix(record.prefix))!.lastUsedAt!.getTime()).toBeGreaterThanOrEqual(first!.getTime());
  });
});
