// Structured JSON logs. Redaction is by path so that a token, key, code, password or cookie never
// reaches a log line even when a whole request or header object is logged by mistake.
import { pino, type Logger } from 'pino';
import type { Config } from './config.js';

export type { Logger };

const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-kaicalls-api-key"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'headers["x-kaicalls-api-key"]',
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

export function createLogger(config: Pick<Config, 'logLevel'>): Logger {
  return pino({
    level: config.logLevel,
    base: undefined,
    redact: { paths: REDACT, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}

/** `+14155550123` → `+1415•••0123`: enough to tell numbers apart, not enough to dial. */
export function maskPhone(phone: string | null | undefined): string | null {
  if (!phone) return null;
  if (phone.length <= 6) return '•'.repeat(phone.length);
  return `${phone.slice(0, 5)}•••${phone.slice(-4)}`;
}
