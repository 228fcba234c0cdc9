// Booking: availability, the two-phase hold → book, reschedule, cancel, no-show, routing rules, and
// the texts that follow a booking. Every surface books through here: the account tools, the in-call
// tools (checkAvailabilityForAgent / bookForCaller) and the dashboard.
//
// No double booking: the application checks first, for a clear answer, and the database's exclusion
// constraint (appointments_no_overlap) is the guarantee; a booking that loses a race to it answers
// `conflict`, never an error and never a second booking. Writes run in their own units of work
// (db.forBusiness) so that a constraint violation rolls back exactly the losing booking.
//
// Time: instants everywhere (UTC in the database), zones only to read working hours (the business's
// zone) and to show times (the zone asked for, or the one the appointment was booked in); see slots.ts.
import type { Db, TenantTx } from '../../shared/db.js';
import { AppError, invalidArgument, notFound } from '../../shared/errors.js';
import { isUuid } from '../../shared/ids.js';
import type { Logger } from '../../shared/log.js';
import { actorLabel, SYSTEM_ACTOR, type Actor } from '../audit/actor.js';
import { createAuditRepository } from '../audit/audit.repository.js';
import { createLeadsRepository } from '../leads/leads.repository.js';
import { parseE164, recipientTimeZones, TRANSIENT_GATES } from '../compliance/index.js';
import type { SmsService } from '../sms/sms.service.js';
import { requireAdmin } from '../updates/authority.js';
import { createAppointmentScansRepository, createAppointmentsRepository, type AppointmentsRepository } from './appointments.repository.js';
import {
  HOLD_MINUTES,
  MAX_RANGE_DAYS,
  type Appointment,
  type AppointmentFilters,
  type AppointmentType,
  type Availability,
  type BookedVia,
  type RoutingRule,
  type RoutingRuleWrite,
  type Slot,
} from './appointments.types.js';
import { matchingRules, pickWeighted } from './routing.js';
import { blockedRange, checkStart, describeInZone, freeSlots, isTimeZone, parseBoundary, parseInstant, type SlotContext } from './slots.js';

/** A reminder goes out this long before the start. */
export const REMINDER_LEAD_MS = 24 * 3600_000;
/** A booking left `booked` this long after its end is presumed to have happened. */
const COMPLETE_AFTER_MS = 24 * 3600_000;

export interface AvailabilityRequest {
  appointmentTypeId: string;
  from: string;
  to: string;
  timezone?: string;
  staffId?: string;
}

export interface ContactInput {
  name?: string;
  phone?: string;
  email?: string;
}

interface SlotRequest {
  businessId: string;
  actor: Actor;
  appointmentTypeId: string;
  /** ISO 8601 with an offset. */
  start: string;
  staffId?: string;
  via: BookedVia;
  /** The zone to record (and show) the booking in; the business's by default. */
  timezone?: string;
  agentId?: string | null;
  callId?: string | null;
}

export interface HoldRequest extends SlotRequest {
  leadId?: string;
}

export type BookRequest = {
  businessId: string;
  actor: Actor;
  leadId?: string;
  contact?: ContactInput;
  notes?: string;
  via: BookedVia;
  agentId?: string | null;
  callId?: string | null;
  /** A lead made for a `contact` records this source. */
  leadSource?: string;
} & ({ holdId: string } | Omit<SlotRequest, 'businessId' | 'actor' | 'via' | 'agentId' | 'callId'>);

/** What became of a booking's text. */
export type TextOutcome = { status: 'sent' | 'failed' | 'blocked' | 'skipped' | 'deferred'; detail: string | null };

export interface Booked {
  appointment: Appointment;
  confirmation: TextOutcome | null;
}

export interface AppointmentsServiceDeps {
  db: Db;
  sms: SmsService;
  log: Logger;
  clock: () => Date;
}

const EXCLUSION_VIOLATION = '23P01';
const DEADLOCK = '40P01';

const pgCode = (err: unknown) => (err as { code?: unknown } | null)?.code;

function requireId(value: string | undefined, what: string): void {
  // A malformed id names nothing this business has: "not found", the same answer as another business's id.
  if (value !== undefined && !isUuid(value)) throw notFound(what);
}

export function createAppointmentsService(deps: AppointmentsServiceDeps) {
  const { db, sms, log, clock } = deps;
  const textActor = SYSTEM_ACTOR('booking');

  /**
   * A booking write in its own unit of work. Losing to the exclusion constraint is `conflict` with
   * `taken` as the message; a deadlock (two bookings locking in an order the database had to break)
   * is retried, because the victim did nothing.
   */
  async function write<T>(businessId: string, taken: string, fn: (tx: TenantTx) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await db.forBusiness(businessId, fn);
      } catch (err) {
        if (pgCode(err) === EXCLUSION_VIOLATION) throw new AppError('conflict', taken, { reason: 'slot_taken' });
        if (pgCode(err) === DEADLOCK && attempt < 2) continue;
        throw err;
      }
    }
  }

  async function requireType(repo: AppointmentsRepository, typeId: string): Promise<AppointmentType> {
    requireId(typeId, 'Appointment type');
    const type = await repo.findType(typeId);
    if (!type) throw notFound('Appointment type');
    if (!type.active) throw invalidArgument('appointment_type_id: this appointment type is not offered any more', { field: 'appointment_type_id' });
    return type;
  }

  async function businessZone(repo: AppointmentsRepository): Promise<{ name: string; timezone: string }> {
    const business = await repo.businessZone();
    if (!business) throw notFound('Business');
    return business;
  }

  function requireZone(zone: string | undefined, fallback: string): string {
    if (zone === undefined) return fallback;
    if (!isTimeZone(zone)) throw invalidArgument(`timezone: "${zone}" is not an IANA time zone (such as America/New_York)`, { field: 'timezone' });
    return zone;
  }

  function requireStart(value: string): Date {
    const start = parseInstant(value);
    if (!start) throw invalidArgument('start: must be an ISO 8601 date-time with an offset or Z, such as 2026-03-09T09:00:00-04:00', { field: 'start' });
    return start;
  }

  async function slotContext(
    repo: AppointmentsRepository,
    type: AppointmentType,
    zone: string,
    staffIds: string[],
    from: Date,
    until: Date,
    now: Date,
    excludeId?: string,
  ): Promise<SlotContext> {
    const [staff, timeOff, busy] = await Promise.all([repo.staffHours(staffIds), repo.timeOff(staffIds, from, until), repo.busy(staffIds, from, until, now, excludeId)]);
    return { type, zone, staff, timeOff, busy, now };
  }

  /** The eligible staff of the type, narrowed to `staffId` when one is named. */
  async function candidateStaff(repo: AppointmentsRepository, type: AppointmentType, staffId: string | undefined): Promise<string[]> {
    if (staffId === undefined) return type.eligibleStaffIds;
    requireId(staffId, 'Staff member');
    if (!(await repo.staffExists(staffId))) throw notFound('Staff member');
    if (!type.eligibleStaffIds.includes(staffId)) {
      throw invalidArgument(`staff_id: this staff member does not take "${type.name}" appointments`, { field: 'staff_id' });
    }
    return [staffId];
  }

  /** Refuses a start that is not a slot of the type (invalid_argument naming `start`); returns the staff on whose grid it is. */
  function onGrid(ctx: SlotContext, staffIds: string[], start: Date): string[] {
    const verdicts = staffIds.map((id) => [id, checkStart(ctx, id, start)] as const);
    const onIt = verdicts.filter(([, v]) => v !== 'not_on_grid');
    if (onIt.length === 0) {
      throw invalidArgument(
        `start: ${start.toISOString()} is not a slot of "${ctx.type.name}" (slots start every ${ctx.type.slotIntervalMinutes} minutes within working hours); pick one from get_availability`,
        { field: 'start' },
      );
    }
    if (onIt.every(([, v]) => v === 'too_soon')) {
      throw invalidArgument(`start: "${ctx.type.name}" must be booked at least ${ctx.type.minNoticeMinutes} minutes ahead`, { field: 'start' });
    }
    if (onIt.every(([, v]) => v === 'too_far')) {
      throw invalidArgument(`start: "${ctx.type.name}" can be booked at most ${ctx.type.maxDaysAhead} days ahead`, { field: 'start' });
    }
    return onIt.filter(([, v]) => v !== 'too_soon' && v !== 'too_far').map(([id]) => id);
  }

  /**
   * Chooses the staff member for a slot nobody named: the pool is the highest-priority matching
   * rule's staff (or queue), else the type's eligible staff; the pool's counters are locked, the
   * free members are read after the lock (so a booking that waited sees what the previous one
   * took), and the one furthest behind their weighted share gets it.
   */
  async function route(repo: AppointmentsRepository, type: AppointmentType, ctx: SlotContext, gridStaff: string[], start: Date, leadId: string | null, now: Date) {
    const lead = leadId ? ((await repo.leadForRouting(leadId)) ?? null) : null;
    const rule = matchingRules(await repo.activeRules(), lead, type.id)[0];
    let weights: Map<string, number>;
    if (!rule) weights = new Map(gridStaff.map((id) => [id, 1]));
    else if (rule.action.type === 'staff') weights = new Map(rule.action.staff.filter((s) => gridStaff.includes(s.staff_id)).map((s) => [s.staff_id, s.weight]));
    else weights = new Map((await repo.queueMembers(rule.action.queue_id)).filter((id) => gridStaff.includes(id)).map((id) => [id, 1]));
    if (weights.size === 0) {
      throw new AppError('conflict', `Nobody that routing rule "${rule!.name}" sends bookings to works at ${start.toISOString()}; pick another slot`, { reason: 'no_staff' });
    }
    const pool = rule ? `rule:${rule.id}` : `type:${type.id}`;
    const counters = await repo.lockPool(pool, [...weights.keys()]);
    const { end, blockedFrom, blockedUntil } = blockedRange(type, start);
    const busy = await repo.busy([...weights.keys()], blockedFrom, blockedUntil, now);
    const free = counters.filter((c) => checkStart({ ...ctx, busy }, c.staffId, start) === null);
    const pick = pickWeighted(free.map((c) => ({ ...c, weight: weights.get(c.staffId)! })));
    if (!pick) throw new AppError('conflict', `${start.toISOString()} is no longer available; pick another slot`, { reason: 'slot_taken', end: end.toISOString() });
    await repo.countAssignment(pool, pick.staffId, now);
    return { staffId: pick.staffId, ruleId: rule?.id ?? null };
  }

  /** Inside a unit of work: takes the slot (held or booked) or throws conflict. */
  async function takeSlot(
    tx: TenantTx,
    request: Omit<SlotRequest, 'actor'> & { createdBy: string; status: 'held' | 'booked'; leadId: string | null; notes: string | null },
    now: Date,
  ): Promise<string> {
    const repo = createAppointmentsRepository(tx, request.businessId);
    const type = await requireType(repo, request.appointmentTypeId);
    const business = await businessZone(repo);
    const timezone = requireZone(request.timezone, business.timezone);
    const start = requireStart(request.start);
    const candidates = await candidateStaff(repo, type, request.staffId);
    const { end, blockedFrom, blockedUntil } = blockedRange(type, start);
    const ctx = await slotContext(repo, type, business.timezone, candidates, blockedFrom, blockedUntil, now);
    const gridStaff = onGrid(ctx, candidates, start);
    const taken = () => new AppError('conflict', `${start.toISOString()} is no longer available; pick another slot from get_availability`, { reason: 'slot_taken' });
    if (!gridStaff.some((id) => checkStart(ctx, id, start) === null)) throw taken();

    const chosen = request.staffId ? { staffId: request.staffId, ruleId: null } : await route(repo, type, ctx, gridStaff, start, request.leadId, now);
    await repo.sweepExpiredHolds(chosen.staffId, blockedFrom, blockedUntil, now);
    return repo.insert({
      appointmentTypeId: type.id,
      staffId: chosen.staffId,
      leadId: request.leadId,
      agentId: request.agentId ?? null,
      callId: request.callId ?? null,
      routingRuleId: chosen.ruleId,
      start,
      end,
      blockedFrom,
      blockedUntil,
      timezone,
      status: request.status,
      holdExpiresAt: request.status === 'held' ? new Date(now.getTime() + HOLD_MINUTES * 60_000) : null,
      bookedVia: request.via,
      notes: request.notes,
      createdBy: request.createdBy,
      now,
    });
  }

  /** The lead a booking is for: the one named, or found or created from the contact. */
  async function resolveLead(
    tx: TenantTx,
    businessId: string,
    input: { leadId?: string; contact?: ContactInput; source: string; agentId: string | null },
    now: Date,
  ): Promise<string | null> {
    const repo = createAppointmentsRepository(tx, businessId);
    if (input.leadId !== undefined) {
      requireId(input.leadId, 'Lead');
      if (!(await repo.leadForRouting(input.leadId))) throw notFound('Lead');
      await repo.markLeadAppointmentSet(input.leadId, now);
      return input.leadId;
    }
    if (!input.contact) return null;
    const { name, phone, email } = input.contact;
    if (!name && !phone && !email) throw invalidArgument('contact: give at least one of name, phone, email', { field: 'contact' });
    if (phone !== undefined && !parseE164(phone)) throw invalidArgument('contact.phone: must be a valid phone number in E.164, such as +14155552671', { field: 'contact.phone' });
    const leads = createLeadsRepository(tx);
    const existing = phone ? await leads.latestIdByPhone(businessId, phone) : undefined;
    if (existing) {
      await repo.markLeadAppointmentSet(existing, now);
      return existing;
    }
    return leads.insert(businessId, { name: name ?? null, phone: phone ?? null, email: email ?? null, source: input.source, agent_id: input.agentId, status: 'appointment_set' });
  }

  const readBack = async (businessId: string, id: string): Promise<Appointment> =>
    db.forBusiness(businessId, async (tx) => (await createAppointmentsRepository(tx, businessId).find(id))!);

  /**
   * Sends one text of a booking once: claimed in its own unit of work (on any node, one claim
   * wins), then handed to the SMS service with its compliance gates, then its outcome recorded. A
   * gate that may pass later (quiet hours, rate limit) gives the claim back for the next pass.
   */
  async function sendText(businessId: string, appointmentId: string, kind: 'confirmation' | 'reminder', now: Date): Promise<TextOutcome | null> {
    const claimed = await db.forBusiness(businessId, async (tx) => {
      const repo = createAppointmentsRepository(tx, businessId);
      const text = await repo.claimText(appointmentId, kind, now, kind === 'reminder' ? { startsBefore: new Date(now.getTime() + REMINDER_LEAD_MS) } : undefined);
      if (!text) return undefined;
      const business = await businessZone(repo);
      return { ...text, businessName: business.name, fromAgentId: await repo.textingAgent(text.agentId) };
    });
    if (!claimed) return null;
    const record = async (outcome: TextOutcome, release = false) => {
      await db.forBusiness(businessId, async (tx) => {
        const repo = createAppointmentsRepository(tx, businessId);
        await repo.recordText(appointmentId, kind, outcome.detail ? `${outcome.status}: ${outcome.detail}` : outcome.status);
        if (release) await repo.releaseText(appointmentId, kind);
      });
      return outcome;
    };
    if (!claimed.leadPhone) return record({ status: 'skipped', detail: 'the booking has no phone number to text' });
    if (!claimed.fromAgentId) return record({ status: 'skipped', detail: 'no active agent has a phone line to text from' });
    const when = describeInZone(claimed.startsAt, claimed.timezone);
    const body =
      kind === 'confirmation'
        ? `${claimed.businessName}: your ${claimed.typeName} is booked for ${when}. Reply STOP to opt out.`
        : `${claimed.businessName}: reminder of your ${claimed.typeName} on ${when}. Reply STOP to opt out.`;
    try {
      const message = await sms.sendSms({ businessId, actor: textActor, fromAgentId: claimed.fromAgentId, to: claimed.leadPhone, body, leadId: claimed.leadId });
      return record(message.status === 'failed' ? { status: 'failed', detail: message.failureReason } : { status: 'sent', detail: null });
    } catch (err) {
      if (!(err instanceof AppError)) {
        log.error({ err, appointmentId, kind }, 'booking text failed');
        return record({ status: 'failed', detail: 'internal error' });
      }
      const transient = (TRANSIENT_GATES as ReadonlySet<string>).has(err.code);
      return record({ status: transient ? 'deferred' : 'blocked', detail: err.code }, transient);
    }
  }

  async function confirm(businessId: string, appointmentId: string): Promise<TextOutcome | null> {
    try {
      return await sendText(businessId, appointmentId, 'confirmation', clock());
    } catch (err) {
      // The booking stands; the reminders job retries a confirmation never claimed.
      log.error({ err, appointmentId }, 'could not send the booking confirmation');
      return null;
    }
  }

  async function book(request: BookRequest): Promise<Booked> {
    const { businessId } = request;
    const now = clock();
    const createdBy = actorLabel(request.actor);
    const notes = request.notes ?? null;
    const leadInput = { leadId: request.leadId, contact: request.contact, source: request.leadSource ?? 'booking', agentId: request.agentId ?? null };
    let id: string;
    if ('holdId' in request) {
      requireId(request.holdId, 'Hold');
      const outcome = await write(businessId, 'That slot was taken meanwhile', async (tx) => {
        const repo = createAppointmentsRepository(tx, businessId);
        const hold = await repo.lockHold(request.holdId);
        if (!hold) throw notFound('Hold');
        if (hold.status !== 'held') return 'used' as const;
        if (hold.holdExpiresAt! <= now) {
          await repo.expireHold(hold.id, now);
          return 'expired' as const;
        }
        const leadId = (await resolveLead(tx, businessId, leadInput, now)) ?? hold.leadId;
        if (!leadId) throw invalidArgument('lead_id: give lead_id or contact (or hold the slot with a lead_id)', { field: 'lead_id' });
        if (request.leadId === undefined && !request.contact) await repo.markLeadAppointmentSet(leadId, now);
        const confirmed = await repo.confirmHold(hold.id, { leadId, notes, bookedVia: request.via, callId: request.callId ?? null, agentId: request.agentId ?? hold.agentId, now });
        return confirmed ? hold.id : ('expired' as const);
      });
      if (outcome === 'used') throw new AppError('hold_expired', 'This hold was already used or cancelled; hold a slot again with hold_appointment', { reason: 'used' });
      if (outcome === 'expired')
        throw new AppError('hold_expired', `This hold expired (holds last ${HOLD_MINUTES} minutes); its slot is free again: hold it again with hold_appointment`, {
          reason: 'expired',
        });
      id = outcome;
    } else {
      const slot = request;
      id = await write(businessId, `${slot.start} was taken meanwhile; pick another slot from get_availability`, async (tx) => {
        const leadId = await resolveLead(tx, businessId, leadInput, now);
        if (!leadId) throw invalidArgument('lead_id: give lead_id or contact {name, phone, email}', { field: 'lead_id' });
        return takeSlot(tx, { ...slot, businessId, via: request.via, agentId: request.agentId, callId: request.callId, createdBy, status: 'booked', leadId, notes }, now);
      });
    }
    const confirmation = await confirm(businessId, id);
    return { appointment: await readBack(businessId, id), confirmation };
  }

  async function getAvailability(tx: TenantTx, businessId: string, request: AvailabilityRequest): Promise<Availability> {
    const repo = createAppointmentsRepository(tx, businessId);
    const type = await requireType(repo, request.appointmentTypeId);
    const business = await businessZone(repo);
    const zone = requireZone(request.timezone, business.timezone);
    const from = parseBoundary(request.from, zone, 'from');
    if (!from) throw invalidArgument('from: must be a date (YYYY-MM-DD) or an ISO 8601 date-time with an offset', { field: 'from' });
    const to = parseBoundary(request.to, zone, 'to');
    if (!to) throw invalidArgument('to: must be a date (YYYY-MM-DD) or an ISO 8601 date-time with an offset', { field: 'to' });
    if (to <= from) throw invalidArgument('to: must be after from', { field: 'to' });
    if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * 86_400_000) throw invalidArgument(`to: the range may span at most ${MAX_RANGE_DAYS} days`, { field: 'to' });
    const staffIds = await candidateStaff(repo, type, request.staffId);
    const margin = (type.bufferBeforeMinutes + type.bufferAfterMinutes + type.durationMinutes) * 60_000;
    const ctx = await slotContext(repo, type, business.timezone, staffIds, new Date(from.getTime() - margin), new Date(to.getTime() + margin), clock());
    return { appointmentType: type, timezone: zone, from, to, slots: freeSlots(ctx, from, to) };
  }

  /** An appointment still to be acted on, locked; a missing or malformed id is not found. */
  async function lockLive(repo: AppointmentsRepository, id: string) {
    requireId(id, 'Appointment');
    const current = await repo.lockAppointment(id);
    if (!current) throw notFound('Appointment');
    return current;
  }

  const finalState = (status: string) =>
    new AppError('conflict', `The appointment is ${status.replace('_', '-')}, which cannot be undone or changed`, { reason: 'final_state', status });

  return {
    getAvailability,
    book,

    /** Phase 1: takes the slot for HOLD_MINUTES; book it with its id. */
    async hold(request: HoldRequest): Promise<Appointment> {
      const now = clock();
      const id = await write(request.businessId, `${request.start} was taken meanwhile; pick another slot from get_availability`, async (tx) => {
        const repo = createAppointmentsRepository(tx, request.businessId);
        // A hold only names its lead (for routing); the lead's status changes when it is booked.
        requireId(request.leadId, 'Lead');
        if (request.leadId !== undefined && !(await repo.leadForRouting(request.leadId))) throw notFound('Lead');
        const leadId = request.leadId ?? null;
        return takeSlot(tx, { ...request, createdBy: actorLabel(request.actor), status: 'held', leadId, notes: null }, now);
      });
      return readBack(request.businessId, id);
    },

    async list(tx: TenantTx, businessId: string, filters: AppointmentFilters, page: { limit: number; offset: number }): Promise<Appointment[]> {
      requireId(filters.staffId, 'Staff member');
      requireId(filters.leadId, 'Lead');
      return createAppointmentsRepository(tx, businessId).list(filters, page);
    },

    async get(tx: TenantTx, businessId: string, id: string): Promise<Appointment> {
      requireId(id, 'Appointment');
      const found = await createAppointmentsRepository(tx, businessId).find(id);
      if (!found) throw notFound('Appointment');
      return found;
    },

    /** Moves a booking atomically: the new slot is taken, or `conflict` and the booking stays where it was. */
    async reschedule(request: { businessId: string; actor: Actor; appointmentId: string; start: string; staffId?: string }): Promise<Booked> {
      const { businessId } = request;
      const now = clock();
      await write(businessId, `${request.start} is taken; the appointment stays at its current time`, async (tx) => {
        const repo = createAppointmentsRepository(tx, businessId);
        const current = await lockLive(repo, request.appointmentId);
        if (current.status !== 'booked') {
          if (current.status === 'held') throw new AppError('conflict', 'This is a hold, not a booking: book it first, or hold another slot', { reason: 'held' });
          throw finalState(current.status);
        }
        const type = await repo.findType(current.appointmentTypeId);
        const business = await businessZone(repo);
        const start = requireStart(request.start);
        const candidates = request.staffId ? await candidateStaff(repo, type!, request.staffId) : [current.staffId];
        const range = blockedRange(type!, start);
        const ctx = await slotContext(repo, type!, business.timezone, candidates, range.blockedFrom, range.blockedUntil, now, request.appointmentId);
        const staffId = onGrid(ctx, candidates, start)[0];
        if (!staffId || checkStart(ctx, staffId, start) !== null) {
          throw new AppError('conflict', `${request.start} is not available; the appointment stays at its current time`, { reason: 'slot_taken' });
        }
        await repo.sweepExpiredHolds(staffId, range.blockedFrom, range.blockedUntil, now);
        await repo.moveBooking(request.appointmentId, { staffId, start, end: range.end, blockedFrom: range.blockedFrom, blockedUntil: range.blockedUntil, now });
      });
      const confirmation = await confirm(businessId, request.appointmentId);
      return { appointment: await readBack(businessId, request.appointmentId), confirmation };
    },

    /** Cancels a hold or a booking and frees its slot. Final. */
    async cancel(request: { businessId: string; actor: Actor; appointmentId: string; reason?: string }): Promise<Appointment> {
      const { businessId } = request;
      await db.forBusiness(businessId, async (tx) => {
        const repo = createAppointmentsRepository(tx, businessId);
        const current = await lockLive(repo, request.appointmentId);
        if (current.status !== 'booked' && current.status !== 'held') throw finalState(current.status);
        await repo.cancel(request.appointmentId, request.reason ?? null, clock());
        await createAuditRepository(tx).recordAction(businessId, request.actor, 'appointment.cancelled', { appointment_id: request.appointmentId, was: current.status });
      });
      return readBack(businessId, request.appointmentId);
    },

    /** Records that the customer did not come: only once the start has passed. Final. */
    async markNoShow(request: { businessId: string; actor: Actor; appointmentId: string }): Promise<Appointment> {
      const { businessId } = request;
      const now = clock();
      await db.forBusiness(businessId, async (tx) => {
        const repo = createAppointmentsRepository(tx, businessId);
        const current = await lockLive(repo, request.appointmentId);
        if (current.status === 'held') throw new AppError('conflict', 'This is a hold, not a booking; only a booking can be a no-show', { reason: 'held' });
        if (current.status !== 'booked' && current.status !== 'completed') throw finalState(current.status);
        if (now < current.startsAt) {
          throw new AppError('conflict', `The appointment starts at ${current.startsAt.toISOString()}; it can be marked a no-show only after it has started`, {
            reason: 'not_started',
          });
        }
        await repo.markNoShow(request.appointmentId, now);
        await createAuditRepository(tx).recordAction(businessId, request.actor, 'appointment.no_show', { appointment_id: request.appointmentId });
      });
      return readBack(businessId, request.appointmentId);
    },

    // ── Routing rules ───────────────────────────────────────────────────────────────────────────

    async listRules(tx: TenantTx, businessId: string, page: { limit: number; offset: number }): Promise<RoutingRule[]> {
      return createAppointmentsRepository(tx, businessId).listRules(page);
    },

    async getRule(tx: TenantTx, businessId: string, id: string): Promise<RoutingRule> {
      requireId(id, 'Routing rule');
      const rule = await createAppointmentsRepository(tx, businessId).findRule(id);
      if (!rule) throw notFound('Routing rule');
      return rule;
    },

    async createRule(request: { businessId: string; actor: Actor; rule: RoutingRuleWrite }): Promise<RoutingRule> {
      const { businessId } = request;
      return db.forBusiness(businessId, async (tx) => {
        await requireAdmin(tx, businessId, request.actor, 'create_routing_rule');
        const repo = createAppointmentsRepository(tx, businessId);
        await checkRule(repo, request.rule);
        return repo.insertRule(request.rule, actorLabel(request.actor));
      });
    },

    /** Changes the fields given, only if the rule is still at `revision`; otherwise `conflict` naming the current revision. */
    async updateRule(request: { businessId: string; actor: Actor; ruleId: string; revision: number; changes: Partial<RoutingRuleWrite> }): Promise<RoutingRule> {
      const { businessId } = request;
      return db.forBusiness(businessId, async (tx) => {
        await requireAdmin(tx, businessId, request.actor, 'update_routing_rule');
        const repo = createAppointmentsRepository(tx, businessId);
        requireId(request.ruleId, 'Routing rule');
        const current = await repo.findRule(request.ruleId);
        if (!current) throw notFound('Routing rule');
        if (current.revision !== request.revision) throw staleRevision(current.revision, request.revision);
        const next: RoutingRuleWrite = {
          name: request.changes.name ?? current.name,
          priority: request.changes.priority ?? current.priority,
          conditions: request.changes.conditions ?? current.conditions,
          action: request.changes.action ?? current.action,
          active: request.changes.active ?? current.active,
        };
        await checkRule(repo, next);
        const updated = await repo.updateRule(request.ruleId, request.revision, next);
        if (updated) return updated;
        // Changed between the read and the write: the write matched nothing, so nothing was overwritten.
        const now = await repo.findRule(request.ruleId);
        if (!now) throw notFound('Routing rule');
        throw staleRevision(now.revision, request.revision);
      });
    },

    async deleteRule(request: { businessId: string; actor: Actor; ruleId: string; revision: number }): Promise<{ id: string; revision: number }> {
      const { businessId } = request;
      return db.forBusiness(businessId, async (tx) => {
        await requireAdmin(tx, businessId, request.actor, 'delete_routing_rule');
        const repo = createAppointmentsRepository(tx, businessId);
        requireId(request.ruleId, 'Routing rule');
        if (await repo.deleteRule(request.ruleId, request.revision)) return { id: request.ruleId, revision: request.revision };
        const current = await repo.findRule(request.ruleId);
        if (!current) throw notFound('Routing rule');
        throw staleRevision(current.revision, request.revision);
      });
    },

    // ── The in-call surface ─────────────────────────────────────────────────────────────────────

    /**
     * The next free slots of the agent's default appointment type, in the caller's zone when their
     * number tells it, else the business's. `dateFrom`/`dateTo` are dates or date-times (default:
     * from now, a week).
     */
    async checkAvailabilityForAgent(request: {
      businessId: string;
      agentId: string;
      callerNumber?: string | null;
      dateFrom?: string;
      dateTo?: string;
      limit?: number;
    }): Promise<Availability & { slots: Slot[] }> {
      const { businessId } = request;
      return db.forBusiness(businessId, async (tx) => {
        const repo = createAppointmentsRepository(tx, businessId);
        const typeId = await repo.defaultTypeId(request.agentId);
        if (!typeId) throw notFound('Appointment type (this business offers none)');
        const business = await businessZone(repo);
        const zone = await callerZone(request.callerNumber, business.timezone);
        const now = clock();
        const from = request.dateFrom ?? now.toISOString();
        const to = request.dateTo ?? new Date((parseBoundary(from, zone, 'from') ?? now).getTime() + 7 * 86_400_000).toISOString();
        const availability = await getAvailability(tx, businessId, { appointmentTypeId: typeId, from, to, timezone: zone });
        return { ...availability, slots: availability.slots.slice(0, request.limit ?? 5) };
      });
    },

    /** Books the caller (their lead found or created from the caller's number) on the agent's default type, then texts a confirmation. */
    async bookForCaller(request: {
      businessId: string;
      actor: Actor;
      agentId: string;
      callId: string | null;
      callerNumber: string | null;
      start: string;
      name?: string;
      notes?: string;
    }): Promise<Booked> {
      const { businessId } = request;
      if (!request.callerNumber && !request.name) throw invalidArgument('name: the caller’s number is unknown, so give their name', { field: 'name' });
      const { typeId, zone } = await db.forBusiness(businessId, async (tx) => {
        const repo = createAppointmentsRepository(tx, businessId);
        const id = await repo.defaultTypeId(request.agentId);
        if (!id) throw notFound('Appointment type (this business offers none)');
        return { typeId: id, zone: await callerZone(request.callerNumber, (await businessZone(repo)).timezone) };
      });
      return book({
        businessId,
        actor: request.actor,
        appointmentTypeId: typeId,
        start: request.start,
        timezone: zone,
        contact: { ...(request.name ? { name: request.name } : {}), ...(request.callerNumber ? { phone: request.callerNumber } : {}) },
        notes: request.notes,
        via: 'in_call',
        agentId: request.agentId,
        callId: request.callId,
        leadSource: 'inbound_call',
      });
    },

    // ── Background work ─────────────────────────────────────────────────────────────────────────

    /**
     * One pass of the booking texts and sweeps: expired holds cancelled, confirmations that were
     * never claimed (a crash between booking and texting), reminders due within 24 hours, and
     * bookings long past marked completed. Each text is claimed in the database, so two nodes
     * running this at once send it once.
     */
    async runDueWork(now = clock(), limit = 50): Promise<{ reminders: number; confirmations: number; expiredHolds: number }> {
      const scans = createAppointmentScansRepository(db.kysely);
      const expiredHolds = await scans.sweepExpiredHolds(now, 500);
      await scans.markCompleted(new Date(now.getTime() - COMPLETE_AFTER_MS), now, 500);
      const sent = { confirmation: 0, reminder: 0 };
      const due = [
        ['confirmation', new Date(now.getTime() - 60_000)],
        ['reminder', new Date(now.getTime() + REMINDER_LEAD_MS)],
      ] as const;
      for (const [kind, before] of due) {
        for (const text of await scans.dueTexts(kind, now, before, limit)) {
          if (await sendText(text.businessId, text.id, kind, now)) sent[kind]++;
        }
      }
      return { reminders: sent.reminder, confirmations: sent.confirmation, expiredHolds };
    },
  };
}

function staleRevision(current: number, given: number): AppError {
  return new AppError(
    'conflict',
    `Stale revision: the rule is at revision ${current}, not ${given}; nothing was changed. Read it again (get_routing_rule) and retry with revision ${current}.`,
    { reason: 'stale_revision', current_revision: current },
  );
}

/** Staff, queues and appointment types a rule names must be this business's. */
async function checkRule(repo: AppointmentsRepository, rule: RoutingRuleWrite): Promise<void> {
  if (rule.action.type === 'staff') {
    const ids = rule.action.staff.map((s) => s.staff_id);
    if (new Set(ids).size !== ids.length) throw invalidArgument('action.staff: a staff member is listed twice', { field: 'action.staff' });
    const known = ids.every(isUuid) ? await repo.existingStaff(ids) : new Set<string>();
    const unknown = ids.find((id) => !known.has(id));
    if (unknown) throw invalidArgument(`action.staff: staff member ${unknown} not found`, { field: 'action.staff' });
  } else if (!isUuid(rule.action.queue_id) || !(await repo.queueExists(rule.action.queue_id))) {
    throw invalidArgument(`action.queue_id: queue ${rule.action.queue_id} not found`, { field: 'action.queue_id' });
  }
  for (const typeId of rule.conditions.appointment_type_ids ?? []) {
    if (!isUuid(typeId) || !(await repo.findType(typeId)))
      throw invalidArgument(`conditions.appointment_type_ids: appointment type ${typeId} not found`, { field: 'conditions.appointment_type_ids' });
  }
}

async function callerZone(callerNumber: string | null | undefined, businessZone: string): Promise<string> {
  const parsed = callerNumber ? parseE164(callerNumber) : null;
  if (!parsed) return businessZone;
  const { zones } = await recipientTimeZones(parsed, businessZone);
  return zones.length === 1 ? zones[0]! : businessZone;
}

export type AppointmentsService = ReturnType<typeof createAppointmentsService>;
