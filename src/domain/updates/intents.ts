// The intents the update broker governs: what each payload may hold, which fields a request must
// name, which scope it needs, and which changes are high-impact (need a person's authority).
//
// Validation answers in two ways on purpose: a value that is present but wrong is an error naming
// the field (invalid_argument); a required field that is absent is the broker's `needs_user_input`
// outcome naming every missing field, because the client should go and ask the user for it.
import net from 'node:net';
import { isNonPublicAddress } from '../../shared/addresses.js';
import { isSupportedCountry } from 'libphonenumber-js/max';
import { z } from 'zod';
import type { Scope } from '../../scopes/index.js';
import { AppError, invalidArgumentFrom } from '../../shared/errors.js';
import { parseE164 } from '../compliance/phone.js';
import { WeeklyHoursSchema } from '../business/hours.js';

export const FIRST_MESSAGE_MODES = ['assistant_speaks_first', 'assistant_waits_for_user'] as const;

export const INTENTS = ['agent.patch', 'phone.emergency_address.set', 'transcripts.sink.configure'] as const;
export type Intent = (typeof INTENTS)[number];

export const INTENT_SCOPES: Readonly<Record<Intent, Scope>> = Object.freeze({
  'agent.patch': 'agents:write',
  'phone.emergency_address.set': 'numbers:write',
  'transcripts.sink.configure': 'webhooks:write',
});

export const isIntent = (value: unknown): value is Intent => typeof value === 'string' && (INTENTS as readonly string[]).includes(value);

/** The scope a caller needs for an intent (the MCP layer uses it for step-up on request_kaicalls_update). */
export const requiredScopeForIntent = (intent: Intent): Scope => INTENT_SCOPES[intent];

// ── agent.patch ─────────────────────────────────────────────────────────────────────────────────

/** Prompt, voice and transfer change what callers hear and where calls go; attached tools can transfer calls and send call data out. */
export const HIGH_IMPACT_AGENT_FIELDS: readonly string[] = ['inbound_prompt', 'sms_prompt', 'voice', 'transfer_settings', 'tool_ids'];

const e164 = (field: string) => z.string().refine((v) => parseE164(v) !== null, { message: `${field} must be a valid E.164 phone number such as +14155552671` });

const languageTag = z.string().refine(
  (v) => {
    try {
      return Intl.getCanonicalLocales(v).length === 1;
    } catch {
      return false;
    }
  },
  { message: 'must be a BCP 47 language tag such as en-US' },
);

export const TransferSettingsSchema = z
  .strictObject({
    enabled: z.boolean().describe('Whether the agent may transfer calls'),
    number: e164('number').nullable().optional().describe('Where transferred calls go (E.164); required when enabled'),
    warm: z.boolean().optional().describe('Announce the caller to the person before connecting'),
    announce: z.string().max(500).nullable().optional().describe('What the agent says before transferring'),
  })
  .refine((t) => !t.enabled || Boolean(t.number), { message: 'number is required when transfer is enabled', path: ['number'] });

export const AgentChangesSchema = z.strictObject({
  first_message: z.string().max(2000).optional().describe('Greeting / first message the agent speaks'),
  inbound_prompt: z.string().max(50_000).optional().describe('System prompt for inbound calls (high impact)'),
  sms_prompt: z.string().max(20_000).optional().describe('System prompt for text conversations (high impact)'),
  voice: z.string().trim().min(1).max(100).optional().describe('Voice id (high impact)'),
  model: z.string().trim().min(1).max(100).optional().describe('Language model id'),
  language: languageTag.optional().describe('BCP 47 language tag such as en-US'),
  max_call_duration_seconds: z.number().int().min(30).max(7200).optional().describe('Longest call, 30–7200 seconds'),
  transfer_settings: TransferSettingsSchema.optional().describe('Call transfer settings, replaced as a whole (high impact)'),
  first_message_mode: z.enum(FIRST_MESSAGE_MODES).optional().describe('Who speaks first'),
  transcriber: z.string().trim().min(1).max(100).optional().describe('Speech-to-text engine, such as deepgram:nova-3'),
  office_hours: WeeklyHoursSchema.nullable().optional().describe("Office hours (null: the business's)"),
  tool_ids: z
    .array(z.guid())
    .max(20)
    .refine((ids) => new Set(ids).size === ids.length, { message: 'an agent tool may be attached once' })
    .optional()
    .describe('Agent tools attached, in order, replacing the list (high impact)'),
});
export type AgentChanges = z.infer<typeof AgentChangesSchema>;

const AgentPatchSchema = z.strictObject({
  agent_id: z.uuid({ message: 'must be an agent id (UUID)' }).optional(),
  changes: AgentChangesSchema.optional(),
  /** Applied only if the agent is still at this version (stale approvals and edits fail safely). */
  expected_version: z.number().int().min(1).optional(),
});
export interface AgentPatchPayload {
  agent_id: string;
  changes: AgentChanges;
  expected_version?: number;
}

// ── phone.emergency_address.set ─────────────────────────────────────────────────────────────────

const text = (max: number) => z.string().trim().max(max);
const AddressSchema = z.strictObject({
  street: text(200).optional(),
  street2: text(200).optional(),
  city: text(100).optional(),
  region: text(100).optional().describe('State, province or region'),
  postal_code: text(20).optional(),
  country: z
    .string()
    .trim()
    .toUpperCase()
    .refine((c) => isSupportedCountry(c), { message: 'must be an ISO 3166-1 alpha-2 country code such as US' })
    .optional(),
});
const EmergencyAddressSchema = z.strictObject({
  phone_number: e164('phone_number').optional(),
  address: AddressSchema.optional(),
});
export interface EmergencyAddressPayload {
  phone_number: string;
  address: { street: string; street2?: string; city: string; region: string; postal_code: string; country: string };
}
const REQUIRED_ADDRESS_FIELDS = ['street', 'city', 'region', 'postal_code', 'country'] as const;

// ── transcripts.sink.configure ──────────────────────────────────────────────────────────────────

const TranscriptSinkSchema = z.strictObject({
  url: z.string().max(2000).refine(isPublicHttpsUrl, { message: 'must be a public https URL with no credentials' }).optional(),
  enabled: z.boolean().optional(),
  include_recordings: z.boolean().optional(),
});
export interface TranscriptSinkPayload {
  url?: string;
  enabled: boolean;
  include_recordings?: boolean;
}

/**
 * https, no userinfo, and not an address on this machine or a private network: transcripts are
 * customer data, and a sink pointing inward would turn delivery into a request forgery.
 */
export function isPublicHttpsUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.protocol !== 'https:' || url.username || url.password) return false;
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local') || host.endsWith('.internal')) return false;
  if (net.isIP(host) === 0) return host.includes('.');
  return !isNonPublicAddress(host);
}

// ── Parsing ─────────────────────────────────────────────────────────────────────────────────────

export type Parsed<P> = { complete: true; payload: P } | { complete: false; missing: string[] };

/** Throws invalid_argument naming the first bad field (`payload.changes.voice: …`). */
function validate<S extends z.ZodType>(schema: S, payload: unknown): z.infer<S> {
  if (payload === undefined || payload === null) payload = {};
  if (typeof payload !== 'object' || Array.isArray(payload)) throw new AppError('invalid_argument', 'payload must be an object', { field: 'payload' });
  const result = schema.safeParse(payload);
  if (result.success) return result.data;
  throw invalidArgumentFrom(result.error, ['payload']);
}

const blank = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

export function parseAgentPatch(payload: unknown): Parsed<AgentPatchPayload> {
  const p = validate(AgentPatchSchema, payload);
  const missing: string[] = [];
  if (!p.agent_id) missing.push('agent_id');
  if (!p.changes || Object.values(p.changes).every((v) => v === undefined)) missing.push('changes');
  if (missing.length) return { complete: false, missing };
  return { complete: true, payload: { agent_id: p.agent_id!, changes: p.changes!, ...(p.expected_version ? { expected_version: p.expected_version } : {}) } };
}

export function parseEmergencyAddress(payload: unknown): Parsed<EmergencyAddressPayload> {
  const p = validate(EmergencyAddressSchema, payload);
  const missing: string[] = [];
  if (blank(p.phone_number)) missing.push('phone_number');
  for (const f of REQUIRED_ADDRESS_FIELDS) if (blank(p.address?.[f])) missing.push(`address.${f}`);
  if (missing.length) return { complete: false, missing };
  const a = p.address!;
  return {
    complete: true,
    payload: {
      phone_number: p.phone_number!,
      address: { street: a.street!, ...(a.street2 ? { street2: a.street2 } : {}), city: a.city!, region: a.region!, postal_code: a.postal_code!, country: a.country! },
    },
  };
}

export function parseTranscriptSink(payload: unknown): Parsed<TranscriptSinkPayload> {
  const p = validate(TranscriptSinkSchema, payload);
  const enabled = p.enabled ?? true;
  if (enabled && blank(p.url)) return { complete: false, missing: ['url'] };
  return { complete: true, payload: { ...(p.url ? { url: p.url } : {}), enabled, ...(p.include_recordings === undefined ? {} : { include_recordings: p.include_recordings }) } };
}
