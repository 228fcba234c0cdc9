// Frozen: never edit a migration that has landed; add a new one.
//
// The outbound rate limit counts a business's calls by when they were placed (dialed), not by when
// they were recorded: a scheduled call is recorded long before it is dialed. This index serves that
// count; its expression is repeated verbatim in src/domain/compliance/compliance.repository.ts
// (CALL_PLACED_AT), which the planner needs to match it. Texts are counted by created_at, which
// sms_messages_direction_idx already serves.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // Direction is a key column rather than a partial-index predicate: the query names it as a bound
  // parameter, which a prepared statement's generic plan cannot match against a predicate.
  await sql`create index calls_placed_idx on calls (business_id, direction, (coalesce(dialed_at, case when scheduled_at is null then created_at end)))`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists calls_placed_idx`.execute(db);
}
