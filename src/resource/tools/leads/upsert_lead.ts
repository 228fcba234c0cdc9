// upsert_lead: creates one lead, or updates many. Updates are checked row by row: a row naming a
// lead this business does not have (another business's included) reads as not_found, and the
// other rows still apply; the answer reports every row. Formats (E.164 phone, email, status) are
// checked by the schema before anything runs, so a malformed row refuses the whole request.
import { z } from 'zod';
import { AppError, invalidArgument } from '../../../shared/errors.js';
import type { TenantTx } from '../../../shared/db.js';
import { createAgentsRepository } from '../../../domain/agents/agents.repository.js';
import { parseE164 } from '../../../domain/compliance/phone.js';
import { idempotencyKeyInput } from '../../framework/idempotency-key.js';
import { defineEffectTool } from '../../framework/tool.js';
import { createLeadsRepository, type LeadWrite } from '../../../domain/leads/leads.repository.js';
import { LEAD_STATUSES, leadDetailOutput, toLeadDetailOutput, type LeadDetailOutput, type LeadRecord } from '../../../domain/leads/leads.types.js';

const MAX_UPDATES = 100;

const text = (max: number, what: string) => z.string().trim().min(1, `${what} must not be empty (use null to clear it)`).max(max);
const phone = z
  .string()
  .refine((v) => parseE164(v) !== null, { message: 'phone must be a valid phone number in E.164 format, such as +14155552671' });

/** The writable fields; in `updates` each may also be null to clear it. */
const fields = {
  name: text(200, 'name').describe('Full name.'),
  phone: phone.describe('Phone number in E.164, such as +14155552671.'),
  email: z.email({ message: 'email must be an email address' }).max(320).describe('Email address.'),
  status: z.enum(LEAD_STATUSES).describe('new, contacted, qualified, appointment_set, won or lost.'),
  source: text(100, 'source').describe('Where the lead came from, such as website, referral, inbound_call.'),
  notes: z.string().max(5000).describe('Free-form notes (up to 5,000 characters).'),
  agent_id: z.guid().describe('The agent the lead is assigned to (from list_agents).'),
  address: text(200, 'address').describe('Street address.'),
  city: text(100, 'city').describe('City.'),
  state: text(100, 'state').describe('State or region.'),
  zip: text(20, 'zip').describe('Postal code.'),
  automation_paused: z.boolean().describe('Pause automated calls and texts to this lead.'),
};
const WRITABLE = Object.keys(fields) as (keyof typeof fields)[];
const NOT_NULL: readonly string[] = ['status', 'automation_paused'];

const leadInput = z.object({
  name: fields.name.optional(),
  phone: fields.phone.optional(),
  email: fields.email.optional(),
  status: fields.status.default('new'),
  source: fields.source.optional(),
  notes: fields.notes.optional(),
  agent_id: fields.agent_id.optional(),
  address: fields.address.optional(),
  city: fields.city.optional(),
  state: fields.state.optional(),
  zip: fields.zip.optional(),
  automation_paused: fields.automation_paused.optional(),
});

const updateInput = z.object({
  id: z.guid().describe('The lead to update (from list_leads).'),
  name: fields.name.nullable().optional().describe(`${fields.name.description} null clears it.`),
  phone: fields.phone.nullable().optional().describe(`${fields.phone.description} null clears it.`),
  email: fields.email.nullable().optional().describe(`${fields.email.description} null clears it.`),
  status: fields.status.optional(),
  source: fields.source.nullable().optional().describe(`${fields.source.description} null clears it.`),
  notes: fields.notes.nullable().optional().describe(`${fields.notes.description} null clears it.`),
  agent_id: fields.agent_id.nullable().optional().describe(`${fields.agent_id.description} null clears it.`),
  address: fields.address.nullable().optional().describe(`${fields.address.description} null clears it.`),
  city: fields.city.nullable().optional().describe(`${fields.city.description} null clears it.`),
  state: fields.state.nullable().optional().describe(`${fields.state.description} null clears it.`),
  zip: fields.zip.nullable().optional().describe(`${fields.zip.description} null clears it.`),
  automation_paused: fields.automation_paused.optional(),
});

const rowResult = z.object({
  index: z.number().int().describe('Position of the row in `updates`.'),
  id: z.string().describe('The lead id the row named.'),
  status: z.enum(['updated', 'unchanged', 'not_found', 'invalid']).describe('updated; unchanged (already so); not_found (no such lead in this business); invalid (see error).'),
  changed_fields: z.array(z.string()).describe('The fields whose value changed.'),
  error: z.string().nullable().describe('Why the row was not applied, or null.'),
  error_code: z.string().nullable().describe('not_found or invalid_argument when the row was not applied, else null.'),
  lead: leadDetailOutput.nullable().describe('The lead after the update, or null when the row was not applied.'),
});
type RowResult = z.infer<typeof rowResult>;

type Outcome = { mode: 'create' | 'update'; lead: LeadDetailOutput | null; results: RowResult[] };

export const upsertLead = defineEffectTool({
  name: 'upsert_lead',
  title: 'Create or update leads',
  description:
    'Create a new lead or update existing leads for the authenticated business, routed through the governed leads API (business access-checked, usage-logged, and audited). ' +
    'To create one, pass `lead` with at least one of name/phone/email plus optional status/source/notes/agent_id/etc. ' +
    'To update, pass `updates`: an array of { id, ...fields } for one or many existing leads (status, name, phone, email, notes, address, city, state, zip). ' +
    'Updates are access-checked per row and report partial success.',
  scopes: ['leads:write'],
  externalEffect: false,
  annotations: { title: 'Create or update leads', readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
  input: {
    lead: leadInput.optional().describe('A lead to create: at least one of name, phone, email. Pass either `lead` or `updates`.'),
    updates: z
      .array(updateInput)
      .min(1, 'updates must hold at least one row')
      .max(MAX_UPDATES)
      .optional()
      .describe(`Leads to update (1–${MAX_UPDATES} rows): { id, …fields to set }; null clears a field. Each row is checked and reported on its own.`),
    idempotency_key: idempotencyKeyInput.optional().describe('Optional unique key (8–128 printable characters): repeating it with the same arguments returns the first outcome and writes nothing again.'),
  },
  output: {
    mode: z.enum(['create', 'update']).describe('create when `lead` was given, update when `updates` was.'),
    lead: leadDetailOutput.nullable().describe('create: the new lead; update: null.'),
    results: z.array(rowResult).describe('update: one result per row, in order; create: empty.'),
    updated_count: z.number().int().describe('Rows updated.'),
    unchanged_count: z.number().int().describe('Rows that already held these values.'),
    failed_count: z.number().int().describe('Rows not applied (not_found or invalid).'),
    replayed: z.boolean().describe('True when this is the stored first outcome of this idempotency_key, returned again without writing.'),
  },
  async run(input, ctx) {
    const { idempotency_key: key, ...args } = input;
    if ((args.lead === undefined) === (args.updates === undefined)) {
      throw invalidArgument('Pass exactly one of `lead` (to create a lead) or `updates` (to update leads).', { field: args.lead ? 'updates' : 'lead' });
    }
    if (args.lead && !args.lead.name && !args.lead.phone && !args.lead.email) {
      throw invalidArgument('lead needs at least one of name, phone or email', { field: 'lead' });
    }
    args.updates?.forEach((row, i) => {
      const first = args.updates!.findIndex((r) => r.id.toLowerCase() === row.id.toLowerCase());
      if (first !== i) throw invalidArgument(`updates[${i}].id repeats updates[${first}].id: name each lead once`, { field: `updates[${i}].id` });
      if (!WRITABLE.some((f) => row[f] !== undefined)) throw invalidArgument(`updates[${i}] has no field to set besides id`, { field: `updates[${i}]` });
    });

    const write = (): Promise<Outcome> =>
      ctx.db.forBusiness(ctx.businessId, async (tx) =>
        args.lead ? { mode: 'create', lead: await createLead(tx, ctx.businessId, args.lead), results: [] } : { mode: 'update', lead: null, results: await updateLeads(tx, ctx.businessId, args.updates!) },
      );
    const { outcome, replayed } = key
      ? await ctx.domain.idempotency.run<Outcome>({ businessId: ctx.businessId, key, tool: 'upsert_lead', args }, write)
      : { outcome: await write(), replayed: false };

    const count = (s: RowResult['status'] | 'failed') => outcome.results.filter((r) => (s === 'failed' ? r.status === 'not_found' || r.status === 'invalid' : r.status === s)).length;
    const data = { ...outcome, updated_count: count('updated'), unchanged_count: count('unchanged'), failed_count: count('failed'), replayed };
    const text =
      outcome.mode === 'create'
        ? `Created lead ${outcome.lead!.name ?? outcome.lead!.phone ?? outcome.lead!.email} (id ${outcome.lead!.id}).`
        : [
            `${data.updated_count} updated, ${data.unchanged_count} unchanged, ${data.failed_count} not applied.`,
            ...outcome.results.map((r) => `- updates[${r.index}] ${r.id}: ${r.status}${r.error ? ` — ${r.error}` : ''}`),
          ].join('\n');
    return { data, text: replayed ? `${text} (replayed: the first outcome of this idempotency_key)` : text };
  },
});

async function createLead(tx: TenantTx, businessId: string, lead: z.infer<typeof leadInput>): Promise<LeadDetailOutput> {
  if (lead.agent_id && !(await createAgentsRepository(tx).exists(businessId, lead.agent_id))) {
    throw new AppError('not_found', 'lead.agent_id: Agent not found', { field: 'lead.agent_id' });
  }
  const repo = createLeadsRepository(tx);
  const id = await repo.insert(businessId, definedOnly(lead));
  return toLeadDetailOutput((await repo.find(businessId, id))!);
}

async function updateLeads(tx: TenantTx, businessId: string, rows: z.infer<typeof updateInput>[]): Promise<RowResult[]> {
  const leads = createLeadsRepository(tx);
  const agents = createAgentsRepository(tx);
  const results: RowResult[] = [];
  for (const [index, row] of rows.entries()) {
    const failed = (status: 'not_found' | 'invalid', code: string, error: string): RowResult => ({ index, id: row.id, status, changed_fields: [], error, error_code: code, lead: null });
    // The access check: RLS and the business filter show only this business's leads.
    const current = await leads.find(businessId, row.id);
    if (!current) {
      results.push(failed('not_found', 'not_found', 'Lead not found'));
      continue;
    }
    const { id: _id, ...values } = row;
    const changes = definedOnly(values);
    const changed = (Object.keys(changes) as (keyof LeadWrite)[]).filter((f) => changes[f] !== currentValue(current, f));
    const merged = { name: pick(changes, current, 'name'), phone: pick(changes, current, 'phone'), email: pick(changes, current, 'email') };
    if (!merged.name && !merged.phone && !merged.email) {
      results.push(failed('invalid', 'invalid_argument', 'A lead must keep at least one of name, phone or email'));
      continue;
    }
    if (changes.agent_id && changed.includes('agent_id') && !(await agents.exists(businessId, changes.agent_id))) {
      results.push(failed('invalid', 'not_found', `updates[${index}].agent_id: Agent not found`));
      continue;
    }
    if (changed.length) await leads.update(businessId, row.id, Object.fromEntries(changed.map((f) => [f, changes[f]])) as LeadWrite);
    const after = changed.length ? (await leads.find(businessId, row.id))! : current;
    results.push({ index, id: current.id, status: changed.length ? 'updated' : 'unchanged', changed_fields: changed, error: null, error_code: null, lead: toLeadDetailOutput(after) });
  }
  return results;
}

function definedOnly<T extends Record<string, unknown>>(values: T): LeadWrite {
  const out = Object.fromEntries(Object.entries(values).filter(([k, v]) => v !== undefined && (v !== null || !NOT_NULL.includes(k))));
  // Email is kept lower-case so lookups and duplicates compare as people expect.
  if (typeof out.email === 'string') out.email = out.email.toLowerCase();
  return out as LeadWrite;
}

function currentValue(lead: LeadRecord, field: keyof LeadWrite): unknown {
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
