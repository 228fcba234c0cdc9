// A lead as the read tools return it, with its latest AI score: the domain record and output schemas;
// and what creating or updating leads asks and answers.
import { z } from 'zod';
import type { LeadStatus } from '../../../db/schema.js';
import type { Call } from '../calls/calls.types.js';
import type { SmsMessage } from '../sms/sms.types.js';

export const LEAD_STATUSES = ['new', 'contacted', 'qualified', 'appointment_set', 'won', 'lost'] as const satisfies readonly LeadStatus[];

export interface LeadRecord {
  id: string;
  name: string | null;
  phone: string | null;
  email: string | null;
  status: LeadStatus;
  source: string | null;
  notes: string | null;
  address: string | null;
  city: string | null;
  state: string | null;
  zip: string | null;
  agentId: string | null;
  agentName: string | null;
  automationPaused: boolean;
  /** The latest AI score (0–100), with its explanation, or null when the lead was never scored. */
  score: { score: number; explanation: string; model: string; scoredAt: Date } | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface LeadFilters {
  status?: LeadStatus | undefined;
  /** Matched without regard to case. */
  source?: string | undefined;
  agentId?: string | undefined;
}

/** The lead fields an upsert writes, named as the columns (and the tools' fields) are; absent fields are left as they are. */
export interface LeadWrite {
  name?: string | null;
  phone?: string | null;
  email?: string | null;
  status?: LeadStatus;
  source?: string | null;
  notes?: string | null;
  address?: string | null;
  city?: string | null;
  state?: string | null;
  zip?: string | null;
  agent_id?: string | null;
  automation_paused?: boolean;
}

export type LeadField = keyof LeadWrite;

/** Every field a create or an update may set. */
export const LEAD_FIELDS = [
  'name',
  'phone',
  'email',
  'status',
  'source',
  'notes',
  'agent_id',
  'address',
  'city',
  'state',
  'zip',
  'automation_paused',
] as const satisfies readonly LeadField[];

/** A lead to create: undefined means not given. */
export type LeadCreate = { [F in LeadField]?: LeadWrite[F] | undefined };
/** One row of an update: the lead, and the fields to set; null clears a field. */
export type LeadUpdate = { id: string } & { [F in LeadField]?: LeadWrite[F] | null | undefined };

/** Exactly one of `lead` (create one) or `updates` (update many) must be given. */
export interface LeadUpsertRequest {
  lead?: LeadCreate | undefined;
  updates?: LeadUpdate[] | undefined;
}

/** An upsert that passed every check that needs no data: what `upsert` writes. */
export type CheckedLeadUpsert = { mode: 'create'; lead: LeadWrite } | { mode: 'update'; rows: { index: number; id: string; changes: LeadWrite }[] };

/** What became of one row of an update. */
export interface LeadRowResult {
  index: number;
  id: string;
  status: 'updated' | 'unchanged' | 'not_found' | 'invalid';
  changedFields: LeadField[];
  /** Why the row was not applied, or null. */
  error: { code: 'not_found' | 'invalid_argument'; message: string } | null;
  /** The lead after the update, or null when the row was not applied. */
  lead: LeadRecord | null;
}

export type LeadUpsertOutcome = { mode: 'create'; lead: LeadRecord } | { mode: 'update'; results: LeadRowResult[] };

/** One lead with its latest calls and text messages, newest first. */
export interface LeadWithActivity {
  lead: LeadRecord;
  recentCalls: Call[];
  /** True when the lead has older calls than those given. */
  moreCalls: boolean;
  recentMessages: SmsMessage[];
  moreMessages: boolean;
}

const leadStatus = z.enum(LEAD_STATUSES).describe('Where the lead stands: new → contacted → qualified → appointment_set → won, or lost.');

/** The fields list_leads shows for each lead. */
export const leadSummaryOutput = z.object({
  id: z.guid().describe('Lead id: pass it as lead_id to get_lead, make_call or send_sms.'),
  name: z.string().nullable().describe("The lead's name, or null."),
  phone: z.string().nullable().describe("The lead's phone number, E.164, or null."),
  email: z.string().nullable().describe("The lead's email address, or null."),
  status: leadStatus,
  source: z.string().nullable().describe('Where the lead came from (such as website, referral, inbound_call), or null.'),
  agent_id: z.guid().nullable().describe('The agent the lead is assigned to, or null.'),
  agent_name: z.string().nullable().describe("That agent's name, or null."),
  city: z.string().nullable().describe("The lead's city, or null."),
  state: z.string().nullable().describe("The lead's state or region, or null."),
  automation_paused: z.boolean().describe('True when automated calls and texts to this lead are paused.'),
  score: z.number().int().nullable().describe('The latest AI lead score, 0 (cold) to 100 (ready to buy), or null when never scored.'),
  scored_at: z.string().nullable().describe('When that score was given, ISO 8601 (UTC), or null.'),
  created_at: z.string().describe('When the lead was created, ISO 8601 (UTC).'),
  updated_at: z.string().describe('When the lead was last changed, ISO 8601 (UTC).'),
});

/** Everything get_lead shows about one lead. */
export const leadDetailOutput = leadSummaryOutput.extend({
  notes: z.string().nullable().describe('Free-form notes on the lead, or null.'),
  address: z.string().nullable().describe('Street address, or null.'),
  zip: z.string().nullable().describe('Postal code, or null.'),
  score_explanation: z.string().nullable().describe('Why the latest score is what it is, in words, or null when never scored.'),
  score_model: z.string().nullable().describe('The model that gave the latest score, or null.'),
});

export type LeadSummaryOutput = z.infer<typeof leadSummaryOutput>;
export type LeadDetailOutput = z.infer<typeof leadDetailOutput>;

export function toLeadSummaryOutput(l: LeadRecord): LeadSummaryOutput {
  return {
    id: l.id,
    name: l.name,
    phone: l.phone,
    email: l.email,
    status: l.status,
    source: l.source,
    agent_id: l.agentId,
    agent_name: l.agentName,
    city: l.city,
    state: l.state,
    automation_paused: l.automationPaused,
    score: l.score?.score ?? null,
    scored_at: l.score ? l.score.scoredAt.toISOString() : null,
    created_at: l.createdAt.toISOString(),
    updated_at: l.updatedAt.toISOString(),
  };
}

export function toLeadDetailOutput(l: LeadRecord): LeadDetailOutput {
  return {
    ...toLeadSummaryOutput(l),
    notes: l.notes,
    address: l.address,
    zip: l.zip,
    score_explanation: l.score?.explanation ?? null,
    score_model: l.score?.model ?? null,
  };
}

/** One line per lead for the text content. */
export function describeLead(l: LeadSummaryOutput): string {
  const who = l.name ?? l.phone ?? l.email ?? 'unnamed';
  const contact = [l.phone, l.email].filter((v) => v && v !== who).join(', ');
  return `- ${who}${contact ? ` (${contact})` : ''}: ${l.status}${l.score === null ? '' : `, score ${l.score}`}${l.source ? `, from ${l.source}` : ''} id ${l.id}`;
}
