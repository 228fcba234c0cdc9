// Idempotent effects: the same key with the same arguments gives the first outcome again
// (`replayed: true`) and never repeats the effect, also when many retries arrive at once; the same
// key with other arguments is a conflict. Keys are per business and expire (24 h by default).
//
// The record is claimed in its own committed transaction BEFORE the effect, and completed with the
// outcome AFTER it; the effect runs its own units of work in between (a call row must be committed
// before the provider is dialled, so the effect cannot live inside the claim's transaction).
//
// States, and what a request that finds the key answers:
//   (none)       → claim it, run the effect.
//   in_progress  → another request is running it: wait for its outcome (polling, bounded), then
//                  replay it. Older than `interruptedAfterSeconds`: that request died mid-effect and
//                  its outcome is unknown → `conflict` (reason `interrupted`). It is never re-run:
//                  a duplicate phone call is worse than asking the caller to look first.
//   completed    → replay the stored outcome.
//
// A refusal (an AppError: bad input, a compliance gate, not found) happens before any effect by the
// services' contract, so it gives the key back and a corrected retry may reuse it. Any other error
// leaves the record in_progress, because the effect may have happened.
import { createHash } from 'node:crypto';
import type { Db } from '../../shared/db.js';
import { AppError, invalidArgument } from '../../shared/errors.js';
import { createIdempotencyRepository, purgeExpiredIdempotencyRecords } from './idempotency.repository.js';

export const DEFAULT_IDEMPOTENCY_TTL_SECONDS = 24 * 3600;

export interface IdempotencyOptions {
  db: Db;
  businessId: string;
  /** The client's idempotency_key (8–128 characters). */
  key: string;
  /** The tool (or operation) name: a key reused for another tool is a conflict. */
  tool: string;
  /** The validated arguments; `idempotency_key` itself is ignored if present. */
  args: unknown;
  ttlSeconds?: number;
  /** How long a duplicate waits for the first request's outcome before answering `conflict`. */
  waitTimeoutMs?: number;
  /** An in_progress claim older than this belongs to a request that died. */
  interruptedAfterSeconds?: number;
}

export interface IdempotentResult<T> {
  /** The effect's outcome as JSON data (the first request's, when replayed). */
  outcome: T;
  replayed: boolean;
}

type Probe =
  | { kind: 'claimed' }
  | { kind: 'replay'; response: Record<string, unknown> | null }
  | { kind: 'conflict'; otherTool: boolean }
  | { kind: 'interrupted' }
  | { kind: 'wait' }
  | { kind: 'vanished' };

/**
 * Runs `effect` at most once per (business, key). The outcome must be JSON data: it is stored and
 * the first caller receives it through the same JSON round trip as a replay, so both see the same
 * shape (a Date, for instance, becomes its ISO string in both).
 */
export async function withIdempotency<T>(options: IdempotencyOptions, effect: () => Promise<T>): Promise<IdempotentResult<T>> {
  const { db, businessId, key, tool } = options;
  assertIdempotencyKey(key);
  const ttlSeconds = options.ttlSeconds ?? DEFAULT_IDEMPOTENCY_TTL_SECONDS;
  const interruptedAfter = options.interruptedAfterSeconds ?? 120;
  const deadline = Date.now() + (options.waitTimeoutMs ?? 15_000);
  const hash = requestHash(tool, options.args);

  for (let attempt = 0; ; attempt++) {
    const probe = await db.forBusiness(businessId, async (tx): Promise<Probe> => {
      const repo = createIdempotencyRepository(tx, businessId);
      if (await repo.claim({ key, tool, requestHash: hash, ttlSeconds })) return { kind: 'claimed' };
      const record = await repo.find(key);
      if (!record) return { kind: 'vanished' };
      if (record.tool !== tool || record.requestHash !== hash) return { kind: 'conflict', otherTool: record.tool !== tool };
      if (record.state === 'completed') return { kind: 'replay', response: record.response };
      return record.ageSeconds > interruptedAfter ? { kind: 'interrupted' } : { kind: 'wait' };
    });

    switch (probe.kind) {
      case 'claimed':
        return { outcome: await runClaimed(options, hash, effect), replayed: false };
      case 'replay':
        return { outcome: (probe.response?.outcome ?? null) as T, replayed: true };
      case 'conflict':
        throw new AppError(
          'conflict',
          probe.otherTool
            ? `idempotency_key was already used for another operation; use a new key for this request`
            : `idempotency_key was already used with different arguments; use a new key for a different request`,
          { field: 'idempotency_key', reason: 'arguments_differ' },
        );
      case 'interrupted':
        throw new AppError(
          'conflict',
          'The first request with this idempotency_key was interrupted before it finished, so its outcome is unknown. ' +
            'Check whether it took effect (for example with list_recent_calls) before retrying with a new key.',
          { field: 'idempotency_key', reason: 'interrupted' },
        );
      case 'wait':
        if (Date.now() >= deadline) {
          throw new AppError('conflict', 'A request with this idempotency_key is still in progress; retry in a moment to get its outcome.', {
            field: 'idempotency_key',
            reason: 'in_progress',
            retry_after_seconds: 1,
          });
        }
        await sleep(Math.min(10 * 2 ** Math.min(attempt, 4), 200));
        break;
      case 'vanished':
        // The holder gave the key back (a refusal) or it expired between our two statements: claim again.
        break;
    }
  }
}

async function runClaimed<T>(options: IdempotencyOptions, hash: string, effect: () => Promise<T>): Promise<T> {
  const { db, businessId, key } = options;
  let outcome: T;
  try {
    outcome = await effect();
  } catch (err) {
    if (err instanceof AppError) {
      await db.forBusiness(businessId, (tx) => createIdempotencyRepository(tx, businessId).release(key, hash));
    }
    throw err;
  }
  const json = (outcome === undefined ? null : JSON.parse(JSON.stringify(outcome))) as T;
  await db.forBusiness(businessId, (tx) => createIdempotencyRepository(tx, businessId).complete(key, hash, { outcome: json }));
  return json;
}

/** `idempotency_key` must be 8–128 printable characters. */
export function assertIdempotencyKey(key: unknown): asserts key is string {
  if (typeof key !== 'string' || key.length < 8 || key.length > 128 || !/^[\x21-\x7e]+$/.test(key)) {
    throw invalidArgument('idempotency_key must be a string of 8–128 printable ASCII characters without spaces', { field: 'idempotency_key' });
  }
}

/** SHA-256 over the operation and its arguments in a canonical form (sorted keys, no undefined). */
export function requestHash(tool: string, args: unknown): string {
  const withoutKey = args && typeof args === 'object' && !Array.isArray(args) ? { ...(args as Record<string, unknown>), idempotency_key: undefined } : args;
  return createHash('sha256').update(tool).update('\n').update(canonicalJson(withoutKey)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface IdempotencyService {
  /** Runs `effect` at most once per (business, key): see withIdempotency. */
  run<T>(request: Pick<IdempotencyOptions, 'businessId' | 'key' | 'tool' | 'args'>, effect: () => Promise<T>): Promise<IdempotentResult<T>>;
  /** Deletes expired records; returns how many. */
  purgeExpired(): Promise<number>;
}

export function createIdempotencyService(deps: { db: Db; ttlSeconds: number }): IdempotencyService {
  return {
    run: (request, effect) => withIdempotency({ ...request, db: deps.db, ttlSeconds: deps.ttlSeconds }, effect),
    purgeExpired: () => purgeExpiredIdempotencyRecords(deps.db.kysely),
  };
}
