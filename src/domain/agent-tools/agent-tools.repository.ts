// Agent tools' SQL. Reads never select secret_headers except withSecrets, which the in-call executor
// uses; every other read answers secret header values masked.
import { sql, type Selectable } from 'kysely';
import type { AgentToolsTable } from '../../../db/schema.js';
import type { TenantTx } from '../../shared/db.js';
import { MASKED_SECRET, type AgentTool, type AgentToolConfig, type AgentToolType, type AgentToolWithSecrets } from './agent-tools.types.js';

const COLUMNS = ['id', 'type', 'name', 'description', 'config', 'staff_id', 'queue_id', 'created_at', 'updated_at'] as const;
type Row = Pick<Selectable<AgentToolsTable>, (typeof COLUMNS)[number]>;

/** The stored config, with the columns that hold its references, and secret values masked. */
function configOf(r: Row): AgentToolConfig {
  const stored = { ...(r.config as Record<string, unknown>), type: r.type } as AgentToolConfig;
  if (stored.type === 'transfer_to_user') return { ...stored, staffId: r.staff_id! };
  if (stored.type === 'transfer_to_queue') return { ...stored, queueId: r.queue_id! };
  if (stored.type === 'api_request' || stored.type === 'function') {
    return { ...stored, headers: stored.headers.map((h) => (h.secret ? { ...h, value: MASKED_SECRET } : h)) };
  }
  return stored;
}

const base = (r: Row) => ({ id: r.id, name: r.name, description: r.description, config: configOf(r), createdAt: r.created_at, updatedAt: r.updated_at });

export interface StoredAgentTool {
  type: AgentToolType;
  name: string;
  description: string;
  /** Without secret values (secret headers hold null). */
  config: AgentToolConfig;
  secretHeaders: Record<string, string>;
}

function values(tool: StoredAgentTool) {
  const { type: _type, ...config } = tool.config as AgentToolConfig & Record<string, unknown>;
  return {
    type: tool.type,
    name: tool.name,
    description: tool.description,
    config: JSON.stringify(config),
    secret_headers: JSON.stringify(tool.secretHeaders),
    staff_id: tool.config.type === 'transfer_to_user' ? tool.config.staffId : null,
    queue_id: tool.config.type === 'transfer_to_queue' ? tool.config.queueId : null,
  };
}

export function createAgentToolsRepository(tx: TenantTx, businessId: string) {
  const tools = () => tx.selectFrom('agent_tools').select(COLUMNS).where('business_id', '=', businessId);

  async function usedBy(toolIds: string[]): Promise<Map<string, AgentTool['usedBy']>> {
    const map = new Map<string, AgentTool['usedBy']>();
    if (toolIds.length === 0) return map;
    const rows = await tx
      .selectFrom('agent_tool_links as l')
      .innerJoin('agents as a', (j) => j.onRef('a.id', '=', 'l.agent_id').onRef('a.business_id', '=', 'l.business_id'))
      .select(['l.tool_id', 'a.id', 'a.name'])
      .where('l.business_id', '=', businessId)
      .where('l.tool_id', 'in', toolIds)
      .orderBy('a.name')
      .orderBy('a.id')
      .execute();
    for (const r of rows) map.set(r.tool_id, [...(map.get(r.tool_id) ?? []), { id: r.id, name: r.name }]);
    return map;
  }

  return {
    /** Newest first, ties broken by id; `limit` rows plus one to tell whether more follow. */
    async list(page: { limit: number; offset: number }): Promise<AgentTool[]> {
      const rows = await tools()
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(page.limit + 1)
        .offset(page.offset)
        .execute();
      const users = await usedBy(rows.map((r) => r.id));
      return rows.map((r) => ({ ...base(r), usedBy: users.get(r.id) ?? [] }));
    },

    async find(id: string, options: { lock?: boolean } = {}): Promise<AgentTool | undefined> {
      let q = tools().where('id', '=', id);
      if (options.lock) q = q.forUpdate();
      const row = await q.executeTakeFirst();
      if (!row) return undefined;
      return { ...base(row), usedBy: (await usedBy([row.id])).get(row.id) ?? [] };
    },

    /** The stored secret header values of a tool (to keep those an update does not replace). */
    async secretHeaders(id: string): Promise<Record<string, string>> {
      const row = await tx.selectFrom('agent_tools').select('secret_headers').where('business_id', '=', businessId).where('id', '=', id).executeTakeFirst();
      return row?.secret_headers ?? {};
    },

    /** The tools attached to an agent, in attachment order, with their secrets: for the in-call executor only. */
    async withSecretsForAgent(agentId: string): Promise<AgentToolWithSecrets[]> {
      const rows = await tx
        .selectFrom('agent_tool_links as l')
        .innerJoin('agent_tools as t', (j) => j.onRef('t.id', '=', 'l.tool_id').onRef('t.business_id', '=', 'l.business_id'))
        .select(['t.id', 't.type', 't.name', 't.description', 't.config', 't.staff_id', 't.queue_id', 't.created_at', 't.updated_at', 't.secret_headers'])
        .where('l.business_id', '=', businessId)
        .where('l.agent_id', '=', agentId)
        .orderBy('l.position')
        .execute();
      return rows.map((r) => {
        const stored = { ...(r.config as Record<string, unknown>), type: r.type } as AgentToolConfig;
        const config = configOf(r);
        // Unmasked here: the executor needs the real values (secret ones come from secretHeaders).
        const real = stored.type === 'api_request' || stored.type === 'function' ? { ...config, headers: stored.headers } : config;
        return { ...base(r), config: real as AgentToolConfig, secretHeaders: r.secret_headers };
      });
    },

    /** Inserts the tool; undefined when the business already has a tool of that name. */
    async insert(tool: StoredAgentTool): Promise<string | undefined> {
      const row = await tx
        .insertInto('agent_tools')
        .values({ business_id: businessId, ...values(tool) })
        .onConflict((oc) => oc.columns(['business_id', 'name']).doNothing())
        .returning('id')
        .executeTakeFirst();
      return row?.id;
    },

    /** False when another tool of the business already has the name. */
    async update(id: string, tool: StoredAgentTool): Promise<boolean> {
      const clash = await tx.selectFrom('agent_tools').select('id').where('business_id', '=', businessId).where('name', '=', tool.name).where('id', '<>', id).executeTakeFirst();
      if (clash) return false;
      await tx
        .updateTable('agent_tools')
        .set({ ...values(tool), updated_at: sql<Date>`now()` })
        .where('business_id', '=', businessId)
        .where('id', '=', id)
        .execute();
      return true;
    },

    async delete(id: string): Promise<void> {
      await tx.deleteFrom('agent_tools').where('business_id', '=', businessId).where('id', '=', id).execute();
    },

    /** Which of these ids are tools of this business. */
    async existing(ids: string[]): Promise<Set<string>> {
      if (ids.length === 0) return new Set();
      const rows = await tx.selectFrom('agent_tools').select('id').where('business_id', '=', businessId).where('id', 'in', ids).execute();
      return new Set(rows.map((r) => r.id));
    },

    /** Replaces the agent's attached tools with these, in this order. */
    async setForAgent(agentId: string, toolIds: readonly string[]): Promise<void> {
      await tx.deleteFrom('agent_tool_links').where('business_id', '=', businessId).where('agent_id', '=', agentId).execute();
      if (toolIds.length === 0) return;
      await tx
        .insertInto('agent_tool_links')
        .values(toolIds.map((toolId, position) => ({ business_id: businessId, agent_id: agentId, tool_id: toolId, position })))
        .execute();
    },
  };
}
