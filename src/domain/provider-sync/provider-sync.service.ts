// Keeping a voice provider's copy of our records in step (spec/voice-runtime.md §D): each agent as
// the provider's assistant, with a tool pointing at our in-call surface, and which of our numbers
// the provider holds. Only a provider that keeps such copies (syncAgent, listNumbers) is synced;
// with the simulator every method here is a no-op.
//
// When an agent is synced:
//   - right after create_agent (the request waits for it, bounded by the provider's timeout);
//   - before a call of that agent is placed, if the provider's copy is older than the agent;
//   - by the job, for any agent changed since (update_agent_config, a restored version…), within
//     one dialer interval, backing off after failures.
// A sync is claimed (a lease on the link row) so that the job, a request and another node never
// create the same assistant twice; the claim is not held during the provider's request, only marked.
import { AppError } from '../../shared/errors.js';
import type { Db, TenantTx } from '../../shared/db.js';
import type { Logger } from '../../shared/log.js';
import type { ProviderAgentRef, TelephonyProvider } from '../../providers/telephony.js';
import { createProviderLinksRepository, createProviderSyncScansRepository, type ProviderLink } from './provider-sync.repository.js';

/**
 * The runtime keys an assistant's in-call tool carries, issued and checked by the authorization
 * side (which owns key formats and hashing) and handed in by app.ts.
 */
export interface RuntimeKeyIssuer {
  issue(tx: TenantTx, businessId: string, name: string): Promise<{ id: string; key: string }>;
  /** True when the key exists, is not revoked and has not expired. */
  isActive(tx: TenantTx, keyId: string): Promise<boolean>;
  revoke(tx: TenantTx, keyId: string): Promise<void>;
}

export interface ProviderSyncDeps {
  db: Db;
  provider: TelephonyProvider;
  keys: RuntimeKeyIssuer;
  log: Logger;
}

/** How long a caller that needs an assistant now waits for a sync another request is running. */
const WAIT_FOR_OTHER_SYNC_MS = 10_000;

export function createProviderSync(deps: ProviderSyncDeps) {
  const { db, provider, keys, log } = deps;
  const scans = createProviderSyncScansRepository(db.kysely);
  // One sync per agent at a time in this process; the lease covers other nodes.
  const running = new Map<string, Promise<ProviderAgentRef | null>>();

  /** Pushes the agent to the provider now (unless another sync holds it: then null). */
  async function syncNow(businessId: string, agentId: string, options: { ignoreBackoff: boolean }): Promise<ProviderAgentRef | null> {
    const syncAgent = provider.syncAgent?.bind(provider);
    if (!syncAgent) return null;
    const claimed = await db.forBusiness(businessId, async (tx) => {
      const links = createProviderLinksRepository(tx, businessId);
      const agent = await links.agent(agentId);
      if (!agent) throw new AppError('not_found', 'Agent not found');
      const link = await links.claim(agentId, provider.name, options);
      if (!link) return null;
      // The in-call tool needs a key the provider can send: a new one when there is none or the one
      // it carries was revoked (by a person in the dashboard, or by a member's departure).
      const keyActive = link.runtimeKeyId ? await keys.isActive(tx, link.runtimeKeyId) : false;
      const fresh = keyActive ? null : await keys.issue(tx, businessId, `${provider.name} assistant: ${agent.request.name}`.slice(0, 100));
      return { agent, link, fresh };
    });
    if (!claimed) return null;
    const { agent, link, fresh } = claimed;
    const existing = link.assistantId ? { assistantId: link.assistantId, toolId: link.toolId } : null;
    try {
      const ref = await syncAgent({ ...agent.request, ...(fresh ? { runtimeKey: fresh.key } : {}) }, existing);
      await db.forBusiness(businessId, async (tx) => {
        await createProviderLinksRepository(tx, businessId).saveSynced(agentId, provider.name, {
          assistantId: ref.assistantId,
          toolId: ref.toolId,
          runtimeKeyId: fresh?.id ?? link.runtimeKeyId,
          version: agent.version,
        });
        // The replaced key is of no more use to anyone.
        if (fresh && link.runtimeKeyId) await keys.revoke(tx, link.runtimeKeyId);
      });
      return ref;
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      log.warn({ agentId, provider: provider.name, err: reason }, 'agent sync failed');
      await db.forBusiness(businessId, async (tx) => {
        await createProviderLinksRepository(tx, businessId).saveFailure(agentId, provider.name, reason.slice(0, 1000));
        // A key the provider never received must not stay valid.
        if (fresh) await keys.revoke(tx, fresh.id);
      });
      throw new AppError('provider_unavailable', `The voice provider (${provider.name}) could not save agent "${agent.request.name}": ${reason}`);
    }
  }

  function sync(businessId: string, agentId: string, options: { ignoreBackoff: boolean }): Promise<ProviderAgentRef | null> {
    const key = `${businessId}|${agentId}`;
    const under = running.get(key);
    if (under) return under;
    const started = syncNow(businessId, agentId, options).finally(() => running.delete(key));
    running.set(key, started);
    return started;
  }

  async function current(businessId: string, agentId: string): Promise<{ link: ProviderLink | undefined; version: Date | undefined }> {
    return db.forBusiness(businessId, async (tx) => {
      const links = createProviderLinksRepository(tx, businessId);
      return { link: await links.find(agentId, provider.name), version: (await links.agent(agentId))?.version };
    });
  }

  return {
    /** True when the provider keeps copies of agents. */
    enabled: Boolean(provider.syncAgent),

    /** After create_agent: the provider gets the new agent now. A failure is recorded and retried by the job, not raised. */
    async afterCreate(businessId: string, agentId: string): Promise<void> {
      if (!provider.syncAgent) return;
      await sync(businessId, agentId, { ignoreBackoff: true }).catch(() => undefined);
    },

    /**
     * The provider's copy of the agent, up to date: synced now when it is missing or older than the
     * agent. Throws provider_unavailable when the provider cannot be reached.
     */
    async ensure(businessId: string, agentId: string): Promise<ProviderAgentRef | null> {
      if (!provider.syncAgent) return null;
      const deadline = Date.now() + WAIT_FOR_OTHER_SYNC_MS;
      for (;;) {
        const { link, version } = await current(businessId, agentId);
        if (link?.assistantId && link.syncedVersion && version && link.syncedVersion >= version) return { assistantId: link.assistantId, toolId: link.toolId };
        const ref = await sync(businessId, agentId, { ignoreBackoff: true });
        if (ref) return ref;
        if (Date.now() > deadline) throw new AppError('provider_unavailable', `Another sync of this agent with ${provider.name} has not finished; try again shortly.`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },

    /**
     * The provider's copy as it is, synced or not (an inbound call must be answered at once): null
     * when the agent was never synced.
     */
    async known(businessId: string, agentId: string): Promise<ProviderAgentRef | null> {
      if (!provider.syncAgent) return null;
      const { link } = await current(businessId, agentId);
      return link?.assistantId ? { assistantId: link.assistantId, toolId: link.toolId } : null;
    },

    /** The job: pushes agents changed since their last sync. Returns how many were synced. */
    async syncStale(limit = 20): Promise<number> {
      if (!provider.syncAgent) return 0;
      let synced = 0;
      for (const { businessId, agentId } of await scans.staleAgents(provider.name, limit)) {
        try {
          if (await sync(businessId, agentId, { ignoreBackoff: false })) synced++;
        } catch {
          // Recorded on the link (last_error, retry_after); the next pass tries again after the backoff.
        }
      }
      return synced;
    },

    /** Reads the provider's numbers and records, on ours, the provider's id of each it holds. */
    async syncNumbers(): Promise<{ held: number; changed: number }> {
      if (!provider.listNumbers) return { held: 0, changed: 0 };
      const held = await provider.listNumbers();
      const changed = await scans.markNumbersHeld(provider.name, held);
      return { held: held.length, changed };
    },

    /** Who answers a number: its business and agent, or undefined when it is none of ours. */
    numberOwner: (e164: string) => scans.numberOwner(e164),
  };
}

export type ProviderSync = ReturnType<typeof createProviderSync>;
