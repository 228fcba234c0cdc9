// Group commit of audit rows. A read-only tool call's work commits nothing, so its audit row need not
// share its transaction: the rows of calls that finish at about the same time are written together,
// one insert and one COMMIT for all of them, per business (each batch is a unit of work of its
// business: row-level security holds for the insert). On Postgres the audit insert and its commit
// were most of the database's work for a read (bench/README.md); in a batch, one WAL flush serves
// every row.
//
// The guarantee is unchanged: `append` resolves only once the row is committed, and the caller gives
// its answer only then, so an answer never leaves without its row. A row that cannot be written
// fails its own call only: when a batch fails, its rows are retried one by one.
//
// No row waits for a timer: when no batch of its business is being written, a row goes out at the
// end of the current turn of the event loop (with the rows that arrived in that turn); otherwise it
// joins the next batch, which starts as soon as the one being written has committed.
import type { Db } from '../../shared/db.js';
import { createAuditRepository, type AuditEntry } from './audit.repository.js';

/** The largest batch: a bound on the statement's size and on the distinct statements it prepares. */
const MAX_BATCH = 64;

interface Waiting {
  entry: AuditEntry;
  resolve(): void;
  reject(err: unknown): void;
}

export interface AuditBatcher {
  /** Resolves once `entry`'s row is committed; rejects when it could not be written. */
  append(entry: AuditEntry): Promise<void>;
}

export function createAuditBatcher(db: Db): AuditBatcher {
  /** Rows waiting, per business; a business is in the map while a batch of it is scheduled or being written. */
  const queues = new Map<string, Waiting[]>();

  const write = (businessId: string, entries: readonly AuditEntry[]) =>
    db.forBusiness(
      businessId,
      async () => undefined,
      (tx) => createAuditRepository(tx).appendManyStatement(entries),
    );

  const flush = async (businessId: string, queue: Waiting[]) => {
    while (queue.length > 0) {
      const batch = queue.splice(0, MAX_BATCH);
      try {
        await write(
          businessId,
          batch.map((w) => w.entry),
        );
        for (const w of batch) w.resolve();
      } catch (err) {
        if (batch.length === 1) batch[0]!.reject(err);
        else {
          // One bad row must not fail its neighbours' calls: each on its own.
          await Promise.all(
            batch.map((w) =>
              write(businessId, [w.entry]).then(
                () => w.resolve(),
                (rowErr: unknown) => w.reject(rowErr),
              ),
            ),
          );
        }
      }
    }
    queues.delete(businessId);
  };

  return {
    append(entry) {
      return new Promise<void>((resolve, reject) => {
        const waiting = { entry, resolve, reject };
        const queue = queues.get(entry.businessId);
        if (queue) {
          queue.push(waiting);
          return;
        }
        const fresh = [waiting];
        queues.set(entry.businessId, fresh);
        setImmediate(() => void flush(entry.businessId, fresh));
      });
    },
  };
}
