// The audit row's guarantee, now that a tool call's unit of work sends its audit row as its closing
// write, with COMMIT (on Postgres, pipelined: one round trip for both), and a read-only call's row
// is group-committed with the rows of concurrent calls (audit-batch.ts): a tool call that ran has
// exactly one row, and an answer is never given without its row. When the audit insert fails, or
// COMMIT fails after it, the call answers an error and keeps nothing it wrote; a row refused in a
// batch fails its own call only. Concurrent calls, with and without a session, on PGlite and on
// Postgres (TEST_DATABASE_URL).
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiKey } from '../src/authz/api-keys.js';
import { SCOPES } from '../src/scopes/index.js';
import { openDatabase, type Db } from '../src/shared/db.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { createTenant, type Tenant } from './helpers/domain-fixtures.js';
import { usingPostgres } from './helpers/db.js';
import { callTool, callToolWith, connectClient, post } from './helpers/mcp.js';

let t: TestApp;
let client: Client;
let auth: Record<string, string>;
let tenant: Tenant;

beforeAll(async () => {
  t = await startTestApp();
  tenant = await createTenant(t.app.db, 'audit-guarantee');
  const { key } = await issueApiKey(t.app.db.kysely, { businessId: tenant.businessId, name: 'guarantee', scopes: SCOPES, createdBy: tenant.owner.id });
  auth = { authorization: `Bearer ${key}` };
  ({ client } = await connectClient(t.mcpUrl, { headers: auth }));
});
afterAll(async () => {
  await client?.close();
  await t?.stop();
});

const auditRows = (businessId: string) => t.app.db.kysely.selectFrom('audit_log').select(['action', 'outcome', 'error_code']).where('business_id', '=', businessId).execute();

/** Rows per `action outcome`, e.g. `{ 'get_business_info success': 30 }`. */
const tally = (rows: { action: string; outcome: string }[]) => {
  const counts: Record<string, number> = {};
  for (const row of rows) counts[`${row.action} ${row.outcome}`] = (counts[`${row.action} ${row.outcome}`] ?? 0) + 1;
  return counts;
};

const link = (key: string) => ({ links: [{ key, label: `Link ${key}`, url: `https://example.com/${key}` }] });
const linksKeyed = async (key: string) =>
  (await t.app.db.kysely.selectFrom('business_links').select('id').where('business_id', '=', tenant.businessId).where('key', '=', key).execute()).length;

/**
 * A trigger on audit_log that refuses the success row of one tool for this tenant: at the insert
 * itself, or (`at: 'commit'`) deferred to COMMIT, after the insert went through.
 */
async function refuseSuccessRows(tool: string, at: 'insert' | 'commit'): Promise<() => Promise<void>> {
  const k = t.app.db.kysely;
  const when = sql`new.business_id = ${sql.lit(tenant.businessId)} and new.action = ${sql.lit(tool)} and new.outcome = 'success'`;
  await sql`create or replace function kc_test_refuse_audit() returns trigger language plpgsql as $$ begin raise exception 'audit row refused by the test'; end $$`.execute(k);
  if (at === 'insert') {
    await sql`create trigger kc_test_refuse_audit before insert on audit_log for each row when (${when}) execute function kc_test_refuse_audit()`.execute(k);
  } else {
    await sql`create constraint trigger kc_test_refuse_audit after insert on audit_log deferrable initially deferred for each row when (${when}) execute function kc_test_refuse_audit()`.execute(
      k,
    );
  }
  return async () => {
    await sql`drop trigger kc_test_refuse_audit on audit_log`.execute(k);
  };
}

describe('the audit row of a tool call', () => {
  it('every successful call has exactly one audit row, under concurrency: reads and writes, effects, with and without a session', async () => {
    const other = await createTenant(t.app.db, 'audit-guarantee-concurrency');
    const { key } = await issueApiKey(t.app.db.kysely, { businessId: other.businessId, name: 'concurrency', scopes: SCOPES, createdBy: other.owner.id });
    const headers = { authorization: `Bearer ${key}` };
    const { client: session } = await connectClient(t.mcpUrl, { headers });
    try {
      const sessionless = (name: string, args: Record<string, unknown>, id: number) =>
        post(t.mcpUrl, callTool(name, args, id), headers).then((r) => {
          expect(r.status).toBe(200);
          return { isError: Boolean(r.body.result.isError), success: r.body.result.structuredContent?.success };
        });
      const inSession = (name: string, args: Record<string, unknown>) => callToolWith(session, name, args).then((r) => ({ isError: r.isError, success: r.structured.success }));
      const calls = [
        ...Array.from({ length: 20 }, (_, i) => sessionless('get_business_info', {}, i)),
        ...Array.from({ length: 10 }, () => inSession('get_business_info', {})),
        // A write in the tool's unit of work, and an effect tool whose services commit their own records.
        ...Array.from({ length: 8 }, (_, i) => sessionless('configure_textable_links', link(`concurrent-${i}`), 100 + i)),
        ...Array.from({ length: 6 }, (_, i) => sessionless('upsert_lead', { lead: { name: `Concurrent lead ${i}` } }, 200 + i)),
      ];
      const answers = await Promise.all(calls);
      expect(answers.filter((a) => a.isError || a.success !== true)).toEqual([]);

      expect(tally(await auditRows(other.businessId))).toEqual({
        'get_business_info success': 30,
        'configure_textable_links success': 8,
        'upsert_lead success': 6,
      });
      const links = await t.app.db.kysely.selectFrom('business_links').select('key').where('business_id', '=', other.businessId).execute();
      expect(links).toHaveLength(8);
    } finally {
      await session.close();
    }
  });

  it('fault: when the audit insert fails, the call answers an error and keeps nothing it wrote', async () => {
    const before = tally(await auditRows(tenant.businessId));
    const restore = await refuseSuccessRows('configure_textable_links', 'insert');
    try {
      const write = await post(t.mcpUrl, callTool('configure_textable_links', link('refused-at-insert')), auth);
      expect(write.body.result.isError).toBe(true);
      expect(write.body.result.structuredContent).toMatchObject({ success: false, error_code: 'internal' });
      expect(await linksKeyed('refused-at-insert')).toBe(0);
      // In a session too: the answer never leaves without its row.
      const again = await callToolWith(client, 'configure_textable_links', link('refused-at-insert'));
      expect(again.isError).toBe(true);
      expect(await linksKeyed('refused-at-insert')).toBe(0);
    } finally {
      await restore();
    }
    const after = tally(await auditRows(tenant.businessId));
    expect(after['configure_textable_links success'] ?? 0).toBe(before['configure_textable_links success'] ?? 0);
    expect((after['configure_textable_links error'] ?? 0) - (before['configure_textable_links error'] ?? 0)).toBe(2);
  });

  it('fault: when COMMIT fails after the audit insert, the call answers an error and keeps neither its writes nor its row', async () => {
    const before = tally(await auditRows(tenant.businessId));
    const restoreWrite = await refuseSuccessRows('configure_textable_links', 'commit');
    try {
      const write = await callToolWith(client, 'configure_textable_links', link('refused-at-commit'));
      expect(write.isError).toBe(true);
      expect(write.structured).toMatchObject({ success: false, error_code: 'internal' });
      expect(await linksKeyed('refused-at-commit')).toBe(0);
      const sessionless = await post(t.mcpUrl, callTool('configure_textable_links', link('refused-at-commit')), auth);
      expect(sessionless.body.result.isError).toBe(true);
      expect(await linksKeyed('refused-at-commit')).toBe(0);
    } finally {
      await restoreWrite();
    }
    // A read: its answer is not given either.
    const restoreRead = await refuseSuccessRows('get_business_info', 'commit');
    try {
      const read = await callToolWith(client, 'get_business_info');
      expect(read.isError).toBe(true);
      expect(read.structured).toMatchObject({ success: false, error_code: 'internal' });
    } finally {
      await restoreRead();
    }
    const after = tally(await auditRows(tenant.businessId));
    for (const tool of ['configure_textable_links', 'get_business_info']) expect(after[`${tool} success`] ?? 0, tool).toBe(before[`${tool} success`] ?? 0);
    expect((after['configure_textable_links error'] ?? 0) - (before['configure_textable_links error'] ?? 0)).toBe(2);
    expect((after['get_business_info error'] ?? 0) - (before['get_business_info error'] ?? 0)).toBe(1);
    // Nothing is left stuck: the same calls succeed once the database accepts the rows again.
    expect((await callToolWith(client, 'configure_textable_links', link('refused-at-commit'))).isError).toBe(false);
    expect(await linksKeyed('refused-at-commit')).toBe(1);
  });
});

describe('the group-committed rows of read-only calls', () => {
  it('concurrent reads share batches: fewer transactions than rows, one row per call', async () => {
    const other = await createTenant(t.app.db, 'audit-batch-shared');
    const { key } = await issueApiKey(t.app.db.kysely, { businessId: other.businessId, name: 'batch', scopes: SCOPES, createdBy: other.owner.id });
    const answers = await Promise.all(Array.from({ length: 24 }, (_, i) => post(t.mcpUrl, callTool('get_business_info', {}, i), { authorization: `Bearer ${key}` })));
    expect(answers.map((a) => a.body.result.structuredContent.success)).toEqual(Array(24).fill(true));
    // Rows committed together carry the id of the one transaction that wrote them.
    const rows = await sql<{ tx: string }>`select xmin::text as tx from audit_log where business_id = ${other.businessId}`.execute(t.app.db.kysely);
    expect(rows.rows).toHaveLength(24);
    expect(new Set(rows.rows.map((r) => r.tx)).size).toBeLessThan(24);
  });

  it('fault: a row refused inside a batch fails its own call only; its neighbours keep their answers and rows', async () => {
    const other = await createTenant(t.app.db, 'audit-batch-refused');
    const { key } = await issueApiKey(t.app.db.kysely, { businessId: other.businessId, name: 'batch', scopes: SCOPES, createdBy: other.owner.id });
    const headers = { authorization: `Bearer ${key}` };
    const k = t.app.db.kysely;
    await sql`create or replace function kc_test_refuse_audit() returns trigger language plpgsql as $$ begin raise exception 'audit row refused by the test'; end $$`.execute(k);
    await sql`create trigger kc_test_refuse_audit before insert on audit_log for each row when (new.business_id = ${sql.lit(other.businessId)} and new.action = 'list_recent_calls' and new.outcome = 'success') execute function kc_test_refuse_audit()`.execute(
      k,
    );
    try {
      const calls = [
        ...Array.from({ length: 12 }, (_, i) => post(t.mcpUrl, callTool('get_business_info', {}, i), headers)),
        ...Array.from({ length: 3 }, (_, i) => post(t.mcpUrl, callTool('list_recent_calls', {}, 100 + i), headers)),
      ];
      const answers = (await Promise.all(calls)).map((a) => a.body.result.structuredContent);
      expect(answers.slice(0, 12).every((a) => a.success === true)).toBe(true);
      expect(answers.slice(12)).toEqual(Array(3).fill({ success: false, error: expect.any(String), error_code: 'internal' }));
    } finally {
      await sql`drop trigger kc_test_refuse_audit on audit_log`.execute(k);
    }
    expect(tally(await auditRows(other.businessId))).toEqual({ 'get_business_info success': 12, 'list_recent_calls error': 3 });
  });

  it('security: the read-only unit refuses writes, and leaves its connection clean', async () => {
    const attempt = t.app.db.readForBusiness(tenant.businessId, (tx) => tx.insertInto('leads').values({ business_id: tenant.businessId, name: 'read-only: refused' }).execute());
    await expect(attempt).rejects.toThrow(/read-only transaction/);
    expect((await t.app.db.kysely.selectFrom('leads').select('id').where('name', '=', 'read-only: refused').execute()).length).toBe(0);
    const after = await t.app.db.forBusiness(tenant.businessId, (tx) =>
      tx.insertInto('leads').values({ business_id: tenant.businessId, name: 'read-only: then a write' }).returning('id').execute(),
    );
    expect(after).toHaveLength(1);
  });
});

describe('a unit of work with a closing write', () => {
  // One connection: what a unit of work leaves on its connection is what the next one sees.
  let single: Db;
  beforeAll(async () => {
    single = usingPostgres() ? await openDatabase({ databaseUrl: t.database.databaseUrl, dataDir: 'memory://', dbPoolSize: 1 }) : t.app.db;
  });
  afterAll(async () => {
    if (single !== t.app.db) await single.close();
  });

  const leadsNamed = async (name: string) => (await t.app.db.kysely.selectFrom('leads').select('id').where('name', '=', name).execute()).length;
  const newLead = (name: string) => (tx: Parameters<Parameters<Db['forBusiness']>[1]>[0]) => tx.insertInto('leads').values({ business_id: tenant.businessId, name });

  it('a read-only unit is read only, and its COMMIT (not waited for) ends it before the next unit on its connection', async () => {
    const readOnly = await single.readForBusiness(tenant.businessId, async (tx) => {
      const r = await sql<{ ro: string; business: string }>`select current_setting('transaction_read_only') as ro, current_setting('app.business_id', true) as business`.execute(
        tx,
      );
      return r.rows[0]!;
    });
    expect(readOnly).toEqual({ ro: 'on', business: tenant.businessId });
    // At once, on the same connection: a new transaction, writable, which commits.
    await single.forBusiness(tenant.businessId, (tx) => newLead('after a read-only unit')(tx).execute());
    expect(await leadsNamed('after a read-only unit')).toBe(1);
    await expect(single.readForBusiness(tenant.businessId, (tx) => newLead('read-only: refused on one connection')(tx).execute())).rejects.toThrow(/read-only transaction/);
    const next = await single.forBusiness(tenant.businessId, async (tx) => {
      const r = await sql<{ ro: string }>`select current_setting('transaction_read_only') as ro`.execute(tx);
      return r.rows[0]!.ro;
    });
    expect(next).toBe('off');
    expect(await leadsNamed('read-only: refused on one connection')).toBe(0);
  });

  it('commits the closing write, built from the work’s result, with the work', async () => {
    const result = await single.forBusiness(
      tenant.businessId,
      async (tx) => {
        await newLead('closing: the work')(tx).execute();
        return 'closing: the write';
      },
      (tx, name) => newLead(name)(tx),
    );
    expect(result).toBe('closing: the write');
    expect(await leadsNamed('closing: the work')).toBe(1);
    expect(await leadsNamed('closing: the write')).toBe(1);
  });

  it('security: a statement the work queued without awaiting it still runs inside the unit, as the tenant, before COMMIT', async () => {
    const whoAmI = (tx: Parameters<Parameters<Db['forBusiness']>[1]>[0]) =>
      sql<{ role: string; business: string }>`select current_user as role, current_setting('app.business_id', true) as business`.execute(tx);
    let queued: ReturnType<typeof whoAmI> | undefined;
    await single.forBusiness(
      tenant.businessId,
      async (tx) => {
        // A slow statement on the wire, and one queued behind it that nobody awaits (a forgotten await).
        void sql`select pg_sleep(0.05)`.execute(tx);
        queued = whoAmI(tx);
        queued.catch(() => {});
      },
      (tx) => newLead('closing: after a queued statement')(tx),
    );
    const ran = await queued!;
    expect(ran.rows[0]).toEqual({ role: 'kc_app', business: tenant.businessId });
    expect(await leadsNamed('closing: after a queued statement')).toBe(1);
  });

  it('rejects with the closing write’s own error when it fails, keeps nothing of the work, and leaves the connection clean', async () => {
    const other = await createTenant(t.app.db, 'audit-guarantee-other');
    const failure = single.forBusiness(
      tenant.businessId,
      async (tx) => {
        await newLead('closing: dropped work')(tx).execute();
      },
      // Another business's row: row-level security refuses it, after the work's own write went through.
      (tx) => tx.insertInto('leads').values({ business_id: other.businessId, name: 'closing: refused write' }),
    );
    await expect(failure).rejects.toThrow(/row-level security/);
    expect(await leadsNamed('closing: dropped work')).toBe(0);
    expect(await leadsNamed('closing: refused write')).toBe(0);
    const next = await single.forBusiness(other.businessId, async (tx) => {
      const r = await sql<{ role: string; business: string }>`select current_user as role, current_setting('app.business_id', true) as business`.execute(tx);
      return r.rows[0]!;
    });
    expect(next).toEqual({ role: 'kc_app', business: other.businessId });
  });
});
