// Frozen: never edit a migration that has landed; add a new one.
//
// Dashboard sign-in sessions, in the database so that any node serves any page. The browser holds
// the session id; this table holds only its SHA-256 (a stolen copy of the table signs nobody in).
// A session ends at `expires_at` (absolute lifetime) or when unused past the idle lifetime, which
// the application measures from `last_seen_at`. Not tenant data: a session belongs to a user, and
// is looked up by its hash before the user is known (system work, like an API key by its hash).
//
// Also what the dashboard's other pages read:
// - oauth_grants.redirect_uri: where the client was sent with its code at consent, so Connected apps
//   can show the redirect host of each connection (a client may register several; this is the one
//   that received the tokens). Null for connections made before this migration.
// - audit_log by actor: a connected app's "last used" (its newest audited call) and the audit page's
//   actor filter, without scanning the business's whole log.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create table dashboard_sessions (
     id_hash text primary key check (id_hash ~ '^[0-9a-f]{64}$'),
     user_id uuid not null references users (id) on delete cascade,
     created_at timestamptz not null default now(),
     last_seen_at timestamptz not null default now(),
     expires_at timestamptz not null
   )`.execute(db);
  await sql`create index dashboard_sessions_user_idx on dashboard_sessions (user_id)`.execute(db);
  await sql`create index dashboard_sessions_expiry_idx on dashboard_sessions (expires_at)`.execute(db);
  await sql`alter table oauth_grants add column redirect_uri text`.execute(db);
  await sql`create index audit_log_actor_idx on audit_log (business_id, actor_kind, actor_id, client_id, created_at desc)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists audit_log_actor_idx`.execute(db);
  await sql`alter table oauth_grants drop column if exists redirect_uri`.execute(db);
  await sql`drop table if exists dashboard_sessions`.execute(db);
}
