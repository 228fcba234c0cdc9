// Signing keys: generated once and persisted (a restart or a second node signs with the same key),
// rotated by the admin command while old public keys stay published until their tokens expire,
// and picked up by running nodes and by the resource server's local verifier without a restart.
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyStore, KEY_RELOAD_SECONDS, rotateSigningKeys } from '../src/authz/keys.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createTestAccount, obtainTokens, type TestAccount } from './helpers/oauth.js';

let t: TestApp;
let account: TestAccount;
beforeAll(async () => {
  t = await startTestApp();
  account = await createTestAccount(t.app.db, { businesses: [{ name: 'Keys Inc' }] });
});
afterAll(async () => {
  await t?.stop();
});

const jwks = async (baseUrl: string) => ((await (await fetch(`${baseUrl}/oauth/jwks`)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
const kidOf = (token: string) => decodeProtectedHeader(token).kid!;
const tokenFrom = async (baseUrl: string) => (await obtainTokens(baseUrl, { email: account.email, password: account.password, scopes: ['calls:read'] })).tokens;
const verify = (store: ReturnType<typeof createKeyStore>, token: string) =>
  jwtVerify(token, store.getKey, { issuer: t.baseUrl, audience: t.mcpUrl, typ: 'at+jwt', algorithms: ['ES256'] });

describe('signing keys', () => {
  it('are generated once and shared: a second node on the same database signs with the same key', async () => {
    const first = await jwks(t.baseUrl);
    expect(first).toHaveLength(1);
    const secondNode = await startTestApp({}, t.database);
    try {
      expect(await jwks(secondNode.baseUrl)).toEqual(first);
      // A token minted on one node verifies with the other's keys (interop.md 20).
      const token = await tokenFrom(secondNode.baseUrl);
      expect(kidOf(token.access_token)).toBe(first[0]);
      const checked = jwtVerify(token.access_token, t.app.authz.keyStore.getKey, { issuer: secondNode.baseUrl, audience: secondNode.mcpUrl, typ: 'at+jwt' });
      await expect(checked).resolves.toBeDefined();
    } finally {
      await secondNode.stop();
    }
    const rows = await t.app.db.kysely.selectFrom('signing_keys').select(['use']).execute();
    expect(rows.filter((r) => r.use === 'sig')).toHaveLength(1);
    expect(rows.filter((r) => r.use === 'cookie')).toHaveLength(1);
  });

  it('rotate: a new key signs, the old one stays published until its tokens have expired', async () => {
    const [oldKid] = await jwks(t.baseUrl);
    const oldToken = (await tokenFrom(t.baseUrl)).access_token;
    expect(kidOf(oldToken)).toBe(oldKid);
    // The resource server's verifier has the old key set cached.
    const verifier = createKeyStore(t.app.db.kysely);
    await verify(verifier, oldToken);

    const before = Date.now();
    const rotation = await rotateSigningKeys(t.app.db.kysely, t.app.config);
    expect(rotation.kid).not.toBe(oldKid);
    expect(rotation.retired.map((r) => r.kid)).toEqual([oldKid]);
    // Published for the access-token lifetime plus the reload interval (and clock tolerance).
    const publishFor = (rotation.retired[0]!.publishUntil.getTime() - before) / 1000;
    expect(publishFor).toBeGreaterThanOrEqual(t.app.config.accessTokenTtlSeconds + KEY_RELOAD_SECONDS);
    expect(publishFor).toBeLessThan(t.app.config.accessTokenTtlSeconds + KEY_RELOAD_SECONDS + 120);

    // A running node picks the rotation up (within KEY_RELOAD_SECONDS; here, now).
    await t.app.authz.reloadKeys();
    expect(await jwks(t.baseUrl)).toEqual([rotation.kid, oldKid]);
    const newToken = (await tokenFrom(t.baseUrl)).access_token;
    expect(kidOf(newToken)).toBe(rotation.kid);

    // The verifier, still holding only the old key, reloads on the unknown kid and accepts both.
    await expect(verify(verifier, newToken)).resolves.toBeDefined();
    await expect(verify(verifier, oldToken)).resolves.toBeDefined();
  });

  it('security: a retired key past its publication time no longer verifies anything', async () => {
    const token = (await tokenFrom(t.baseUrl)).access_token;
    await rotateSigningKeys(t.app.db.kysely, t.app.config);
    await t.app.authz.reloadKeys();
    // Time passes: every key retired so far reaches the end of its publication.
    await t.app.db.kysely.updateTable('signing_keys').set({ publish_until: sql<Date>`now() - interval '1 second'` }).where('retired_at', 'is not', null).execute();
    await t.app.authz.reloadKeys();
    const published = await jwks(t.baseUrl);
    expect(published).toHaveLength(1);
    expect(published).not.toContain(kidOf(token));
    await expect(verify(createKeyStore(t.app.db.kysely), token)).rejects.toThrow();
  });

  it('security: a token signed by a key that was never ours is refused', async () => {
    const { generateKeyPair, SignJWT } = await import('jose');
    const { privateKey } = await generateKeyPair('ES256');
    const forged = await new SignJWT({ scope: 'calls:read', client_id: 'x', business_id: account.businesses[0]!.id })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: 'made-up' })
      .setIssuer(t.baseUrl)
      .setAudience(t.mcpUrl)
      .setSubject(account.user.id)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(privateKey);
    await expect(verify(createKeyStore(t.app.db.kysely), forged)).rejects.toThrow();
  });
});
