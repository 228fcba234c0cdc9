// Frozen: never edit a migration that has landed; add a new one.
//
// Appointment booking and routing (spec booking.md): appointment types and who may take them, time
// off per staff member, appointments, routing rules with a revision, and the round-robin counters.
// Staff and their weekly working hours are the directory's (staff_members.working_hours, from
// 2026-12-05-005-voice-runtime): one record of when someone works serves transfers, availability
// checks and booking alike.
//
// No double booking is the database's guarantee, not the application's: an exclusion constraint
// (btree_gist, shipped by PGlite too) refuses two held or booked appointments of one staff member
// whose blocked ranges (buffers included) overlap. A constraint cannot depend on now(), so a hold
// that has expired still blocks until it is swept: every booking transaction first cancels the
// expired holds that overlap what it is about to insert (a row-locking UPDATE, so two bookings
// sweeping the same hold serialise on it and the second finds it already gone), and the reminders
// job sweeps the rest.
import { sql, type Kysely } from 'kysely';

/** The role tenant work runs as (created by the initial migration). */
const APP_ROLE = 'kc_app';
const CURRENT_BUSINESS = `nullif(current_setting('app.business_id', true), '')::uuid`;

const TENANT_TABLES = ['appointment_types', 'appointment_type_staff', 'staff_time_off', 'appointments', 'routing_rules', 'round_robin_counters'] as const;

const STATEMENTS = [
  `create extension if not exists btree_gist`,

  `create table appointment_types (
     id uuid primary key default gen_random_uuid(),
     business_id uuid not null references businesses (id) on delete cascade,
     name text not null check (length(name) between 1 and 200),
     duration_minutes integer not null check (duration_minutes between 5 and 720),
     buffer_before_minutes integer not null default 0 check (buffer_before_minutes between 0 and 240),
     buffer_after_minutes integer not null default 0 check (buffer_after_minutes between 0 and 240),
     -- Slots start every this many minutes from the start of a working-hours window.
     slot_interval_minutes integer not null default 30 check (slot_interval_minutes between 5 and 720),
     min_notice_minutes integer not null default 60 check (min_notice_minutes between 0 and 525600),
     max_days_ahead integer not null default 60 check (max_days_ahead between 1 and 365),
     assignment text not null default 'round_robin' check (assignment in ('round_robin', 'specific')),
     staff_id uuid,
     location text not null default 'phone' check (location in ('phone', 'on_site', 'video')),
     active boolean not null default true,
     created_at timestamptz not null default now(),
     unique (business_id, id),
     foreign key (business_id, staff_id) references staff_members (business_id, id) on delete restrict,
     check ((assignment = 'specific') = (staff_id is not null))
   )`,
  `create index appointment_types_list_idx on appointment_types (business_id, created_at desc, id)`,
  // Who may take an appointment of a type (round robin chooses among them).
  `create table appointment_type_staff (
     business_id uuid not null,
     appointment_type_id uuid not null,
     staff_id uuid not null,
     primary key (appointment_type_id, staff_id),
     foreign key (business_id, appointment_type_id) references appointment_types (business_id, id) on delete cascade,
     foreign key (business_id, staff_id) references staff_members (business_id, id) on delete cascade
   )`,
  `create index appointment_type_staff_staff_idx on appointment_type_staff (business_id, staff_id)`,
  `create table staff_time_off (
     id uuid primary key default gen_random_uuid(),
     business_id uuid not null,
     staff_id uuid not null,
     starts_at timestamptz not null,
     ends_at timestamptz not null,
     reason text,
     created_at timestamptz not null default now(),
     foreign key (business_id, staff_id) references staff_members (business_id, id) on delete cascade,
     check (ends_at > starts_at)
   )`,
  `create index staff_time_off_staff_idx on staff_time_off (business_id, staff_id, ends_at)`,

  `create table routing_rules (
     id uuid primary key default gen_random_uuid(),
     business_id uuid not null references businesses (id) on delete cascade,
     name text not null check (length(name) between 1 and 200),
     priority integer not null check (priority between 0 and 1000000),
     conditions jsonb not null default '{}'::jsonb,
     action jsonb not null,
     active boolean not null default true,
     revision integer not null default 1 check (revision >= 1),
     created_by text not null,
     created_at timestamptz not null default now(),
     updated_at timestamptz not null default now(),
     unique (business_id, id)
   )`,
  `create index routing_rules_list_idx on routing_rules (business_id, priority desc, created_at, id)`,

  // An agent's default appointment type for in-call booking (null: the business's first active one).
  `alter table agents add column default_appointment_type_id uuid`,
  `alter table agents add foreign key (business_id, default_appointment_type_id) references appointment_types (business_id, id) on delete set null (default_appointment_type_id)`,

  // starts_at/ends_at are the appointment; blocked_from/blocked_until add the type's buffers (stored
  // rather than computed in the index: timestamptz ± interval is not immutable, so no index may
  // compute it).
  `create table appointments (
     id uuid primary key default gen_random_uuid(),
     business_id uuid not null references businesses (id) on delete cascade,
     appointment_type_id uuid not null,
     staff_id uuid not null,
     lead_id uuid,
     agent_id uuid,
     call_id uuid,
     routing_rule_id uuid,
     starts_at timestamptz not null,
     ends_at timestamptz not null,
     blocked_from timestamptz not null,
     blocked_until timestamptz not null,
     timezone text not null,
     status text not null check (status in ('held', 'booked', 'cancelled', 'completed', 'no_show')),
     hold_expires_at timestamptz,
     booked_via text not null check (booked_via in ('mcp', 'in_call', 'dashboard')),
     notes text check (notes is null or length(notes) <= 2000),
     cancel_reason text,
     created_by text not null,
     booked_at timestamptz,
     cancelled_at timestamptz,
     no_show_at timestamptz,
     -- Texts: claimed (by one node) before they are sent, then their outcome.
     confirmation_claimed_at timestamptz,
     confirmation_status text,
     reminder_claimed_at timestamptz,
     reminder_status text,
     created_at timestamptz not null default now(),
     updated_at timestamptz not null default now(),
     unique (business_id, id),
     foreign key (business_id, appointment_type_id) references appointment_types (business_id, id),
     foreign key (business_id, staff_id) references staff_members (business_id, id),
     foreign key (business_id, lead_id) references leads (business_id, id) on delete set null (lead_id),
     foreign key (business_id, agent_id) references agents (business_id, id) on delete set null (agent_id),
     foreign key (business_id, call_id) references calls (business_id, id) on delete set null (call_id),
     foreign key (business_id, routing_rule_id) references routing_rules (business_id, id) on delete set null (routing_rule_id),
     check (ends_at > starts_at and blocked_from <= starts_at and blocked_until >= ends_at),
     check ((status = 'held') = (hold_expires_at is not null)),
     constraint appointments_no_overlap exclude using gist (staff_id with =, tstzrange(blocked_from, blocked_until) with &&)
       where (status in ('held', 'booked'))
   )`,
  `create index appointments_list_idx on appointments (business_id, starts_at desc, id)`,
  `create index appointments_staff_idx on appointments (business_id, staff_id, starts_at)`,
  `create index appointments_lead_idx on appointments (business_id, lead_id, starts_at desc)`,
  `create index appointments_status_idx on appointments (business_id, status, starts_at desc, id)`,
  // The reminders job's scans (system work across businesses).
  `create index appointments_reminder_due_idx on appointments (starts_at) where status = 'booked' and reminder_claimed_at is null`,
  `create index appointments_confirmation_due_idx on appointments (booked_at) where status = 'booked' and confirmation_claimed_at is null`,
  `create index appointments_holds_idx on appointments (hold_expires_at) where status = 'held'`,
  `create index appointments_booked_end_idx on appointments (ends_at) where status = 'booked'`,

  // Weighted round robin: how many appointments each staff member got from one pool (a routing
  // rule's or an appointment type's). A booking locks its pool's rows while it picks, so concurrent
  // bookings count each other.
  `create table round_robin_counters (
     business_id uuid not null references businesses (id) on delete cascade,
     pool text not null,
     staff_id uuid not null,
     assigned bigint not null default 0,
     last_assigned_at timestamptz,
     primary key (business_id, pool, staff_id),
     foreign key (business_id, staff_id) references staff_members (business_id, id) on delete cascade
   )`,

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
  for (const t of ['round_robin_counters', 'appointments']) await sql.raw(`drop table if exists ${t} cascade`).execute(db);
  await sql.raw('alter table agents drop column if exists default_appointment_type_id').execute(db);
  for (const t of ['routing_rules', 'staff_time_off', 'appointment_type_staff', 'appointment_types']) {
    await sql.raw(`drop table if exists ${t} cascade`).execute(db);
  }
}
