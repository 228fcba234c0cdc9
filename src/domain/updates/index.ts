// The governed update broker, approvals, agent configuration history, and the actor/authority model.

export { createUpdateBroker, decideApproval, type UpdateBroker, type UpdateRequest, type BrokerOutcome, type BrokerStatus, type UpdatePlan, type AppliedChange, type DecideApprovalInput, type ApprovalView } from './broker.service.js';
export { createAgentConfigService, type AgentConfigService } from './agent-config.service.js';
export { INTENTS, INTENT_SCOPES, HIGH_IMPACT_AGENT_FIELDS, AgentChangesSchema, TransferSettingsSchema, isIntent, requiredScopeForIntent, isPublicHttpsUrl, type Intent, type AgentChanges } from './intents.js';
export { AuthorityEnvelopeSchema, verifyAuthority, requireAdmin, actingRole, actingPerson, ADMIN_ROLES, type AuthorityEnvelope, type AuthorityVerdict } from './authority.js';
export { editRulesSection, sectionKey, DEFAULT_SECTION_TITLE, type RulesMode, type RulesSectionEdit } from './business-rules.js';
export { auditActor, actorLabel, SYSTEM_ACTOR, type Actor } from '../audit/actor.js';
export type { AgentConfig, AgentVersion, AgentChange, Approval } from './updates.repository.js';
