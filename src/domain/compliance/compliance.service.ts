// The outbound-contact gates: every dial and every send passes them first, in this order, and the
// first that fails answers with its own error code. Cheap, permanent refusals come first (a bad
// number, a do-not-call entry) so a caller learns the real reason; volume comes last.
//
//   invalid_phone_number  E.164 and assigned by a numbering plan (libphonenumber, full metadata)
//   do_not_call           the business's do-not-call list (contact_blocks kind do_not_call)
//   opted_out             the business's opt-out list (an inbound STOP); it blocks calls as well as
//                         texts: a person who asked to stop hearing from us is not called either
//   automation_paused     the linked lead, or any lead with this number, has automation paused
//   quiet_hours           outside the contact window in the recipient's time zone(s)
//   rate_limited          the business's outbound volume placed in the last minute / hour
//
// The volume check runs inside the transaction that then places the call or message (records it
// as dialed or sent), holding a per-business lock, so two nodes cannot both pass the rate limit
// with the last free slot. A call only scheduled for later is not volume: the limit is judged
// when the dialer places it, and a call over the limit then waits for a free slot.
import { AppError, notFound } from '../../shared/errors.js';
import type { TenantTx } from '../../shared/db.js';
import type { OutboundRateLimits } from '../../shared/config.js';
import { checkContactHours, formatMinutes, type ContactHours } from './contact-hours.js';
import { createComplianceRepository, type Channel } from './compliance.repository.js';
import { parseE164, recipientTimeZones } from './phone.js';

export type { Channel };

export type GateName = 'invalid_phone_number' | 'do_not_call' | 'opted_out' | 'automation_paused' | 'quiet_hours' | 'rate_limited';

export interface OutboundPolicy {
  readonly contactHours: ContactHours;
  readonly rateLimits: OutboundRateLimits;
}

export interface OutboundContactInput {
  /** The caller's RLS-bound unit of work; the call or message is recorded in the same one. */
  tx: TenantTx;
  businessId: string;
  /** The recipient, expected in E.164. */
  to: string;
  channel: Channel;
  leadId?: string | null;
  /** When the contact would happen (a scheduled call's time); quiet hours are judged at it. */
  now: Date;
  /** The argument name to blame for a bad number (`to` for tools, `lead.phone` for campaigns). */
  field?: string;
  /**
   * False when the contact is only being scheduled: the rate limit is then not checked (the
   * volume of this minute says nothing of a later one) and is checked again when it is placed.
   */
  placesNow?: boolean;
}

export type OutboundVerdict =
  | { allowed: true; to: string; timeZones: readonly string[]; timeZoneBasis: 'number' | 'business' }
  | { allowed: false; gate: GateName; message: string; details: Record<string, unknown> };

const CHANNEL_WORDS: Record<Channel, { noun: string; plural: string; verb: string }> = {
  call: { noun: 'call', plural: 'calls', verb: 'called' },
  sms: { noun: 'text message', plural: 'text messages', verb: 'texted' },
};

export function createOutboundGates(policy: OutboundPolicy) {
  /** Runs every gate; returns the first refusal, or the normalized recipient when all pass. */
  async function checkOutboundContact(input: OutboundContactInput): Promise<OutboundVerdict> {
    const { tx, businessId, channel } = input;
    const field = input.field ?? 'to';
    const words = CHANNEL_WORDS[channel];
    const refuse = (gate: GateName, message: string, details: Record<string, unknown> = {}): OutboundVerdict => ({
      allowed: false,
      gate,
      message,
      details: { gate, channel, ...details },
    });

    const parsed = parseE164(input.to);
    if (!parsed) {
      return refuse('invalid_phone_number', `${field} must be a valid phone number in E.164 format: "+", the country code and the number, no spaces (for example +14155552671)`, {
        field,
      });
    }
    const repo = createComplianceRepository(tx, businessId);
    const placesNow = input.placesNow ?? true;
    // Taken before any read so that the volume count below and the caller's marking the contact as
    // placed are atomic across nodes; the lock ends with the caller's transaction.
    if (placesNow) await repo.lockOutbound(channel);

    const blocks = await repo.blocksFor(parsed.e164);
    const dnc = blocks.find((b) => b.kind === 'do_not_call');
    if (dnc) {
      return refuse('do_not_call', `The recipient is on this business's do-not-call list, so they cannot be ${words.verb}.`, { since: dnc.createdAt.toISOString() });
    }
    const optOut = blocks.find((b) => b.kind === 'opt_out');
    if (optOut) {
      return refuse(
        'opted_out',
        `The recipient opted out of contact from this business (${optOut.source === 'sms_stop' ? 'they replied STOP' : 'opt-out list'}), so they cannot be ${words.verb}.`,
        {
          since: optOut.createdAt.toISOString(),
        },
      );
    }

    if (input.leadId) {
      const paused = await repo.leadPaused(input.leadId);
      if (paused === undefined) throw notFound('Lead');
      if (paused) return refuse('automation_paused', `Automation is paused for lead ${input.leadId}; resume it before sending it ${words.plural}.`, { lead_id: input.leadId });
    }
    const pausedLead = await repo.pausedLeadWithPhone(parsed.e164);
    if (pausedLead) {
      return refuse('automation_paused', `Automation is paused for lead ${pausedLead}, which has this phone number; resume it before sending it ${words.plural}.`, {
        lead_id: pausedLead,
      });
    }

    const { zones, basis } = await recipientTimeZones(parsed, await repo.businessTimeZone());
    const hours = checkContactHours(input.now, zones, policy.contactHours);
    if (!hours.allowed) {
      const window = `${formatMinutes(policy.contactHours.start)}–${formatMinutes(policy.contactHours.end)}`;
      const where = hours.localTimes.map((t) => `${t.time} in ${t.zone}`).join(', ');
      return refuse(
        'quiet_hours',
        `Quiet hours: it is ${where} for the recipient${basis === 'business' ? " (the business's time zone: the number does not tell the recipient's)" : ''}; ${words.plural} are allowed ${window} recipient time.`,
        { local_times: hours.localTimes, time_zone_basis: basis, window },
      );
    }

    if (!placesNow) return { allowed: true, to: parsed.e164, timeZones: zones, timeZoneBasis: basis };
    const limits = policy.rateLimits;
    const perMinute = channel === 'call' ? limits.callsPerMinute : limits.smsPerMinute;
    const perHour = channel === 'call' ? limits.callsPerHour : limits.smsPerHour;
    const recent = await repo.recentOutbound(channel);
    if (recent.lastMinute >= perMinute || recent.lastHour >= perHour) {
      const windowSeconds = recent.lastMinute >= perMinute ? 60 : 3600;
      const retryAfter = await repo.secondsUntilSlotFrees(channel, windowSeconds);
      const [count, limit, span] = windowSeconds === 60 ? [recent.lastMinute, perMinute, 'minute'] : [recent.lastHour, perHour, 'hour'];
      return refuse('rate_limited', `Rate limit: this business sent ${count} outbound ${words.plural} in the last ${span} (limit ${limit}); retry in ${retryAfter} s.`, {
        limit,
        window_seconds: windowSeconds,
        retry_after_seconds: retryAfter,
      });
    }

    return { allowed: true, to: parsed.e164, timeZones: zones, timeZoneBasis: basis };
  }

  /** checkOutboundContact, with a refusal thrown as an AppError whose code is the gate. */
  async function assertOutboundContact(input: OutboundContactInput): Promise<{ to: string; timeZones: readonly string[] }> {
    const verdict = await checkOutboundContact(input);
    if (!verdict.allowed) throw gateError(verdict);
    return { to: verdict.to, timeZones: verdict.timeZones };
  }

  return { checkOutboundContact, assertOutboundContact };
}

export type OutboundGates = ReturnType<typeof createOutboundGates>;

/** The error for a refusal: the gate is the error code; `compliance_blocked` is its family. */
export function gateError(verdict: Extract<OutboundVerdict, { allowed: false }>): AppError {
  return new AppError(verdict.gate, verdict.message, { ...verdict.details, category: 'compliance_blocked' });
}

/** Gates that a later retry may pass (the others are permanent until someone changes the data). */
export const TRANSIENT_GATES: ReadonlySet<GateName> = new Set(['quiet_hours', 'rate_limited']);
