// Frozen: never edit a migration that has landed; add a new one.
//
// A real voice provider (spec/voice-runtime.md §D): what ties our records to the provider's, and
// the provider's webhook events, written before they are acknowledged.
//
// - provider_agent_links: an agent as the provider knows it (its assistant and the tool that points
//   the assistant at our in-call surface), the runtime key that tool carries (only its id: the key
//   itself is in the provider's configuration and, hashed, in api_keys), and how far the sync got.
//   A sync is claimed with a short lease so two nodes (or the job and a request) never create the
//   same assistant twice.
// - provider_events: each webhook event that changed something, once (unique per provider and event
//   key): a repeated delivery finds its row and changes nothing. The payload is our reading of the
//   event, kept until it is applied (a failed application is retried by the job); the result is
//   what a request-response event (a tool call) answered, so a repeat answers the same.
// - calls.cost_usd: what the provider charged for the call (end-of-call report).
// - a provider's call id names one call: the index that finds it becomes unique.
import { sql, type Kysely } from 'kysely';

const APP_ROLE = 'kc_app';
const CURRENT_BUSINESS = `nullif(current_setting('app.business_id', true), '')::uuid`;

const TENANT_TABLES = ['provider_agent_links', 'provider_events'] as const;

const STATEMENTS = [
  `create table provider_agent_links (
     business_id uuid not null,
     agent_id uuid not null,
     provider text not null,
     assistant_id text,
     tool_id text,
     runtime_key_id uuid references api_keys (id) on delete set null,
     -- The agent's updated_at that the provider has: a later one is a change still to push.
     synced_version timestamptz,
     synced_at timestamptz,
     last_error text,
     attempts integer not null default 0,
     -- A sync under way holds the lease; a failed one is retried after retry_after (backing off).
     lease_until timestamptz,
     retry_after timestamptz,
     created_at timestamptz not null default now(),
     primary key (agent_id, provider),
     foreign key (business_id, agent_id) references agents (business_id, id) on delete cascade
   )`,
  `create index provider_agent_links_business_idx on provider_agent_links (business_id, provider)`,
  `create table provider_events (
     id uuid primary key default gen_random_uuid(),
     business_id uuid not null references businesses (id) on delete cascade,
     provider text not null,
     event_key text not null check (length(event_key) between 1 and 500),
     type text not null,
     call_id uuid,
     payload jsonb,
     result jsonb,
     received_at timestamptz not null default now(),
     processed_at timestamptz,
     attempts integer not null default 0,
     last_error text,
     unique (provider, event_key)
   )`,
  `create index provider_events_pending_idx on provider_events (received_at) where processed_at is null`,
  `create index provider_events_processed_idx on provider_events (processed_at) where processed_at is not null`,
  `alter table calls add column cost_usd double precision`,
  `drop index if exists calls_provider_idx`,
  `create unique index calls_provider_call_unique on calls (provider, provider_call_id) where provider_call_id is not null`,
  ...TENANT_TABLES.flatMap((t) => [
    `alter table ${t} enable row level security`,
    `create policy ${t}_tenant on ${t} using (business_id = ${CURRENT_BUSINESS}) with check (business_id = ${CURRENT_BUSINESS})`,
    `grant select, insert, update, delete on ${t} to ${APP_ROLE}`,
  ]),
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of STATEMENTS) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const t of TENANT_TABLES) await sql.raw(`drop table if exists ${t} cascade`).execute(db);
  await sql.raw('drop index if exists calls_provider_call_unique').execute(db);
  await sql.raw('create index if not exists calls_provider_idx on calls (provider, provider_call_id) where provider_call_id is not null').execute(db);
  await sql.raw('alter table calls drop column if exists cost_usd').execute(db);
}
