// The rules of the in-call surface (spec/voice-runtime.md §B, seed 002): what a voice runtime may
// learn and do during one live call of one agent. The surface (src/resource/in-call) checks the
// runtime key and the context headers, then calls these; every rule is here.
//
// - The context: the agent must be the key's business's, the call that agent's (by our id or the
//   provider's). Anything else reads as "not found" whichever business it belongs to.
// - Acting (a transfer, a hang-up, a lead, an agent tool's effect) needs the call in progress:
//   `call_not_active` otherwise. Reading (office hours, a contact, a staff member's availability) does not.
// - Transfers go only to numbers the business has allowed: its staff's and queues' numbers and the
//   agent's transfer settings. A caller can talk a model into dialing a premium-rate number; the
//   list, not the model, decides (`destination_not_allowed`, and nothing is recorded or dialed).
import type { CallTransfer } from '../../../db/schema.js';
import type { LiveCallAction, TelephonyProvider } from '../../providers/telephony.js';
import type { Db, TenantTx } from '../../shared/db.js';
import { AppError, invalidArgument } from '../../shared/errors.js';
import { maskPhone, type Logger } from '../../shared/log.js';
import { parseE164, requireE164 } from '../compliance/phone.js';
import { createAgentToolsRepository } from '../agent-tools/agent-tools.repository.js';
import { createStaffService } from '../staff/staff.service.js';
import { hoursStatus, type HoursStatus } from './hours-status.js';
import { createInCallRepository } from './in-call.repository.js';
import {
  isLiveCall,
  type CallToolCall,
  type ContactMatch,
  type CreatedCase,
  type CreateLeadInput,
  type InCallContext,
  type LeadCase,
  type TransferTarget,
} from './in-call.types.js';

export interface StaffAvailability {
  staffId: string;
  name: string;
  doNotDisturb: boolean;
  /** Null when the staff member has no working hours (available whenever not on do-not-disturb). */
  withinWorkingHours: boolean | null;
  available: boolean;
  /** `available`, `do_not_disturb` or `outside_working_hours`. */
  reason: 'available' | 'do_not_disturb' | 'outside_working_hours';
  /** When outside working hours: the next start within two weeks. */
  availableFrom: Date | null;
}

export type ContextRefusal = 'persona_id' | 'call_id';

/** How a runtime names its call: the agent (persona), the call (our id or the provider's), the caller's number. */
export interface CallRefs {
  personaId: string;
  callRef: string;
  callerNumber: string | null;
}

export interface InCallService {
  /** The call a runtime names, or which header names nothing of this business (a unit of work of its own). */
  resolveContext(businessId: string, refs: CallRefs): Promise<InCallContext | { refused: ContextRefusal }>;
  /** The same, inside the caller's unit of work (a tool call reads its call where it acts). */
  contextIn(tx: TenantTx, businessId: string, refs: CallRefs): Promise<InCallContext | { refused: ContextRefusal }>;
  /** is_office_open: the agent's office hours, else the business's, in the business's zone. */
  officeStatus(context: InCallContext, now: Date): HoursStatus;
  /** lookup_contact: the business's leads and staff with this number. */
  lookupContact(tx: TenantTx, businessId: string, phoneNumber: string): Promise<ContactMatch[]>;
  /** check_user_availability: a staff member's do-not-disturb and working hours now. */
  staffAvailability(tx: TenantTx, context: InCallContext, staffId: string, now: Date): Promise<StaffAvailability>;
  /** create_lead: the caller's lead (found by number, else made) and a new case for this call. */
  createLead(tx: TenantTx, context: InCallContext, input: CreateLeadInput): Promise<CreatedCase>;
  /** The numbers this agent's calls may be transferred to. */
  transferTargets(tx: TenantTx, context: InCallContext): Promise<TransferTarget[]>;
  /** The first number this agent's calls may be transferred to (the simulated runtime's "a person, please"), or null. */
  firstTransferDestination(businessId: string, refs: CallRefs): Promise<string | null>;
  /** transfer_call: to an allowed number only; recorded on the call, then handed to the provider. */
  transfer(context: InCallContext, destination: string, tool: string): Promise<CallTransfer>;
  /** hangup_call: the provider ends the call; it ends with `assistant-ended-call`. */
  hangUp(context: InCallContext): Promise<{ endedReason: string }>;
  /** A live call, or `call_not_active`. */
  requireLive(context: InCallContext): void;
  /** The in-call tool calls made during a call (audit log), oldest first. */
  toolCalls(tx: TenantTx, businessId: string, callId: string, limit: number): Promise<CallToolCall[]>;
  /** The cases opened during a call. */
  casesOfCall(tx: TenantTx, businessId: string, callId: string): Promise<LeadCase[]>;
}

export interface InCallServiceDeps {
  db: Db;
  provider: TelephonyProvider;
  log: Logger;
  /**
   * Records a live call as ended with this reason (calls.service), for a call the provider no
   * longer carries; false when it had already ended.
   */
  endLiveCall(businessId: string, callId: string, endedReason: string): Promise<boolean>;
}

export const ASSISTANT_ENDED_CALL = 'assistant-ended-call';

export function createInCallService(deps: InCallServiceDeps): InCallService {
  const { db, provider, log } = deps;
  const staff = createStaffService();

  const requireLive = (context: InCallContext) => {
    if (!isLiveCall(context.call.status)) {
      throw new AppError('call_not_active', `This call is ${context.call.status}, not in progress: nothing can be done in it any more.`);
    }
  };

  /** Whether this provider carries the call, and its id there. */
  const carried = (context: InCallContext): string | null => (context.call.provider === provider.name && context.call.providerCallId ? context.call.providerCallId : null);

  async function transferTargets(tx: TenantTx, context: InCallContext): Promise<TransferTarget[]> {
    const targets: TransferTarget[] = [];
    if (context.agent.transferNumber) targets.push({ kind: 'number', destination: context.agent.transferNumber, targetId: null, label: 'the agent’s transfer number' });
    // The destinations of the agent's own transfer_call tools.
    for (const tool of await createAgentToolsRepository(tx, context.businessId).withSecretsForAgent(context.agent.id)) {
      if (tool.config.type !== 'transfer_call') continue;
      for (const d of tool.config.destinations) targets.push({ kind: 'number', destination: d.number, targetId: tool.id, label: d.description ?? tool.name });
    }
    for (const queue of await staff.listQueues(tx, context.businessId)) {
      if (queue.phone) targets.push({ kind: 'queue', destination: queue.phone, targetId: queue.id, label: `queue ${queue.name}` });
    }
    return targets;
  }

  async function contextIn(tx: TenantTx, businessId: string, refs: CallRefs): Promise<InCallContext | { refused: ContextRefusal }> {
    const found = await createInCallRepository(tx, businessId).context(refs.personaId, refs.callRef);
    if (!found.agent) return { refused: 'persona_id' };
    if (!found.context) return { refused: 'call_id' };
    const counterpart = found.context.call.counterpart;
    return { ...found.context, callerNumber: refs.callerNumber ?? (parseE164(counterpart) ? counterpart : null) };
  }

  return {
    requireLive,
    transferTargets,

    resolveContext: (businessId, refs) => db.forBusiness(businessId, (tx) => contextIn(tx, businessId, refs)),
    firstTransferDestination: (businessId, refs) =>
      db.forBusiness(businessId, async (tx) => {
        const context = await contextIn(tx, businessId, refs);
        return 'refused' in context ? null : ((await transferTargets(tx, context))[0]?.destination ?? null);
      }),
    contextIn,

    officeStatus(context, now) {
      return hoursStatus(context.agent.officeHours ?? context.businessHours, context.timeZone, now);
    },

    async lookupContact(tx, businessId, phoneNumber) {
      const phone = requireE164(phoneNumber, 'phone_number').e164;
      const leads = await createInCallRepository(tx, businessId).leadsByPhone(phone, 5);
      const people = await staff.findByContact(tx, businessId, { phones: [phone], emails: [] });
      return [
        ...people.map((s): ContactMatch => ({ source: 'staff', id: s.id, name: s.name, phoneNumbers: s.phone ? [s.phone] : [], email: s.email, company: null })),
        ...leads.map((l): ContactMatch => ({ source: 'lead', id: l.id, name: l.name, phoneNumbers: l.phone ? [l.phone] : [], email: l.email, company: null })),
      ];
    },

    async staffAvailability(tx, context, staffId, now) {
      const member = await staff.get(tx, context.businessId, staffId);
      const hours = member.workingHours ? hoursStatus(member.workingHours, context.timeZone, now) : null;
      const within = hours ? hours.open : null;
      const reason = member.doNotDisturb ? 'do_not_disturb' : within === false ? 'outside_working_hours' : 'available';
      return {
        staffId: member.id,
        name: member.name,
        doNotDisturb: member.doNotDisturb,
        withinWorkingHours: within,
        available: reason === 'available',
        reason,
        availableFrom: reason === 'outside_working_hours' ? (hours?.opensAt ?? null) : null,
      };
    },

    async createLead(tx, context, input) {
      requireLive(context);
      const phone = context.callerNumber;
      if (!phone) {
        throw invalidArgument('The caller’s number is unknown: send the caller_id_number header (E.164) so the lead can be found or made', { field: 'caller_id_number' });
      }
      const name = input.name.trim();
      const intent = input.intent.trim();
      if (!name) throw invalidArgument('name must not be empty', { field: 'name' });
      if (!intent) throw invalidArgument('intent must not be empty', { field: 'intent' });
      const repo = createInCallRepository(tx, context.businessId);
      // One lead per caller number even when two calls from it end at once: the check and the
      // insert are serialized per business and number.
      await repo.lockPhone(phone);
      const existing = await repo.leadByPhone(phone);
      const lead = existing ?? (await repo.insertLead({ name, phone, agentId: context.agent.id, notes: null }));
      const made = await repo.insertCase({
        leadId: lead.id,
        callId: context.call.id,
        agentId: context.agent.id,
        intent,
        classification: input.classification ?? 'lead',
        summary: input.summary?.trim() || null,
        notes: input.notes?.trim() || null,
      });
      await repo.linkCallToLead(context.call.id, lead.id);
      return { leadCreated: !existing, leadId: lead.id, leadName: lead.name, case: made, caseCount: await repo.caseCount(lead.id) };
    },

    async transfer(context, destination, tool) {
      requireLive(context);
      const number = requireE164(destination, 'destination').e164;
      const at = new Date().toISOString();
      const transfer = await db.forBusiness(context.businessId, async (tx): Promise<CallTransfer> => {
        const targets = await transferTargets(tx, context);
        let target = targets.find((t) => t.destination === number);
        if (!target) {
          const person = (await staff.findByContact(tx, context.businessId, { phones: [number], emails: [] }))[0];
          if (person) target = { kind: 'staff', destination: number, targetId: person.id, label: person.name };
        }
        if (!target) {
          throw new AppError(
            'destination_not_allowed',
            'Transfers go only to numbers this business allows (its staff, its queues and the agent’s transfer number); this number is not one of them, so the call was not transferred.',
            { destination: maskPhone(number) },
          );
        }
        const record: CallTransfer = { at, destination: number, kind: target.kind, target_id: target.targetId, tool, status: 'requested' };
        if (!(await createInCallRepository(tx, context.businessId).appendTransfer(context.call.id, record))) {
          throw new AppError('call_not_active', 'This call ended before it could be transferred.');
        }
        return record;
      });
      // Recorded first (committed), then handed to the provider: a crash in between leaves a
      // `requested` transfer on the record, never a silent one.
      const providerCallId = carried(context);
      let answer: LiveCallAction = 'unknown';
      try {
        answer = providerCallId ? await provider.transfer(providerCallId, number) : 'unknown';
      } catch (err) {
        log.warn({ err, callId: context.call.id }, 'the provider refused a transfer');
      }
      const status: CallTransfer['status'] = answer === 'accepted' ? 'completed' : 'failed';
      await db.forBusiness(context.businessId, (tx) => createInCallRepository(tx, context.businessId).settleTransfer(context.call.id, at, status));
      if (status === 'failed') throw new AppError('unavailable', 'The voice provider did not take the transfer (it no longer carries this call); the call was not transferred.');
      return { ...transfer, status };
    },

    async hangUp(context) {
      requireLive(context);
      const providerCallId = carried(context);
      // The provider reports the end (with the conversation) through its events; a call it does not
      // carry (any more) is recorded as ended here, so the record never says "in progress" forever.
      const answer = providerCallId ? await provider.hangup(providerCallId) : 'unknown';
      if (answer === 'unknown' && !(await deps.endLiveCall(context.businessId, context.call.id, ASSISTANT_ENDED_CALL))) {
        throw new AppError('call_not_active', 'This call had already ended.');
      }
      return { endedReason: ASSISTANT_ENDED_CALL };
    },

    toolCalls: (tx, businessId, callId, limit) => createInCallRepository(tx, businessId).toolCalls(callId, limit),
    casesOfCall: (tx, businessId, callId) => createInCallRepository(tx, businessId).casesOfCall(callId),
  };
}
