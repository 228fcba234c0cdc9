// Agents as every surface reads them, and the business-level operational setup around them: who gets
// staff alerts and how, the escalation rules, the links agents can text, and each agent's live voice,
// model and greeting. Changes to an agent go through the update broker (updates/agent-config.service.ts).
import type { TenantTx } from '../../shared/db.js';
import { createBusinessService } from '../business/business.service.js';
import { createSettingsRepository } from '../settings/settings.repository.js';
import { createAgentsRepository } from './agents.repository.js';
import type { AgentRecord, OperationalSettings } from './agents.types.js';

export interface AgentsService {
  /** Newest first, ties broken by id; `limit` rows plus one to tell whether more follow. */
  list(tx: TenantTx, businessId: string, page: { limit: number; offset: number }): Promise<AgentRecord[]>;
  /** The operational setup, with the newest `maxAgents` agents (a business with more is told so). */
  operationalSettings(tx: TenantTx, businessId: string, maxAgents: number): Promise<OperationalSettings>;
}

export function createAgentsService(): AgentsService {
  const business = createBusinessService();
  return {
    list: (tx, businessId, page) => createAgentsRepository(tx).listPage(businessId, page),

    async operationalSettings(tx, businessId, maxAgents) {
      const summary = await business.summary(tx, businessId);
      const settings = createSettingsRepository(tx, businessId);
      const staffAlerts = await settings.staffAlerts();
      const links = await settings.links();
      const agents = await createAgentsRepository(tx).listPage(businessId, { limit: maxAgents, offset: 0 });
      return { business: summary, staffAlerts, links, agents: agents.slice(0, maxAgents), agentsTruncated: agents.length > maxAgents };
    },
  };
}
