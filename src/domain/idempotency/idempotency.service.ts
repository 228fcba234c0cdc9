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
//                  replay it. Its lease lapsed: that request died mid-effect and its outcome is
//                  unknown → `conflict` (reason `interrupted`). It is never re-run: a duplicate phone
//                  call is worse than asking the caller to look first.
//   completed    → replay the stored outcome.
//
// The lease: the holder claims with `lease_expires_at` a few seconds ahead and a timer renews it while
// the effect runs, so a slow but live effect keeps its claim for as long as it takes, and a process
// that dies (kill -9, lost host) stops renewing: a retry answers `interrupted` within one lease (8 s
// by default) instead of after a fixed age. The lease is several renewals long, so a renewal delayed
// by a busy event loop or a slow statement does not make a live holder look dead. Two age rules stay:
// a claim without a lease (written before leases, or by a node still on the older release) is
// interrupted after `interruptedAfterSeconds`, as before; and so is any claim older than that, because
// a renewing timer proves the process is alive, not that its effect is moving, and every effect
// bounds its own waits (provider and database timeouts) well inside two minutes.
//
// A refusal (an AppError: bad input, a compliance gate, not found) happens before any effect by the
// services' contract, so it gives the key back and a corrected retry may reuse it. Any other error
// leaves the record in_progress, because the effect may have happened.
import { createHash } from 'node:crypto';
import type { Db } from '../../shared/db.js';
import { AppError, invalidArgument } from '../../shared/errors.js';
import { createIdempotencyRepository, purgeExpiredIdempotencyRecords } from './idempotency.repository.js';

export const DEFAULT_IDEMPOTENCY_TTL_SECONDS = 24 * 3600;
/** With the 2 s renewal, a live holder may miss three renewals in a row and keep its claim. */
const DEFAULT_LEASE_SECONDS = 8;
const DEFAULT_LEASE_RENEW_MS = 2_000;

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
  /** An in_progress claim older than this is interrupted whatever its lease (and the rule for claims without one). */
  interruptedAfterSeconds?: number;
  /** How far ahead each claim or renewal sets the lease: a crashed holder's retry waits at most this long. */
  leaseSeconds?: number;
  /** How often the holder renews its lease while the effect runs; must be well under `leaseSeconds`. */
  leaseRenewMs?: number;
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
  const leaseSeconds = options.leaseSeconds ?? DEFAULT_LEASE_SECONDS;
  const renewMs = options.leaseRenewMs ?? DEFAULT_LEASE_RENEW_MS;
  if (!(renewMs > 0 && renewMs < leaseSeconds * 1000)) throw new AppError('internal', 'leaseRenewMs must be positive and shorter than leaseSeconds');
  const interruptedAfter = options.interruptedAfterSeconds ?? 120;
  const deadline = Date.now() + (options.waitTimeoutMs ?? 15_000);
  const hash = requestHash(tool, options.args);

  for (let attempt = 0; ; attempt++) {
    const probe = await db.forBusiness(businessId, async (tx): Promise<Probe> => {
      const repo = createIdempotencyRepository(tx, businessId);
      if (await repo.claim({ key, tool, requestHash: hash, ttlSeconds, leaseSeconds })) return { kind: 'claimed' };
      const record = await repo.find(key);
      if (!record) return { kind: 'vanished' };
      if (record.tool !== tool || record.requestHash !== hash) return { kind: 'conflict', otherTool: record.tool !== tool };
      if (record.state === 'completed') return { kind: 'replay', response: record.response };
      return record.leaseLapsed || record.ageSeconds > interruptedAfter ? { kind: 'interrupted' } : { kind: 'wait' };
    });

    switch (probe.kind) {
      case 'claimed':
        return { outcome: await runClaimed(options, hash, { leaseSeconds, renewMs }, effect), replayed: false };
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

async function runClaimed<T>(options: IdempotencyOptions, hash: string, lease: { leaseSeconds: number; renewMs: number }, effect: () => Promise<T>): Promise<T> {
  const { db, businessId, key } = options;
  const stopRenewing = renewLease(options, hash, lease);
  let outcome: T;
  try {
    outcome = await effect();
  } catch (err) {
    // An unexpected failure stops the renewals and leaves the lease to lapse: the effect may have
    // happened, so retries answer in_progress until then and `interrupted` after, never a re-run.
    await stopRenewing();
    if (err instanceof AppError) {
      await db.forBusiness(businessId, (tx) => createIdempotencyRepository(tx, businessId).release(key, hash));
    }
    throw err;
  }
  await stopRenewing();
  const json = (outcome === undefined ? null : JSON.parse(JSON.stringify(outcome))) as T;
  await db.forBusiness(businessId, (tx) => createIdempotencyRepository(tx, businessId).complete(key, hash, { outcome: json }));
  return json;
}

/**
 * Renews the claim's lease every `renewMs` until stopped or until the claim is no longer in progress.
 * A failed renewal is not the effect's failure: the next one may succeed, and if none does the lease
 * lapses, which is the truth about a holder that cannot reach the database. The returned stop waits
 * for a renewal in flight, so none lands after the claim is completed or given back.
 */
function renewLease(options: IdempotencyOptions, hash: string, lease: { leaseSeconds: number; renewMs: number }): () => Promise<void> {
  const { db, businessId, key } = options;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let inFlight: Promise<void> = Promise.resolve();
  const schedule = () => {
    timer = setTimeout(() => {
      inFlight = db
        .forBusiness(businessId, (tx) => createIdempotencyRepository(tx, businessId).renewLease(key, hash, lease.leaseSeconds))
        .catch(() => true)
        .then((stillHeld) => {
          if (stillHeld && !stopped) schedule();
        });
    }, lease.renewMs);
    // The effect keeps the process busy while it matters; a renewal alone must not hold up an exit.
    timer.unref();
  };
  schedule();
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await inFlight;
  };
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
