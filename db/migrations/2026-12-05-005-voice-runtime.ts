// Frozen: never edit a migration that has landed; add a new one.
//
// The voice-runtime side (spec voice-runtime.md §A): agents gain the fields a voice platform's
// assistant has (first-message mode, transcriber, office hours); phone numbers gain their provider
// and capabilities; the staff directory and its queues; the business's agent tools and which agents
// use them; and calls gain the variable values they were placed with, why they ended, and their
// transfers. Tenant tables follow the initial migration's row-level-security pattern.
import { sql, type Kysely } from 'kysely';

/** The role tenant work runs as (created by the initial migration). */
const APP_ROLE = 'kc_app';
const CURRENT_BUSINESS = `nullif(current_setting('app.business_id', true), '')::uuid`;

const TENANT_TABLES = ['business_hours', 'staff_members', 'staff_queues', 'staff_queue_members', 'agent_tools', 'agent_tool_links'] as const;

const STATEMENTS = [
  // ── Agents ────────────────────────────────────────────────────────────────────────────────────
  `alter table agents add column first_message_mode text not null default 'assistant_speaks_first'
     check (first_message_mode in ('assistant_speaks_first', 'assistant_waits_for_user'))`,
  `alter table agents add column transcriber text not null default 'deepgram:nova-3'`,
  // Null: the agent keeps the business's office hours (business_hours).
  `alter table agents add column office_hours jsonb`,
  // The business's own office hours, which agents without their own follow.
  `create table business_hours (
     business_id uuid primary key references businesses (id) on delete cascade,
     office_hours jsonb not null,
     updated_at timestamptz not null default now()
   )`,

  // ── Phone numbers ─────────────────────────────────────────────────────────────────────────────
  `alter table phone_numbers add column provider text not null default 'simulator'`,
  // The provider's own id for the number (a voice platform's phoneNumberId), when it has one.
  `alter table phone_numbers add column provider_number_id text`,
  `alter table phone_numbers add column capabilities text[] not null default array['voice', 'sms', 'inbound', 'outbound']
     check (capabilities <@ array['voice', 'sms', 'inbound', 'outbound'])`,

  // ── Staff directory ───────────────────────────────────────────────────────────────────────────
  // One directory for staff alerts, transfers and availability. A member user is staff through
  // their membership (user_id set; name, phone and email null mean "from their profile"); people
  // who never sign in are staff without a user.
  `create table staff_members (
     id uuid primary key default gen_random_uuid(),
     business_id uuid not null references businesses (id) on delete cascade,
     user_id uuid,
     name text check (name is null or length(name) between 1 and 200),
     phone text,
     email text check (email is null or (email = lower(email) and position('@' in email) > 1)),
     do_not_disturb boolean not null default false,
     working_hours jsonb,
     created_at timestamptz not null default now(),
     updated_at timestamptz not null default now(),
     unique (business_id, id),
     unique (business_id, user_id),
     foreign key (business_id, user_id) references memberships (business_id, user_id) on delete cascade,
     check (user_id is not null or name is not null)
   )`,
  `create index staff_members_list_idx on staff_members (business_id, created_at desc, id)`,
  `create index staff_members_phone_idx on staff_members (business_id, phone) where phone is not null`,
  `create index staff_members_email_idx on staff_members (business_id, email) where email is not null`,
  // Every membership is a staff entry, whichever path adds it (admin CLI, sign-up, dashboard,
  // seeding): a trigger rather than a rule each writer must remember.
  `create function kc_staff_for_membership() returns trigger language plpgsql as $$
   begin
     insert into staff_members (business_id, user_id) values (new.business_id, new.user_id)
       on conflict (business_id, user_id) do nothing;
     return new;
   end $$`,
  `create trigger memberships_staff after insert on memberships for each row execute function kc_staff_for_membership()`,
  `insert into staff_members (business_id, user_id, created_at)
     select business_id, user_id, created_at from memberships on conflict (business_id, user_id) do nothing`,
  `create table staff_queues (
     id uuid primary key default gen_random_uuid(),
     business_id uuid not null references businesses (id) on delete cascade,
     name text not null check (length(name) between 1 and 100),
     description text,
     phone text,
     created_at timestamptz not null default now(),
     updated_at timestamptz not null default now(),
     unique (business_id, id),
     unique (business_id, name)
   )`,
  `create index staff_queues_list_idx on staff_queues (business_id, created_at desc, id)`,
  `create table staff_queue_members (
     business_id uuid not null,
     queue_id uuid not null,
     staff_id uuid not null,
     position integer not null,
     primary key (queue_id, staff_id),
     foreign key (business_id, queue_id) references staff_queues (business_id, id) on delete cascade,
     foreign key (business_id, staff_id) references staff_members (business_id, id) on delete cascade
   )`,
  `create index staff_queue_members_staff_idx on staff_queue_members (business_id, staff_id)`,

  // ── Agent tools ───────────────────────────────────────────────────────────────────────────────
  // config holds the type's settings without secrets; secret header values live apart in
  // secret_headers, which only the in-call executor reads (reads answer them masked).
  `create table agent_tools (
     id uuid primary key default gen_random_uuid(),
     business_id uuid not null references businesses (id) on delete cascade,
     type text not null check (type in ('transfer_call', 'transfer_to_user', 'transfer_to_queue', 'sms', 'api_request', 'function')),
     name text not null check (name ~ '^[a-z][a-z0-9_]{0,63}$'),
     description text not null default '',
     config jsonb not null,
     secret_headers jsonb not null default '{}'::jsonb,
     staff_id uuid,
     queue_id uuid,
     created_at timestamptz not null default now(),
     updated_at timestamptz not null default now(),
     unique (business_id, id),
     unique (business_id, name),
     -- A staff member or queue a transfer tool names cannot disappear under it.
     foreign key (business_id, staff_id) references staff_members (business_id, id),
     foreign key (business_id, queue_id) references staff_queues (business_id, id),
     check ((type = 'transfer_to_user') = (staff_id is not null)),
     check ((type = 'transfer_to_queue') = (queue_id is not null))
   )`,
  `create index agent_tools_list_idx on agent_tools (business_id, created_at desc, id)`,
  `create table agent_tool_links (
     business_id uuid not null,
     agent_id uuid not null,
     tool_id uuid not null,
     position integer not null,
     primary key (agent_id, tool_id),
     foreign key (business_id, agent_id) references agents (business_id, id) on delete cascade,
     foreign key (business_id, tool_id) references agent_tools (business_id, id) on delete cascade
   )`,
  `create index agent_tool_links_tool_idx on agent_tool_links (business_id, tool_id)`,

  // ── Calls ─────────────────────────────────────────────────────────────────────────────────────
  // The {{name}} values the call was placed with (make_call variable_values).
  `alter table calls add column variable_values jsonb`,
  // Why the call ended, in the voice platform's words (customer-ended-call, assistant-ended-call…).
  `alter table calls add column ended_reason text`,
  // Transfers during the call, in order: [{at, destination, kind, target_id, tool, status}].
  `alter table calls add column transfers jsonb not null default '[]'::jsonb`,

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
  for (const t of ['agent_tool_links', 'agent_tools', 'staff_queue_members', 'staff_queues', 'staff_members', 'business_hours']) {
    await sql.raw(`drop table if exists ${t} cascade`).execute(db);
  }
  await sql.raw('drop trigger if exists memberships_staff on memberships').execute(db);
  await sql.raw('drop function if exists kc_staff_for_membership()').execute(db);
  for (const c of ['variable_values', 'ended_reason', 'transfers']) await sql.raw(`alter table calls drop column if exists ${c}`).execute(db);
  for (const c of ['provider', 'provider_number_id', 'capabilities']) await sql.raw(`alter table phone_numbers drop column if exists ${c}`).execute(db);
  for (const c of ['first_message_mode', 'transcriber', 'office_hours']) await sql.raw(`alter table agents drop column if exists ${c}`).execute(db);
}
