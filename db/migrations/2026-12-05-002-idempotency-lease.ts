// Frozen: never edit a migration that has landed; add a new one.
//
// An idempotency claim carries a lease that the process running its effect renews. A claim whose
// lease has lapsed belongs to a process that died mid-effect, so a retry answers `interrupted` within
// the lease instead of waiting out a fixed age. Rows claimed before this column existed keep a null
// lease and the age rule (see src/domain/idempotency/idempotency.service.ts).
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table idempotency_records add column lease_expires_at timestamptz`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table idempotency_records drop column lease_expires_at`.execute(db);
}
