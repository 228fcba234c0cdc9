// Businesses with staff, agents, numbers, leads and API keys, written as system work (the owner
// connection, through the one builder in ./fixtures.ts), for the domain service tests
// (test/domain-*.test.ts) and the MCP tool tests that need a whole staffed business.
import { runtimeKeyIssuer } from '../../src/authz/api-keys.js';
import { randomBytes } from 'node:crypto';
import type { Role } from '../../db/schema.js';
import { createDomain, type Domain } from '../../src/domain/index.js';
import { createJobs, type Jobs } from '../../src/jobs/index.js';
import { createProviders } from '../../src/providers/index.js';
import { createSimulatorSms } from '../../src/providers/simulator/simulator.js';
import type { CallEventSink, SmsProvider, TelephonyProvider } from '../../src/providers/telephony.js';
import { SCOPES } from '../../src/scopes/index.js';
import { loadConfig, type Config } from '../../src/shared/config.js';
import type { Db } from '../../src/shared/db.js';
import { createLogger } from '../../src/shared/log.js';
import type { Actor } from '../../src/domain/audit/actor.js';
import { insertAgent, insertApiKey, insertBusiness, insertMember } from './fixtures.js';

let numberCounter = 0;
/** A fresh valid New York number for one of our lines (phone_numbers.e164 is unique). */
export const nextLineNumber = () => `+1212555${String(1000 + numberCounter++).padStart(4, '0')}`;

export interface Tenant {
  businessId: string;
  owner: { id: string; email: string };
  admin: { id: string; email: string };
  member: { id: string; email: string };
  agentId: string;
  agentNumber: string;
  leadId: string;
  leadPhone: string;
  /** Keys issued by the owner, by a plain member, and by nobody (issuer deleted or system-made). */
  keys: { owner: string; member: string; orphan: string };
}

export async function createTenant(db: Db, slug: string, options: { timezone?: string } = {}): Promise<Tenant> {
  const suffix = randomBytes(3).toString('hex');
  const business = await insertBusiness(db, { name: `Business ${slug}`, slug: `${slug}-${suffix}`, timezone: options.timezone ?? 'America/New_York', phone: nextLineNumber() });
  const person = (role: Role) => insertMember(db, business.id, { email: `${role}-${slug}-${suffix}@example.com`, role, name: `${role} of ${slug}` });
  const owner = await person('owner');
  const admin = await person('admin');
  const member = await person('member');
  const agentNumber = nextLineNumber();
  const agent = await insertAgent(db, business.id, {
    name: `${slug} receptionist`,
    model: 'gpt-4o',
    firstMessage: 'Hello from the front desk.',
    inboundPrompt: 'You are a friendly receptionist.',
    phone: agentNumber,
    phoneLabel: 'main',
  });
  const leadPhone = '+14155550123';
  const lead = await db.kysely.insertInto('leads').values({ business_id: business.id, name: 'Pat Lead', phone: leadPhone }).returning('id').executeTakeFirstOrThrow();
  const key = async (createdBy: string | null, name: string) => (await insertApiKey(db, business.id, { name, scopes: SCOPES, createdBy })).id;
  return {
    businessId: business.id,
    owner,
    admin,
    member,
    agentId: agent.id,
    agentNumber,
    leadId: lead.id,
    leadPhone,
    keys: { owner: await key(owner.id, 'owner key'), member: await key(member.id, 'member key'), orphan: await key(null, 'orphan key') },
  };
}

export const allScopes = [...SCOPES];
export const keyActor = (apiKeyId: string, scopes = allScopes): Actor => ({ kind: 'api_key', apiKeyId, scopes });
export const oauthActor = (userId: string, scopes = allScopes): Actor => ({ kind: 'oauth', userId, clientId: 'test-client', scopes });

/** Configuration for the services: a fast simulator and, unless overridden, no quiet hours. */
export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({
    DATA_DIR: 'memory://',
    LOG_LEVEL: 'silent',
    SIMULATOR_STEP_MS: '5',
    DIALER_INTERVAL_MS: '60000',
    CONTACT_HOURS_START: '00:00',
    CONTACT_HOURS_END: '24:00',
    RATE_LIMIT_CALLS_PER_MINUTE: '1000',
    RATE_LIMIT_CALLS_PER_HOUR: '10000',
    RATE_LIMIT_SMS_PER_MINUTE: '1000',
    RATE_LIMIT_SMS_PER_HOUR: '10000',
    ...env,
  });
}

/** The external-effects side of the domain with its background work, as the domain tests drive it. */
export interface Telephony extends Pick<Domain, 'gates' | 'calls' | 'sms' | 'campaigns'>, Jobs {
  readonly provider: TelephonyProvider;
  readonly smsProvider: SmsProvider;
}

export interface TelephonyExtras {
  clock?: () => Date;
  /** Replaces the configured providers (a provider that refuses, for instance). */
  providers?: { telephony?: (onEvent: CallEventSink) => TelephonyProvider; sms?: SmsProvider };
}

export function testTelephony(db: Db, env: Record<string, string> = {}, extra: TelephonyExtras = {}): Telephony {
  const config = testConfig(env);
  const log = createLogger({ logLevel: 'silent' });
  const domain = createDomain({
    db,
    config,
    log,
    clock: extra.clock,
    runtimeKeys: runtimeKeyIssuer,
    providers: (onCallEvent) => ({
      telephony: extra.providers?.telephony?.(onCallEvent) ?? createProviders(config, log, onCallEvent).telephony,
      sms: extra.providers?.sms ?? createSimulatorSms(),
    }),
  });
  const jobs = createJobs(domain, config, log);
  return {
    gates: domain.gates,
    calls: domain.calls,
    sms: domain.sms,
    campaigns: domain.campaigns,
    provider: domain.providers.telephony,
    smsProvider: domain.providers.sms,
    runOnce: jobs.runOnce,
    start: jobs.start,
    async stop() {
      await jobs.stop();
      await domain.stop();
    },
  };
}

/** Polls `probe` until it returns a value (not undefined) or the time runs out. */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
