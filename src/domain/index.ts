// The domain core: every business rule, built once from the database, the configuration and the
// providers. Every surface (the MCP tools, the dashboard, webhooks), the jobs and the CLI act through
// this object; none of them reaches a repository of another area or a provider directly.
import type { CallEventSink, SmsProvider, TelephonyProvider } from '../providers/telephony.js';
import type { Config } from '../shared/config.js';
import type { Db } from '../shared/db.js';
import type { Logger } from '../shared/log.js';
import { createAnalyticsService, type AnalyticsService } from './analytics/analytics.service.js';
import { createCallService, type CallService } from './calls/calls.service.js';
import { createCampaignService, type CampaignService } from './campaigns/campaigns.service.js';
import { createOutboundGates, type OutboundGates } from './compliance/compliance.service.js';
import { createAgentsService, type AgentsService } from './agents/agents.service.js';
import { createAgentToolsService, type AgentToolsService } from './agent-tools/agent-tools.service.js';
import { createNumbersService, type NumbersService } from './numbers/numbers.service.js';
import { createStaffService, type StaffService } from './staff/staff.service.js';
import { createBusinessService, type BusinessService } from './business/business.service.js';
import { createIdempotencyService, type IdempotencyService } from './idempotency/idempotency.service.js';
import { createLeadsService, type LeadsService } from './leads/leads.service.js';
import { createMembersService, type MembersService } from './members/members.service.js';
import { createSettingsService, type SettingsService } from './settings/settings.service.js';
import { createVoicemailsService, type VoicemailsService } from './voicemails/voicemails.service.js';
import { createSmsService, type SmsService } from './sms/sms.service.js';
import { createAgentConfigService, type AgentConfigService } from './updates/agent-config.service.js';
import { createUpdateBroker, type UpdateBroker } from './updates/broker.service.js';
import { createAppointmentsService, type AppointmentsService } from './appointments/appointments.service.js';
import { createApprovalsService, type ApprovalsService } from './updates/approvals.service.js';
import { createAuditQueryService, type AuditQueryService } from './audit/audit-query.service.js';
import { createCallViewsService, type CallViewsService } from './calls/call-views.service.js';
import { createInCallService, type InCallService } from './in-call/in-call.service.js';
import { createAgentToolCalls, type AgentToolCalls } from './in-call/agent-tool-calls.js';
import { createOutboundHttp, type HostResolver } from '../shared/outbound-http.js';
import { createProviderSync, type ProviderSync, type RuntimeKeyIssuer } from './provider-sync/provider-sync.service.js';
import { createProviderEventsService, type ProviderEventsService } from './calls/provider-events.service.js';

export type DomainConfig = Pick<Config, 'contactHours' | 'outboundRateLimits' | 'idempotencyTtlSeconds'> & Partial<Pick<Config, 'agentToolsAllowLoopback'>>;

export interface DomainDeps {
  db: Db;
  config: DomainConfig;
  log: Logger;
  clock?: () => Date;
  /** Builds the providers; what the telephony provider learns about a call goes to `onCallEvent`. */
  providers(onCallEvent: CallEventSink): { telephony: TelephonyProvider; sms: SmsProvider };
  /** How agent tools' outbound requests resolve host names (the DNS boundary; default: the system's). */
  resolveHost?: HostResolver;
  /** Issues and checks the runtime keys a provider's assistants carry (the authorization side owns keys). */
  runtimeKeys: RuntimeKeyIssuer;
}

export interface Domain {
  readonly db: Db;
  readonly clock: () => Date;
  /** The compliance gates every outbound call and text passes. */
  readonly gates: OutboundGates;
  readonly calls: CallService;
  readonly sms: SmsService;
  readonly campaigns: CampaignService;
  /** The dashboard summary over a recent window. */
  readonly analytics: AnalyticsService;
  /** The governed update broker and its approvals. */
  readonly broker: UpdateBroker;
  readonly agentConfig: AgentConfigService;
  readonly idempotency: IdempotencyService;
  readonly leads: LeadsService;
  /** Staff alerts and textable links. */
  readonly settings: SettingsService;
  /** Agent reads and creation, and the operational setup around them (changes go through the broker). */
  readonly agents: AgentsService;
  /** The business's phone numbers and which agent answers each. */
  readonly numbers: NumbersService;
  /** The tools agents can be given (transfers, texts, API requests, functions). */
  readonly agentTools: AgentToolsService;
  /** The staff directory and its queues (transfers, staff alerts, availability). */
  readonly staff: StaffService;
  readonly business: BusinessService;
  readonly voicemails: VoicemailsService;
  /** Membership changes; a business keeps at least one owner. */
  readonly members: MembersService;
  /** Availability, holds and bookings, routing rules, and the texts that follow a booking. */
  readonly appointments: AppointmentsService;
  /** Approvals as people review and decide them (the dashboard). */
  readonly approvals: ApprovalsService;
  /** The audit log, filtered and paged, for the people of a business. */
  readonly auditLog: AuditQueryService;
  /** Calls as the dashboard lists and shows them. */
  readonly callViews: CallViewsService;
  /** What a voice runtime may learn and do during a live call (the in-call surface). */
  readonly inCall: InCallService;
  /** The agent tools attached to agents, as the in-call surface lists and runs them. */
  readonly agentToolCalls: AgentToolCalls;
  readonly providers: { readonly telephony: TelephonyProvider; readonly sms: SmsProvider };
  /** The provider's copies of agents (assistants) and which of our numbers it holds. */
  readonly providerSync: ProviderSync;
  /** The provider's webhook events about calls, each applied once. */
  readonly providerEvents: ProviderEventsService;
  /** Stops the providers; the calls they were still carrying are recorded as failed. */
  stop(): Promise<void>;
}

export function createDomain(deps: DomainDeps): Domain {
  const { db, config, log } = deps;
  const clock = deps.clock ?? (() => new Date());
  const gates = createOutboundGates({ contactHours: config.contactHours, rateLimits: config.outboundRateLimits });

  // The provider reports into the call service, which needs the provider: late-bound on purpose.
  let calls: CallService | undefined;
  const providers = deps.providers((event) => calls!.handleProviderEvent(event));
  const providerSync = createProviderSync({ db, provider: providers.telephony, keys: deps.runtimeKeys, log });
  calls = createCallService({ db, provider: providers.telephony, gates, log, clock, providerSync });
  const providerEvents = createProviderEventsService({ db, calls, sync: providerSync, log });
  const sms = createSmsService({ db, provider: providers.sms, gates, log, clock });
  const campaigns = createCampaignService({ db, calls, log, clock });
  const analytics = createAnalyticsService({ clock });
  const broker = createUpdateBroker({ db });
  const agentConfig = createAgentConfigService({ db, broker });
  const idempotency = createIdempotencyService({ db, ttlSeconds: config.idempotencyTtlSeconds });
  const leads = createLeadsService({ db });
  const settings = createSettingsService();
  const numbers = createNumbersService({ db });
  const agentsCore = createAgentsService({ db, numbers });
  // A new agent reaches the provider before create_agent answers (a failure is retried by the job).
  const agents: AgentsService = {
    ...agentsCore,
    async create(input) {
      const agent = await agentsCore.create(input);
      if (!providerSync.enabled) return agent;
      await providerSync.afterCreate(input.businessId, agent.id);
      return db.forBusiness(input.businessId, (tx) => agentsCore.get(tx, input.businessId, agent.id));
    },
  };
  const agentTools = createAgentToolsService({ db });
  const staff = createStaffService();
  const business = createBusinessService();
  const voicemails = createVoicemailsService();
  const members = createMembersService({ db });
  const appointments = createAppointmentsService({ db, sms, log, clock });
  const approvals = createApprovalsService({ db, broker });
  const auditLog = createAuditQueryService({ db });
  const callViews = createCallViewsService({ db });
  const inCall = createInCallService({
    db,
    provider: providers.telephony,
    log,
    endLiveCall: (businessId, callId, endedReason) => calls!.endLive(businessId, callId, endedReason),
  });
  const agentToolCalls = createAgentToolCalls({
    db,
    inCall,
    sms,
    outbound: createOutboundHttp({ allowLoopback: config.agentToolsAllowLoopback ?? false, resolve: deps.resolveHost }),
  });

  let stopped: Promise<void> | undefined;
  const callService = calls;
  return Object.freeze({
    db,
    clock,
    gates,
    calls: callService,
    sms,
    campaigns,
    analytics,
    broker,
    agentConfig,
    idempotency,
    leads,
    settings,
    agents,
    numbers,
    agentTools,
    staff,
    business,
    voicemails,
    members,
    appointments,
    approvals,
    auditLog,
    callViews,
    inCall,
    agentToolCalls,
    providers,
    providerSync,
    providerEvents,
    stop() {
      stopped ??= (async () => {
        const abandoned = await providers.telephony.stop();
        try {
          await callService.failAbandoned(abandoned);
        } catch (err) {
          // The database may already be gone; recovery at the next start records them instead.
          log.warn({ err, calls: abandoned.length }, 'could not record abandoned calls at shutdown');
        }
      })();
      return stopped;
    },
  });
}
