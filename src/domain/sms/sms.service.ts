// Text messages: outbound through the gates and the provider, inbound recorded and STOP honoured,
// and the reads every surface shows.
// Like calls, an outbound message is recorded (queued) before the provider is asked, so a crash in
// between leaves a row that recovery marks failed, never a text nobody knows was sent.
import { createAuditRepository } from '../audit/audit.repository.js';
import { createLeadsRepository } from '../leads/leads.repository.js';
import type { Db, TenantTx } from '../../shared/db.js';
import { isUuid } from '../../shared/ids.js';
import { invalidArgument, notFound } from '../../shared/errors.js';
import { maskPhone, type Logger } from '../../shared/log.js';
import { createComplianceRepository, gateError, requireE164, type OutboundGates } from '../compliance/index.js';
import { auditActor, SYSTEM_ACTOR, type Actor } from '../audit/actor.js';
import { createCallsRepository } from '../calls/calls.repository.js';
import { createSmsRepository, createSmsScansRepository } from './sms.repository.js';
import type { SmsFilters, SmsMessage } from './sms.types.js';
import type { SmsProvider } from '../../providers/telephony.js';

export const MAX_SMS_LENGTH = 1600;

/**
 * Opt-out and opt-in keywords (CTIA messaging principles; the FCC's 2024 revocation rule adds
 * "revoke" and "opt out"). Matched against the whole message, ignoring case and punctuation.
 */
const STOP_WORDS = new Set(['stop', 'stopall', 'stop all', 'unsubscribe', 'cancel', 'end', 'quit', 'revoke', 'optout', 'opt out']);
const START_WORDS = new Set(['start', 'unstop']);

const keyword = (body: string) =>
  body
    .trim()
    .toLowerCase()
    .replace(/[^a-z ]/g, '')
    .replace(/\s+/g, ' ')
    .trim();

export interface SendSmsInput {
  businessId: string;
  actor: Actor;
  fromAgentId: string;
  /** Recipient, E.164. */
  to: string;
  body: string;
  leadId?: string | null;
}

export interface InboundSmsInput {
  /** Our number the message was sent to (E.164). */
  to: string;
  /** The sender (E.164). */
  from: string;
  body: string;
  providerMessageId?: string | null;
}

export interface InboundSmsResult {
  message: SmsMessage;
  /** The sender was added to the opt-out list (STOP). */
  optedOut: boolean;
  /** The sender was removed from the opt-out list (START). */
  optedIn: boolean;
}

export interface SmsServiceDeps {
  db: Db;
  provider: SmsProvider;
  gates: OutboundGates;
  log: Logger;
  clock: () => Date;
}

export function createSmsService(deps: SmsServiceDeps) {
  const { db, provider, gates, log, clock } = deps;
  const smsActor = SYSTEM_ACTOR(`sms:${provider.name}`);

  return {
    /**
     * Sends a text from an agent's line: gates (opt-out, do-not-call, lead pause, quiet hours, rate
     * limit), record as queued, hand to the provider, record sent or failed. Throws the gate's
     * AppError before anything is recorded; a provider refusal is returned as a failed message.
     */
    async sendSms(input: SendSmsInput): Promise<SmsMessage> {
      const body = input.body.trim();
      if (!body) throw invalidArgument('message must not be empty', { field: 'message' });
      if (body.length > MAX_SMS_LENGTH) throw invalidArgument(`message must be at most ${MAX_SMS_LENGTH} characters`, { field: 'message' });
      if (!isUuid(input.fromAgentId)) throw notFound('Agent');
      if (input.leadId && !isUuid(input.leadId)) throw notFound('Lead');
      const { businessId } = input;

      const queued = await db.forBusiness(businessId, async (tx) => {
        const agent = await createCallsRepository(tx, businessId).agentForDial(input.fromAgentId);
        if (!agent) throw notFound('Agent');
        if (agent.status !== 'active') throw invalidArgument(`Agent "${agent.name}" is ${agent.status}; only active agents send texts`, { field: 'from_agent_id' });
        if (!agent.fromNumber) throw invalidArgument(`Agent "${agent.name}" has no phone number to text from`, { field: 'from_agent_id' });
        const verdict = await gates.checkOutboundContact({ tx, businessId, to: input.to, channel: 'sms', leadId: input.leadId ?? null, now: clock() });
        if (!verdict.allowed) throw gateError(verdict);
        const repo = createSmsRepository(tx, businessId);
        const leadId = input.leadId ?? null;
        const conversationId = await repo.conversation(agent.id, verdict.to, leadId);
        const message = await repo.insertMessage({
          conversationId,
          agentId: agent.id,
          leadId,
          direction: 'outbound',
          from: agent.fromNumber,
          to: verdict.to,
          body,
          status: 'queued',
          provider: provider.name,
        });
        await createAuditRepository(tx).append({
          businessId,
          ...auditActor(input.actor),
          action: 'sms.queued',
          outcome: 'success',
          details: { message_id: message.id, to: maskPhone(message.to), agent_id: agent.id, length: body.length },
        });
        return message;
      });

      let outcome: { status: 'sent'; providerMessageId: string } | { status: 'failed'; reason: string };
      try {
        const { providerMessageId } = await provider.send({ businessId, messageId: queued.id, from: queued.from, to: queued.to, body });
        outcome = { status: 'sent', providerMessageId };
      } catch (err) {
        log.warn({ messageId: queued.id, provider: provider.name, err }, 'sms send failed');
        outcome = { status: 'failed', reason: `The SMS provider did not accept the message: ${err instanceof Error ? err.message : String(err)}` };
      }
      return db.forBusiness(businessId, async (tx) => {
        const settled = await createSmsRepository(tx, businessId).settle(queued.id, outcome);
        await createAuditRepository(tx).append({
          businessId,
          ...auditActor(smsActor),
          action: `sms.${outcome.status}`,
          outcome: outcome.status === 'sent' ? 'success' : 'failed',
          details: { message_id: queued.id, to: maskPhone(queued.to) },
        });
        return settled ?? (await createSmsRepository(tx, businessId).find(queued.id))!;
      });
    },

    /**
     * Records a text sent to one of our numbers (the provider's webhook or the simulator calls
     * this). STOP and its synonyms put the sender on the business's opt-out list at once; START
     * takes them off it. Unknown destination numbers are `not_found`.
     */
    async receiveInboundSms(input: InboundSmsInput): Promise<InboundSmsResult> {
      const to = requireE164(input.to, 'to').e164;
      const from = requireE164(input.from, 'from').e164;
      const body = input.body.slice(0, MAX_SMS_LENGTH);
      const owner = await createSmsScansRepository(db.kysely).numberOwner(to);
      if (!owner) throw notFound('Phone number');
      const { businessId, agentId } = owner;
      const word = keyword(body);
      return db.forBusiness(businessId, async (tx) => {
        const repo = createSmsRepository(tx, businessId);
        const leadId = (await createLeadsRepository(tx).latestIdByPhone(businessId, from)) ?? null;
        const conversationId = await repo.conversation(agentId, from, leadId);
        const message = await repo.insertMessage({
          conversationId,
          agentId,
          leadId,
          direction: 'inbound',
          from,
          to,
          body,
          status: 'received',
          provider: provider.name,
          providerMessageId: input.providerMessageId ?? null,
        });
        const audit = createAuditRepository(tx);
        await audit.append({ businessId, ...auditActor(smsActor), action: 'sms.received', outcome: 'success', details: { message_id: message.id, from: maskPhone(from) } });
        const compliance = createComplianceRepository(tx, businessId);
        let optedOut = false;
        let optedIn = false;
        if (STOP_WORDS.has(word)) {
          optedOut = await compliance.addBlock({ phone: from, kind: 'opt_out', reason: `Replied "${body.trim().slice(0, 20)}" by text`, source: 'sms_stop' });
          await audit.append({ businessId, ...auditActor(smsActor), action: 'contact.opted_out', outcome: 'success', details: { phone: maskPhone(from), message_id: message.id } });
        } else if (START_WORDS.has(word)) {
          optedIn = await compliance.removeBlock(from, 'opt_out');
          if (optedIn)
            await audit.append({
              businessId,
              ...auditActor(smsActor),
              action: 'contact.opted_in',
              outcome: 'success',
              details: { phone: maskPhone(from), message_id: message.id },
            });
        }
        return { message, optedOut, optedIn };
      });
    },

    /**
     * A page of the business's messages, newest first: `limit` messages plus one when more follow.
     * A conversation filter naming no conversation of this business is `not_found`: that tells a
     * wrong id from a quiet thread, which an empty page would not.
     */
    async list(tx: TenantTx, businessId: string, filters: SmsFilters, page: { limit: number; offset: number }): Promise<SmsMessage[]> {
      const repo = createSmsRepository(tx, businessId);
      if (filters.conversationId && !(await repo.conversationExists(filters.conversationId))) throw notFound('Conversation');
      return repo.list(filters, page);
    },

    /** Marks failed the outbound texts left queued by an interrupted send. */
    async recoverInterruptedMessages(options: { olderThanMs: number }): Promise<{ failed: number }> {
      const stale = await createSmsScansRepository(db.kysely).staleQueued(Math.floor(options.olderThanMs / 1000));
      let failed = 0;
      for (const { businessId, messageId } of stale) {
        const settled = await db.forBusiness(businessId, async (tx) => {
          const message = await createSmsRepository(tx, businessId).settle(messageId, {
            status: 'failed',
            reason: 'Interrupted: the server stopped after recording this message and before the provider confirmed it.',
          });
          if (message) {
            await createAuditRepository(tx).append({ businessId, ...auditActor(smsActor), action: 'sms.recovered', outcome: 'failed', details: { message_id: messageId } });
          }
          return message;
        });
        if (settled) failed++;
      }
      return { failed };
    },
  };
}

export type SmsService = ReturnType<typeof createSmsService>;
