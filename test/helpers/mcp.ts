// Test data and clients for the MCP endpoint: businesses, agents and calls written with SQL on the
// owner connection, API keys through the real issuer, access tokens signed with the server's own
// current signing key (the key store the resource server verifies against), and both a raw
// JSON-RPC-over-HTTP helper and the MCP SDK's real client.
import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { RequestOptions } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import { expect } from 'vitest';
import { importJWK, SignJWT, type JWK } from 'jose';
import { createGrantsRepository } from '../../src/authz/grants.repository.js';
import { loadKeyMaterial } from '../../src/authz/keys.js';
import { outputSchemaOf } from '../../src/resource/framework/tool.js';
import { findTool } from '../../src/resource/tools/registry.js';
import type { Db } from '../../src/shared/db.js';
import type { CallStatus, Direction } from '../../db/schema.js';
import { insertAgent, insertApiKey, insertBusiness, insertMember } from './fixtures.js';

// ── Tenant data ─────────────────────────────────────────────────────────────────────────────────

export async function createBusiness(db: Db, name = 'Test Business'): Promise<{ id: string; name: string }> {
  return insertBusiness(db, { name, timezone: 'America/Chicago', phone: '+13125550100' });
}

export async function createAgent(
  db: Db,
  businessId: string,
  values: { name: string; phone?: string; createdAt?: Date; status?: 'active' | 'paused' | 'draft' },
): Promise<{ id: string }> {
  return insertAgent(db, businessId, values);
}

export async function createCall(
  db: Db,
  businessId: string,
  values: {
    agentId?: string | null;
    status?: CallStatus;
    direction?: Direction;
    to?: string;
    from?: string;
    createdAt?: Date;
    transcript?: string | null;
    summary?: string | null;
    durationSeconds?: number | null;
  } = {},
): Promise<{ id: string }> {
  const status = values.status ?? 'completed';
  const ended = ['completed', 'no-answer', 'busy', 'failed', 'canceled'].includes(status);
  const createdAt = values.createdAt ?? new Date();
  return db.kysely
    .insertInto('calls')
    .values({
      business_id: businessId,
      agent_id: values.agentId ?? null,
      direction: values.direction ?? 'outbound',
      status,
      to_number: values.to ?? '+14155550123',
      from_number: values.from ?? '+13125550100',
      duration_seconds: values.durationSeconds === undefined ? (ended ? 95 : null) : values.durationSeconds,
      summary: values.summary === undefined ? (ended ? 'Caller asked about a repair.' : null) : values.summary,
      transcript: values.transcript === undefined ? (ended ? 'Agent: Hello!\nCaller: Hi, my sink leaks.' : null) : values.transcript,
      recording_url: ended ? 'https://recordings.example.com/r/1.mp3' : null,
      created_at: createdAt,
      ended_at: ended ? new Date(createdAt.getTime() + 95_000) : null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
}

export async function createKey(db: Db, businessId: string, scopes: string[], options: { expiresAt?: Date } = {}): Promise<{ key: string; id: string }> {
  return insertApiKey(db, businessId, { scopes, expiresAt: options.expiresAt ?? null });
}

// ── Access tokens ───────────────────────────────────────────────────────────────────────────────

export interface TokenOptions {
  businessId: string;
  scopes: string[];
  subject?: string;
  clientId?: string;
  /** Defaults: the server's issuer and MCP URL, an hour of life, typ at+jwt, the current key. */
  issuer?: string;
  audience?: string | string[];
  expiresIn?: number;
  typ?: string;
  omitBusiness?: boolean;
  privateJwk?: JWK;
  /** The grant the token claims; by default a live one is created for a new member of the business. */
  grantId?: string;
  omitGrant?: boolean;
}

/**
 * A connected app as consent records it: a user who belongs to the business and a live grant bound
 * to it. The resource server refuses tokens whose grant is revoked or whose user left the business.
 */
export async function createGrant(db: Db, businessId: string, options: { clientId?: string; scopes?: string[] } = {}): Promise<{ grantId: string; userId: string }> {
  const user = await insertMember(db, businessId, { email: `member-${randomBytes(4).toString('hex')}@example.com`, role: 'member' });
  const grantId = randomBytes(16).toString('base64url');
  await createGrantsRepository(db.kysely).insert({
    grantId,
    businessId,
    userId: user.id,
    clientId: options.clientId ?? 'test-client',
    clientName: 'Test client',
    scopes: options.scopes ?? [],
    expiresInSeconds: 86_400,
  });
  return { grantId, userId: user.id };
}

/** Signs an access token the way the authorization server does (RFC 9068), with its current key. */
export async function mintAccessToken(db: Db, base: { issuer: string; mcpUrl: string }, options: TokenOptions): Promise<string> {
  const jwk = options.privateJwk ?? (await loadKeyMaterial(db.kysely)).signing.find((k) => k.current)!.privateJwk;
  const key = await importJWK(jwk, 'ES256');
  const now = Math.floor(Date.now() / 1000);
  let grantId = options.grantId;
  let subject = options.subject;
  if (!grantId && !options.omitGrant) {
    const grant = await createGrant(db, options.businessId, { clientId: options.clientId, scopes: options.scopes });
    grantId = grant.grantId;
    subject ??= grant.userId;
  }
  return new SignJWT({
    scope: options.scopes.join(' '),
    client_id: options.clientId ?? 'test-client',
    ...(options.omitBusiness ? {} : { business_id: options.businessId }),
    ...(grantId ? { grant_id: grantId } : {}),
  })
    .setProtectedHeader({ alg: 'ES256', kid: jwk.kid, typ: options.typ ?? 'at+jwt' })
    .setIssuer(options.issuer ?? base.issuer)
    .setAudience(options.audience ?? base.mcpUrl)
    .setSubject(subject ?? randomUUID())
    .setIssuedAt(now)
    .setExpirationTime(now + (options.expiresIn ?? 3600))
    .setJti(randomUUID())
    .sign(key);
}

// ── Raw JSON-RPC over HTTP ──────────────────────────────────────────────────────────────────────

export interface RpcResponse {
  status: number;
  headers: Headers;
  /** The JSON body, or the last JSON-RPC message of an SSE body. */
  body: any;
  text: string;
}

export const ACCEPT_BOTH = 'application/json, text/event-stream';

export async function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<RpcResponse> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: ACCEPT_BOTH, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return read(response);
}

export async function read(response: Response): Promise<RpcResponse> {
  const text = await response.text();
  let body: unknown;
  if ((response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    const data = text
      .split('\n')
      .filter((l) => l.startsWith('data: '))
      .map((l) => l.slice(6))
      .filter(Boolean);
    body = data.length ? JSON.parse(data[data.length - 1]!) : undefined;
  } else if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
  }
  return { status: response.status, headers: response.headers, body, text };
}

export const callTool = (name: string, args: Record<string, unknown> = {}, id: number | string = 1) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, arguments: args },
});

export const initialize = (id: number | string = 1) => ({
  jsonrpc: '2.0',
  id,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw-test', version: '1.0.0' } },
});

// ── The MCP SDK client ──────────────────────────────────────────────────────────────────────────

export async function connectClient(
  url: string,
  options: { headers?: Record<string, string>; capabilities?: Record<string, unknown> } = {},
): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const client = new Client({ name: 'kaicalls-test', version: '1.0.0' }, { capabilities: options.capabilities ?? {} });
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: options.headers ?? {} } });
  await client.connect(transport);
  return { client, transport };
}

// ── Calling a tool ──────────────────────────────────────────────────────────────────────────────

export type Structured = Record<string, any>;

/** A tool's answer as the tests read it. */
export interface ToolAnswer {
  isError: boolean;
  /** structuredContent, or `{}` when the answer has none. */
  structured: Structured;
  /** The first text content block. */
  text: string;
}

/** Calls a tool with the SDK client and returns its answer unchecked. */
export async function callToolWith(client: Client, name: string, args: Record<string, unknown> = {}, options?: RequestOptions): Promise<ToolAnswer> {
  const result = await client.callTool({ name, arguments: args }, undefined, options);
  return {
    isError: Boolean(result.isError),
    structured: (result.structuredContent as Structured | undefined) ?? {},
    text: (result.content as { type: string; text?: string }[])[0]?.text ?? '',
  };
}

/** Each tool's output schema as the server advertises it in tools/list, which is what clients validate against. */
export async function advertisedOutputSchemas(client: Client): Promise<Map<string, object>> {
  return new Map((await client.listTools()).tools.map((tool) => [tool.name, tool.outputSchema!]));
}

// The validator the SDK client itself uses.
const validator = new AjvJsonSchemaValidator();

/**
 * Calls a tool with the SDK client and checks the answer the way a strict client would: every
 * answer, failures too, carries structuredContent that the advertised output schema accepts (clients
 * validate each one); a success is also accepted by the zod schema the advertised one was generated
 * from and says `success: true` — the SDK turns a broken output schema into an `isError` result that
 * looks like a working call (STYLE.md habit 2).
 */
export async function callChecked(
  client: Client,
  name: string,
  args: Record<string, unknown> = {},
  options: { outputSchemas: ReadonlyMap<string, object>; timeout?: number },
): Promise<ToolAnswer> {
  const result = await client.callTool({ name, arguments: args }, undefined, options.timeout === undefined ? undefined : { timeout: options.timeout });
  const text = (result.content as { type: string; text: string }[])[0]!.text;
  const structured = result.structuredContent as Structured | undefined;
  const advertised = validator.getValidator(options.outputSchemas.get(name)!)(structured);
  expect(advertised.valid, advertised.errorMessage).toBe(true);
  if (!result.isError) {
    expect(outputSchemaOf(findTool(name)!).safeParse(structured).success).toBe(true);
    expect(structured!.success).toBe(true);
  }
  return { isError: Boolean(result.isError), structured: structured ?? {}, text };
}
