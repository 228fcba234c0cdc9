// Issue 10, fault 1: personal data and database parameters stay out of the logs. A text argument
// holding a NUL character (or a lone UTF-16 surrogate) is refused as invalid_argument naming the
// field, before anything runs; and a database error is logged without the failed statement's text,
// parameters or the row values Postgres quotes, on PGlite and on Postgres alike.
import { randomUUID } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database } from '../db/schema.js';
import { SCOPES } from '../src/scopes/index.js';
import { createLogger, maskPhone } from '../src/shared/log.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { usingPostgres } from './helpers/db.js';
import { createTenant, type Tenant } from './helpers/domain-fixtures.js';
import { callTool, createKey, post } from './helpers/mcp.js';

const PHONE = '+14155550123';
const SECRET_TEXT = 'Your door code is 4417';

/** Every line the app logs, parsed (the app's own logger, written to memory instead of stdout). */
const lines: Record<string, any>[] = [];
const logged = () => lines.map((l) => JSON.stringify(l)).join('\n');

let t: TestApp;
let tenant: Tenant;
let key: string;

beforeAll(async () => {
  const log = createLogger({ logLevel: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  t = await startTestApp({ CONTACT_HOURS_START: '00:00', CONTACT_HOURS_END: '24:00', DIALER_INTERVAL_MS: '600000' }, undefined, { log });
  tenant = await createTenant(t.app.db, 'hygiene');
  key = (await createKey(t.app.db, tenant.businessId, [...SCOPES])).key;
}, 60_000);
afterAll(async () => t?.stop());
beforeEach(() => {
  lines.length = 0;
});

const callAs = async (name: string, args: Record<string, unknown>) => {
  const res = await post(t.mcpUrl, callTool(name, args), { authorization: `Bearer ${key}` });
  expect(res.status).toBe(200);
  return res.body.result as { isError?: boolean; structuredContent: { success: boolean; error?: string; error_code?: string } };
};

describe('security: text the database cannot store is refused, naming the field', () => {
  // Arguments that pass each tool's schema except for the one bad character, so that before the
  // check they reached the database (or were stored altered).
  const cases = () => [
    { tool: 'make_call', field: 'context', args: { agent_id: tenant.agentId, to: PHONE, idempotency_key: randomUUID(), context: `Call ${PHONE}\u0000 ${SECRET_TEXT}` } },
    { tool: 'send_sms', field: 'message', args: { from_agent_id: tenant.agentId, to: PHONE, idempotency_key: randomUUID(), message: `${SECRET_TEXT}\u0000 call ${PHONE}` } },
    {
      tool: 'update_agent_config',
      field: 'inbound_prompt',
      args: { agent_id: tenant.agentId, idempotency_key: randomUUID(), inbound_prompt: `Never reveal ${SECRET_TEXT}\u0000 to ${PHONE}` },
    },
    { tool: 'upsert_lead', field: 'lead.name', args: { idempotency_key: randomUUID(), lead: { name: `Pat\u0000 ${SECRET_TEXT}`, phone: PHONE } } },
    { tool: 'upsert_lead', field: 'updates[0].notes', args: { idempotency_key: randomUUID(), updates: [{ id: tenant.leadId, notes: `${SECRET_TEXT} \uD800 at ${PHONE}` }] } },
  ];

  it('a NUL or a lone surrogate in make_call, send_sms, update_agent_config and upsert_lead answers invalid_argument, and logs neither the number nor the text', async () => {
    for (const { tool, field, args } of cases()) {
      const result = await callAs(tool, args);
      expect({ tool, ...result.structuredContent }).toMatchObject({ tool, success: false, error_code: 'invalid_argument' });
      expect(result.structuredContent.error).toMatch(
        new RegExp(`^Invalid arguments for ${tool}: ${field.replace(/[[\]]/g, '\\$&')}: must not contain (a NUL character|an unpaired UTF-16 surrogate)`),
      );
    }
    expect(logged()).not.toContain(PHONE);
    expect(logged()).not.toContain('4417');
    // Nothing failed on the way, the refusal's audit row included.
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
    // The lead the lone surrogate was aimed at is unchanged (before, it was stored as U+FFFD).
    const lead = await t.app.db.kysely.selectFrom('leads').select('notes').where('id', '=', tenant.leadId).executeTakeFirstOrThrow();
    expect(lead.notes ?? '').not.toContain(SECRET_TEXT);
  });

  it('the refusal is audited, with the offending character replaced so that the row can be stored', async () => {
    await callAs('send_sms', { from_agent_id: tenant.agentId, to: PHONE, idempotency_key: randomUUID(), message: 'audit me\u0000' });
    const row = await t.app.db.kysely
      .selectFrom('audit_log')
      .select(['outcome', 'error_code', 'details'])
      .where('business_id', '=', tenant.businessId)
      .where('action', '=', 'send_sms')
      .orderBy('created_at', 'desc')
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ outcome: 'error', error_code: 'invalid_argument' });
    expect(JSON.stringify(row.details)).toContain('audit me\uFFFD');
    expect(JSON.stringify(row.details)).not.toContain(PHONE);
  });

  it('every argument of every tool, nested ones by their path: a NUL answers invalid_argument naming it, never internal', async () => {
    const listed = await post(t.mcpUrl, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, { authorization: `Bearer ${key}` });
    expect(listed.body).toHaveProperty('result');
    const tools = listed.body.result.tools as { name: string; inputSchema: { properties?: Record<string, unknown> } }[];
    expect(tools.length).toBeGreaterThan(20);
    let checked = 0;
    for (const tool of tools) {
      for (const field of Object.keys(tool.inputSchema.properties ?? {})) {
        const result = await callAs(tool.name, { [field]: 'x\u0000y' });
        expect({ tool: tool.name, field, ...result.structuredContent }).toMatchObject({ tool: tool.name, field, success: false, error_code: 'invalid_argument' });
        expect(result.structuredContent.error).toBe(`Invalid arguments for ${tool.name}: ${field}: must not contain a NUL character (\\u0000)`);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(50);
    const nested = await callAs('configure_textable_links', { links: [{ key: 'ok' }, { key: 'x', url: 'https://example.com/\u0000' }] });
    expect(nested.structuredContent.error).toMatch(/: links\[1\]\.url: must not contain a NUL character/);
    const badKey = await callAs('upsert_lead', { lead: { 'na\u0000me': 'Pat' } });
    expect(badKey.structuredContent).toMatchObject({
      error_code: 'invalid_argument',
      error: 'Invalid arguments for upsert_lead: lead: a field name contains a NUL character (\\u0000)',
    });
  }, 60_000);
});

describe(`security: database errors are logged without statement text, parameters or row values (${usingPostgres() ? 'Postgres' : 'PGlite'})`, () => {
  /** Runs `statement` (which must fail) on the app's owner connection and logs its error as the tool runner does. */
  const logFailure = async (statement: (tx: Transaction<Database>) => Promise<unknown>) => {
    const err = await t.app.db.kysely
      .transaction()
      .execute(async (tx) => {
        await sql`create temp table hygiene_probe (phone text, body text not null) on commit drop`.execute(tx);
        return statement(tx);
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(Error);
    t.app.log.error({ err, tool: 'make_call' }, 'tool failed');
    const line = lines.find((l) => l.msg === 'tool failed')!;
    return { err: err as Record<string, unknown>, line, text: JSON.stringify(line) };
  };

  it('a constraint violation (the row quoted back in `detail`) keeps its code and message and loses the values', async () => {
    const { err, line, text } = await logFailure((tx) => sql`insert into hygiene_probe (phone, body) values (${PHONE}, ${null})`.execute(tx));
    // What the database error carries (the reason for the serializer): the values, in one field or another.
    expect(JSON.stringify({ ...err, detail: err.detail })).toContain(PHONE);
    expect(text).not.toContain(PHONE);
    expect(text).not.toContain('insert into hygiene_probe');
    for (const field of ['query', 'params', 'queryOptions', 'detail', 'where', 'internalQuery']) expect(line.err).not.toHaveProperty(field);
    // What is needed to find the bug stays: the SQLSTATE, the message and where it was raised.
    expect(line.err).toMatchObject({ errorCode: '23502', message: expect.stringMatching(/null value in column "body"/) });
    expect(line.err.stack).toMatch(/null value in column "body"/);
  });

  it('a data exception quoting the value in its message keeps the message with the value redacted', async () => {
    const { line, text } = await logFailure((tx) => sql`select ${`Pat at ${PHONE}`}::int`.execute(tx));
    expect(text).not.toContain(PHONE);
    expect(text).not.toContain('::int');
    expect(line.err.errorCode).toBe('22P02');
    expect(line.err.message).toMatch(/invalid input syntax for type integer: "\[redacted\]"/);
  });

  it('a NUL reaching the database anyway (here by hand) logs neither the statement nor its parameters', async () => {
    const { text } = await logFailure((tx) => sql`insert into hygiene_probe (phone, body) values (${PHONE}, ${`${SECRET_TEXT}\u0000`})`.execute(tx));
    expect(text).not.toContain(PHONE);
    expect(text).not.toContain('4417');
    expect(text).not.toContain('insert into hygiene_probe');
  });
});

describe('security: a phone number inside an error message', () => {
  it('a provider error naming the number it could not reach is logged with the number masked', () => {
    const out: Record<string, any>[] = [];
    const log = createLogger({ logLevel: 'info' }, { write: (line: string) => void out.push(JSON.parse(line)) });
    log.error({ err: new Error(`carrier refused: cannot text ${PHONE}`) }, 'sms send failed');
    expect(JSON.stringify(out)).not.toContain(PHONE);
    expect(out[0]!.err.message).toBe(`carrier refused: cannot text ${maskPhone(PHONE)}`);
  });
});
