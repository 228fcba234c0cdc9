// Frozen: never edit a migration that has landed; add a new one.
//
// The in-call surface (spec/voice-runtime.md §B):
// - Runtime keys (`kc_rt_…`) live in `api_keys` beside account keys, told apart by `kind`: the same
//   hashing, prefix, expiry, revocation and listing serve both, and a key of one kind is refused on
//   the other kind's surface. A runtime key has no scopes: what it may do is the in-call catalog.
// - `lead_cases`: what a caller wanted on one call (seed 002 `create_lead`: a lead that already
//   exists gets a new case linked to it). Tenant data, with the same policy as every tenant table.
// - In-call tool calls are audited with their call (`details.call_id`); an expression index finds a
//   call's tool calls without scanning the business's whole log.
import { sql, type Kysely } from 'kysely';

const CURRENT_BUSINESS = `nullif(current_setting('app.business_id', true), '')::uuid`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table api_keys add column kind text not null default 'account' check (kind in ('account', 'runtime'))`.execute(db);
  await sql`alter table api_keys add constraint api_keys_runtime_unscoped check (kind = 'account' or cardinality(scopes) = 0)`.execute(db);

  await sql`create table lead_cases (
     id uuid primary key default gen_random_uuid(),
     business_id uuid not null references businesses (id) on delete cascade,
     lead_id uuid not null,
     call_id uuid,
     agent_id uuid,
     intent text not null check (length(intent) between 1 and 500),
     classification text not null default 'lead' check (classification in ('lead', 'customer', 'spam', 'other')),
     summary text check (length(summary) <= 4000),
     notes text check (length(notes) <= 4000),
     created_at timestamptz not null default now(),
     unique (business_id, id),
     foreign key (business_id, lead_id) references leads (business_id, id) on delete cascade,
     foreign key (business_id, call_id) references calls (business_id, id) on delete set null (call_id),
     foreign key (business_id, agent_id) references agents (business_id, id) on delete set null (agent_id)
   )`.execute(db);
  await sql`create index lead_cases_lead_idx on lead_cases (business_id, lead_id, created_at desc, id)`.execute(db);
  await sql`create index lead_cases_call_idx on lead_cases (business_id, call_id)`.execute(db);
  await sql.raw('alter table lead_cases enable row level security').execute(db);
  await sql.raw(`create policy lead_cases_tenant on lead_cases using (business_id = ${CURRENT_BUSINESS}) with check (business_id = ${CURRENT_BUSINESS})`).execute(db);
  await sql.raw('grant select, insert, update, delete on lead_cases to kc_app').execute(db);

  // A runtime names its call by our id or the provider's (voice-runtime.md §B `call_id`).
  await sql`create index calls_provider_call_idx on calls (business_id, provider_call_id)`.execute(db);
  await sql`create index audit_log_call_idx on audit_log (business_id, (details ->> 'call_id'), created_at)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index if exists audit_log_call_idx`.execute(db);
  await sql`drop index if exists calls_provider_call_idx`.execute(db);
  await sql`drop table if exists lead_cases`.execute(db);
  await sql`alter table api_keys drop constraint if exists api_keys_runtime_unscoped`.execute(db);
  await sql`alter table api_keys drop column if exists kind`.execute(db);
}
