// Database failures that mean "try again shortly" (server down, restarting or hung, pool exhausted),
// as opposed to a bug: every edge answers them 503 / error_code "unavailable" instead of an
// internal error. Each wait on the database is bounded (DB_QUERY_TIMEOUT_MS, see openDatabase), so
// a hung server ends in one of these within that bound.
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006']);

const CONNECTION_MESSAGES = new RegExp(
  [
    // pg-pool: no connection within connectionTimeoutMillis (server silent, or every connection busy).
    'Connection terminated',
    'timeout exceeded when trying to connect',
    'Client has encountered a connection error',
    // pg: no answer within query_timeout; the connection is then closed (openDatabase).
    'Query read timeout',
    'Client was closed and is not queryable',
    // Postgres: statement_timeout (SQLSTATE 57014, shared with a cancel by hand, hence the message).
    'canceling statement due to statement timeout',
  ].join('|'),
  'i',
);

export function isDatabaseUnavailable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && CONNECTION_CODES.has(code)) return true;
  const message = err instanceof Error ? err.message : '';
  return CONNECTION_MESSAGES.test(message);
}
