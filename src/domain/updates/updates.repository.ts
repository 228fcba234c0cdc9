// What the update broker reads and writes: agent configuration with its versions and change
// history, phone-number emergency addresses, the transcript sink, approvals, and the roles that
// decide who may authorize a change. Every function runs in the caller's RLS-bound unit of work
// and names the business itself as well.
import { sql, type Selectable } from 'kysely';
import type { ApprovalsTable, ApprovalStatus, FirstMessageMode, Role, TransferSettings, WeeklyHours } from '../../../db/schema.js';
import type { TenantTx } from '../../shared/db.js';

/** The part of an agent that is versioned: what a snapshot holds and a restore brings back. */
export interface AgentConfig {
  first_message: string;
  inbound_prompt: string;
  sms_prompt: string;
  voice: string;
  model: string;
  language: string;
  max_call_duration_seconds: number;
  transfer_settings: TransferSettings;
  first_message_mode: FirstMessageMode;
  transcriber: string;
  /** Null: the business's office hours apply. */
  office_hours: WeeklyHours | null;
  /** The attached agent tools, in order (agent_tool_links). */
  tool_ids: string[];
}

/** The fields that are columns of `agents` (tool_ids lives in agent_tool_links). */
const AGENT_COLUMN_FIELDS = [
  'first_message',
  'inbound_prompt',
  'sms_prompt',
  'voice',
  'model',
  'language',
  'max_call_duration_seconds',
  'transfer_settings',
  'first_message_mode',
  'transcriber',
  'office_hours',
] as const satisfies readonly (keyof AgentConfig)[];

export const AGENT_CONFIG_FIELDS = [...AGENT_COLUMN_FIELDS, 'tool_ids'] as const satisfies readonly (keyof AgentConfig)[];

/** An agent's attached tool ids in order, as text[] (both drivers parse it), for queries over `agents`. */
const attachedToolIds = sql<
  string[]
>`coalesce((select array_agg(l.tool_id::text order by l.position) from agent_tool_links l where l.business_id = agents.business_id and l.agent_id = agents.id), '{}')`.as(
  'tool_ids',
);

export interface AgentState {
  id: string;
  name: string;
  version: number;
  config: AgentConfig;
}

export type FieldChanges = Record<string, { from: unknown; to: unknown }>;

export interface AgentVersion {
  version: number;
  config: AgentConfig;
  createdBy: string;
  createdAt: Date;
}

export interface AgentChange {
  id: string;
  fromVersion: number;
  toVersion: number;
  changes: FieldChanges;
  actor: string;
  source: string;
  approvalId: string | null;
  createdAt: Date;
}

export interface EmergencyAddress {
  street: string;
  street2?: string;
  city: string;
  region: string;
  postal_code: string;
  country: string;
}

export interface TranscriptSink {
  url: string;
  enabled: boolean;
  include_recordings: boolean;
  updatedBy: string;
  updatedAt: Date;
}

export interface Approval {
  id: string;
  intent: string;
  payload: Record<string, unknown>;
  summary: string;
  status: ApprovalStatus;
  requestedBy: Record<string, unknown>;
  decidedBy: string | null;
  decidedAt: Date | null;
  decisionReason: string | null;
  result: Record<string, unknown> | null;
  createdAt: Date;
}

const toApproval = (r: Selectable<ApprovalsTable>): Approval => ({
  id: r.id,
  intent: r.intent,
  payload: r.payload,
  summary: r.summary,
  status: r.status,
  requestedBy: r.requested_by,
  decidedBy: r.decided_by,
  decidedAt: r.decided_at,
  decisionReason: r.decision_reason,
  result: r.result,
  createdAt: r.created_at,
});

export function createUpdatesRepository(tx: TenantTx, businessId: string) {
  return {
    // ── People ────────────────────────────────────────────────────────────────────────────────
    async memberRole(userId: string): Promise<Role | undefined> {
      const row = await tx.selectFrom('memberships').select('role').where('business_id', '=', businessId).where('user_id', '=', userId).executeTakeFirst();
      return row?.role;
    },

    /** A member of this business by id or email (RLS shows only this business's staff). */
    async findMember(by: { userId?: string; email?: string }): Promise<{ id: string; email: string; role: Role } | undefined> {
      let q = tx.selectFrom('users as u').innerJoin('memberships as m', 'm.user_id', 'u.id').select(['u.id', 'u.email', 'm.role']).where('m.business_id', '=', businessId);
      if (by.userId) q = q.where('u.id', '=', by.userId);
      if (by.email) q = q.where('u.email', '=', by.email.trim().toLowerCase());
      return q.executeTakeFirst();
    },

    /** Who issued an API key of this business (null: unknown, or the user was deleted). */
    async apiKeyIssuer(apiKeyId: string): Promise<string | null> {
      const row = await tx.selectFrom('api_keys').select('created_by').where('business_id', '=', businessId).where('id', '=', apiKeyId).executeTakeFirst();
      return row?.created_by ?? null;
    },

    // ── Agents ────────────────────────────────────────────────────────────────────────────────
    /** The agent's live configuration, locked for the rest of the unit of work when `lock`. */
    async agent(agentId: string, options: { lock?: boolean } = {}): Promise<AgentState | undefined> {
      let q = tx
        .selectFrom('agents')
        .select(['id', 'name', 'config_version', ...AGENT_COLUMN_FIELDS])
        .select(attachedToolIds)
        .where('business_id', '=', businessId)
        .where('id', '=', agentId);
      if (options.lock) q = q.forUpdate();
      const row = await q.executeTakeFirst();
      if (!row) return undefined;
      const { id, name, config_version, ...config } = row;
      return { id, name, version: config_version, config };
    },

    async updateAgent(agentId: string, config: Partial<AgentConfig>, version: number): Promise<void> {
      const { transfer_settings, office_hours, tool_ids, ...rest } = config;
      if (tool_ids !== undefined) {
        await tx.deleteFrom('agent_tool_links').where('business_id', '=', businessId).where('agent_id', '=', agentId).execute();
        if (tool_ids.length) {
          await tx
            .insertInto('agent_tool_links')
            .values(tool_ids.map((toolId, position) => ({ business_id: businessId, agent_id: agentId, tool_id: toolId, position })))
            .execute();
        }
      }
      await tx
        .updateTable('agents')
        .set({
          ...rest,
          ...(transfer_settings === undefined ? {} : { transfer_settings: JSON.stringify(transfer_settings) }),
          ...(office_hours === undefined ? {} : { office_hours: office_hours === null ? null : JSON.stringify(office_hours) }),
          config_version: version,
          updated_at: sql`now()`,
        })
        .where('business_id', '=', businessId)
        .where('id', '=', agentId)
        .execute();
    },

    /** The position in `ids` of the first that is not an agent tool of this business, or -1. */
    async unknownToolIndex(ids: readonly string[]): Promise<number> {
      if (ids.length === 0) return -1;
      const rows = await tx.selectFrom('agent_tools').select('id').where('business_id', '=', businessId).where('id', 'in', ids).execute();
      const known = new Set(rows.map((r) => r.id));
      return ids.findIndex((id) => !known.has(id));
    },

    async hasVersion(agentId: string, version: number): Promise<boolean> {
      const row = await tx
        .selectFrom('agent_config_versions')
        .select('id')
        .where('business_id', '=', businessId)
        .where('agent_id', '=', agentId)
        .where('version', '=', version)
        .executeTakeFirst();
      return row !== undefined;
    },

    async insertVersion(agentId: string, version: number, config: AgentConfig, createdBy: string): Promise<void> {
      await tx
        .insertInto('agent_config_versions')
        .values({ business_id: businessId, agent_id: agentId, version, config: JSON.stringify(config), created_by: createdBy })
        .execute();
    },

    async version(agentId: string, version: number): Promise<AgentVersion | undefined> {
      const row = await tx
        .selectFrom('agent_config_versions')
        .select(['version', 'config', 'created_by', 'created_at'])
        .where('business_id', '=', businessId)
        .where('agent_id', '=', agentId)
        .where('version', '=', version)
        .executeTakeFirst();
      return row && { version: row.version, config: row.config as unknown as AgentConfig, createdBy: row.created_by, createdAt: row.created_at };
    },

    async listVersions(agentId: string): Promise<AgentVersion[]> {
      const rows = await tx
        .selectFrom('agent_config_versions')
        .select(['version', 'config', 'created_by', 'created_at'])
        .where('business_id', '=', businessId)
        .where('agent_id', '=', agentId)
        .orderBy('version', 'desc')
        .execute();
      return rows.map((r) => ({ version: r.version, config: r.config as unknown as AgentConfig, createdBy: r.created_by, createdAt: r.created_at }));
    },

    async insertChange(values: {
      agentId: string;
      fromVersion: number;
      toVersion: number;
      changes: FieldChanges;
      actor: string;
      source: string;
      approvalId: string | null;
    }): Promise<string> {
      const row = await tx
        .insertInto('agent_config_changes')
        .values({
          business_id: businessId,
          agent_id: values.agentId,
          from_version: values.fromVersion,
          to_version: values.toVersion,
          changes: JSON.stringify(values.changes),
          actor: values.actor,
          source: values.source,
          approval_id: values.approvalId,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return row.id;
    },

    async listChanges(agentId: string): Promise<AgentChange[]> {
      const rows = await tx
        .selectFrom('agent_config_changes')
        .selectAll()
        .where('business_id', '=', businessId)
        .where('agent_id', '=', agentId)
        .orderBy('created_at', 'desc')
        .orderBy('to_version', 'desc')
        .execute();
      return rows.map((r) => ({
        id: r.id,
        fromVersion: r.from_version,
        toVersion: r.to_version,
        changes: r.changes,
        actor: r.actor,
        source: r.source,
        approvalId: r.approval_id,
        createdAt: r.created_at,
      }));
    },

    // ── Phone numbers ─────────────────────────────────────────────────────────────────────────
    async phoneNumber(e164: string, options: { lock?: boolean } = {}): Promise<{ id: string; e164: string; emergencyAddress: EmergencyAddress | null } | undefined> {
      let q = tx.selectFrom('phone_numbers').select(['id', 'e164', 'emergency_address']).where('business_id', '=', businessId).where('e164', '=', e164);
      if (options.lock) q = q.forUpdate();
      const row = await q.executeTakeFirst();
      return row && { id: row.id, e164: row.e164, emergencyAddress: (row.emergency_address as EmergencyAddress | null) ?? null };
    },

    async setEmergencyAddress(phoneNumberId: string, address: EmergencyAddress): Promise<void> {
      await tx
        .updateTable('phone_numbers')
        .set({ emergency_address: JSON.stringify(address) })
        .where('business_id', '=', businessId)
        .where('id', '=', phoneNumberId)
        .execute();
    },

    // ── Transcript sink ───────────────────────────────────────────────────────────────────────
    async transcriptSink(options: { lock?: boolean } = {}): Promise<TranscriptSink | undefined> {
      let q = tx.selectFrom('transcript_sinks').selectAll().where('business_id', '=', businessId);
      if (options.lock) q = q.forUpdate();
      const row = await q.executeTakeFirst();
      return row && { url: row.url, enabled: row.enabled, include_recordings: row.include_recordings, updatedBy: row.updated_by, updatedAt: row.updated_at };
    },

    async upsertTranscriptSink(sink: { url: string; enabled: boolean; include_recordings: boolean; updatedBy: string }): Promise<void> {
      const values = { url: sink.url, enabled: sink.enabled, include_recordings: sink.include_recordings, updated_by: sink.updatedBy, updated_at: sql<Date>`now()` };
      await tx
        .insertInto('transcript_sinks')
        .values({ business_id: businessId, ...values })
        .onConflict((oc) => oc.column('business_id').doUpdateSet(values))
        .execute();
    },

    // ── Approvals ─────────────────────────────────────────────────────────────────────────────
    async insertApproval(values: { intent: string; payload: Record<string, unknown>; summary: string; requestedBy: Record<string, unknown> }): Promise<Approval> {
      const row = await tx
        .insertInto('approvals')
        .values({
          business_id: businessId,
          intent: values.intent,
          payload: JSON.stringify(values.payload),
          summary: values.summary,
          requested_by: JSON.stringify(values.requestedBy),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toApproval(row);
    },

    async approval(approvalId: string, options: { lock?: boolean } = {}): Promise<Approval | undefined> {
      let q = tx.selectFrom('approvals').selectAll().where('business_id', '=', businessId).where('id', '=', approvalId);
      if (options.lock) q = q.forUpdate();
      const row = await q.executeTakeFirst();
      return row && toApproval(row);
    },

    async listApprovals(options: { status?: ApprovalStatus; limit: number; offset: number }): Promise<Approval[]> {
      let q = tx.selectFrom('approvals').selectAll().where('business_id', '=', businessId);
      if (options.status) q = q.where('status', '=', options.status);
      const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(options.limit).offset(options.offset).execute();
      return rows.map(toApproval);
    },

    /** Decided approvals (anything but pending), newest decision first: the dashboard's history. */
    async listDecided(options: { limit: number; offset: number }): Promise<Approval[]> {
      const rows = await tx
        .selectFrom('approvals')
        .selectAll()
        .where('business_id', '=', businessId)
        .where('status', '<>', 'pending')
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(options.limit)
        .offset(options.offset)
        .execute();
      return rows.map(toApproval);
    },

    /** Records a decision on a pending approval; false when it was no longer pending. */
    async decideApproval(
      approvalId: string,
      values: { status: ApprovalStatus; decidedBy: string; reason: string | null; result: Record<string, unknown> | null },
    ): Promise<Approval | undefined> {
      const row = await tx
        .updateTable('approvals')
        .set({
          status: values.status,
          decided_by: values.decidedBy,
          decided_at: sql`now()`,
          decision_reason: values.reason,
          result: values.result === null ? null : JSON.stringify(values.result),
        })
        .where('business_id', '=', businessId)
        .where('id', '=', approvalId)
        .where('status', '=', 'pending')
        .returningAll()
        .executeTakeFirst();
      return row && toApproval(row);
    },
  };
}

export type UpdatesRepository = ReturnType<typeof createUpdatesRepository>;
