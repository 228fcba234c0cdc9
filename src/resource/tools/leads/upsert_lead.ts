// upsert_lead: creates one lead, or updates many. The rules are the leads service's: updates are
// checked row by row, a row naming a lead this business does not have (another business's included)
// reads as not_found, and the other rows still apply; the answer reports every row. Formats (E.164
// phone, email, status) are checked by the schema before anything runs, so a malformed row refuses
// the whole request.
import { z } from 'zod';
import { parseE164 } from '../../../domain/compliance/phone.js';
import { idempotencyKeyInput } from '../../framework/idempotency-key.js';
import { defineEffectTool } from '../../framework/tool.js';
import { LEAD_STATUSES, leadDetailOutput, toLeadDetailOutput, type LeadDetailOutput, type LeadField, type LeadUpsertOutcome } from '../../../domain/leads/leads.types.js';

const MAX_UPDATES = 100;

const text = (max: number, what: string) => z.string().trim().min(1, `${what} must not be empty (use null to clear it)`).max(max);
const phone = z.string().refine((v) => parseE164(v) !== null, { message: 'phone must be a valid phone number in E.164 format, such as +14155552671' });

/** The writable fields; in `updates` each may also be null to clear it. */
const fields = {
  name: text(200, 'name').describe('Full name.'),
  phone: phone.describe('Phone number in E.164, such as +14155552671.'),
  email: z.email({ message: 'email must be an email address' }).max(320).describe('Email address.'),
  status: z.enum(LEAD_STATUSES).describe('Where the lead stands in the pipeline.'),
  source: text(100, 'source').describe('Where the lead came from, such as website, referral, inbound_call.'),
  notes: z.string().max(5000).describe('Free-form notes (up to 5,000 characters).'),
  agent_id: z.guid().describe('The agent the lead is assigned to (from list_agents).'),
  address: text(200, 'address').describe('Street address.'),
  city: text(100, 'city').describe('City.'),
  state: text(100, 'state').describe('State or region.'),
  zip: text(20, 'zip').describe('Postal code.'),
  automation_paused: z.boolean().describe('Pause automated calls and texts to this lead.'),
} satisfies Record<LeadField, z.ZodType>;

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
  name: fields.name.nullable().optional(),
  phone: fields.phone.nullable().optional(),
  email: fields.email.nullable().optional(),
  status: fields.status.optional(),
  source: fields.source.nullable().optional(),
  notes: fields.notes.nullable().optional(),
  agent_id: fields.agent_id.nullable().optional(),
  address: fields.address.nullable().optional(),
  city: fields.city.nullable().optional(),
  state: fields.state.nullable().optional(),
  zip: fields.zip.nullable().optional(),
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
    'Create a lead (`lead`, with at least one of name, phone, email) or update existing ones (`updates`: [{ id, …fields }]). ' +
    'Each update row is checked and reported on its own (partial success).',
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
    idempotency_key: idempotencyKeyInput
      .optional()
      .describe('Optional unique key (8–128 printable characters): repeating it with the same arguments returns the first outcome and writes nothing again.'),
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
    // Checked before the key is claimed: a malformed request is refused whole, and spends no key.
    const checked = ctx.domain.leads.checkUpsert(args);
    // What is stored under the key is the answer itself, so a replay answers exactly as the first call did.
    const write = async (): Promise<Outcome> => toOutcome(await ctx.domain.leads.upsert(ctx.businessId, checked));
    const { outcome, replayed } = key
      ? await ctx.domain.idempotency.run<Outcome>({ businessId: ctx.businessId, key, tool: 'upsert_lead', args }, write)
      : { outcome: await write(), replayed: false };

    const count = (s: RowResult['status'] | 'failed') =>
      outcome.results.filter((r) => (s === 'failed' ? r.status === 'not_found' || r.status === 'invalid' : r.status === s)).length;
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

function toOutcome(outcome: LeadUpsertOutcome): Outcome {
  if (outcome.mode === 'create') return { mode: 'create', lead: toLeadDetailOutput(outcome.lead), results: [] };
  return {
    mode: 'update',
    lead: null,
    results: outcome.results.map((r) => ({
      index: r.index,
      id: r.id,
      status: r.status,
      changed_fields: r.changedFields,
      error: r.error?.message ?? null,
      error_code: r.error?.code ?? null,
      lead: r.lead ? toLeadDetailOutput(r.lead) : null,
    })),
  };
}
