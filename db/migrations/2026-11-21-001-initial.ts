// Frozen: never edit a migration that has landed; add a new one.
//
// The whole data model of the tool catalog, the OAuth store, and row-level security. Tenant tables
// carry business_id and are readable and writable by the role `kc_app` only inside a unit of work
// that has set `app.business_id` (see src/shared/db.ts). Every list query of the catalog has an
// index on (business_id, created_at desc, id) plus its filter columns.
import { sql, type Kysely } from 'kysely';

/** The role application queries switch to (SET LOCAL ROLE) for tenant work. RLS applies to it. */
export const APP_ROLE = 'kc_app';

const CURRENT_BUSINESS = `nullif(current_setting('app.business_id', true), '')::uuid`;
const CURRENT_USER_ID = `nullif(current_setting('app.user_id', true), '')::uuid`;

const TENANT_TABLES = [
  'agents',
  'agent_config_versions',
  'agent_config_changes',
  'phone_numbers',
  'leads',
  'lead_scores',
  'calls',
  'voicemails',
  'sms_conversations',
  'sms_messages',
  'campaigns',
  'campaign_leads',
  'notification_settings',
  'escalation_rules',
  'business_links',
  'contact_blocks',
  'transcript_sinks',
  'approvals',
  'idempotency_records',
  'audit_log',
  'api_keys',
  'oauth_grants',
] as const;

const STATEMENTS = [
  // Roles are cluster-wide in Postgres: create once, tolerate an existing one.
  `do $$ begin
     if not exists (select 1 from pg_roles where rolname = '${APP_ROLE}') then
       create role ${APP_ROLE} nologin;
     end if;
   end $$`,
  // The connecting user must be able to SET ROLE to it (a no-op for superusers).
  `do $$ begin
     if not exists (select 1 from pg_auth_members m join pg_roles r on r.oid = m.roleid join pg_roles u on u.oid = m.member
                    where r.rolname = '${APP_ROLE}' and u.rolname = current_user)
        and not (select rolsuper from pg_roles where rolname = current_user) then
       execute format('grant ${APP_ROLE} to %I', current_user);
     end if;
   end $$`,

  // ── Accounts and tenancy ──────────────────────────────────────────────────────────────────────
  `create table businesses (
     id uuid primary key default gen_random_uuid(),
     name text not null check (length(name) between 1 and 200),
     slug text not null unique check (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
     timezone text not null,
     phone text,
     created_at timestamptz not null default now()
   )`,
  `create table users (
     id uuid primary key default gen_random_uuid(),
     email text not null check (email = lower(email) and position('@' in email) > 1),
     name text,
     phone text,
     password_hash text,
     created_at timestamptz not null default now()
   )`,
  `create unique index users_email_key on users (email)`,
  `create table memberships (
     business_id uuid not null references businesses (id) on delete cascade,
     user_id uuid not null references users (id) on delete cascade,
     role text not null check (role in ('owner', 'admin', 'member')),
     created_at timestamptz not null default now(),
     primary key (business_id, user_id)
   )`,
  `create index memberships_user_idx on memberships (user_id)`,

  // ── Agents and their live configuration ───────────────────────────────────────────────────────
  `create table agents (
     id uuid primary key default gen_random_uuid(),
     business_id uuid not null references businesses (id) on delete cascade,
     name text not null,
     status text not null default 'active' check (status in ('active', 'paused', 'draft')),
     voice text not null,
     model text not null,
     language text not null default 'en-US',
     first_message text not null default '',
     inbound_prompt text not null default '',
     sms_prompt text not null default '',
     max_call_duration_seconds integer not null default 600 check (max_call_duration_seconds between 30 and 7200),
     transfer_settings jsonb not null default '{}'::jsonb,
     config_version integer not null default 1,
     created_at timestamptz not null default now(),
     updated_at timestamptz not null default now(),
     unique (business_id, id)
   )`,
  `create index agents_list_idx on agents (business_id, created_at desc, id)`,
  `create index agents_status_idx on agents (business_id, status, created_at desc, id)`,
  `create table agent_config_versions (
     id uuid primary key default gen_random_uuid(),
     business_id uuid not null,
     agent_id uuid not null,
     version integer not null,
     config jsonb not null,
     created_by text not null,
     created_at timestamptz not null default now(),
     foreign key (business_id, agent_id) references agents (business_id, id) on delete cascade,
     unique (agent_id, version)
   )`,
  `create index agent_config_versions_list_idx on agent_config_versions (business_id, agent_id, created_at desc, id)`,
  `create table agent_config_changes (
     id uuid primary key default gen_random_uuid(),
     business_id uuid not null,
     agent_id uuid not null,
     from_version integer not null,
     to_version integer not null,
     changes jsonb not null,
     actor text not null,
     source text not null,
     approval_id uuid,
     created_at timestamptz not null default now(),
     foreign key (business_id, agent_id) references agents (business_id, id) on delete cascade
   )`,
  `create index agent_config_changes_list_idx on agent_config_changes (business_id, agent_id, created_at desc, id)`,
  `create table phone_numbers (
     id uuid primary key default gen_random_uuid(),
     business_id uuid not null references businesses (id) on delete cascade,
     agent_id uuid,
     e164 text not null unique,
     label text,
     emergency_address jsonb,
     created_at timestamptz not null default now(),
     foreign key (business_id, agent_id) references agents (business_id, id) on delete set null (agent_id)
   )`,
  `create index phone_numbers_list_idx on phone_numbers (business_id, created_at desc, id)`,
  `create index phone_numbers_agent_idx on phone_numbers (business_id, agent_id)`,

  // ── Leads, calls, voicemail, SMS ──────────────────────────────────────────────────────────────
  `create table leads (
     id uuid primary key default gen_random_uuid(),
     business_id uuid not null references businesses (id) on delete cascade,
     agent_id uuid,
     name text,
     phone text,
     email text,
     status text not null default 'new' check (status in ('new', 'contacted', 'qualified', 'appointment_set', 'won', 'lost')),
     source text,
     notes text,
     address text,
     city text,
     state text,
     zip text,
     automation_paused boolean not null default false,
     created_at timestamptz not null default now(),
     updated_at timestamptz not null default now(),
     unique (business_id, id),
     foreign key (business_id, agent_id) references agents (business_id, id) on delete set null (agent_id),
     check (name is not null or phone is not null or email is not null)
   )`,
  `create index leads_list_idx on leads (business_id, created_at desc, id)`,
  `create index leads_status_idx on leads (business_id, status, created_at desc, id)`,
  `create index leads_source_idx on leads (business_id, source, created_at desc, id)`,
  `create index leads_agent_idx on leads (business_id, agent_id, created_at desc, id)`,
  `create index leads_phone_idx on leads (business_id, phone)`,
  `create table lead_scores (
     id uuid primary key default gen_random_uuid(),
     business_id uuid not null,
     lead_id uuid not null,
     score integer not null check (score between 0 and 100),
     explanation text not null,
     model text not null,
     created_at timestamptz not null default now(),
     foreign key (business_id, lead_id) references leads (business_id, id) on delete cascade
   )`,
  `create index lead_scores_latest_idx on lead_scores (business_id, lead_id, created_at desc, id)`,
  `create table campaigns (
     id uuid primary key default gen_random_uuid(),
     business_id uuid not null references businesses (id) on delete cascade,
     agent_id uuid not null,
     name text not null,
     status text not null default 'draft' check (status in ('draft', 'active', 'paused', 'completed')),
     cadence jsonb not null,
     created_by text not null,
     launched_at timestamptz,
     created_at timestamptz not null default now(),
     unique (business_id, id),
     foreign key (business_id, agent_id) references agents (business_id, id)
   )`,
  `create index campaigns_list_idx on campaigns (business_id, created_at desc, id)`,
  `create index campaigns_status_idx on campaigns (business_id, status, created_at desc, id)`,
  `create table calls (
     id uuid primary key default gen_random_uuid(),
     business_id uuid not null references businesses (id) on delete cascade,
     agent_id uuid,
     lead_id uuid,
     campaign_id uuid,
     direction text not null check (direction in ('inbound', 'outbound')),
     status text not null check (status in ('queued', 'ringing', 'in-progress', 'completed', 'no-answer', 'busy', 'failed', 'canceled')),
     to_number text not null,
     from_number text not null,
     duration_seconds integer check (duration_seconds >= 0),
     summary text,
     transcript text,
     recording_url text,
     outcome text,
     failure_reason text,
     provider text,
     provider_call_id text,
     context text,
     first_message text,
     scheduled_at timestamptz,
     -- When the call was handed to the telephony provider; null while it waits for scheduled_at.
     dialed_at timestamptz,
     started_at timestamptz,
     ended_at timestamptz,
     created_at timestamptz not null default now(),
     updated_at timestamptz not null default now(),
     unique (business_id, id),
     foreign key (business_id, agent_id) references agents (business_id, id) on delete set null (agent_id),
     foreign key (business_id, lead_id) references leads (business_id, id) on delete set null (lead_id),
     foreign key (business_id, campaign_id) references campaigns (business_id, id) on delete set null (campaign_id)
   )`,
  `create index calls_list_idx on calls (business_id, created_at desc, id)`,
  `create index calls_agent_idx on calls (business_id, agent_id, created_at desc, id)`,
  `create index calls_status_idx on calls (business_id, status, created_at desc, id)`,
  `create index calls_direction_idx on calls (business_id, direction, created_at desc, id)`,
  `create index calls_lead_idx on calls (business_id, lead_id, created_at desc, id)`,
  `create index calls_campaign_idx on calls (business_id, campaign_id, created_at desc, id)`,
  // Calls still in flight, for the simulator's recovery after a restart.
  `create index calls_open_idx on calls (status) where status in ('queued', 'ringing', 'in-progress')`,
  // A provider reports on its own call ids (status events, recordings).
  `create index calls_provider_idx on calls (provider, provider_call_id) where provider_call_id is not null`,
  `create table voicemails (
     id uuid primary key default gen_random_uuid(),
     business_id uuid not null references businesses (id) on delete cascade,
     agent_id uuid,
     call_id uuid,
     caller_number text not null,
     caller_name text,
     transcript text,
     recording_url text,
     duration_seconds integer,
     created_at timestamptz not null default now(),
     foreign key (business_id, agent_id) references agents (business_id, id) on delete set null (agent_id),
     foreign key (business_id, call_id) references calls (business_id, id) on delete set null (call_id)
   )`,
  `create index voicemails_list_idx on voicemails (business_id, created_at desc, id)`,
  `create table sms_conversations (
     id uuid primary key default gen_random_uuid(),
     business_id uuid not null references businesses (id) on delete cascade,
     agent_id uuid,
     lead_id uuid,
     contact_number text not null,
     last_message_at timestamptz,
     created_at timestamptz not null default now(),
     unique (business_id, id),
     unique (business_id, agent_id, contact_number),
     foreign key (business_id, agent_id) references agents (business_id, id) on delete set null (agent_id),
     foreign key (business_id, lead_id) references leads (business_id, id) on delete set null (lead_id)
   )`,
  `create index sms_conversations_list_idx on sms_conversations (business_id, created_at desc, id)`,
  `create table sms_messages (
     id uuid primary key default gen_random_uuid(),
     business_id uuid not null references businesses (id) on delete cascade,
     conversation_id uuid not null,
     agent_id uuid,
     lead_id uuid,
     direction text not null check (direction in ('inbound', 'outbound')),
     from_number text not null,
     to_number text not null,
     body text not null,
     status text not null check (status in ('queued', 'sent', 'delivered', 'failed', 'received')),
     failure_reason text,
     provider text,
     provider_message_id text,
     created_at timestamptz not null default now(),
     foreign key (business_id, conversation_id) references sms_conversations (business_id, id) on delete cascade,
     foreign key (business_id, agent_id) references agents (business_id, id) on delete set null (agent_id),
     foreign key (business_id, lead_id) references leads (business_id, id) on delete set null (lead_id)
   )`,
  `create index sms_messages_list_idx on sms_messages (business_id, created_at desc, id)`,
  `create index sms_messages_conversation_idx on sms_messages (business_id, conversation_id, created_at desc, id)`,
  `create index sms_messages_direction_idx on sms_messages (business_id, direction, created_at desc, id)`,
  `create table campaign_leads (
     business_id uuid not null,
     campaign_id uuid not null,
     lead_id uuid not null,
     status text not null default 'pending' check (status in ('pending', 'queued', 'calling', 'completed', 'failed', 'skipped')),
     attempts integer not null default 0,
     last_call_id uuid,
     next_attempt_at timestamptz,
     created_at timestamptz not null default now(),
     primary key (campaign_id, lead_id),
     foreign key (business_id, campaign_id) references campaigns (business_id, id) on delete cascade,
     foreign key (business_id, lead_id) references leads (business_id, id) on delete cascade
   )`,
  `create index campaign_leads_due_idx on campaign_leads (business_id, status, next_attempt_at)`,

  // ── Operational settings ──────────────────────────────────────────────────────────────────────
  `create table notification_settings (
     business_id uuid primary key references businesses (id) on delete cascade,
     notification_phone text,
     notification_email text,
     sms_notifications boolean not null default false,
     email_notifications boolean not null default false,
     updated_at timestamptz not null default now()
   )`,
  `create table escalation_rules (
     id uuid primary key default gen_random_uuid(),
     business_id uuid not null references businesses (id) on delete cascade,
     trigger text not null,
     notify text not null,
     channel text not null check (channel in ('sms', 'email')),
     position integer not null,
     created_at timestamptz not null default now()
   )`,
  `create index escalation_rules_list_idx on escalation_rules (business_id, position, id)`,
  `create table business_links (
     id uuid primary key default gen_random_uuid(),
     business_id uuid not null references businesses (id) on delete cascade,
     key text not null check (key ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
     label text not null,
     url text not null check (url like 'https://%'),
     purpose text,
     created_at timestamptz not null default now(),
     updated_at timestamptz not null default now(),
     unique (business_id, key)
   )`,
  `create index business_links_list_idx on business_links (business_id, created_at desc, id)`,
  `create table contact_blocks (
     id uuid primary key default gen_random_uuid(),
     business_id uuid not null references businesses (id) on delete cascade,
     phone text not null,
     kind text not null check (kind in ('do_not_call', 'opt_out')),
     reason text,
     source text not null,
     created_at timestamptz not null default now(),
     unique (business_id, phone, kind)
   )`,
  `create index contact_blocks_list_idx on contact_blocks (business_id, created_at desc, id)`,
  // Where finished-call transcripts are delivered (request_kaicalls_update transcripts.sink.configure).
  // One per business; a disabled sink keeps its URL so it can be re-enabled.
  `create table transcript_sinks (
     business_id uuid primary key references businesses (id) on delete cascade,
     url text not null check (url like 'https://%'),
     enabled boolean not null default true,
     include_recordings boolean not null default false,
     updated_by text not null,
     updated_at timestamptz not null default now()
   )`,

  // ── Governance: approvals, idempotency, audit ─────────────────────────────────────────────────
  `create table approvals (
     id uuid primary key default gen_random_uuid(),
     business_id uuid not null references businesses (id) on delete cascade,
     intent text not null,
     payload jsonb not null,
     summary text not null,
     status text not null default 'pending' check (status in ('pending', 'approved', 'denied', 'executed', 'failed')),
     requested_by jsonb not null,
     decided_by uuid references users (id),
     decided_at timestamptz,
     decision_reason text,
     result jsonb,
     created_at timestamptz not null default now()
   )`,
  `create index approvals_list_idx on approvals (business_id, created_at desc, id)`,
  `create index approvals_status_idx on approvals (business_id, status, created_at desc, id)`,
  `create table idempotency_records (
     business_id uuid not null references businesses (id) on delete cascade,
     key text not null check (length(key) between 8 and 128),
     tool text not null,
     request_hash text not null,
     state text not null check (state in ('in_progress', 'completed')),
     response jsonb,
     created_at timestamptz not null default now(),
     expires_at timestamptz not null,
     primary key (business_id, key)
   )`,
  `create index idempotency_records_expiry_idx on idempotency_records (expires_at)`,
  `create table audit_log (
     id uuid primary key default gen_random_uuid(),
     business_id uuid not null references businesses (id) on delete cascade,
     actor_kind text not null check (actor_kind in ('oauth', 'api_key', 'user', 'system')),
     actor_id text,
     client_id text,
     action text not null,
     outcome text not null,
     error_code text,
     duration_ms integer,
     details jsonb not null default '{}'::jsonb,
     created_at timestamptz not null default now()
   )`,
  `create index audit_log_list_idx on audit_log (business_id, created_at desc, id)`,
  `create index audit_log_action_idx on audit_log (business_id, action, created_at desc, id)`,

  // ── Credentials ───────────────────────────────────────────────────────────────────────────────
  // API keys: only a SHA-256 of the key is stored (the key is 238 bits of randomness, so a slow
  // hash would add nothing but latency); `prefix` is a display handle, not a secret.
  `create table api_keys (
     id uuid primary key default gen_random_uuid(),
     business_id uuid not null references businesses (id) on delete cascade,
     name text not null,
     prefix text not null unique,
     key_hash text not null unique check (key_hash ~ '^[0-9a-f]{64}$'),
     scopes text[] not null,
     created_by uuid references users (id) on delete set null,
     expires_at timestamptz,
     last_used_at timestamptz,
     revoked_at timestamptz,
     created_at timestamptz not null default now()
   )`,
  `create index api_keys_list_idx on api_keys (business_id, created_at desc, id)`,

  // oidc-provider's models (sessions, grants, codes, tokens, clients, interactions…), one table.
  `create table oidc_models (
     model text not null,
     id text not null,
     payload jsonb not null,
     grant_id text,
     user_code text,
     uid text,
     expires_at timestamptz,
     consumed_at timestamptz,
     created_at timestamptz not null default now(),
     primary key (model, id)
   )`,
  `create index oidc_models_grant_idx on oidc_models (grant_id) where grant_id is not null`,
  `create index oidc_models_uid_idx on oidc_models (uid) where uid is not null`,
  `create index oidc_models_user_code_idx on oidc_models (user_code) where user_code is not null`,
  `create index oidc_models_expiry_idx on oidc_models (expires_at) where expires_at is not null`,
  // Signing keys (JWKs) and cookie keys; see db/STORAGE.md for why private keys live here.
  `create table signing_keys (
     kid text primary key,
     use text not null check (use in ('sig', 'cookie')),
     alg text,
     private_jwk jsonb,
     secret text,
     created_at timestamptz not null default now(),
     retired_at timestamptz,
     publish_until timestamptz
   )`,
  // One row per OAuth grant (a "connected app"): the business the user chose on the consent
  // screen, so every token minted from the grant, refreshes included, carries that business, and
  // the dashboard can list and revoke connections per business. The grant itself (scopes,
  // tokens) lives in oidc_models; revoked_at is set when the grant is revoked or reused.
  `create table oauth_grants (
     grant_id text primary key,
     business_id uuid not null references businesses (id) on delete cascade,
     user_id uuid not null references users (id) on delete cascade,
     client_id text not null,
     client_name text,
     scopes text[] not null,
     created_at timestamptz not null default now(),
     expires_at timestamptz not null,
     revoked_at timestamptz
   )`,
  `create index oauth_grants_list_idx on oauth_grants (business_id, created_at desc, grant_id)`,
  // MCP sessions (Streamable HTTP `Mcp-Session-Id`), so that any node can tell a live session from
  // an unknown or ended one and take it over (src/resource/sessions.ts). Not tenant data: a session
  // may begin anonymously; `principal` binds it to the first credential that uses it.
  `create table mcp_sessions (
     id text primary key,
     surface text not null,
     principal text,
     protocol_version text not null,
     client_info jsonb not null default '{}'::jsonb,
     client_capabilities jsonb not null default '{}'::jsonb,
     created_at timestamptz not null default now(),
     last_seen_at timestamptz not null default now(),
     ended_at timestamptz
   )`,
  `create index mcp_sessions_last_seen_idx on mcp_sessions (last_seen_at)`,
  // Failed sign-ins, for throttling per account and per address across nodes.
  `create table login_attempts (
     id bigint generated always as identity primary key,
     account_key text not null,
     address text not null,
     created_at timestamptz not null default now()
   )`,
  `create index login_attempts_account_idx on login_attempts (account_key, created_at)`,
  `create index login_attempts_address_idx on login_attempts (address, created_at)`,
  // Fixed-window counters shared by all nodes (registration per address, etc.).
  `create table rate_limits (
     bucket text not null,
     window_start timestamptz not null,
     count integer not null,
     primary key (bucket, window_start)
   )`,

  // ── Row-level security ────────────────────────────────────────────────────────────────────────
  // Tenant work runs as kc_app (SET LOCAL ROLE), which these policies bind. The connecting role
  // (the owner) is deliberately not forced: system work that precedes knowing the business (an API
  // key looked up by its hash, the OAuth store, migrations, seeding) runs as the owner.
  ...TENANT_TABLES.flatMap((t) => [
    `alter table ${t} enable row level security`,
    `create policy ${t}_tenant on ${t} using (business_id = ${CURRENT_BUSINESS}) with check (business_id = ${CURRENT_BUSINESS})`,
    `grant select, insert, update, delete on ${t} to ${APP_ROLE}`,
  ]),
  // A unit of work sees its own business, and a signed-in user's unit of work (consent, dashboard)
  // also sees the businesses that user belongs to.
  `alter table businesses enable row level security`,
  `create policy businesses_tenant on businesses for select using (
     id = ${CURRENT_BUSINESS}
     or exists (select 1 from memberships m where m.business_id = businesses.id and m.user_id = ${CURRENT_USER_ID}))`,
  `grant select on businesses to ${APP_ROLE}`,
  `alter table memberships enable row level security`,
  `create policy memberships_tenant on memberships for select using (
     business_id = ${CURRENT_BUSINESS} or user_id = ${CURRENT_USER_ID})`,
  `grant select on memberships to ${APP_ROLE}`,
  // Staff of the current business are visible (alert recipients must be staff), without their
  // password hashes: the column is not granted.
  `alter table users enable row level security`,
  `create policy users_tenant on users for select using (
     id = ${CURRENT_USER_ID}
     or exists (select 1 from memberships m where m.user_id = users.id and m.business_id = ${CURRENT_BUSINESS}))`,
  `grant select (id, email, name, phone, created_at) on users to ${APP_ROLE}`,
];

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const statement of STATEMENTS) await sql.raw(statement).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const tables = [
    'rate_limits',
    'login_attempts',
    'mcp_sessions',
    'oauth_grants',
    'signing_keys',
    'oidc_models',
    'api_keys',
    'audit_log',
    'idempotency_records',
    'approvals',
    'transcript_sinks',
    'contact_blocks',
    'business_links',
    'escalation_rules',
    'notification_settings',
    'campaign_leads',
    'sms_messages',
    'sms_conversations',
    'voicemails',
    'calls',
    'campaigns',
    'lead_scores',
    'leads',
    'phone_numbers',
    'agent_config_changes',
    'agent_config_versions',
    'agents',
    'memberships',
    'users',
    'businesses',
  ];
  for (const t of tables) await sql.raw(`drop table if exists ${t} cascade`).execute(db);
}
