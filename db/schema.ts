// The Kysely Database interface: one entry per table of db/migrations. Only db/ and
// *.repository.ts files import these types together with kysely.
import type { ColumnType, Generated, Selectable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Json<T = unknown> = ColumnType<T, T | string, T | string>;
type NullableJson<T = unknown> = ColumnType<T | null, T | string | null | undefined, T | string | null>;

export type Role = 'owner' | 'admin' | 'member';
export type CallStatus = 'queued' | 'ringing' | 'in-progress' | 'completed' | 'no-answer' | 'busy' | 'failed' | 'canceled';
export type Direction = 'inbound' | 'outbound';
export type LeadStatus = 'new' | 'contacted' | 'qualified' | 'appointment_set' | 'won' | 'lost';
export type AgentStatus = 'active' | 'paused' | 'draft';
export type CampaignStatus = 'draft' | 'active' | 'paused' | 'completed';
export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'executed' | 'failed';
export type ActorKind = 'oauth' | 'api_key' | 'user' | 'system';

export interface BusinessesTable {
  id: Generated<string>;
  name: string;
  slug: string;
  timezone: string;
  phone: string | null;
  created_at: Timestamp;
}

export interface UsersTable {
  id: Generated<string>;
  email: string;
  name: string | null;
  phone: string | null;
  password_hash: string | null;
  created_at: Timestamp;
}

export interface MembershipsTable {
  business_id: string;
  user_id: string;
  role: Role;
  created_at: Timestamp;
}

export interface TransferSettings {
  enabled?: boolean;
  number?: string | null;
  warm?: boolean;
  announce?: string | null;
}

export interface AgentsTable {
  id: Generated<string>;
  business_id: string;
  name: string;
  status: ColumnType<AgentStatus, AgentStatus | undefined, AgentStatus>;
  voice: string;
  model: string;
  language: ColumnType<string, string | undefined, string>;
  first_message: ColumnType<string, string | undefined, string>;
  inbound_prompt: ColumnType<string, string | undefined, string>;
  sms_prompt: ColumnType<string, string | undefined, string>;
  max_call_duration_seconds: ColumnType<number, number | undefined, number>;
  transfer_settings: ColumnType<TransferSettings, TransferSettings | string | undefined, TransferSettings | string>;
  config_version: ColumnType<number, number | undefined, number>;
  created_at: Timestamp;
  updated_at: Timestamp;
  first_message_mode: ColumnType<FirstMessageMode, FirstMessageMode | undefined, FirstMessageMode>;
  transcriber: ColumnType<string, string | undefined, string>;
  /** Null: the agent follows the business's office hours (business_hours). */
  office_hours: NullableJson<WeeklyHours>;
  /** The appointment type in-call booking offers (null: the business's first active one). */
  default_appointment_type_id: ColumnType<string | null, string | null | undefined, string | null>;
}

export type FirstMessageMode = 'assistant_speaks_first' | 'assistant_waits_for_user';

/** Opening hours per weekday in the business's time zone, plus whole-day closures (src/domain/business/hours.ts). */
export interface WeeklyHours {
  weekly: Partial<Record<'monday' | 'tuesday' | 'wednesday' | 'thursday' | 'friday' | 'saturday' | 'sunday', Array<{ start: string; end: string }>>>;
  closures?: Array<{ date: string; reason?: string | null }>;
}

export interface BusinessHoursTable {
  business_id: string;
  office_hours: Json<WeeklyHours>;
  updated_at: Timestamp;
}

export interface AgentConfigVersionsTable {
  id: Generated<string>;
  business_id: string;
  agent_id: string;
  version: number;
  config: Json<Record<string, unknown>>;
  created_by: string;
  created_at: Timestamp;
}

export interface AgentConfigChangesTable {
  id: Generated<string>;
  business_id: string;
  agent_id: string;
  from_version: number;
  to_version: number;
  changes: Json<Record<string, { from: unknown; to: unknown }>>;
  actor: string;
  source: string;
  approval_id: string | null;
  created_at: Timestamp;
}

export interface PhoneNumbersTable {
  id: Generated<string>;
  business_id: string;
  agent_id: string | null;
  e164: string;
  label: string | null;
  emergency_address: NullableJson<Record<string, string>>;
  created_at: Timestamp;
  provider: ColumnType<string, string | undefined, string>;
  provider_number_id: string | null;
  capabilities: ColumnType<NumberCapability[], NumberCapability[] | undefined, NumberCapability[]>;
}

export type NumberCapability = 'voice' | 'sms' | 'inbound' | 'outbound';

/** The staff directory: a member user (name, phone, email null = from their profile) or someone without a user. */
export interface StaffMembersTable {
  id: Generated<string>;
  business_id: string;
  user_id: string | null;
  name: string | null;
  phone: string | null;
  email: string | null;
  do_not_disturb: ColumnType<boolean, boolean | undefined, boolean>;
  working_hours: NullableJson<WeeklyHours>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface StaffQueuesTable {
  id: Generated<string>;
  business_id: string;
  name: string;
  description: string | null;
  phone: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface StaffQueueMembersTable {
  business_id: string;
  queue_id: string;
  staff_id: string;
  position: number;
}

export type AgentToolType = 'transfer_call' | 'transfer_to_user' | 'transfer_to_queue' | 'sms' | 'api_request' | 'function';

export interface AgentToolsTable {
  id: Generated<string>;
  business_id: string;
  type: AgentToolType;
  name: string;
  description: ColumnType<string, string | undefined, string>;
  /** The type's settings, without secrets (src/domain/agent-tools/agent-tools.types.ts). */
  config: Json<Record<string, unknown>>;
  /** Secret header values by header name: read only by the in-call executor, answered masked. */
  secret_headers: ColumnType<Record<string, string>, Record<string, string> | string | undefined, Record<string, string> | string>;
  staff_id: string | null;
  queue_id: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface AgentToolLinksTable {
  business_id: string;
  agent_id: string;
  tool_id: string;
  position: number;
}

export interface LeadsTable {
  id: Generated<string>;
  business_id: string;
  agent_id: string | null;
  name: string | null;
  phone: string | null;
  email: string | null;
  status: ColumnType<LeadStatus, LeadStatus | undefined, LeadStatus>;
  source: string | null;
  notes: string | null;
  address: string | null;
  city: string | null;
  state: string | null;
  zip: string | null;
  automation_paused: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface LeadScoresTable {
  id: Generated<string>;
  business_id: string;
  lead_id: string;
  score: number;
  explanation: string;
  model: string;
  created_at: Timestamp;
}

export interface CampaignCadence {
  attempts: number;
  spacing_minutes: number;
  window_start: string;
  window_end: string;
}

export interface CampaignsTable {
  id: Generated<string>;
  business_id: string;
  agent_id: string;
  name: string;
  status: ColumnType<CampaignStatus, CampaignStatus | undefined, CampaignStatus>;
  cadence: Json<CampaignCadence>;
  created_by: string;
  launched_at: NullableTimestamp;
  created_at: Timestamp;
}

export interface CampaignLeadsTable {
  business_id: string;
  campaign_id: string;
  lead_id: string;
  status: ColumnType<string, string | undefined, string>;
  attempts: ColumnType<number, number | undefined, number>;
  last_call_id: string | null;
  next_attempt_at: NullableTimestamp;
  created_at: Timestamp;
}

export interface CallsTable {
  id: Generated<string>;
  business_id: string;
  agent_id: string | null;
  lead_id: string | null;
  campaign_id: string | null;
  direction: Direction;
  status: CallStatus;
  to_number: string;
  from_number: string;
  duration_seconds: number | null;
  summary: string | null;
  transcript: string | null;
  recording_url: string | null;
  outcome: string | null;
  failure_reason: string | null;
  provider: string | null;
  provider_call_id: string | null;
  context: string | null;
  first_message: string | null;
  scheduled_at: NullableTimestamp;
  dialed_at: NullableTimestamp;
  started_at: NullableTimestamp;
  ended_at: NullableTimestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
  /** The {{name}} values the call was placed with (make_call variable_values). */
  variable_values: NullableJson<Record<string, string>>;
  /** Why the call ended, in the voice platform's words (customer-ended-call, assistant-ended-call…). */
  ended_reason: string | null;
  transfers: ColumnType<CallTransfer[], CallTransfer[] | string | undefined, CallTransfer[] | string>;
  /** What the provider charged for the call, in US dollars (its end-of-call report). */
  cost_usd: ColumnType<number | null, number | null | undefined, number | null>;
}

/** One transfer during a call, in the order they happened. */
export interface CallTransfer {
  at: string;
  /** E.164 number the call was handed to. */
  destination: string;
  kind: 'number' | 'staff' | 'queue';
  /** The staff member or queue, for those kinds. */
  target_id?: string | null;
  /** The tool that asked (transfer_call, or an agent tool's name). */
  tool?: string | null;
  status: 'requested' | 'completed' | 'failed';
}

export interface VoicemailsTable {
  id: Generated<string>;
  business_id: string;
  agent_id: string | null;
  call_id: string | null;
  caller_number: string;
  caller_name: string | null;
  transcript: string | null;
  recording_url: string | null;
  duration_seconds: number | null;
  created_at: Timestamp;
}

export interface SmsConversationsTable {
  id: Generated<string>;
  business_id: string;
  agent_id: string | null;
  lead_id: string | null;
  contact_number: string;
  last_message_at: NullableTimestamp;
  created_at: Timestamp;
}

export interface SmsMessagesTable {
  id: Generated<string>;
  business_id: string;
  conversation_id: string;
  agent_id: string | null;
  lead_id: string | null;
  direction: Direction;
  from_number: string;
  to_number: string;
  body: string;
  status: 'queued' | 'sent' | 'delivered' | 'failed' | 'received';
  failure_reason: string | null;
  provider: string | null;
  provider_message_id: string | null;
  created_at: Timestamp;
}

export interface NotificationSettingsTable {
  business_id: string;
  notification_phone: string | null;
  notification_email: string | null;
  sms_notifications: ColumnType<boolean, boolean | undefined, boolean>;
  email_notifications: ColumnType<boolean, boolean | undefined, boolean>;
  updated_at: Timestamp;
}

export interface EscalationRulesTable {
  id: Generated<string>;
  business_id: string;
  trigger: string;
  notify: string;
  channel: 'sms' | 'email';
  position: number;
  created_at: Timestamp;
}

export interface BusinessLinksTable {
  id: Generated<string>;
  business_id: string;
  key: string;
  label: string;
  url: string;
  purpose: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ContactBlocksTable {
  id: Generated<string>;
  business_id: string;
  phone: string;
  kind: 'do_not_call' | 'opt_out';
  reason: string | null;
  source: string;
  created_at: Timestamp;
}

export interface TranscriptSinksTable {
  business_id: string;
  url: string;
  enabled: ColumnType<boolean, boolean | undefined, boolean>;
  include_recordings: ColumnType<boolean, boolean | undefined, boolean>;
  updated_by: string;
  updated_at: Timestamp;
}

export interface ApprovalsTable {
  id: Generated<string>;
  business_id: string;
  intent: string;
  payload: Json<Record<string, unknown>>;
  summary: string;
  status: ColumnType<ApprovalStatus, ApprovalStatus | undefined, ApprovalStatus>;
  requested_by: Json<Record<string, unknown>>;
  decided_by: string | null;
  decided_at: NullableTimestamp;
  decision_reason: string | null;
  result: NullableJson<Record<string, unknown>>;
  created_at: Timestamp;
}

export interface IdempotencyRecordsTable {
  business_id: string;
  key: string;
  tool: string;
  request_hash: string;
  state: 'in_progress' | 'completed';
  response: NullableJson<Record<string, unknown>>;
  created_at: Timestamp;
  expires_at: Timestamp;
  /** Renewed by the process running the effect; null once completed, and on rows claimed before leases. */
  lease_expires_at: NullableTimestamp;
}

export interface AuditLogTable {
  id: Generated<string>;
  business_id: string;
  actor_kind: ActorKind;
  actor_id: string | null;
  client_id: string | null;
  action: string;
  outcome: string;
  error_code: string | null;
  duration_ms: number | null;
  details: ColumnType<Record<string, unknown>, Record<string, unknown> | string | undefined, Record<string, unknown> | string>;
  created_at: Timestamp;
}

export interface ApiKeysTable {
  id: Generated<string>;
  business_id: string;
  name: string;
  prefix: string;
  key_hash: string;
  scopes: string[];
  created_by: string | null;
  expires_at: NullableTimestamp;
  last_used_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
  created_at: Timestamp;
  /** `account` (`kc_live_`, /api/mcp) or `runtime` (`kc_rt_`, /api/mcp/in-call; no scopes). */
  kind: ColumnType<ApiKeyKind, ApiKeyKind | undefined, ApiKeyKind>;
}

export type ApiKeyKind = 'account' | 'runtime';

export type CaseClassification = 'lead' | 'customer' | 'spam' | 'other';

/** What a caller wanted on one call (in-call `create_lead`), linked to their lead. */
export interface LeadCasesTable {
  id: Generated<string>;
  business_id: string;
  lead_id: string;
  call_id: string | null;
  agent_id: string | null;
  intent: string;
  classification: ColumnType<CaseClassification, CaseClassification | undefined, CaseClassification>;
  summary: string | null;
  notes: string | null;
  created_at: Timestamp;
}

export interface OidcModelsTable {
  model: string;
  id: string;
  payload: Json<Record<string, unknown>>;
  grant_id: string | null;
  user_code: string | null;
  uid: string | null;
  expires_at: NullableTimestamp;
  consumed_at: NullableTimestamp;
  created_at: Timestamp;
}

export interface SigningKeysTable {
  kid: string;
  use: 'sig' | 'cookie';
  alg: string | null;
  private_jwk: NullableJson<Record<string, unknown>>;
  secret: string | null;
  created_at: Timestamp;
  retired_at: NullableTimestamp;
  publish_until: NullableTimestamp;
}

export interface OauthGrantsTable {
  grant_id: string;
  business_id: string;
  user_id: string;
  client_id: string;
  client_name: string | null;
  scopes: string[];
  created_at: Timestamp;
  expires_at: Timestamp;
  revoked_at: NullableTimestamp;
  /** Where the authorization code was sent at consent; null for grants made before it was recorded. */
  redirect_uri: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface McpSessionsTable {
  id: string;
  surface: string;
  principal: string | null;
  protocol_version: string;
  client_info: Json<Record<string, unknown>>;
  client_capabilities: Json<Record<string, unknown>>;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  ended_at: NullableTimestamp;
}

export interface LoginAttemptsTable {
  id: Generated<string>;
  account_key: string;
  address: string;
  created_at: Timestamp;
}

export interface RateLimitsTable {
  bucket: string;
  window_start: Timestamp;
  count: number;
}

export interface DashboardSessionsTable {
  /** SHA-256 (hex) of the session id; the id itself is only in the browser's cookie. */
  id_hash: string;
  user_id: string;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  expires_at: Timestamp;
}

export type AppointmentStatus = 'held' | 'booked' | 'cancelled' | 'completed' | 'no_show';
export type BookedVia = 'mcp' | 'in_call' | 'dashboard';

export interface AppointmentTypesTable {
  id: Generated<string>;
  business_id: string;
  name: string;
  duration_minutes: number;
  buffer_before_minutes: ColumnType<number, number | undefined, number>;
  buffer_after_minutes: ColumnType<number, number | undefined, number>;
  slot_interval_minutes: ColumnType<number, number | undefined, number>;
  min_notice_minutes: ColumnType<number, number | undefined, number>;
  max_days_ahead: ColumnType<number, number | undefined, number>;
  assignment: ColumnType<'round_robin' | 'specific', 'round_robin' | 'specific' | undefined, 'round_robin' | 'specific'>;
  staff_id: string | null;
  location: ColumnType<'phone' | 'on_site' | 'video', 'phone' | 'on_site' | 'video' | undefined, 'phone' | 'on_site' | 'video'>;
  active: ColumnType<boolean, boolean | undefined, boolean>;
  created_at: Timestamp;
}

export interface AppointmentTypeStaffTable {
  business_id: string;
  appointment_type_id: string;
  staff_id: string;
}

export interface StaffTimeOffTable {
  id: Generated<string>;
  business_id: string;
  staff_id: string;
  starts_at: Timestamp;
  ends_at: Timestamp;
  reason: string | null;
  created_at: Timestamp;
}

export interface AppointmentsTable {
  id: Generated<string>;
  business_id: string;
  appointment_type_id: string;
  staff_id: string;
  lead_id: string | null;
  agent_id: string | null;
  call_id: string | null;
  routing_rule_id: string | null;
  starts_at: Timestamp;
  ends_at: Timestamp;
  blocked_from: Timestamp;
  blocked_until: Timestamp;
  timezone: string;
  status: AppointmentStatus;
  hold_expires_at: NullableTimestamp;
  booked_via: BookedVia;
  notes: string | null;
  cancel_reason: string | null;
  created_by: string;
  booked_at: NullableTimestamp;
  cancelled_at: NullableTimestamp;
  no_show_at: NullableTimestamp;
  confirmation_claimed_at: NullableTimestamp;
  confirmation_status: string | null;
  reminder_claimed_at: NullableTimestamp;
  reminder_status: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface RoutingRulesTable {
  id: Generated<string>;
  business_id: string;
  name: string;
  priority: number;
  conditions: Json<Record<string, unknown>>;
  action: Json<Record<string, unknown>>;
  active: ColumnType<boolean, boolean | undefined, boolean>;
  revision: ColumnType<number, number | undefined, number>;
  created_by: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface RoundRobinCountersTable {
  business_id: string;
  pool: string;
  staff_id: string;
  assigned: ColumnType<number, number | undefined, number>;
  last_assigned_at: NullableTimestamp;
}

/** An agent as a voice provider knows it (its assistant), and how far its sync got. */
export interface ProviderAgentLinksTable {
  business_id: string;
  agent_id: string;
  provider: string;
  assistant_id: string | null;
  tool_id: string | null;
  runtime_key_id: string | null;
  synced_version: NullableTimestamp;
  synced_at: NullableTimestamp;
  last_error: string | null;
  attempts: ColumnType<number, number | undefined, number>;
  lease_until: NullableTimestamp;
  retry_after: NullableTimestamp;
  created_at: Timestamp;
}

/** A provider webhook event that changed something, once per event key. */
export interface ProviderEventsTable {
  id: Generated<string>;
  business_id: string;
  provider: string;
  event_key: string;
  type: string;
  call_id: string | null;
  payload: NullableJson<Record<string, unknown>>;
  result: NullableJson<Record<string, unknown>>;
  received_at: Timestamp;
  processed_at: NullableTimestamp;
  attempts: ColumnType<number, number | undefined, number>;
  last_error: string | null;
}

export interface Database {
  businesses: BusinessesTable;
  users: UsersTable;
  memberships: MembershipsTable;
  agents: AgentsTable;
  agent_config_versions: AgentConfigVersionsTable;
  agent_config_changes: AgentConfigChangesTable;
  phone_numbers: PhoneNumbersTable;
  leads: LeadsTable;
  lead_scores: LeadScoresTable;
  campaigns: CampaignsTable;
  campaign_leads: CampaignLeadsTable;
  calls: CallsTable;
  voicemails: VoicemailsTable;
  sms_conversations: SmsConversationsTable;
  sms_messages: SmsMessagesTable;
  notification_settings: NotificationSettingsTable;
  escalation_rules: EscalationRulesTable;
  business_links: BusinessLinksTable;
  contact_blocks: ContactBlocksTable;
  transcript_sinks: TranscriptSinksTable;
  approvals: ApprovalsTable;
  idempotency_records: IdempotencyRecordsTable;
  audit_log: AuditLogTable;
  api_keys: ApiKeysTable;
  oidc_models: OidcModelsTable;
  signing_keys: SigningKeysTable;
  oauth_grants: OauthGrantsTable;
  mcp_sessions: McpSessionsTable;
  login_attempts: LoginAttemptsTable;
  rate_limits: RateLimitsTable;
  business_hours: BusinessHoursTable;
  staff_members: StaffMembersTable;
  staff_queues: StaffQueuesTable;
  staff_queue_members: StaffQueueMembersTable;
  agent_tools: AgentToolsTable;
  agent_tool_links: AgentToolLinksTable;
  dashboard_sessions: DashboardSessionsTable;
  lead_cases: LeadCasesTable;
  appointment_types: AppointmentTypesTable;
  appointment_type_staff: AppointmentTypeStaffTable;
  staff_time_off: StaffTimeOffTable;
  appointments: AppointmentsTable;
  routing_rules: RoutingRulesTable;
  round_robin_counters: RoundRobinCountersTable;
  provider_agent_links: ProviderAgentLinksTable;
  provider_events: ProviderEventsTable;
}

export type Business = Selectable<BusinessesTable>;
export type User = Selectable<UsersTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
