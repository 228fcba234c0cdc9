// The oidc-provider storage adapter's contract, against a real migrated database (PGlite by
// default, Postgres with TEST_DATABASE_URL): expiry, consumption, grant revocation, secondary
// lookups, credentials stored only as hashes, and the refresh-token reuse grace window.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOidcAdapterFactory } from '../src/authz/oidc-adapter.js';
import { createTestDatabase, type TestDatabase } from './helpers/db.js';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.close();
});

const id = () => randomBytes(32).toString('base64url');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const adapters = (grace = 30) => createOidcAdapterFactory(database.db.kysely, { refreshReuseGraceSeconds: grace });

describe('oidc adapter contract', () => {
  it('stores and finds a payload by id', async () => {
    const sessions = adapters()('Session');
    const key = id();
    const payload = { jti: key, uid: `uid-${key}`, accountId: 'acc-1', kind: 'Session', exp: Math.floor(Date.now() / 1000) + 60 };
    await sessions.upsert(key, payload, 60);
    expect(await sessions.find(key)).toEqual(payload);
    expect(await sessions.find(id())).toBeUndefined();
  });

  it('hides records once they have expired', async () => {
    const codes = adapters()('AuthorizationCode');
    const key = id();
    await codes.upsert(key, { grantId: 'g-exp', kind: 'AuthorizationCode' }, 1);
    expect(await codes.find(key)).toBeDefined();
    await sleep(1300);
    expect(await codes.find(key)).toBeUndefined();
  });

  it('keeps records stored without a lifetime forever (registered clients)', async () => {
    const clients = adapters()('Client');
    const key = id();
    await clients.upsert(key, { client_id: key, redirect_uris: ['https://app.example/cb'] });
    const rows = await database.db.kysely.selectFrom('oidc_models').select('expires_at').where('model', '=', 'Client').where('id', '=', key).execute();
    expect(rows).toEqual([{ expires_at: null }]);
    expect(await clients.find(key)).toEqual({ client_id: key, redirect_uris: ['https://app.example/cb'] });
  });

  it('returns consumed records with `consumed` set to the first consumption time', async () => {
    const codes = adapters()('AuthorizationCode');
    const key = id();
    await codes.upsert(key, { grantId: 'g-consume', kind: 'AuthorizationCode' }, 60);
    expect((await codes.find(key))?.consumed).toBeUndefined();
    const before = Math.floor(Date.now() / 1000);
    await codes.consume(key);
    const first = (await codes.find(key))?.consumed;
    expect(typeof first).toBe('number');
    expect(first).toBeGreaterThanOrEqual(before - 2);
    await sleep(1100);
    await codes.consume(key);
    expect((await codes.find(key))?.consumed).toBe(first);
  });

  it('starts a replaced record unconsumed', async () => {
    const sessions = adapters()('Session');
    const key = id();
    await sessions.upsert(key, { uid: 'u1', kind: 'Session' }, 60);
    await sessions.consume(key);
    await sessions.upsert(key, { uid: 'u1', accountId: 'acc', kind: 'Session' }, 60);
    const found = await sessions.find(key);
    expect(found?.consumed).toBeUndefined();
    expect(found?.accountId).toBe('acc');
  });

  it('destroys a record', async () => {
    const tokens = adapters()('RefreshToken');
    const key = id();
    await tokens.upsert(key, { grantId: 'g-destroy', kind: 'RefreshToken' }, 60);
    await tokens.destroy(key);
    expect(await tokens.find(key)).toBeUndefined();
  });

  it('revokeByGrantId deletes that model’s records of that grant only', async () => {
    const factory = adapters();
    const refresh = factory('RefreshToken');
    const codes = factory('AuthorizationCode');
    const [r1, r2, other, code] = [id(), id(), id(), id()];
    await refresh.upsert(r1, { grantId: 'grant-A', kind: 'RefreshToken' }, 60);
    await refresh.upsert(r2, { grantId: 'grant-A', kind: 'RefreshToken' }, 60);
    await refresh.upsert(other, { grantId: 'grant-B', kind: 'RefreshToken' }, 60);
    await codes.upsert(code, { grantId: 'grant-A', kind: 'AuthorizationCode' }, 60);

    await refresh.revokeByGrantId('grant-A');

    expect(await refresh.find(r1)).toBeUndefined();
    expect(await refresh.find(r2)).toBeUndefined();
    expect(await refresh.find(other)).toBeDefined();
    expect(await codes.find(code)).toBeDefined();
    await codes.revokeByGrantId('grant-A');
    expect(await codes.find(code)).toBeUndefined();
  });

  it('finds sessions by uid and device codes by user code', async () => {
    const factory = adapters();
    const key = id();
    await factory('Session').upsert(key, { jti: key, uid: `uid-${key}`, kind: 'Session' }, 60);
    expect((await factory('Session').findByUid(`uid-${key}`))?.jti).toBe(key);
    expect(await factory('Session').findByUid('no-such-uid')).toBeUndefined();
    const device = id();
    await factory('DeviceCode').upsert(device, { jti: device, userCode: `UC-${device.slice(0, 6)}`, kind: 'DeviceCode' }, 60);
    expect((await factory('DeviceCode').findByUserCode(`UC-${device.slice(0, 6)}`))?.jti).toBe(device);
  });

  it('security: stores bearer credentials only as hashes, and still finds them by value', async () => {
    const factory = adapters();
    for (const model of ['AuthorizationCode', 'RefreshToken', 'RegistrationAccessToken']) {
      const secret = id();
      await factory(model).upsert(secret, { jti: secret, grantId: `g-${model}`, kind: model }, 60);
      const rows = await database.db.kysely.selectFrom('oidc_models').select(['id', 'payload']).where('model', '=', model).execute();
      for (const row of rows) {
        expect(row.id).not.toContain(secret);
        expect(JSON.stringify(row.payload)).not.toContain(secret);
      }
      expect((await factory(model).find(secret))?.jti).toBe(secret);
    }
  });
});

describe('refresh token reuse grace window', () => {
  it('does not report a refresh token consumed within the window', async () => {
    const refresh = adapters(30)('RefreshToken');
    const key = id();
    await refresh.upsert(key, { grantId: 'g-grace', kind: 'RefreshToken' }, 60);
    await refresh.consume(key);
    expect((await refresh.find(key))?.consumed).toBeUndefined();
  });

  it('reports it consumed once the window has passed, and the window does not slide', async () => {
    const refresh = adapters(1)('RefreshToken');
    const key = id();
    await refresh.upsert(key, { grantId: 'g-grace-2', kind: 'RefreshToken' }, 60);
    await refresh.consume(key);
    expect((await refresh.find(key))?.consumed).toBeUndefined();
    await sleep(600);
    await refresh.consume(key); // a racing reuse inside the window consumes again
    await sleep(600);
    expect(typeof (await refresh.find(key))?.consumed).toBe('number');
  });

  it('applies only to refresh tokens: a consumed authorization code is always reported', async () => {
    const codes = adapters(30)('AuthorizationCode');
    const key = id();
    await codes.upsert(key, { grantId: 'g-code', kind: 'AuthorizationCode' }, 60);
    await codes.consume(key);
    expect(typeof (await codes.find(key))?.consumed).toBe('number');
  });

  it('with a window of 0, reports a consumed refresh token at once', async () => {
    const refresh = adapters(0)('RefreshToken');
    const key = id();
    await refresh.upsert(key, { grantId: 'g-zero', kind: 'RefreshToken' }, 60);
    await refresh.consume(key);
    expect(typeof (await refresh.find(key))?.consumed).toBe('number');
  });
});
