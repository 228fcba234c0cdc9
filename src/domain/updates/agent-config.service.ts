// Agent configuration changes that are built on the broker: restoring an earlier version and
// editing one named rules section of the inbound prompt. Both read the current state, compute an
// agent.patch pinned to the version they read (expected_version), and hand it to the broker, so
// they get the same governance (authority or approval for high-impact fields), history and audit.
import type { Db } from '../../shared/db.js';
import { AppError, notFound } from '../../shared/errors.js';
import type { Actor } from '../audit/actor.js';
import type { BrokerOutcome, UpdateBroker } from './broker.service.js';
import { DEFAULT_SECTION_TITLE, editRulesSection, type RulesMode, type RulesSectionEdit } from './business-rules.js';
import { AGENT_CONFIG_FIELDS, createUpdatesRepository, type AgentChange, type AgentVersion } from './updates.repository.js';
import { isUuid } from '../../shared/ids.js';

interface GovernedOptions {
  businessId: string;
  actor: Actor;
  authority?: unknown;
  queueForApproval?: boolean;
  dryRun?: boolean;
}

export function createAgentConfigService({ db, broker }: { db: Db; broker: UpdateBroker }) {
  async function readAgent(businessId: string, agentId: string) {
    if (!isUuid(agentId)) throw notFound('Agent');
    const agent = await db.forBusiness(businessId, (tx) => createUpdatesRepository(tx, businessId).agent(agentId));
    if (!agent) throw notFound('Agent');
    return agent;
  }

  return {
    /**
     * Brings an agent back to the configuration of an earlier version. The restore is itself a new
     * version (history only grows), routed through the broker as agent.patch with source `restore`.
     */
    async restoreAgentVersion(input: GovernedOptions & { agentId: string; version: number }): Promise<BrokerOutcome> {
      const agent = await readAgent(input.businessId, input.agentId);
      const snapshot = await db.forBusiness(input.businessId, (tx) => createUpdatesRepository(tx, input.businessId).version(agent.id, input.version));
      if (!snapshot) throw notFound(`Version ${input.version} of this agent`);
      // Only the fields that differ, so a restore asks for authority only when it touches a
      // high-impact field. Older snapshots may hold `{}` transfer settings: that means disabled.
      const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
      const changes = Object.fromEntries(
        AGENT_CONFIG_FIELDS.filter((f) => snapshot.config[f] !== undefined && !same(snapshot.config[f], agent.config[f])).map((f) => [
          f,
          f === 'transfer_settings' ? { ...snapshot.config.transfer_settings, enabled: Boolean(snapshot.config.transfer_settings.enabled) } : snapshot.config[f],
        ]),
      );
      // Nothing differs: still ask the broker (with a field set to its current value) so the
      // answer is checked for scope and audited like any other — it reports "no change".
      if (Object.keys(changes).length === 0) changes.model = agent.config.model;
      return broker.request({
        businessId: input.businessId,
        actor: input.actor,
        intent: 'agent.patch',
        payload: { agent_id: agent.id, changes, expected_version: agent.version },
        authority: input.authority,
        queueForApproval: input.queueForApproval,
        dryRun: input.dryRun,
        source: `restore:v${input.version}`,
      });
    },

    /**
     * Adds or replaces (or appends to) one named rules section of the agent's inbound prompt, as an
     * agent.patch of inbound_prompt (high-impact: it changes what callers are told).
     */
    async configureBusinessRules(
      input: GovernedOptions & { agentId: string; rules: string; sectionTitle?: string; mode?: RulesMode },
    ): Promise<{ outcome: BrokerOutcome; section: Pick<RulesSectionEdit, 'key' | 'action'> & { title: string } }> {
      const agent = await readAgent(input.businessId, input.agentId);
      const title = input.sectionTitle?.trim() || DEFAULT_SECTION_TITLE;
      if (title.length > 120) throw new AppError('invalid_argument', 'section_title must be at most 120 characters', { field: 'section_title' });
      const edit = editRulesSection(agent.config.inbound_prompt, { title, rules: input.rules, mode: input.mode ?? 'replace' });
      const outcome = await broker.request({
        businessId: input.businessId,
        actor: input.actor,
        intent: 'agent.patch',
        payload: { agent_id: agent.id, changes: { inbound_prompt: edit.prompt }, expected_version: agent.version },
        authority: input.authority,
        queueForApproval: input.queueForApproval,
        dryRun: input.dryRun,
        source: 'configure_agent_business_rules',
      });
      return { outcome, section: { key: edit.key, action: edit.action, title } };
    },

    /** The agent's saved versions, newest first. */
    async listVersions(input: { businessId: string; agentId: string }): Promise<AgentVersion[]> {
      const agent = await readAgent(input.businessId, input.agentId);
      return db.forBusiness(input.businessId, (tx) => createUpdatesRepository(tx, input.businessId).listVersions(agent.id));
    },

    /** The agent's change history, newest first. */
    async listChanges(input: { businessId: string; agentId: string }): Promise<AgentChange[]> {
      const agent = await readAgent(input.businessId, input.agentId);
      return db.forBusiness(input.businessId, (tx) => createUpdatesRepository(tx, input.businessId).listChanges(agent.id));
    },
  };
}

export type AgentConfigService = ReturnType<typeof createAgentConfigService>;
