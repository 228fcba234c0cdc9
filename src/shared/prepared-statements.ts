// Named prepared statements for the Postgres pool behind Kysely.
//
// Kysely sends every query as an unnamed statement, which Postgres parses, rewrites and plans anew
// on each execution. With row-level-security policies on every tenant table, that planning is most
// of the database's work for a tool call: the unit of work of `get_business_info` (role switch,
// read, audit insert) runs about twice as often per second with its statements named (bench/README.md).
// Naming each distinct SQL text lets every connection plan it once and reuse the plan. Plans stay
// correct across businesses: the policies read `app.business_id` at execution, and Postgres re-plans
// a statement when the role it was planned for changes.
import type { PostgresPool, PostgresPoolClient } from 'kysely';
import type pg from 'pg';

/**
 * Past this many distinct SQL texts, further texts run unnamed: a statement prepared on a
 * connection lives as long as the connection, so the set must stay bounded even if some caller
 * builds SQL whose text varies (an `in (…)` list of varying length).
 */
export const MAX_PREPARED_STATEMENTS = 500;

/** Postgres refuses to reuse a prepared `select *` once a migration has changed the table's columns. */
const isStalePlan = (err: unknown) => (err as { code?: unknown })?.code === '0A000' && /cached plan must not change result type/.test(String((err as Error).message));

export function withPreparedStatements(pool: pg.Pool, maxStatements = MAX_PREPARED_STATEMENTS): PostgresPool {
  const names = new Map<string, string>();
  const nameFor = (text: string): string | undefined => {
    let name = names.get(text);
    if (name === undefined && names.size < maxStatements) {
      name = `kc_${names.size + 1}`;
      names.set(text, name);
    }
    return name;
  };
  // Kysely keys its connection objects by client, so one wrapper per pg client.
  const wrappers = new WeakMap<pg.PoolClient, PostgresPoolClient>();

  const wrap = (client: pg.PoolClient): PostgresPoolClient => {
    // A connection that met a stale plan keeps it prepared: it is closed on release rather than
    // returned to the pool, and the next unit of work plans afresh on a new connection.
    let stale: Error | undefined;
    const query = (sqlOrCursor: unknown, parameters?: ReadonlyArray<unknown>): unknown => {
      if (typeof sqlOrCursor !== 'string') return client.query(sqlOrCursor as pg.Submittable);
      // Statements without parameters (BEGIN, COMMIT, migrations' DDL) gain nothing from a plan.
      const name = parameters && parameters.length > 0 ? nameFor(sqlOrCursor) : undefined;
      // Kysely hands each query a fresh copy of its parameters already.
      const values = (parameters ?? []) as unknown[];
      const pending = name ? client.query({ name, text: sqlOrCursor, values }) : client.query(sqlOrCursor, values);
      return pending.catch((err: unknown) => {
        if (isStalePlan(err)) stale = err as Error;
        throw err;
      });
    };
    return {
      query: query as PostgresPoolClient['query'],
      release() {
        client.release(stale ?? false);
      },
    };
  };

  return {
    async connect() {
      const client = await pool.connect();
      let wrapper = wrappers.get(client);
      if (!wrapper) {
        wrapper = wrap(client);
        wrappers.set(client, wrapper);
      }
      return wrapper;
    },
    end: () => pool.end(),
  };
}
