// Leads: the reads every surface shows, and the rules of creating and updating them. A new lead needs
// a name, a phone or an email; an update is checked row by row: a row naming a lead this business
// does not have (another business's included) reads as not_found, and the other rows still apply.
// Phones are E.164, emails are kept lower-case, and an agent id must name one of the business's agents.
import type { Db, TenantTx } from '../../shared/db.js';
import { AppError, invalidArgument, notFound } from '../../shared/errors.js';
import { createAgentsRepository } from '../agents/agents.repository.js';
import { createCallsRepository } from '../calls/calls.repository.js';
import { createSmsRepository } from '../sms/sms.repository.js';
import { parseE164 } from '../compliance/phone.js';
import { createLeadsRepository } from './leads.repository.js';
import {
  LEAD_FIELDS,
  type CheckedLeadUpsert,
  type LeadField,
  type LeadFilters,
  type LeadRecord,
  type LeadRowResult,
  type LeadUpsertOutcome,
  type LeadUpsertRequest,
  type LeadWithActivity,
  type LeadWrite,
} from './leads.types.js';

/** Fields that can be set but never cleared: a null for them means "leave it". */
const NOT_NULL: readonly string[] = ['status', 'automation_paused'];

export interface LeadsService {
  /** Newest first, filtered; `limit` rows plus one to tell whether more follow. An agent filter naming no agent of the business is not found. */
  list(tx: TenantTx, businessId: string, filters: LeadFilters, page: { limit: number; offset: number }): Promise<LeadRecord[]>;
  /** One lead with its latest `recent` calls and `recent` text messages. */
  getWithActivity(tx: TenantTx, businessId: string, leadId: string, recent: number): Promise<LeadWithActivity>;
  /**
   * Every check of an upsert that needs no data, and the normalised fields to write. A caller with
   * an idempotency key runs this before claiming it, so a malformed request refuses the whole
   * request before anything is claimed or written.
   */
  checkUpsert(request: LeadUpsertRequest): CheckedLeadUpsert;
  /** Creates the lead, or applies the update rows, in one unit of work of its own. */
  upsert(businessId: string, checked: CheckedLeadUpsert): Promise<LeadUpsertOutcome>;
}

export function createLeadsService(deps: { db: Db }): LeadsService {
  const { db } = deps;
  return {
    async list(tx, businessId, filters, page) {
      // Another business's agent reads exactly like one that does not exist.
      if (filters.agentId && !(await createAgentsRepository(tx).exists(businessId, filters.agentId))) throw notFound('Agent');
      return createLeadsRepository(tx).listPage(businessId, filters, page);
    },

    async getWithActivity(tx, businessId, leadId, recent) {
      const lead = await createLeadsRepository(tx).find(businessId, leadId);
      if (!lead) throw notFound('Lead');
      const page = { limit: recent, offset: 0 };
      // Each list is fetched with one row more than shown: the extra row only says that more exist.
      const calls = await createCallsRepository(tx, businessId).list({ leadId: lead.id }, page);
      const messages = await createSmsRepository(tx, businessId).list({ leadId: lead.id }, page);
      return {
        lead,
        recentCalls: calls.slice(0, recent),
        moreCalls: calls.length > recent,
        recentMessages: messages.slice(0, recent),
        moreMessages: messages.length > recent,
      };
    },

    checkUpsert(request) {
      const { lead, updates } = request;
      if ((lead === undefined) === (updates === undefined)) {
        throw invalidArgument('Pass exactly one of `lead` (to create a lead) or `updates` (to update leads).', { field: lead ? 'updates' : 'lead' });
      }
      if (lead) {
        if (!lead.name && !lead.phone && !lead.email) throw invalidArgument('lead needs at least one of name, phone or email', { field: 'lead' });
        return { mode: 'create', lead: normalise(definedOnly(lead), 'lead') };
      }
      const rows = updates!.map((row, i) => {
        const first = updates!.findIndex((r) => r.id.toLowerCase() === row.id.toLowerCase());
        if (first !== i) throw invalidArgument(`updates[${i}].id repeats updates[${first}].id: name each lead once`, { field: `updates[${i}].id` });
        if (!LEAD_FIELDS.some((f) => row[f] !== undefined)) throw invalidArgument(`updates[${i}] has no field to set besides id`, { field: `updates[${i}]` });
        const { id, ...values } = row;
        return { index: i, id, changes: normalise(definedOnly(values), `updates[${i}]`) };
      });
      return { mode: 'update', rows };
    },

    upsert(businessId, checked) {
      return db.forBusiness(
        businessId,
        async (tx): Promise<LeadUpsertOutcome> =>
          checked.mode === 'create'
            ? { mode: 'create', lead: await createLead(tx, businessId, checked.lead) }
            : { mode: 'update', results: await updateLeads(tx, businessId, checked.rows) },
      );
    },
  };
}

async function createLead(tx: TenantTx, businessId: string, lead: LeadWrite): Promise<LeadRecord> {
  if (lead.agent_id && !(await createAgentsRepository(tx).exists(businessId, lead.agent_id))) {
    throw new AppError('not_found', 'lead.agent_id: Agent not found', { field: 'lead.agent_id' });
  }
  const repo = createLeadsRepository(tx);
  const id = await repo.insert(businessId, lead);
  return (await repo.find(businessId, id))!;
}

async function updateLeads(tx: TenantTx, businessId: string, rows: { index: number; id: string; changes: LeadWrite }[]): Promise<LeadRowResult[]> {
  const leads = createLeadsRepository(tx);
  const agents = createAgentsRepository(tx);
  const results: LeadRowResult[] = [];
  for (const { index, id, changes } of rows) {
    const failed = (status: 'not_found' | 'invalid', code: 'not_found' | 'invalid_argument', message: string): LeadRowResult => ({
      index,
      id,
      status,
      changedFields: [],
      error: { code, message },
      lead: null,
    });
    // The access check: RLS and the business filter show only this business's leads.
    const current = await leads.find(businessId, id);
    if (!current) {
      results.push(failed('not_found', 'not_found', 'Lead not found'));
      continue;
    }
    const changed = (Object.keys(changes) as LeadField[]).filter((f) => changes[f] !== currentValue(current, f));
    const merged = { name: pick(changes, current, 'name'), phone: pick(changes, current, 'phone'), email: pick(changes, current, 'email') };
    if (!merged.name && !merged.phone && !merged.email) {
      results.push(failed('invalid', 'invalid_argument', 'A lead must keep at least one of name, phone or email'));
      continue;
    }
    if (changes.agent_id && changed.includes('agent_id') && !(await agents.exists(businessId, changes.agent_id))) {
      results.push(failed('invalid', 'not_found', `updates[${index}].agent_id: Agent not found`));
      continue;
    }
    if (changed.length) await leads.update(businessId, id, Object.fromEntries(changed.map((f) => [f, changes[f]])) as LeadWrite);
    const after = changed.length ? (await leads.find(businessId, id))! : current;
    results.push({ index, id: current.id, status: changed.length ? 'updated' : 'unchanged', changedFields: changed, error: null, lead: after });
  }
  return results;
}

function definedOnly(values: Record<string, unknown>): LeadWrite {
  return Object.fromEntries(Object.entries(values).filter(([k, v]) => v !== undefined && (v !== null || !NOT_NULL.includes(k)))) as LeadWrite;
}

/** Phones in E.164 (the one form calls and texts dial); emails lower-case, so lookups and duplicates compare as people expect. */
function normalise(values: LeadWrite, prefix: string): LeadWrite {
  const out = { ...values };
  if (typeof out.phone === 'string') {
    const parsed = parseE164(out.phone);
    if (!parsed) {
      throw invalidArgument(`${prefix}.phone: phone must be a valid phone number in E.164 format, such as +14155552671`, { field: `${prefix}.phone` });
    }
    out.phone = parsed.e164;
  }
  if (typeof out.email === 'string') out.email = out.email.toLowerCase();
  return out;
}

function currentValue(lead: LeadRecord, field: LeadField): unknown {
  switch (field) {
    case 'agent_id':
      return lead.agentId;
    case 'automation_paused':
      return lead.automationPaused;
    default:
      return lead[field];
  }
}

const pick = (changes: LeadWrite, current: LeadRecord, f: 'name' | 'phone' | 'email') => (changes[f] !== undefined ? changes[f] : current[f]);
