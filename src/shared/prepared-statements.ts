// Named prepared statements for the Postgres pool behind Kysely.
//
// Kysely sends every query as an unnamed statement, which Postgres parses, rewrites and plans anew
// on each execution. With row-level-security policies on every tenant table, that planning is most
// of the database's work for a tool call: the unit of work of `get_business_info` (role switch,
// read, audit insert) runs about twice as often per second with its statements named (bench/README.md).
// Naming each distinct SQL text lets every connection plan it once and reuse the plan. Plans stay
// correct across businesses: the policies read `app.business_id` at execution, and Postgres re-plans
// a statement when the role it was planned for changes.
import type { Duplex } from 'node:stream';
import type { PostgresPool, PostgresPoolClient } from 'kysely';
import type pg from 'pg';

/**
 * Past this many distinct SQL texts, further texts run unnamed: a statement prepared on a
 * connection lives as long as the connection, so the set must stay bounded even if some caller
 * builds SQL whose text varies (an `in (…)` list of varying length).
 */
export const MAX_PREPARED_STATEMENTS = 500;

/**
 * The last parameter of a statement that should leave in the same write as the next statement
 * issued on its connection (a unit of work's BEGIN, its closing write: db.ts). It is removed before
 * the statement is sent. Each write to the server is a system call that, on loopback, also runs the
 * server side of TCP and wakes the server: in a profile under load, these writes were a third of the
 * process's CPU for a tool call. The held write goes out at the latest when the current turn of the
 * event loop ends, so a statement followed by none is not kept waiting.
 */
export const WITH_NEXT: unique symbol = Symbol('sent with the next statement');

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
    // Writes are held back (the socket corked) from a WITH_NEXT statement until the next statement.
    const socket: Partial<Pick<Duplex, 'cork' | 'uncork'>> = client.connection.stream;
    let holding = false;
    const flush = () => {
      if (!holding) return;
      holding = false;
      socket.uncork?.();
    };
    const query = (sqlOrCursor: unknown, parameters?: ReadonlyArray<unknown>): unknown => {
      if (typeof sqlOrCursor !== 'string') {
        flush();
        return client.query(sqlOrCursor as pg.Submittable);
      }
      const withNext = parameters !== undefined && parameters.length > 0 && parameters[parameters.length - 1] === WITH_NEXT;
      // Kysely hands each query a fresh copy of its parameters already.
      const values = (withNext ? parameters.slice(0, -1) : (parameters ?? [])) as unknown[];
      if (withNext && !holding && socket.cork) {
        holding = true;
        socket.cork();
        setImmediate(flush);
      }
      // Statements without parameters (BEGIN, COMMIT, migrations' DDL) gain nothing from a plan.
      const name = values.length > 0 ? nameFor(sqlOrCursor) : undefined;
      const pending = name ? client.query({ name, text: sqlOrCursor, values }) : client.query(sqlOrCursor, values);
      if (!withNext) flush();
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
        // pg's pipeline mode: a statement goes on the wire as soon as it is issued, rather than once
        // the one before has been answered, so a unit of work can send BEGIN with its first statement
        // and its last write with COMMIT (db.ts). Statements issued one after another behave as
        // before. Set here, on a connected idle client, because the pool's options are the pool's:
        // the mode is read at each statement.
        (client as { pipeline: boolean }).pipeline = true;
        wrapper = wrap(client);
        wrappers.set(client, wrapper);
      }
      return wrapper;
    },
    end: () => pool.end(),
  };
}
