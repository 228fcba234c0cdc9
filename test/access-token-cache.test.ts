// The resource server's cache of verified access tokens (src/resource/auth/access-tokens.ts): a
// token verified once is not re-verified while it lives, the cache holds at most `cacheSize` tokens
// (the least recently used is forgotten first), and — the security case — no token is ever answered
// from the cache once its `exp` has passed.
import { randomUUID } from 'node:crypto';
import { generateKeyPair, SignJWT, type JWTVerifyGetKey } from 'jose';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createAccessTokenVerifier } from '../src/resource/auth/access-tokens.js';

const ISSUER = 'https://as.example.com';
const AUDIENCE = 'https://as.example.com/api/mcp';

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;
let privateKey: KeyPair['privateKey'];
let publicKey: KeyPair['publicKey'];
/** How many signature checks ran: jose asks for the key once per check. */
let keyLookups = 0;
const getKey: JWTVerifyGetKey = async () => {
  keyLookups++;
  return publicKey;
};

beforeAll(async () => {
  ({ privateKey, publicKey } = await generateKeyPair('ES256'));
});
afterEach(() => {
  vi.useRealTimers();
  keyLookups = 0;
});

async function token(lifetimeSeconds: number): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ scope: 'calls:read', client_id: 'test-client', business_id: randomUUID(), grant_id: 'grant-1' })
    .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(randomUUID())
    .setIssuedAt(now)
    .setExpirationTime(now + lifetimeSeconds)
    .sign(privateKey);
}

const verifier = (cacheSize?: number) => createAccessTokenVerifier({ issuer: ISSUER, audience: AUDIENCE, getKey, algorithms: ['ES256'], cacheSize });

describe('the verified-token cache', () => {
  it('verifies a token once while it lives', async () => {
    const v = verifier();
    const t = await token(3600);
    for (let i = 0; i < 3; i++) expect((await v.verify(t)).ok).toBe(true);
    expect(keyLookups).toBe(1);
  });

  it('security: never answers from the cache after the token expired', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const v = verifier();
    const t = await token(60);
    expect((await v.verify(t)).ok).toBe(true);
    vi.setSystemTime(Date.now() + 61_000);
    expect(await v.verify(t)).toEqual({ ok: false, reason: 'the access token has expired' });
    expect(keyLookups).toBe(2);
  });

  it('holds at most cacheSize tokens, forgetting the least recently used', async () => {
    const v = verifier(2);
    const [a, b, c] = await Promise.all([token(3600), token(3600), token(3600)]);
    await v.verify(a!);
    await v.verify(b!);
    await v.verify(a!); // a is now the most recently used
    await v.verify(c!); // evicts b
    expect(keyLookups).toBe(3);
    await v.verify(a!);
    await v.verify(c!);
    expect(keyLookups).toBe(3);
    await v.verify(b!);
    expect(keyLookups).toBe(4);
  });

  it('with cacheSize 0, verifies every time', async () => {
    const v = verifier(0);
    const t = await token(3600);
    await v.verify(t);
    await v.verify(t);
    expect(keyLookups).toBe(2);
  });
});
