// Discovery: the authorization server metadata documents (RFC 8414, OIDC discovery), their
// agreement with the protected resource metadata, the JWKS, and CORS for browser clients.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCOPES } from '../src/scopes/index.js';
import { startTestApp, type TestApp } from './helpers/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t?.stop();
});

const getJson = async (url: string, headers: Record<string, string> = {}) => {
  const res = await fetch(url, { headers });
  return { res, body: (await res.json()) as Record<string, unknown> };
};

describe('authorization server metadata', () => {
  it('is served at both well-known paths at the root, identical, with the issuer byte for byte', async () => {
    const oauth = await getJson(`${t.baseUrl}/.well-known/oauth-authorization-server`);
    const oidc = await getJson(`${t.baseUrl}/.well-known/openid-configuration`);
    expect(oauth.res.status).toBe(200);
    expect(oidc.res.status).toBe(200);
    expect(oauth.body.issuer).toBe(t.baseUrl);
    expect(String(oauth.body.issuer).endsWith('/')).toBe(false);
    expect(oidc.body).toEqual(oauth.body);
  });

  it('advertises what MCP clients check', async () => {
    const { body } = await getJson(`${t.baseUrl}/.well-known/oauth-authorization-server`);
    expect(body.code_challenge_methods_supported).toEqual(['S256']);
    expect(body.authorization_response_iss_parameter_supported).toBe(true);
    expect(body.client_id_metadata_document_supported).toBe(true);
    expect(body.response_types_supported).toEqual(['code']);
    expect(body.grant_types_supported).toEqual(expect.arrayContaining(['authorization_code', 'refresh_token']));
    expect(body.grant_types_supported).not.toContain('implicit');
    expect(body.token_endpoint_auth_methods_supported).toEqual(expect.arrayContaining(['none', 'client_secret_post', 'client_secret_basic']));
    for (const endpoint of ['authorization_endpoint', 'token_endpoint', 'registration_endpoint', 'revocation_endpoint', 'introspection_endpoint', 'jwks_uri']) {
      expect(String(body[endpoint]).startsWith(`${t.baseUrl}/oauth/`), endpoint).toBe(true);
    }
  });

  it('lists exactly the scope catalog: no openid, no offline_access', async () => {
    const { body } = await getJson(`${t.baseUrl}/.well-known/oauth-authorization-server`);
    expect(body.scopes_supported).toEqual([...SCOPES]);
  });

  it('agrees with the protected resource metadata on issuer and scopes', async () => {
    const as = await getJson(`${t.baseUrl}/.well-known/oauth-authorization-server`);
    for (const path of ['/.well-known/oauth-protected-resource/api/mcp', '/.well-known/oauth-protected-resource']) {
      const prm = await getJson(`${t.baseUrl}${path}`);
      expect(prm.res.status, path).toBe(200);
      expect(prm.body.resource).toBe(t.mcpUrl);
      expect(prm.body.authorization_servers).toEqual([as.body.issuer]);
      expect(prm.body.scopes_supported).toEqual(as.body.scopes_supported);
    }
  });

  it('publishes an ES256 signing key without its private part', async () => {
    const { res, body } = await getJson(`${t.baseUrl}/oauth/jwks`);
    expect(res.status).toBe(200);
    const keys = body.keys as Record<string, unknown>[];
    expect(keys.length).toBeGreaterThanOrEqual(1);
    for (const key of keys) {
      expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
      expect(key.d).toBeUndefined();
    }
  });
});

describe('CORS for browser-based clients', () => {
  const origin = 'http://localhost:6274';

  it('opens every discovery document and the JWKS to any origin', async () => {
    for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration', '/oauth/jwks']) {
      const res = await fetch(`${t.baseUrl}${path}`, { headers: { Origin: origin, 'Mcp-Protocol-Version': '2025-06-18' } });
      expect(res.status, path).toBe(200);
      expect(res.headers.get('access-control-allow-origin'), path).toBe('*');
    }
  });

  it('answers preflights for discovery, registration, token and revocation with the MCP headers allowed', async () => {
    for (const [path, method] of [
      ['/.well-known/oauth-authorization-server', 'GET'],
      ['/oauth/register', 'POST'],
      ['/oauth/token', 'POST'],
      ['/oauth/revoke', 'POST'],
    ] as const) {
      const res = await fetch(`${t.baseUrl}${path}`, {
        method: 'OPTIONS',
        headers: { Origin: origin, 'Access-Control-Request-Method': method, 'Access-Control-Request-Headers': 'content-type, mcp-protocol-version, authorization' },
      });
      expect(res.status, path).toBe(204);
      expect(res.headers.get('access-control-allow-origin'), path).toBe('*');
      expect(res.headers.get('access-control-allow-methods'), path).toContain(method);
      const allowed = (res.headers.get('access-control-allow-headers') ?? '').toLowerCase();
      for (const h of ['authorization', 'content-type', 'mcp-protocol-version', 'mcp-session-id', 'last-event-id']) expect(allowed, `${path} ${h}`).toContain(h);
    }
  });

  it('sends CORS headers on a registration response and on a token error', async () => {
    const reg = await fetch(`${t.baseUrl}/oauth/register`, {
      method: 'POST',
      headers: { Origin: origin, 'Content-Type': 'application/json' },
      body: JSON.stringify({ client_name: 'Inspector', redirect_uris: [`${origin}/oauth/callback`], token_endpoint_auth_method: 'none' }),
    });
    expect(reg.status).toBe(201);
    expect(reg.headers.get('access-control-allow-origin')).toBe('*');
    const token = await fetch(`${t.baseUrl}/oauth/token`, {
      method: 'POST',
      headers: { Origin: origin, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: 'nope', client_id: 'nobody', redirect_uri: `${origin}/oauth/callback`, code_verifier: 'x'.repeat(43) }),
    });
    expect(token.status).toBe(401);
    expect(token.headers.get('access-control-allow-origin')).toBe('*');
  });
});

describe('security: the public URL comes from configuration, never from the request', () => {
  it('builds every endpoint from PUBLIC_URL whatever Host and X-Forwarded-* say', async () => {
    const behindProxy = await startTestApp({ PUBLIC_URL: 'https://mcp.example.test' }, t.database);
    try {
      const { port } = behindProxy.app.config;
      const body = await new Promise<Record<string, unknown>>((resolve, reject) => {
        const req = http.get(
          {
            host: '127.0.0.1',
            port,
            path: '/.well-known/oauth-authorization-server',
            headers: { Host: 'evil.example', 'X-Forwarded-Host': 'evil.example', 'X-Forwarded-Proto': 'http' },
          },
          (res) => {
            let data = '';
            res.on('data', (c) => (data += c));
            res.on('end', () => resolve(JSON.parse(data)));
          },
        );
        req.on('error', reject);
      });
      expect(body.issuer).toBe('https://mcp.example.test');
      expect(body.authorization_endpoint).toBe('https://mcp.example.test/oauth/authorize');
      expect(body.token_endpoint).toBe('https://mcp.example.test/oauth/token');
      expect(JSON.stringify(body)).not.toContain('evil.example');
    } finally {
      await behindProxy.stop();
    }
  });
});
