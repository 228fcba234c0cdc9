// SQL of the provider links: an agent as the voice provider keeps it, claimed while it is synced.
import { sql } from 'kysely';
import type { OwnerDb, TenantTx } from '../../shared/db.js';
import type { AgentSyncRequest } from '../../providers/telephony.js';

export interface ProviderLink {
  assistantId: string | null;
  toolId: string | null;
  runtimeKeyId: string | null;
  syncedVersion: Date | null;
  lastError: string | null;
  attempts: number;
}

/** How long a sync may hold its claim on an agent before another node may take over. */
const LEASE_SECONDS = 60;

export function createProviderLinksRepository(tx: TenantTx, businessId: string) {
  const toLink = (r: {
    assistant_id: string | null;
    tool_id: string | null;
    runtime_key_id: string | null;
    synced_version: Date | null;
    last_error: string | null;
    attempts: number;
  }): ProviderLink => ({
    assistantId: r.assistant_id,
    toolId: r.tool_id,
    runtimeKeyId: r.runtime_key_id,
    syncedVersion: r.synced_version,
    lastError: r.last_error,
    attempts: r.attempts,
  });
  const LINK_COLUMNS = ['assistant_id', 'tool_id', 'runtime_key_id', 'synced_version', 'last_error', 'attempts'] as const;

  return {
    /** The agent's configuration as a provider is asked to keep it, and the version it is. */
    async agent(agentId: string): Promise<{ request: Omit<AgentSyncRequest, 'runtimeKey'>; version: Date; active: boolean } | undefined> {
      const row = await tx
        .selectFrom('agents')
        .select([
          'id',
          'name',
          'status',
          'first_message',
          'first_message_mode',
          'inbound_prompt',
          'voice',
          'model',
          'transcriber',
          'language',
          'max_call_duration_seconds',
          'updated_at',
        ])
        .where('business_id', '=', businessId)
        .where('id', '=', agentId)
        .executeTakeFirst();
      if (!row) return undefined;
      return {
        request: {
          businessId,
          agentId: row.id,
          name: row.name,
          firstMessage: row.first_message,
          firstMessageMode: row.first_message_mode,
          instructions: row.inbound_prompt,
          voice: row.voice,
          model: row.model,
          transcriber: row.transcriber,
          language: row.language,
          maxCallDurationSeconds: row.max_call_duration_seconds,
        },
        version: row.updated_at,
        active: row.status === 'active',
      };
    },

    async find(agentId: string, provider: string): Promise<ProviderLink | undefined> {
      const row = await tx
        .selectFrom('provider_agent_links')
        .select(LINK_COLUMNS)
        .where('business_id', '=', businessId)
        .where('agent_id', '=', agentId)
        .where('provider', '=', provider)
        .executeTakeFirst();
      return row && toLink(row);
    },

    /**
     * Claims the agent's sync: undefined while another sync holds it. `ignoreBackoff` lets a caller
     * that needs the assistant now (a call being placed) retry before a failed sync's backoff ends.
     */
    async claim(agentId: string, provider: string, options: { ignoreBackoff: boolean }): Promise<ProviderLink | undefined> {
      const lease = sql<Date>`now() + make_interval(secs => ${LEASE_SECONDS})`;
      const row = await tx
        .insertInto('provider_agent_links')
        .values({ business_id: businessId, agent_id: agentId, provider, lease_until: lease })
        .onConflict((oc) =>
          oc
            .columns(['agent_id', 'provider'])
            .doUpdateSet({ lease_until: lease })
            .where((eb) =>
              eb.and([
                eb.or([eb('provider_agent_links.lease_until', 'is', null), eb('provider_agent_links.lease_until', '<', sql<Date>`now()`)]),
                options.ignoreBackoff ? eb.lit(true) : eb.or([eb('provider_agent_links.retry_after', 'is', null), eb('provider_agent_links.retry_after', '<', sql<Date>`now()`)]),
              ]),
            ),
        )
        .returning(LINK_COLUMNS)
        .executeTakeFirst();
      return row && toLink(row);
    },

    async saveSynced(agentId: string, provider: string, link: { assistantId: string; toolId: string | null; runtimeKeyId: string | null; version: Date }): Promise<void> {
      await tx
        .updateTable('provider_agent_links')
        .set({
          assistant_id: link.assistantId,
          tool_id: link.toolId,
          runtime_key_id: link.runtimeKeyId,
          synced_version: link.version,
          synced_at: sql<Date>`now()`,
          last_error: null,
          attempts: 0,
          lease_until: null,
          retry_after: null,
        })
        .where('business_id', '=', businessId)
        .where('agent_id', '=', agentId)
        .where('provider', '=', provider)
        .execute();
    },

    /** Records a failed sync and when to try again: 10 s after the first failure, doubling up to an hour. */
    async saveFailure(agentId: string, provider: string, error: string): Promise<void> {
      await tx
        .updateTable('provider_agent_links')
        .set((eb) => ({
          last_error: error,
          attempts: eb('attempts', '+', 1),
          lease_until: null,
          retry_after: sql<Date>`now() + make_interval(secs => least(3600, 10 * power(2, least(attempts, 12))))`,
        }))
        .where('business_id', '=', businessId)
        .where('agent_id', '=', agentId)
        .where('provider', '=', provider)
        .execute();
    },
  };
}

/** System scans across businesses (owner connection): they find work, never change it. */
export function createProviderSyncScansRepository(db: OwnerDb) {
  return {
    /**
     * Agents whose latest configuration the provider does not have yet, or whose assistant carries a
     * runtime key that no longer opens the in-call surface (revoked on the dashboard, expired, gone),
     * not being synced and not backing off.
     */
    async staleAgents(provider: string, limit: number): Promise<Array<{ businessId: string; agentId: string }>> {
      const rows = await db
        .selectFrom('agents as a')
        .leftJoin('provider_agent_links as l', (j) => j.onRef('l.agent_id', '=', 'a.id').on('l.provider', '=', provider))
        .leftJoin('api_keys as k', 'k.id', 'l.runtime_key_id')
        .select(['a.business_id', 'a.id'])
        .where((eb) =>
          eb.or([
            eb('l.agent_id', 'is', null),
            eb('l.synced_version', 'is', null),
            eb('l.synced_version', '<', eb.ref('a.updated_at')),
            eb('k.id', 'is', null),
            eb('k.revoked_at', 'is not', null),
            eb('k.expires_at', '<', sql<Date>`now()`),
          ]),
        )
        .where((eb) => eb.or([eb('l.lease_until', 'is', null), eb('l.lease_until', '<', sql<Date>`now()`)]))
        .where((eb) => eb.or([eb('l.retry_after', 'is', null), eb('l.retry_after', '<', sql<Date>`now()`)]))
        .orderBy('a.updated_at')
        .limit(limit)
        .execute();
      return rows.map((r) => ({ businessId: r.business_id, agentId: r.id }));
    },

    /** The business and agent answering a number (numbers are unique across businesses). */
    async numberOwner(e164: string): Promise<{ businessId: string; agentId: string | null } | undefined> {
      const row = await db.selectFrom('phone_numbers').select(['business_id', 'agent_id']).where('e164', '=', e164).executeTakeFirst();
      return row && { businessId: row.business_id, agentId: row.agent_id };
    },

    /** Records the provider's id of each of our numbers it holds; returns how many rows changed. */
    async markNumbersHeld(provider: string, held: ReadonlyArray<{ e164: string; providerNumberId: string }>): Promise<number> {
      let changed = 0;
      for (const n of held) {
        const r = await db
          .updateTable('phone_numbers')
          .set({ provider, provider_number_id: n.providerNumberId })
          .where('e164', '=', n.e164)
          .where((eb) => eb.or([eb('provider', '<>', provider), eb('provider_number_id', 'is', null), eb('provider_number_id', '<>', n.providerNumberId)]))
          .executeTakeFirst();
        changed += Number(r.numUpdatedRows);
      }
      return changed;
    },
  };
}
