// Structured JSON logs. Redaction is by path so that a token, key, code, password or cookie never
// reaches a log line even when a whole request or header object is logged by mistake.
import { pino, type DestinationStream, type Logger } from 'pino';
import type { Config } from './config.js';
import { currentRequestId } from './request-id.js';

export type { Logger };

const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-kaicalls-api-key"]',
  // The in-call surface's runtime key (seed 002's header).
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'headers["x-kaicalls-api-key"]',
  'headers["x-api-key"]',
  '*.password',
  '*.token',
  '*.access_token',
  '*.refresh_token',
  '*.code',
  '*.code_verifier',
  '*.client_secret',
  '*.apiKey',
  '*.api_key',
  'password',
  'token',
  'apiKey',
];

/** `destination` is where the lines go (standard output by default; tests read them from memory). */
export function createLogger(config: Pick<Config, 'logLevel'>, destination?: DestinationStream): Logger {
  const options = {
    level: config.logLevel,
    base: undefined,
    redact: { paths: REDACT, censor: '[redacted]' },
    serializers: { err: serializeError },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Every line written while a request is handled names it (request-id.ts), whoever writes it.
    mixin: requestIdField,
  };
  return destination ? pino(options, destination) : pino(options);
}

const requestIdField = (): { requestId?: string } => {
  const requestId = currentRequestId();
  return requestId === undefined ? {} : { requestId };
};

/**
 * What a failed statement may carry of the data it was given: PGlite attaches the statement text and
 * its parameters (`query`, `params`, `queryOptions`); Postgres puts row values in `detail` ("Key
 * (phone)=(+1…) already exists", "Failing row contains (…)"), and parameter values or the text of
 * an inner statement in `where` and `internalQuery`. None of it is needed to find the bug; any of it
 * may be a phone number, a message, a prompt or a secret.
 */
const DATA_BEARING_FIELDS = ['query', 'params', 'queryOptions', 'parameters', 'values', 'detail', 'where', 'internalQuery'];

/** An E.164 number inside free text. */
const E164_IN_TEXT = /\+[1-9]\d{7,14}\b/g;

/** SQLSTATE (`57P01`) and Node (`ECONNREFUSED`) error codes: short, upper case, never a credential. */
const ERROR_CODE = /^[A-Z0-9_]{2,40}$/;

/**
 * pino's error serializer, minus what a database error holds of the data. `code` itself stays
 * redacted by the `*.code` path (to the redactor an OAuth authorization code looks the same), so a
 * code that is plainly an error code is repeated as `errorCode`.
 */
function serializeError(err: unknown): unknown {
  const out = pino.stdSerializers.err(err as Error) as unknown;
  if (!out || typeof out !== 'object' || out === err) return out;
  const fields = out as Record<string, unknown>;
  for (const field of DATA_BEARING_FIELDS) delete fields[field];
  const source = err as Record<string, unknown>;
  // pino serializes errors nested under other keys (and aggregated ones) with its own serializer.
  for (const key of Object.keys(fields)) {
    if (key !== 'aggregateErrors' && isErrorLike(source[key])) fields[key] = serializeError(source[key]);
  }
  if (Array.isArray(fields.aggregateErrors) && Array.isArray(source.errors)) fields.aggregateErrors = source.errors.map(serializeError);
  // A provider's or a library's message may name the number it could not reach (`cannot text +14155550123`).
  for (const key of ['message', 'stack']) {
    if (typeof fields[key] === 'string') fields[key] = fields[key].replace(E164_IN_TEXT, (n) => maskPhone(n)!);
  }
  const code = source.code;
  if (typeof code === 'string' && ERROR_CODE.test(code)) {
    fields.errorCode = code;
    // Data exceptions (SQLSTATE class 22) quote the offending value in the message itself, as in
    // `invalid input syntax for type integer: "+14155550123"`: the quoted part goes.
    if (code.startsWith('22')) {
      for (const key of ['message', 'stack']) {
        if (typeof fields[key] === 'string') fields[key] = fields[key].replace(/"[^"\n]*"/g, '"[redacted]"');
      }
    }
  }
  return fields;
}

const isErrorLike = (value: unknown): value is Error =>
  value instanceof Error || (typeof value === 'object' && value !== null && typeof (value as Error).message === 'string' && typeof (value as Error).stack === 'string');

/** `+14155550123` → `+1415•••0123`: enough to tell numbers apart, not enough to dial. */
export function maskPhone(phone: string | null | undefined): string | null {
  if (!phone) return null;
  if (phone.length <= 6) return '•'.repeat(phone.length);
  return `${phone.slice(0, 5)}•••${phone.slice(-4)}`;
}
