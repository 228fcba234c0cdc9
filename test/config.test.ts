import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/shared/config.js';

const errorsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.lines;
    throw err;
  }
  throw new Error('expected a configuration error');
};

describe('configuration', () => {
  it('has defaults that work locally', () => {
    const c = loadConfig({});
    expect(c.port).toBe(3000);
    expect(c.host).toBe('127.0.0.1');
    expect(c.publicUrl).toBe('http://localhost:3000');
    expect(c.issuer).toBe('http://localhost:3000');
    expect(c.mcpUrl).toBe('http://localhost:3000/api/mcp');
    expect(c.databaseUrl).toBeUndefined();
    expect(c.dataDir).toMatch(/\/data$/);
    expect(c.accessTokenTtlSeconds).toBe(3600);
    expect(c.refreshTokenTtlSeconds).toBe(30 * 86400);
    expect(c.refreshReuseGraceSeconds).toBe(30);
    expect(c.anonymousDiscovery).toBe(true);
    expect(c.conformanceFixtures).toBe(false);
  });

  it('is frozen', () => {
    const c = loadConfig({});
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('derives issuer and MCP URL from PUBLIC_URL without adding a trailing slash', () => {
    const c = loadConfig({ PUBLIC_URL: 'https://mcp.example.com/' });
    expect(c.issuer).toBe('https://mcp.example.com');
    expect(c.mcpUrl).toBe('https://mcp.example.com/api/mcp');
    expect(loadConfig({ PORT: '8080' }).publicUrl).toBe('http://localhost:8080');
  });

  it('names the variable, the rule and the value for a bad PORT', () => {
    expect(errorsOf({ PORT: 'abc' })).toEqual(['PORT must be an integer 1–65535, got "abc"']);
    expect(errorsOf({ PORT: '70000' })[0]).toMatch(/^PORT must be an integer 1–65535, got "70000"/);
  });

  it('reports every bad variable, one line each', () => {
    const lines = errorsOf({ PORT: '-1', LOG_LEVEL: 'loud', DATABASE_URL: 'mysql://x', PUBLIC_URL: 'ftp://x/y' });
    expect(lines).toHaveLength(4);
    expect(lines.find((l) => l.startsWith('LOG_LEVEL'))).toMatch(/must be one of fatal, error, warn, info, debug, trace, silent, got "loud"/);
    expect(lines.find((l) => l.startsWith('DATABASE_URL'))).toMatch(/postgres:\/\//);
    expect(lines.find((l) => l.startsWith('PUBLIC_URL'))).toMatch(/origin/);
  });

  it('never repeats a bad DATABASE_URL, which may carry a password', () => {
    const [line] = errorsOf({ DATABASE_URL: 'mysql://app:hunter2@db.internal/app' });
    expect(line).toBe('DATABASE_URL must be a postgres:// or postgresql:// URL');
    expect(line).not.toContain('hunter2');
  });

  it('refuses a PUBLIC_URL with a path, since the issuer is the bare origin', () => {
    expect(errorsOf({ PUBLIC_URL: 'https://example.com/mcp' })[0]).toMatch(/^PUBLIC_URL must be an http\(s\) origin/);
  });

  it('parses durations and booleans', () => {
    const c = loadConfig({ ACCESS_TOKEN_TTL: '15m', REFRESH_TOKEN_TTL: '7d', REFRESH_REUSE_GRACE: '0', MCP_ANONYMOUS_DISCOVERY: 'false' });
    expect(c.accessTokenTtlSeconds).toBe(900);
    expect(c.refreshTokenTtlSeconds).toBe(7 * 86400);
    expect(c.refreshReuseGraceSeconds).toBe(0);
    expect(c.anonymousDiscovery).toBe(false);
    expect(errorsOf({ ACCESS_TOKEN_TTL: 'soon' })[0]).toMatch(/^ACCESS_TOKEN_TTL must be a duration/);
    expect(errorsOf({ MCP_ANONYMOUS_DISCOVERY: 'maybe' })[0]).toBe('MCP_ANONYMOUS_DISCOVERY must be true or false, got "maybe"');
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '' }).port).toBe(3000);
  });

  describe('TELEPHONY_PROVIDER=vapi', () => {
    it('needs VAPI_API_KEY and VAPI_WEBHOOK_SECRET, named one line each', () => {
      expect(errorsOf({ TELEPHONY_PROVIDER: 'vapi' })).toEqual([
        'VAPI_API_KEY must be set when TELEPHONY_PROVIDER is vapi',
        'VAPI_WEBHOOK_SECRET must be set when TELEPHONY_PROVIDER is vapi',
      ]);
    });

    it('never repeats a secret in an error', () => {
      const lines = errorsOf({ TELEPHONY_PROVIDER: 'vapi', VAPI_API_KEY: 'has a space', VAPI_WEBHOOK_SECRET: 'short' });
      expect(lines).toEqual(['VAPI_API_KEY must be 8 to 512 printable characters without spaces', 'VAPI_WEBHOOK_SECRET must be 16 to 512 printable characters without spaces']);
    });

    it('reads the settings, lower-cases the header names and drops a trailing slash of the base URL', () => {
      const c = loadConfig({
        TELEPHONY_PROVIDER: 'vapi',
        VAPI_API_KEY: 'vapi-private-key',
        VAPI_WEBHOOK_SECRET: 'whsec_0123456789abcdef',
        VAPI_BASE_URL: 'http://127.0.0.1:4010/',
        VAPI_SIGNATURE_HEADER: 'X-Signature',
      });
      expect(c.vapi).toEqual({
        apiKey: 'vapi-private-key',
        baseUrl: 'http://127.0.0.1:4010',
        webhookSecret: 'whsec_0123456789abcdef',
        credentialId: undefined,
        signatureHeader: 'x-signature',
        timestampHeader: 'x-vapi-timestamp',
        timeoutMs: 10_000,
      });
      expect(loadConfig({}).vapi).toBeUndefined();
    });

    it('refuses an unknown provider and a bad base URL by name', () => {
      expect(errorsOf({ TELEPHONY_PROVIDER: 'twilio' })).toEqual(['TELEPHONY_PROVIDER must be simulator or vapi, got "twilio"']);
      expect(errorsOf({ VAPI_BASE_URL: 'ftp://api.vapi.ai' })[0]).toMatch(/^VAPI_BASE_URL must be an http\(s\) URL/);
    });
  });
});
