// Security: an access token is verified locally, but it dies with its connection. Revoking a
// connected app, or removing the user from the business the token was issued for, ends the token's
// access at the MCP endpoint before the token expires.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnectedApps } from '../src/authz/connected-apps.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { post } from './helpers/mcp.js';
import { createTestAccount, obtainTokens } from './helpers/oauth.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t?.stop());

/** A tools/call sent to one node's socket with the public Host header, as a load balancer forwards it. */
function postVia(listenUrl: string, host: string, token: string): Promise<{ status: number; challenge: string }> {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'get_business_info', arguments: {} } });
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${listenUrl}/api/mcp`,
      { method: 'POST', headers: { host, authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0, challenge: String(res.headers['www-authenticate'] ?? '') }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const callTool = (token: string) =>
  post(t.mcpUrl, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'get_business_info', arguments: {} } }, { Authorization: `Bearer ${token}` });

describe('security: access tokens end with their grant', () => {
  it('carry the grant they were issued under', async () => {
    const account = await createTestAccount(t.app.db, { businesses: [{ name: 'Grant Co' }] });
    const { claims } = await obtainTokens(t.baseUrl, { email: account.email, password: account.password, scopes: ['agents:read'] });
    expect(typeof claims.grant_id).toBe('string');
    expect(claims.business_id).toBe(account.businesses[0]!.id);
  });

  it('a revoked connected app gets 401 invalid_token with its unexpired access token', async () => {
    const account = await createTestAccount(t.app.db, { businesses: [{ name: 'Revoke Co' }] });
    const business = account.businesses[0]!;
    const { tokens, claims } = await obtainTokens(t.baseUrl, { email: account.email, password: account.password, scopes: ['agents:read'] });
    const before = await callTool(tokens.access_token);
    expect(before.status).toBe(200);
    expect(before.body.result.isError).toBeFalsy();

    const apps = createConnectedApps(t.app.db);
    expect(await apps.revoke(business.id, claims.grant_id as string)).toBe(true);

    // A fresh node (no cached "grant is live" answer) refuses at once; a node that just served the
    // token refuses within its short recheck window.
    const other = await startTestApp({ PUBLIC_URL: t.baseUrl }, t.database);
    try {
      // Behind a load balancer both nodes answer for the same public host.
      const res = await postVia(other.listenUrl, new URL(t.baseUrl).host, tokens.access_token);
      expect(res.status).toBe(401);
      expect(res.challenge).toMatch(/error="invalid_token"/);
      expect(res.challenge).toMatch(/revoked/);
    } finally {
      await other.stop();
    }
  });

  it('a user removed from the business loses access through tokens issued for it', async () => {
    const account = await createTestAccount(t.app.db, { businesses: [{ name: 'Leaver Co' }] });
    const business = account.businesses[0]!;
    const { tokens } = await obtainTokens(t.baseUrl, { email: account.email, password: account.password, scopes: ['agents:read'] });
    await t.app.db.kysely.deleteFrom('memberships').where('user_id', '=', account.user.id).where('business_id', '=', business.id).execute();
    const res = await callTool(tokens.access_token);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
  });

  it('a token naming a grant that does not exist is refused', async () => {
    const account = await createTestAccount(t.app.db, { businesses: [{ name: 'Forged Grant Co' }] });
    const { tokens } = await obtainTokens(t.baseUrl, { email: account.email, password: account.password, scopes: ['agents:read'] });
    // The grant row disappears (e.g. the business was deleted): the signed token alone is not enough.
    await t.app.db.kysely.deleteFrom('oauth_grants').execute();
    const res = await callTool(tokens.access_token);
    expect(res.status).toBe(401);
  });
});
