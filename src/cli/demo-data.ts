// Demo data for a fresh database, so that `npm start` on a new machine has something real to show:
// two businesses, their staff, agents, ~50 calls each across every status, leads with AI scores,
// voicemails, text conversations, campaigns and operational settings, plus a demo sign-in and two
// API keys for `acme`.
//
// Deterministic: every choice comes from one seeded PRNG, every id is a name-based UUID, and every
// timestamp is placed relative to the seeding time (calls fall in each business's opening hours, in
// its time zone), so two fresh databases hold the same demo, apart from the secrets, which are
// random, and "last 30 days" figures always have data. Everything is written in one
// transaction: a crash mid-seed leaves an empty database that the next start seeds again.
//
// Seeding is system work on the owner connection (db.kysely), which RLS does not bind: it writes
// rows for two businesses at once before any tenant context exists.
import { createHash } from 'node:crypto';
import { sql, type Insertable } from 'kysely';
import { DateTime } from 'luxon';
import { issueApiKey } from '../authz/api-keys.js';
import { generatePassword, hashPassword } from '../authz/passwords.js';
import { READ_ONLY_SCOPES, SCOPES } from '../scopes/index.js';
import type { Config } from '../shared/config.js';
import type { Db, OwnerDb } from '../shared/db.js';
import type {
  CallStatus,
  CallsTable,
  CampaignLeadsTable,
  CampaignsTable,
  Direction,
  Database,
  LeadScoresTable,
  LeadStatus,
  LeadsTable,
  Role,
  SmsMessagesTable,
  VoicemailsTable,
} from '../../db/schema.js';

export interface DemoCredentials {
  email: string;
  /** Plaintext, returned once at first seed; only its argon2id hash is stored. */
  password: string;
  /** `agents:read calls:read` for `acme`. */
  readOnlyKey: string;
  /** Every scope of the catalog, for `acme`. */
  allScopesKey: string;
  /** A runtime key (`kc_rt_`) for `acme`'s in-call surface: what a voice runtime sends during a call. */
  runtimeKey: string;
}

export const DEMO_EMAIL = 'demo@example.com';
export const CALLS_PER_BUSINESS = 50;
export const LEADS_PER_BUSINESS = 24;
/** Calls placed by each launched campaign. */
const CAMPAIGN_CALLS = 6;
export const DEMO_KEY_NAMES = { readOnly: 'Demo key (read-only)', allScopes: 'Demo key (all scopes)', runtime: 'Demo runtime key (in-call)' } as const;

/** The lines a first start prints; the same function serves `npm start` and `npm run db:seed`. */
export function startupLines(urls: Pick<Config, 'mcpUrl' | 'publicUrl'>, demo: DemoCredentials | null): string[] {
  const lines = [`MCP endpoint: ${urls.mcpUrl}`, `Dashboard: ${urls.publicUrl}/dashboard`];
  if (demo) {
    lines.push(`Demo sign-in: ${demo.email} / ${demo.password}`, `Demo API key (read-only): ${demo.readOnlyKey}`, `Demo API key (all scopes): ${demo.allScopesKey}`);
  }
  // The voice runtime's surface (README "The in-call surface"), after the account surface's lines.
  lines.push(`In-call endpoint (voice runtimes): ${urls.mcpUrl}/in-call`);
  if (demo) lines.push(`Demo runtime key (in-call, acme): ${demo.runtimeKey}`);
  return lines;
}

/**
 * Seeds the demo when the database holds no business and no user; otherwise does nothing and
 * returns null. `now` fixes the seeding time (tests compare two seeds).
 */
export async function seedDemoIfEmpty(db: Db, options: { now?: Date } = {}): Promise<DemoCredentials | null> {
  const now = options.now ?? new Date();
  return db.kysely.transaction().execute(async (tx) => {
    // Two seeders racing on one Postgres (two `db:seed` runs) must not both see "empty": the lock
    // serialises them until commit, and the second then sees the first one's rows.
    await sql`select pg_advisory_xact_lock(hashtext('kaicalls:demo-seed'))`.execute(tx);
    const { rows } = await sql<{ used: boolean }>`select exists (select 1 from businesses) or exists (select 1 from users) as used`.execute(tx);
    if (rows[0]?.used) return null;

    const password = generatePassword();
    const demoUserId = await writeDemo(tx, new Random(SEED), now, await hashPassword(password));
    const acme = await tx.selectFrom('businesses').select('id').where('slug', '=', 'acme').executeTakeFirstOrThrow();
    const readOnly = await issueApiKey(tx, { businessId: acme.id, name: DEMO_KEY_NAMES.readOnly, scopes: READ_ONLY_SCOPES, createdBy: demoUserId });
    const allScopes = await issueApiKey(tx, { businessId: acme.id, name: DEMO_KEY_NAMES.allScopes, scopes: SCOPES, createdBy: demoUserId });
    const runtime = await issueApiKey(tx, { kind: 'runtime', businessId: acme.id, name: DEMO_KEY_NAMES.runtime, scopes: [], createdBy: demoUserId });
    return { email: DEMO_EMAIL, password, readOnlyKey: readOnly.key, allScopesKey: allScopes.key, runtimeKey: runtime.key };
  });
}

// ── Deterministic randomness ───────────────────────────────────────────────────────────────────

const SEED = 0x6b616963; // "kaic"

/** mulberry32: tiny, fast, and the same sequence on every platform for a given seed. */
class Random {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)] as T;
  }
  weighted<T extends { weight: number }>(items: readonly T[]): T {
    let r = this.next() * items.reduce((sum, i) => sum + i.weight, 0);
    for (const item of items) {
      r -= item.weight;
      if (r < 0) return item;
    }
    return items[items.length - 1] as T;
  }
  hex(length: number): string {
    let out = '';
    while (out.length < length) out += Math.floor(this.next() * 16).toString(16);
    return out;
  }
}

/**
 * Ids are name-based (RFC 9562 §5.5, UUIDv5) rather than drawn: `acme/call/17` is the same id on
 * every machine and at every seeding time, whatever the other choices came out as.
 */
const DEMO_NAMESPACE = Buffer.from('6f1c2b8e5a7d4c1e9b3f2d8e4a6c0b15', 'hex');
export function demoId(...name: (string | number)[]): string {
  const b = createHash('sha1').update(DEMO_NAMESPACE).update(name.join('/')).digest().subarray(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x50;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// ── What each business looks like ──────────────────────────────────────────────────────────────

interface AgentPlan {
  name: string;
  /** The name the agent introduces itself with in transcripts. */
  persona: string;
  status: 'active' | 'paused' | 'draft';
  voice: string;
  model: string;
  language: string;
  firstMessage: string;
  inboundPrompt: string;
  smsPrompt: string;
  maxCallDurationSeconds: number;
  /** Answers outside business hours (its calls happen in the evening). */
  afterHours?: boolean;
  transfer: { enabled: boolean; warm: boolean; announce: string | null; toStaff: boolean };
}

/** A completed call's script. Placeholders: {agent} {business} {first} {name} {slot} {address} {phone} {staff}. */
interface Scenario {
  direction: Direction;
  /** Index into the business's agents. */
  agent: number;
  outcome: string;
  weight: number;
  duration: [number, number];
  /** Whether the call is with a lead (wrong numbers are not). */
  withLead: boolean;
  summary: string;
  transcript: string[];
}

interface VoicemailPlan {
  transcript: string;
  duration: [number, number];
}

interface BusinessPlan {
  slug: string;
  name: string;
  timezone: string;
  /** Area codes for this business's numbers; the first one carries its own lines. */
  areaCodes: string[];
  places: { street: string[]; cities: { city: string; state: string; zip: string }[] };
  demoRole: Role;
  owner: { email: string; name: string; role: Role } | null;
  staff: { email: string; name: string; role: Role };
  agents: [AgentPlan, AgentPlan, AgentPlan];
  scenarios: Scenario[];
  voicemails: VoicemailPlan[];
  leadSources: string[];
  links: { key: string; label: string; url: string; purpose: string }[];
  escalations: { trigger: string; notify: 'staff_phone' | 'staff_email' | 'owner_email'; channel: 'sms' | 'email' }[];
  notifications: { sms: boolean; email: boolean };
  campaigns: { name: string; status: 'draft' | 'active' | 'completed'; launchedDaysAgo: number | null; createdDaysAgo: number; context: string }[];
  sms: { lead: 'automation_paused' | 'opt_out' | 'plain'; messages: [Direction, string][] }[];
  blocks: { kind: 'do_not_call' | 'opt_out'; reason: string; source: string }[];
}

const ACME_INBOUND_PROMPT = `You are Ava, the front desk for Acme Plumbing & Heating, a licensed plumbing and HVAC company serving Manhattan, Brooklyn, Queens and Hudson County.

Goals, in order:
1. Safety first. If the caller reports a gas smell, tell them to leave the building and call 911 and the gas utility, then end the call.
2. Active leaks or burst pipes are emergencies: walk the caller to the nearest shut-off valve, then transfer to the on-call dispatcher.
3. Book service visits: collect name, service address, the problem, and a preferred window. The diagnostic fee is $149 and is applied to the repair.
4. Answer questions about hours (Mon–Fri 7 AM–7 PM, Sat 8 AM–2 PM), service area, and financing (12 months no interest, on approval). Offer to text links instead of reading URLs aloud.

Never quote a final repair price; technicians quote on site. Never promise an arrival time narrower than a two-hour window.`;

const ACME_OUTBOUND_PROMPT = `You are Max, calling customers of Acme Plumbing & Heating about seasonal maintenance, open estimates and follow-ups.

Introduce yourself and the reason for the call in the first sentence. If the customer is busy, offer a callback time. If they are not interested or ask not to be called, confirm politely and end the call; the system records the opt-out. Seasonal AC tune-up: $89, includes coil cleaning and a refrigerant check.`;

const ACME_AFTER_HOURS_PROMPT = `You are Nora, the after-hours line for Acme Plumbing & Heating.

Emergencies (active leaks, no heat below 55°F indoors, sewage backups) go to the on-call technician: gather the address and a callback number, then transfer. Everything else: take a message, promise a call back the next business morning, and offer to text the booking link.`;

const BRIGHT_INBOUND_PROMPT = `You are Mia, the front desk for Bright Smile Dental, a family dental practice in Santa Monica.

Goals, in order:
1. Dental emergencies (swelling, trauma, bleeding that will not stop): if there is fever, trouble breathing or swallowing, tell the caller to go to the emergency room; otherwise transfer to the front desk for a same-day slot.
2. Book, reschedule or cancel appointments. New-patient visits take 90 minutes; cleanings 60 minutes. Text the new-patient forms link after booking.
3. Insurance: in network with Delta Dental PPO, Cigna PPO, Aetna PPO and MetLife. For anything else, offer a callback from the billing office.

Never give a diagnosis or prescribe medication. Never read out a patient's balance; billing questions go to the billing office.`;

const BRIGHT_RECALL_PROMPT = `You are Jade, calling patients of Bright Smile Dental who are due or overdue for a cleaning.

Say who you are and why you are calling in the first sentence. Offer two concrete times. If the patient has moved or switched dentists, thank them and mark them as not interested. Leave a short voicemail with the office number when no one answers.`;

const BRIGHT_BILLING_PROMPT = `You are Leo, the billing and insurance line of Bright Smile Dental.

Verify the caller's name and date of birth before discussing any account. You may explain charges and insurance estimates in general terms; payment plans and write-offs are decided by the office manager, so take a message and promise a callback within one business day.`;

const ACME: BusinessPlan = {
  slug: 'acme',
  name: 'Acme Plumbing & Heating',
  timezone: 'America/New_York',
  areaCodes: ['212', '646', '718', '917', '201'],
  places: {
    street: ['118 Maple Ave', '42 Prospect Pl', '7 Linden St', '350 Bergen St', '19 Garfield Pl', '88 Court St', '261 Park Ave', '14 Willow Ct'],
    cities: [
      { city: 'Brooklyn', state: 'NY', zip: '11215' },
      { city: 'Queens', state: 'NY', zip: '11375' },
      { city: 'New York', state: 'NY', zip: '10025' },
      { city: 'Hoboken', state: 'NJ', zip: '07030' },
      { city: 'Jersey City', state: 'NJ', zip: '07302' },
    ],
  },
  demoRole: 'owner',
  owner: null,
  staff: { email: 'dana.ortiz@acme.example.com', name: 'Dana Ortiz', role: 'admin' },
  agents: [
    {
      name: 'Front Desk (Ava)',
      persona: 'Ava',
      status: 'active',
      voice: 'aria',
      model: 'gpt-4o',
      language: 'en-US',
      firstMessage: 'Thanks for calling Acme Plumbing & Heating, this is Ava. How can I help you today?',
      inboundPrompt: ACME_INBOUND_PROMPT,
      smsPrompt:
        'You text on behalf of Acme Plumbing & Heating. Keep replies under 300 characters, confirm bookings with date and two-hour window, and send links from the business link list rather than typing URLs.',
      maxCallDurationSeconds: 900,
      transfer: { enabled: true, warm: true, announce: 'Emergency caller from the AI front desk; details are in the call summary.', toStaff: true },
    },
    {
      name: 'Outbound Follow-up (Max)',
      persona: 'Max',
      status: 'active',
      voice: 'davis',
      model: 'gpt-4o-mini',
      language: 'en-US',
      firstMessage: "Hi, this is Max from Acme Plumbing & Heating. Is now a good time for a quick question about your home's service?",
      inboundPrompt: ACME_OUTBOUND_PROMPT,
      smsPrompt: 'You follow up by text for Acme Plumbing & Heating. One message per day at most; stop immediately if asked.',
      maxCallDurationSeconds: 600,
      transfer: { enabled: true, warm: false, announce: null, toStaff: false },
    },
    {
      name: 'After-hours Line (Nora)',
      persona: 'Nora',
      status: 'active',
      voice: 'sage',
      model: 'gpt-4o',
      language: 'en-US',
      firstMessage: "You've reached Acme Plumbing & Heating after hours. This is Nora. Is this an emergency?",
      inboundPrompt: ACME_AFTER_HOURS_PROMPT,
      smsPrompt: 'After-hours texts: acknowledge, say the office opens at 7 AM, and escalate anything describing an active leak.',
      maxCallDurationSeconds: 600,
      afterHours: true,
      transfer: { enabled: true, warm: true, announce: 'After-hours emergency from the AI line.', toStaff: true },
    },
  ],
  scenarios: [
    {
      direction: 'inbound',
      agent: 0,
      outcome: 'appointment_booked',
      weight: 4,
      duration: [150, 320],
      withLead: true,
      summary: '{name} reported a gas water heater with the pilot light out and no hot water. Booked a technician visit for {slot} at {address}.',
      transcript: [
        'Agent: Thanks for calling {business}, this is {agent}. How can I help you today?',
        'Caller: Hi, my water heater stopped putting out hot water this morning.',
        "Agent: I'm sorry to hear that. Is it a gas or an electric unit, and do you see any water around the base?",
        "Caller: It's gas. The floor is dry, but the pilot light looks like it's out.",
        'Agent: Thanks, that helps. I can have a technician come out. I have {slot} open. Does that work for you?',
        'Caller: Yes, that works.',
        'Agent: Great. Can I confirm the service address?',
        "Caller: It's {address}.",
        "Agent: You're booked for {slot} at {address}. The diagnostic fee is $149 and it's applied to the repair. You'll get a text confirmation shortly.",
        "Caller: Perfect. That's everything, thanks.",
        'Agent: Thanks for calling, {first}. Have a good day.',
      ],
    },
    {
      direction: 'inbound',
      agent: 0,
      outcome: 'appointment_booked',
      weight: 3,
      duration: [120, 260],
      withLead: true,
      summary:
        '{name} has a backed-up kitchen sink and dishwasher (plunger tried, no chemicals used). Booked drain cleaning for {slot} at {address}; quoted the $149 diagnostic fee.',
      transcript: [
        'Agent: Thanks for calling {business}, this is {agent}. How can I help you today?',
        "Caller: Hi, our kitchen sink is completely backed up and now the dishwasher won't drain either.",
        'Agent: That sounds like a clog in the shared drain line. Have you tried a plunger, or used any chemical drain cleaner?',
        'Caller: Just a plunger. No chemicals.',
        'Agent: Good, that makes it safer for our technician. The visit starts with a $149 diagnostic fee, applied to the repair. I have {slot} available.',
        'Caller: {slot} is fine.',
        'Agent: And the service address?',
        'Caller: {address}.',
        "Agent: You're all set for {slot}. The technician will text you when they're on the way.",
        'Caller: Thank you.',
      ],
    },
    {
      direction: 'inbound',
      agent: 2,
      outcome: 'emergency_escalated',
      weight: 2,
      duration: [90, 200],
      withLead: true,
      summary:
        'Emergency: burst pipe under a bathroom sink at {address}. Caller shut off the main valve with guidance; escalated to {staff} and transferred for same-day dispatch.',
      transcript: [
        "Agent: You've reached {business}. This is {agent}. Is this an emergency?",
        'Caller: Yes! A pipe just burst under my bathroom sink and water is going everywhere.',
        "Agent: Okay, let's stop the water first. Is there a shut-off valve under the sink, or do you know where the main shut-off is?",
        'Caller: I think the main is in the basement.',
        "Agent: Please turn that valve clockwise until it stops. I'm alerting our on-call team right now.",
        "Caller: Okay... it's off. The water stopped.",
        'Agent: Well done. What is the address?',
        'Caller: {address}.',
        "Agent: Thank you. I'm transferring you to {staff}, our dispatcher, to get a technician on the way. Please stay on the line.",
        'Caller: Thank you so much.',
      ],
    },
    {
      direction: 'inbound',
      agent: 0,
      outcome: 'info_provided',
      weight: 3,
      duration: [60, 160],
      withLead: true,
      summary: '{name} asked about the service area (Hoboken is covered), Saturday hours and boiler financing. Texted the financing link.',
      transcript: [
        'Agent: Thanks for calling {business}, this is {agent}. How can I help you today?',
        'Caller: Do you service Hoboken, and are you open on Saturdays?',
        "Agent: Yes to both. We cover Manhattan, Brooklyn, Queens and Hudson County, and we're open Saturdays from 8 AM to 2 PM.",
        'Caller: Do you offer financing on a new boiler?',
        'Agent: We do: 12 months with no interest for approved customers. I can text you the financing link if you like.',
        'Caller: Sure, please text it.',
        "Agent: Done, you'll get it from this number in a moment. Anything else I can help with?",
        "Caller: No, that's it. Thanks.",
      ],
    },
    {
      direction: 'inbound',
      agent: 0,
      outcome: 'callback_requested',
      weight: 3,
      duration: [90, 180],
      withLead: true,
      summary: '{name} wants a replacement quote for a roughly 20-year-old furnace. Callback requested from a comfort advisor, weekday afternoons after 3 PM.',
      transcript: [
        'Agent: Thanks for calling {business}, this is {agent}. How can I help you today?',
        "Caller: My furnace is about twenty years old and I'd like a quote for replacing it.",
        "Agent: Happy to help. Replacement quotes are done by one of our comfort advisors after a short in-home assessment. What's the best time for them to call you back?",
        'Caller: Weekday afternoons, after 3.',
        'Agent: Got it. Is this number the best one to reach you?',
        'Caller: Yes, this one.',
        "Agent: I've asked a comfort advisor to call you back {slot}. They'll go over options and scheduling.",
        'Caller: Great, thanks.',
      ],
    },
    {
      direction: 'inbound',
      agent: 0,
      outcome: 'wrong_number',
      weight: 1,
      duration: [20, 45],
      withLead: false,
      summary: 'Wrong number: the caller was looking for a restaurant. No action needed.',
      transcript: [
        'Agent: Thanks for calling {business}, this is {agent}. How can I help you today?',
        'Caller: Oh, sorry, is this the pizza place on Fifth?',
        'Agent: No, this is {business}, a plumbing and heating company. I think you may have the wrong number.',
        'Caller: My mistake, sorry about that.',
        'Agent: No problem at all. Have a good evening.',
      ],
    },
    {
      direction: 'outbound',
      agent: 1,
      outcome: 'appointment_booked',
      weight: 3,
      duration: [90, 200],
      withLead: true,
      summary: 'Seasonal tune-up call. {name} booked an $89 AC tune-up for {slot} at {address}.',
      transcript: [
        'Agent: Hi {first}, this is {agent} calling from {business}. We serviced your AC last spring and are booking seasonal tune-ups now. Do you have a minute?',
        "Customer: Sure, what's the price this year?",
        'Agent: The tune-up is $89 and includes a coil cleaning and a refrigerant check. I have {slot} available.',
        'Customer: {slot} works.',
        "Agent: Great, I have you down for {slot} at {address}. You'll get a confirmation text.",
        'Customer: Thanks for the reminder.',
      ],
    },
    {
      direction: 'outbound',
      agent: 1,
      outcome: 'not_interested',
      weight: 2,
      duration: [40, 90],
      withLead: true,
      summary: '{name} chose another contractor for the water heater and asked to stop follow-ups. Marked not interested.',
      transcript: [
        'Agent: Hi {first}, this is {agent} from {business}, following up on the water heater estimate we sent last week. Do you have any questions about it?',
        'Customer: Thanks, but we went with another company.',
        'Agent: Understood, thanks for letting us know. Would you like me to take you off our follow-up list?',
        'Customer: Yes, please.',
        'Agent: Done. Thanks for considering us, and have a good day.',
      ],
    },
    {
      direction: 'outbound',
      agent: 1,
      outcome: 'voicemail_left',
      weight: 2,
      duration: [25, 45],
      withLead: true,
      summary: 'Reached voicemail; left a message about scheduling seasonal maintenance with the callback number {phone}.',
      transcript: [
        "Agent: Hi {first}, this is {agent} from {business}. I'm calling about scheduling your seasonal maintenance visit. Please call us back at {phone}, or reply to our text to pick a time. Thanks!",
      ],
    },
    {
      direction: 'outbound',
      agent: 1,
      outcome: 'callback_requested',
      weight: 2,
      duration: [40, 100],
      withLead: true,
      summary: '{name} was at work and asked for a callback about the bathroom repipe estimate on Monday after 4 PM.',
      transcript: [
        'Agent: Hi {first}, this is {agent} from {business}, calling about the estimate for your bathroom repipe.',
        "Customer: Oh, hi. I'm at work right now. Can someone call me next week?",
        'Agent: Of course. Would Monday afternoon be good?',
        'Customer: Monday after 4 is best.',
        "Agent: I'll have our estimator call you Monday after 4 PM. Thanks, {first}.",
      ],
    },
  ],
  voicemails: [
    { transcript: 'Hi, this is {name}. Our radiator in the bedroom is banging all night and not getting warm. Can someone call me back at {caller}? Thanks.', duration: [18, 35] },
    { transcript: "Hello, {name} here. I'd like to book someone to look at a leaking toilet, not urgent. Mornings are best. My number is {caller}.", duration: [15, 30] },
    { transcript: "Hi, it's {name}, calling back about the estimate for the tankless water heater. Please give me a call at {caller} when you can.", duration: [12, 25] },
    { transcript: 'This is {name}. The technician left a part here yesterday, a small valve in a box. Just letting you know. {caller}.', duration: [10, 22] },
    { transcript: "Hi, {name} calling. I got your text about the tune-up but the link didn't open. Can you call me at {caller}?", duration: [12, 24] },
  ],
  leadSources: ['inbound_call', 'website', 'referral', 'google_ads', 'campaign', 'sms'],
  links: [
    { key: 'booking', label: 'Book a service visit', url: 'https://acme.example.com/book', purpose: 'Callers who want to pick their own visit window.' },
    { key: 'financing', label: 'Financing application', url: 'https://acme.example.com/financing', purpose: 'Boiler, furnace and water heater replacements.' },
    { key: 'service-area', label: 'Service area map', url: 'https://acme.example.com/service-area', purpose: 'Callers unsure whether we cover their neighborhood.' },
  ],
  escalations: [
    { trigger: 'emergency', notify: 'staff_phone', channel: 'sms' },
    { trigger: 'callback_requested', notify: 'staff_email', channel: 'email' },
    { trigger: 'billing_question', notify: 'owner_email', channel: 'email' },
  ],
  notifications: { sms: true, email: true },
  campaigns: [
    { name: 'Spring AC tune-up', status: 'active', launchedDaysAgo: 12, createdDaysAgo: 13, context: 'Seasonal AC tune-up reminder ($89).' },
    { name: 'Water heater estimate follow-up', status: 'completed', launchedDaysAgo: 34, createdDaysAgo: 36, context: 'Follow-up on open water heater estimates.' },
  ],
  sms: [
    {
      lead: 'plain',
      messages: [
        ['inbound', 'Hi, any chance a tech can come today? Kitchen sink is backing up again.'],
        ['outbound', 'Hi! This is Ava from Acme Plumbing & Heating. Today is full, but we can be there tomorrow 8–10 AM. Want that window?'],
        ['inbound', 'Yes please, 8-10 tomorrow works.'],
        ['outbound', "You're booked for tomorrow 8–10 AM. The technician will text when on the way. Reply C to cancel."],
        ['inbound', 'Thank you!'],
      ],
    },
    {
      lead: 'automation_paused',
      messages: [
        ['outbound', 'Hi, this is Max from Acme Plumbing & Heating. Your water heater estimate is ready. Want to schedule the install?'],
        ['inbound', "I have some questions about the estimate. I'd rather talk to a person than the automated texts."],
        ['outbound', 'Understood. Automated follow-ups are paused and Dana from our office will call you personally.'],
      ],
    },
    {
      lead: 'opt_out',
      messages: [
        ['outbound', 'Acme Plumbing & Heating: spring AC tune-ups are $89 this month. Reply BOOK to schedule or STOP to opt out.'],
        ['inbound', 'STOP'],
        ['outbound', "You're unsubscribed from Acme Plumbing & Heating texts and won't receive more messages."],
      ],
    },
  ],
  blocks: [
    { kind: 'do_not_call', reason: 'Asked not to be called again during a follow-up call.', source: 'call' },
    { kind: 'opt_out', reason: 'Replied STOP.', source: 'sms' },
    { kind: 'do_not_call', reason: 'Number listed on the national Do Not Call registry.', source: 'import' },
  ],
};

const BRIGHT: BusinessPlan = {
  slug: 'bright',
  name: 'Bright Smile Dental',
  timezone: 'America/Los_Angeles',
  areaCodes: ['310', '213', '323', '424', '818'],
  places: {
    street: ['1420 Ocean Park Blvd', '212 Palisades Ave', '9 Rose Ave', '3300 Overland Ave', '77 Navy St', '1505 Centinela Ave'],
    cities: [
      { city: 'Santa Monica', state: 'CA', zip: '90405' },
      { city: 'Culver City', state: 'CA', zip: '90232' },
      { city: 'Venice', state: 'CA', zip: '90291' },
      { city: 'Los Angeles', state: 'CA', zip: '90066' },
    ],
  },
  demoRole: 'member',
  owner: { email: 'priya.shah@bright.example.com', name: 'Dr. Priya Shah', role: 'owner' },
  staff: { email: 'sam.lee@bright.example.com', name: 'Sam Lee', role: 'admin' },
  agents: [
    {
      name: 'Front Desk (Mia)',
      persona: 'Mia',
      status: 'active',
      voice: 'shimmer',
      model: 'gpt-4o',
      language: 'en-US',
      firstMessage: 'Thank you for calling Bright Smile Dental, this is Mia. How can I help you today?',
      inboundPrompt: BRIGHT_INBOUND_PROMPT,
      smsPrompt:
        'You text patients for Bright Smile Dental. Confirm appointments with day and time, send the forms link to new patients, never discuss balances or clinical details by text.',
      maxCallDurationSeconds: 900,
      transfer: { enabled: true, warm: true, announce: 'Patient with a possible dental emergency; details are in the call summary.', toStaff: true },
    },
    {
      name: 'Recall Outreach (Jade)',
      persona: 'Jade',
      status: 'active',
      voice: 'coral',
      model: 'gpt-4o-mini',
      language: 'en-US',
      firstMessage: "Hi, this is Jade from Bright Smile Dental. I'm calling because you're due for your next cleaning.",
      inboundPrompt: BRIGHT_RECALL_PROMPT,
      smsPrompt: 'Recall texts for Bright Smile Dental: offer two times, confirm in one message, stop if asked.',
      maxCallDurationSeconds: 420,
      transfer: { enabled: false, warm: false, announce: null, toStaff: false },
    },
    {
      name: 'Billing & Insurance (Leo)',
      persona: 'Leo',
      status: 'paused',
      voice: 'echo',
      model: 'gpt-4o',
      language: 'en-US',
      firstMessage: 'Bright Smile Dental billing and insurance, this is Leo. How can I help?',
      inboundPrompt: BRIGHT_BILLING_PROMPT,
      smsPrompt: 'Billing texts: never include amounts or account details; ask the patient to call the office.',
      maxCallDurationSeconds: 600,
      transfer: { enabled: true, warm: false, announce: null, toStaff: true },
    },
  ],
  scenarios: [
    {
      direction: 'inbound',
      agent: 0,
      outcome: 'appointment_booked',
      weight: 4,
      duration: [140, 300],
      withLead: true,
      summary: 'New patient {name} (Delta Dental PPO) booked an exam and cleaning for {slot}; new-patient forms link texted.',
      transcript: [
        'Agent: Thank you for calling {business}, this is {agent}. How can I help you today?',
        "Caller: Hi, I just moved to the area and I'm looking for a new dentist. Do you take Delta Dental?",
        "Agent: Welcome! Yes, we're in network with Delta Dental PPO. Would you like to book a new-patient exam and cleaning?",
        'Caller: Yes, please.',
        'Agent: I have {slot} available. New-patient visits take about ninety minutes.',
        'Caller: That works.',
        "Agent: Wonderful. I'll text you a link to our new-patient forms so you can fill them out before you come in.",
        'Caller: Great, thank you.',
      ],
    },
    {
      direction: 'inbound',
      agent: 0,
      outcome: 'emergency_escalated',
      weight: 2,
      duration: [80, 170],
      withLead: true,
      summary:
        '{name} reported a lower-left toothache with mild facial swelling (no fever, no trouble breathing). Escalated and transferred to {staff} for a same-day emergency visit.',
      transcript: [
        'Agent: Thank you for calling {business}, this is {agent}. How can I help you today?',
        'Caller: I have a really bad toothache on the lower left side, and my cheek is a bit swollen.',
        "Agent: I'm sorry you're in pain. Do you have a fever, or any trouble swallowing or breathing?",
        'Caller: No, just the pain and a little swelling.',
        "Agent: Thank you. With swelling we'd like to see you today. I'm transferring you to {staff} at our front desk to find a same-day emergency slot.",
        'Caller: Okay, thank you.',
      ],
    },
    {
      direction: 'inbound',
      agent: 0,
      outcome: 'info_provided',
      weight: 3,
      duration: [60, 150],
      withLead: true,
      summary: '{name} asked about whitening options and Saturday hours. Explained in-office and take-home whitening and texted the booking link.',
      transcript: [
        'Agent: Thank you for calling {business}, this is {agent}. How can I help you today?',
        "Caller: Hi, I'm interested in teeth whitening. What options do you have?",
        'Agent: We offer an in-office whitening visit that takes about an hour, and custom take-home trays. The dentist recommends a cleaning first if it has been more than six months.',
        'Caller: Are you open on Saturdays?',
        "Agent: We're open the first and third Saturday of each month, 8 AM to 1 PM. I can text you our booking link.",
        'Caller: Yes, please do.',
        'Agent: Sent! Anything else I can help with?',
        "Caller: No, that's all. Thanks.",
      ],
    },
    {
      direction: 'inbound',
      agent: 2,
      outcome: 'callback_requested',
      weight: 2,
      duration: [70, 160],
      withLead: true,
      summary: '{name} has a question about an insurance estimate on a recent crown. Verified identity; callback requested from the billing office within one business day.',
      transcript: [
        'Agent: {business} billing and insurance, this is {agent}. How can I help?',
        'Caller: I got a statement for my crown and the amount is higher than the estimate I was given.',
        "Agent: I'm sorry for the confusion. Can you confirm your full name and date of birth?",
        "Caller: It's {name}, and my birthday is in March, the 14th.",
        "Agent: Thank you. Differences usually come from what the insurer finally approves. I've asked our office manager to review your claim and call you back within one business day.",
        'Caller: Okay, thanks.',
      ],
    },
    {
      direction: 'inbound',
      agent: 0,
      outcome: 'appointment_rescheduled',
      weight: 2,
      duration: [50, 120],
      withLead: true,
      summary: '{name} moved a cleaning appointment to {slot} because of a work conflict.',
      transcript: [
        'Agent: Thank you for calling {business}, this is {agent}. How can I help you today?',
        'Caller: I need to move my cleaning appointment. Something came up at work.',
        'Agent: No problem. I can offer {slot} instead.',
        "Caller: Yes, that's better.",
        "Agent: Done. Your cleaning is now {slot}. You'll get a new confirmation by text.",
        'Caller: Thanks so much.',
      ],
    },
    {
      direction: 'outbound',
      agent: 1,
      outcome: 'appointment_booked',
      weight: 3,
      duration: [70, 160],
      withLead: true,
      summary: 'Recall call: {name} was overdue for a cleaning and booked {slot}.',
      transcript: [
        "Agent: Hi {first}, this is {agent} from {business}. I'm calling because it has been about eight months since your last cleaning.",
        "Customer: Oh, right, I've been meaning to schedule that.",
        'Agent: I have {slot}, or Friday morning. Which would you prefer?',
        'Customer: {slot}, please.',
        "Agent: You're booked for {slot}. We'll text you a reminder the day before.",
        'Customer: Great, thank you.',
      ],
    },
    {
      direction: 'outbound',
      agent: 1,
      outcome: 'voicemail_left',
      weight: 2,
      duration: [20, 40],
      withLead: true,
      summary: 'Reached voicemail; left a recall message with the office number {phone}.',
      transcript: [
        "Agent: Hi {first}, this is {agent} from {business}. You're due for your next cleaning and we'd love to see you. Please call us at {phone} or reply to our text to pick a time. Have a great day!",
      ],
    },
    {
      direction: 'outbound',
      agent: 1,
      outcome: 'not_interested',
      weight: 1,
      duration: [30, 70],
      withLead: true,
      summary: '{name} has moved out of the area and switched dentists. Marked not interested.',
      transcript: [
        "Agent: Hi {first}, this is {agent} from {business}. I'm calling because you're due for a cleaning.",
        "Customer: Thanks, but we moved to San Diego last year, so we've found a new dentist.",
        "Agent: Congratulations on the move! I'll update your file so we don't call again. Take care.",
        'Customer: Thanks, you too.',
      ],
    },
  ],
  voicemails: [
    { transcript: "Hi, this is {name}. I need to cancel tomorrow's cleaning, my son is sick. Please call me at {caller} to reschedule.", duration: [14, 28] },
    { transcript: "Hello, {name} here. I chipped a front tooth this evening. It doesn't hurt, but I'd like to come in soon. {caller}.", duration: [15, 30] },
    { transcript: "Hi, it's {name}. Just checking whether you accept Guardian dental insurance. You can reach me at {caller}.", duration: [10, 20] },
    { transcript: 'This is {name}, returning your call about my appointment. My number is {caller}. Thanks!', duration: [8, 18] },
  ],
  leadSources: ['inbound_call', 'website', 'referral', 'google_ads', 'campaign', 'insurance_directory'],
  links: [
    { key: 'booking', label: 'Book an appointment', url: 'https://bright.example.com/book', purpose: 'Patients who want to choose their own time.' },
    { key: 'new-patient-forms', label: 'New-patient forms', url: 'https://bright.example.com/forms/new-patient', purpose: 'Send after booking a first visit.' },
    { key: 'directions', label: 'Directions and parking', url: 'https://bright.example.com/visit', purpose: 'Callers asking where we are or where to park.' },
    { key: 'cancel', label: 'Cancel or reschedule', url: 'https://bright.example.com/appointments', purpose: 'Patients who need to change a booking.' },
  ],
  escalations: [
    { trigger: 'emergency', notify: 'staff_phone', channel: 'sms' },
    { trigger: 'billing_question', notify: 'owner_email', channel: 'email' },
  ],
  notifications: { sms: true, email: false },
  campaigns: [
    { name: 'Overdue cleaning recall', status: 'active', launchedDaysAgo: 20, createdDaysAgo: 21, context: 'Patients overdue for a six-month cleaning.' },
    { name: 'New patient welcome', status: 'draft', launchedDaysAgo: null, createdDaysAgo: 3, context: 'Welcome call after a first visit.' },
  ],
  sms: [
    {
      lead: 'plain',
      messages: [
        ['outbound', 'Bright Smile Dental: reminder of your cleaning tomorrow at 10:30 AM. Reply C to confirm or R to reschedule.'],
        ['inbound', 'C'],
        ['outbound', "Thanks, you're confirmed! See you tomorrow at 10:30 AM. Parking is free in the building garage."],
        ['inbound', 'Can I bring my daughter for a quick look too? She is 7.'],
        ['outbound', "Of course. We'll add a 20-minute child check right after your visit. See you both tomorrow!"],
      ],
    },
  ],
  blocks: [
    { kind: 'opt_out', reason: 'Replied STOP to a recall text.', source: 'sms' },
    { kind: 'do_not_call', reason: 'Patient asked not to receive recall calls.', source: 'call' },
  ],
};

const FIRST_NAMES = [
  'Maria',
  'James',
  'Aisha',
  'Daniel',
  'Sofia',
  'Michael',
  'Kevin',
  'Olivia',
  'Luis',
  'Hannah',
  'Marcus',
  'Grace',
  'Ethan',
  'Chloe',
  'Omar',
  'Emily',
  'Noah',
  'Zoe',
  'Samuel',
  'Lily',
  'Tyler',
  'Rosa',
  'Andre',
  'Nina',
  'Victor',
  'Leah',
  'Caleb',
  'Fatima',
  'Jordan',
  'Ivy',
];
const LAST_NAMES = [
  'Alvarez',
  'Bennett',
  'Chen',
  'Dawson',
  'Edwards',
  'Foster',
  'Garcia',
  'Hughes',
  'Ibrahim',
  'Jensen',
  'Kim',
  'Lopez',
  'Morgan',
  'Nguyen',
  'Okafor',
  'Patel',
  'Quinn',
  'Reyes',
  'Sullivan',
  'Thompson',
  'Underwood',
  'Vasquez',
  'Walker',
  'Young',
  'Zhang',
];
const SLOTS = [
  'Monday at 9:00 AM',
  'Tuesday at 10:30 AM',
  'Wednesday at 1:00 PM',
  'Thursday at 3:30 PM',
  'Friday at 8:30 AM',
  'tomorrow between 8 and 10 AM',
  'tomorrow between 2 and 4 PM',
  'Saturday at 9:30 AM',
];
const LEAD_STATUSES: LeadStatus[] = ['new', 'contacted', 'qualified', 'appointment_set', 'won', 'lost'];

const SCORE_BANDS: Record<LeadStatus, { range: [number, number]; explanations: string[] }> = {
  new: {
    range: [20, 55],
    explanations: [
      'New inquiry with working contact details, but no conversation yet: intent and timing are unknown.',
      'Came in through a form with a clear service need; has not answered the first follow-up yet.',
    ],
  },
  contacted: {
    range: [35, 65],
    explanations: [
      'Spoke with the team once and asked about pricing; no commitment yet. Responds to texts within a day.',
      'Answered the first call and wants information by text; decision expected within a few weeks.',
    ],
  },
  qualified: {
    range: [60, 85],
    explanations: [
      'Confirmed need, inside the service area, and budget discussed on the last call. Asked for next available times.',
      'Decision maker reached; timeline under two weeks and insurance or financing already checked.',
    ],
  },
  appointment_set: {
    range: [75, 95],
    explanations: [
      'Appointment booked and confirmed by text; responsive on both phone and SMS.',
      'Booked on the first call with a specific, urgent need; high likelihood of showing up.',
    ],
  },
  won: {
    range: [85, 99],
    explanations: [
      'Converted: visit completed and paid. Positive call sentiment; a likely repeat customer and referral source.',
      'Became a customer after one follow-up; asked about maintenance plans.',
    ],
  },
  lost: {
    range: [5, 30],
    explanations: ['Chose another provider or asked to stop follow-ups; no recent engagement.', 'Moved out of the service area; not reachable for future work.'],
  },
};

// ── Writing it ──────────────────────────────────────────────────────────────────────────────────

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
const BUSINESS_HOURS: [number, number] = [8 * 60, 18 * 60 + 30];
const EVENING_HOURS: [number, number] = [19 * 60, 23 * 60 + 15];

/**
 * Local wall-clock times of one business as instants: calls happen during its opening hours in its
 * own time zone. Days are counted back from `now`'s local date, so "3 days ago, 10:15" is the same
 * draw whenever the seed runs.
 */
class LocalClock {
  private readonly format: Intl.DateTimeFormat;
  constructor(
    readonly now: Date,
    timeZone: string,
  ) {
    this.format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  }
  private wall(at: number): number {
    const p = Object.fromEntries(this.format.formatToParts(new Date(at)).map((x) => [x.type, Number(x.value)]));
    return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  }
  /** `daysAgo` local days back, at `minuteOfDay` local time; a slot still ahead today becomes yesterday's. */
  at(daysAgo: number, minuteOfDay: number, second = 0): Date {
    const today = this.wall(this.now.getTime());
    const d = new Date(today);
    const wall = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - daysAgo, 0, minuteOfDay, second);
    // Two passes settle the zone offset even across a daylight-saving change.
    let instant = wall - (this.wall(wall) - wall);
    instant = wall - (this.wall(instant) - instant);
    // Stepping back a local day, not 24 hours, keeps the wall-clock time across a DST change.
    if (instant > this.now.getTime() - 30 * MINUTE) return this.at(daysAgo + 1, minuteOfDay, second);
    return new Date(instant);
  }
  ago(ms: number): Date {
    return new Date(this.now.getTime() - ms);
  }
}

/** Unique numbers in the fictional range NXX-555-0100…0199 of the given area codes. */
class PhoneBook {
  private readonly used = new Set<string>();
  constructor(
    private readonly rng: Random,
    private readonly areaCodes: string[],
  ) {}
  /** One of the business's own lines: `line` 0–99 in its first area code. */
  line(line: number): string {
    return this.take(`+1${this.areaCodes[0]}55501${String(line).padStart(2, '0')}`);
  }
  /** An unused customer number from the other area codes. */
  any(): string {
    for (;;) {
      const candidate = `+1${this.rng.pick(this.areaCodes.slice(1))}55501${String(this.rng.int(0, 99)).padStart(2, '0')}`;
      if (!this.used.has(candidate)) return this.take(candidate);
    }
  }
  private take(n: string): string {
    if (this.used.has(n)) throw new Error(`demo number ${n} used twice`);
    this.used.add(n);
    return n;
  }
}

/** `+12125550100` → `(212) 555-0100`, as an agent would say it. */
const spoken = (e164: string): string => `(${e164.slice(2, 5)}) ${e164.slice(5, 8)}-${e164.slice(8)}`;

const fill = (template: string, values: Record<string, string>): string => template.replace(/\{(\w+)\}/g, (whole, key: string) => values[key] ?? whole);

const json = (value: unknown): string => JSON.stringify(value);

type Row<T> = Insertable<T> & { id: string; created_at: Date };

interface LeadDraft {
  row: Row<LeadsTable>;
  first: string;
  name: string;
  address: string;
  /** Local days before the seed the lead came in; a call can involve it only on a later day. */
  daysAgo: number;
  minuteOfDay: number;
  /** The lead's most recent activity, for updated_at and its score's time. */
  lastActivity: number;
}

/** Writes the demo user, both businesses and everything in them; returns the demo user's id. */
async function writeDemo(tx: OwnerDb, rng: Random, now: Date, demoPasswordHash: string): Promise<string> {
  const demoUserId = demoId('user', DEMO_EMAIL);
  await tx
    .insertInto('users')
    .values({ id: demoUserId, email: DEMO_EMAIL, name: 'Demo User', phone: '+12125550109', password_hash: demoPasswordHash, created_at: new Date(now.getTime() - 95 * DAY) })
    .execute();
  for (const plan of [ACME, BRIGHT]) await writeBusiness(tx, rng, new LocalClock(now, plan.timezone), plan, demoUserId);
  return demoUserId;
}

async function writeBusiness(tx: OwnerDb, rng: Random, clock: LocalClock, plan: BusinessPlan, demoUserId: string): Promise<void> {
  const id = (...name: (string | number)[]) => demoId(plan.slug, ...name);
  const phones = new PhoneBook(rng, plan.areaCodes);
  const businessId = id('business');
  const mainLine = phones.line(0);
  const createdAt = clock.ago(90 * DAY);
  await tx.insertInto('businesses').values({ id: businessId, name: plan.name, slug: plan.slug, timezone: plan.timezone, phone: mainLine, created_at: createdAt }).execute();

  // People: the demo user, the business's own owner when the demo user is not it, and one staff
  // member. Staff have no password: they are members and alert recipients, not demo sign-ins.
  const staffPhone = phones.line(11);
  const staffId = demoId('user', plan.staff.email);
  const people: { id: string; email: string; name: string; phone: string; role: Role }[] = [];
  let ownerEmail = DEMO_EMAIL;
  if (plan.owner) {
    people.push({ id: demoId('user', plan.owner.email), email: plan.owner.email, name: plan.owner.name, phone: phones.line(10), role: plan.owner.role });
    ownerEmail = plan.owner.email;
  }
  people.push({ id: staffId, email: plan.staff.email, name: plan.staff.name, phone: staffPhone, role: plan.staff.role });
  await tx
    .insertInto('users')
    .values(people.map((p) => ({ id: p.id, email: p.email, name: p.name, phone: p.phone, password_hash: null, created_at: clock.ago(88 * DAY) })))
    .execute();
  await tx
    .insertInto('memberships')
    .values([
      { business_id: businessId, user_id: demoUserId, role: plan.demoRole, created_at: clock.ago(89 * DAY) },
      ...people.map((p) => ({ business_id: businessId, user_id: p.id, role: p.role, created_at: clock.ago(88 * DAY) })),
    ])
    .execute();

  // Agents with their live configuration, the initial config version, and a number each.
  const agentIds = plan.agents.map((_, i) => id('agent', i));
  const agentLines = plan.agents.map((_, i) => phones.line(i + 1));
  for (const [i, a] of plan.agents.entries()) {
    const config = {
      name: a.name,
      status: a.status,
      voice: a.voice,
      model: a.model,
      language: a.language,
      first_message: a.firstMessage,
      inbound_prompt: a.inboundPrompt,
      sms_prompt: a.smsPrompt,
      max_call_duration_seconds: a.maxCallDurationSeconds,
      transfer_settings: {
        enabled: a.transfer.enabled,
        number: a.transfer.enabled ? (a.transfer.toStaff ? staffPhone : mainLine) : null,
        warm: a.transfer.warm,
        announce: a.transfer.announce,
      },
    };
    const at = clock.ago((80 - i) * DAY);
    await tx
      .insertInto('agents')
      .values({ id: agentIds[i]!, business_id: businessId, ...config, transfer_settings: json(config.transfer_settings), config_version: 1, created_at: at, updated_at: at })
      .execute();
    await tx
      .insertInto('agent_config_versions')
      .values({ id: id('agent', i, 'version', 1), business_id: businessId, agent_id: agentIds[i]!, version: 1, config: json(config), created_by: 'seed', created_at: at })
      .execute();
  }
  const office = plan.places.cities[0]!;
  await tx
    .insertInto('phone_numbers')
    .values([
      {
        id: id('number', 'main'),
        business_id: businessId,
        agent_id: null,
        e164: mainLine,
        label: 'Main line',
        created_at: createdAt,
        emergency_address: json({ street: plan.places.street[0], city: office.city, state: office.state, zip: office.zip, country: 'US' }),
      },
      ...plan.agents.map((a, i) => ({
        id: id('number', i),
        business_id: businessId,
        agent_id: agentIds[i]!,
        e164: agentLines[i]!,
        label: a.name,
        emergency_address: null,
        created_at: clock.ago((80 - i) * DAY),
      })),
    ])
    .execute();

  // Leads: each of the six statuses at least once.
  const usedNames = new Set<string>();
  const leads: LeadDraft[] = [];
  for (let i = 0; i < LEADS_PER_BUSINESS; i++) {
    let first: string;
    let last: string;
    do {
      first = rng.pick(FIRST_NAMES);
      last = rng.pick(LAST_NAMES);
    } while (usedNames.has(`${first} ${last}`));
    usedNames.add(`${first} ${last}`);
    const place = rng.pick(plan.places.cities);
    const street = rng.pick(plan.places.street);
    const daysAgo = rng.int(2, 42);
    const minuteOfDay = rng.int(BUSINESS_HOURS[0], BUSINESS_HOURS[1]);
    const created = clock.at(daysAgo, minuteOfDay);
    leads.push({
      first,
      name: `${first} ${last}`,
      address: `${street}, ${place.city}`,
      daysAgo,
      minuteOfDay,
      lastActivity: created.getTime(),
      row: {
        id: id('lead', i),
        business_id: businessId,
        agent_id: agentIds[rng.chance(0.6) ? 0 : 1]!,
        name: `${first} ${last}`,
        phone: phones.any(),
        email: rng.chance(0.6) ? `${first}.${last}@example.net`.toLowerCase() : null,
        status: i < LEAD_STATUSES.length ? LEAD_STATUSES[i]! : rng.pick(LEAD_STATUSES),
        source: rng.pick(plan.leadSources),
        notes: null,
        address: rng.chance(0.7) ? street : null,
        city: place.city,
        state: place.state,
        zip: place.zip,
        automation_paused: false,
        created_at: created,
        updated_at: created,
      },
    });
  }
  const eligibleOn = (daysAgo: number) => leads.map((l, i) => ({ l, i })).filter(({ l }) => l.daysAgo > daysAgo);

  // Text conversations come first so their leads exist by then: one lead asks for a human
  // (automation paused), one opts out.
  const smsLeads = leads.slice(LEAD_STATUSES.length, LEAD_STATUSES.length + plan.sms.length);
  const conversations: Row<Database['sms_conversations']>[] = [];
  const messages: Row<SmsMessagesTable>[] = [];
  const optOutPhones: string[] = [];
  for (const [ci, conversation] of plan.sms.entries()) {
    const lead = smsLeads[ci]!;
    const agentIndex = conversation.lead === 'plain' ? 0 : 1;
    const daysAgo = rng.int(2, 9);
    const start = clock.at(daysAgo, rng.int(BUSINESS_HOURS[0], BUSINESS_HOURS[1] - 120));
    if (lead.daysAgo <= daysAgo) {
      lead.daysAgo = daysAgo + 1;
      lead.row.created_at = clock.at(lead.daysAgo, lead.minuteOfDay);
      lead.row.updated_at = lead.row.created_at;
    }
    let at = start.getTime();
    for (const [mi, [direction, body]] of conversation.messages.entries()) {
      at += rng.int(1, 25) * MINUTE;
      messages.push({
        id: id('sms', ci, mi),
        business_id: businessId,
        conversation_id: id('conversation', ci),
        agent_id: agentIds[agentIndex]!,
        lead_id: lead.row.id,
        direction,
        from_number: direction === 'inbound' ? lead.row.phone! : agentLines[agentIndex]!,
        to_number: direction === 'inbound' ? agentLines[agentIndex]! : lead.row.phone!,
        body,
        status: direction === 'inbound' ? 'received' : 'delivered',
        failure_reason: null,
        provider: 'simulator',
        provider_message_id: `sim_${rng.hex(24)}`,
        created_at: new Date(at),
      });
    }
    conversations.push({
      id: id('conversation', ci),
      business_id: businessId,
      agent_id: agentIds[agentIndex]!,
      lead_id: lead.row.id,
      contact_number: lead.row.phone!,
      last_message_at: new Date(at),
      created_at: start,
    });
    lead.lastActivity = Math.max(lead.lastActivity, at);
    if (conversation.lead === 'automation_paused') {
      lead.row.automation_paused = true;
      lead.row.notes = 'Asked by text to speak with a person: automated follow-ups paused until a team member calls.';
    }
    if (conversation.lead === 'opt_out') {
      lead.row.status = 'lost';
      lead.row.notes = 'Opted out of texts (replied STOP).';
      optOutPhones.push(lead.row.phone!);
    }
  }

  // Campaigns, before the calls that belong to them.
  const campaigns = plan.campaigns.map((c, ci) => ({
    plan: c,
    row: {
      id: id('campaign', ci),
      business_id: businessId,
      agent_id: agentIds[1]!,
      name: c.name,
      status: c.status,
      cadence: json({ attempts: 3, spacing_minutes: 1440, window_start: '09:00', window_end: c.status === 'draft' ? '17:00' : '18:00' }),
      // Campaigns need an admin or owner: the demo user owns acme but is only a member of bright.
      created_by: plan.demoRole === 'member' ? staffId : demoUserId,
      launched_at: c.launchedDaysAgo === null ? null : clock.ago(c.launchedDaysAgo * DAY),
      created_at: clock.ago(c.createdDaysAgo * DAY),
    } satisfies Row<CampaignsTable>,
  }));

  // Calls: every status at least once; the in-flight ones are minutes old, the rest spread over
  // the last five and a half weeks, inside the answering agent's hours.
  const staffFirst = plan.staff.name.split(' ')[0]!;
  const scriptValues = (lead: LeadDraft | null, agentIndex: number, slot: string) => ({
    agent: plan.agents[agentIndex]!.persona,
    business: plan.name,
    first: lead?.first ?? 'there',
    name: lead?.name ?? 'The caller',
    slot,
    address: lead?.address ?? `${plan.places.street[1]}, ${office.city}`,
    phone: spoken(mainLine),
    staff: staffFirst,
  });
  // The calls to write: every status at least once; each launched campaign's dialling; the rest
  // drawn with a realistic mix.
  const specs: { status: CallStatus; campaign?: (typeof campaigns)[number] }[] = (['queued', 'ringing', 'in-progress', 'no-answer', 'busy', 'failed', 'canceled'] as const).map(
    (status) => ({ status }),
  );
  const dialled = [
    { status: 'completed' as const, weight: 60 },
    { status: 'no-answer' as const, weight: 25 },
    { status: 'busy' as const, weight: 15 },
  ];
  for (const campaign of campaigns.filter((c) => c.plan.launchedDaysAgo !== null)) {
    for (let n = 0; n < CAMPAIGN_CALLS; n++) specs.push({ status: rng.weighted(dialled).status, campaign });
  }
  const terminal = [
    { status: 'completed' as const, weight: 78 },
    { status: 'no-answer' as const, weight: 10 },
    { status: 'busy' as const, weight: 5 },
    { status: 'failed' as const, weight: 4 },
    { status: 'canceled' as const, weight: 3 },
  ];
  while (specs.length < CALLS_PER_BUSINESS) specs.push({ status: rng.weighted(terminal).status });

  const calls: Row<CallsTable>[] = [];
  const inboundMisses: { id: string; at: Date; from: string; lead: LeadDraft | null }[] = [];
  const campaignCalls = new Map<string, { leadIndex: number; callId: string; status: CallStatus; at: Date }[]>();
  for (const [ci, { status, campaign: planned }] of specs.entries()) {
    const callId = id('call', ci);
    let scenario: Scenario | null = null;
    let direction: Direction;
    let agentIndex: number;
    if (status === 'completed') {
      scenario = rng.weighted(planned ? plan.scenarios.filter((s) => s.direction === 'outbound') : plan.scenarios);
      direction = scenario.direction;
      agentIndex = scenario.agent;
    } else if (!planned && (status === 'ringing' || status === 'in-progress' || (status === 'no-answer' && rng.chance(0.5)) || (status === 'failed' && rng.chance(0.3)))) {
      direction = 'inbound';
      agentIndex = status === 'no-answer' ? 2 : 0;
    } else {
      direction = 'outbound';
      agentIndex = 1;
    }
    const inFlight = status === 'queued' || status === 'ringing' || status === 'in-progress';
    // A campaign dials during the ten days after its launch (or since, while it is active).
    const launched = planned?.plan.launchedDaysAgo ?? 0;
    const daysAgo = inFlight ? 0 : planned ? rng.int(Math.max(0, launched - 10), launched - 1) : rng.int(0, 38);
    const hours = plan.agents[agentIndex]!.afterHours ? EVENING_HOURS : BUSINESS_HOURS;
    const created = inFlight ? clock.ago({ queued: 15, ringing: 0.5, 'in-progress': 4 }[status] * MINUTE) : clock.at(daysAgo, rng.int(hours[0], hours[1]), rng.int(0, 59));

    // Outbound calls go to leads; inbound callers are leads most of the time. Only leads that came
    // in on an earlier day qualify.
    const eligible = eligibleOn(daysAgo);
    const wantsLead = scenario ? scenario.withLead && (direction === 'outbound' || rng.chance(0.75)) : direction === 'outbound' || rng.chance(0.5);
    const chosen = wantsLead && eligible.length > 0 ? rng.pick(eligible) : null;
    const lead = chosen?.l ?? null;
    const counterpart = lead ? lead.row.phone! : phones.any();
    if (lead) lead.lastActivity = Math.max(lead.lastActivity, created.getTime());
    const agentLine = agentLines[agentIndex]!;
    const campaign = planned && chosen ? planned : undefined;
    if (campaign && chosen) {
      const list = campaignCalls.get(campaign.row.id) ?? [];
      list.push({ leadIndex: chosen.i, callId, status, at: created });
      campaignCalls.set(campaign.row.id, list);
    }

    const call: Row<CallsTable> = {
      id: callId,
      business_id: businessId,
      agent_id: agentIds[agentIndex]!,
      lead_id: lead?.row.id ?? null,
      campaign_id: campaign?.row.id ?? null,
      direction,
      status,
      to_number: direction === 'inbound' ? agentLine : counterpart,
      from_number: direction === 'inbound' ? counterpart : agentLine,
      duration_seconds: null,
      summary: null,
      transcript: null,
      recording_url: null,
      outcome: null,
      failure_reason: null,
      provider: 'simulator',
      provider_call_id: `sim_${rng.hex(24)}`,
      context: campaign?.plan.context ?? null,
      first_message: direction === 'outbound' ? plan.agents[agentIndex]!.firstMessage : null,
      scheduled_at: null,
      // Handed to the telephony provider: only outbound calls we placed, and not the one still
      // waiting for its scheduled time or the one canceled before dialling.
      dialed_at: direction === 'outbound' && status !== 'queued' && status !== 'canceled' ? created : null,
      started_at: null,
      ended_at: null,
      created_at: created,
      updated_at: created,
    };
    const ringMs = rng.int(3, 12) * 1000;
    const after = (ms: number) => new Date(created.getTime() + ms);
    switch (status) {
      case 'completed': {
        const s = scenario!;
        const duration = rng.int(s.duration[0], s.duration[1]);
        const v = scriptValues(lead, agentIndex, rng.pick(SLOTS));
        Object.assign(call, {
          duration_seconds: duration,
          summary: fill(s.summary, v),
          transcript: s.transcript.map((line) => fill(line, v)).join('\n'),
          recording_url: `https://recordings.example.com/${plan.slug}/${callId}.mp3`,
          outcome: s.outcome,
          started_at: after(ringMs),
          ended_at: after(ringMs + duration * 1000),
          updated_at: after(ringMs + duration * 1000),
        });
        break;
      }
      case 'no-answer':
      case 'busy': {
        const ended = after(status === 'busy' ? 4000 : 30_000);
        Object.assign(call, { duration_seconds: 0, ended_at: ended, updated_at: ended });
        if (status === 'no-answer' && direction === 'inbound') inboundMisses.push({ id: callId, at: ended, from: counterpart, lead });
        break;
      }
      case 'failed': {
        const reason =
          direction === 'inbound'
            ? 'Call dropped before the agent answered (network error).'
            : rng.pick(['Carrier rejected the call: number unreachable.', 'Telephony provider timed out while dialing.']);
        Object.assign(call, { duration_seconds: 0, failure_reason: reason, ended_at: after(2000), updated_at: after(2000) });
        break;
      }
      case 'canceled':
        Object.assign(call, { failure_reason: 'Canceled before dialing.', ended_at: after(MINUTE), updated_at: after(MINUTE) });
        break;
      case 'queued':
        Object.assign(call, { scheduled_at: after(18 * 60 * MINUTE), context: 'Callback the customer asked for, tomorrow morning.' });
        break;
      case 'in-progress':
        Object.assign(call, { started_at: after(ringMs), updated_at: after(ringMs) });
        break;
      case 'ringing':
        break;
    }
    calls.push(call);
  }

  // Voicemails: some left after an unanswered inbound call, the rest on their own.
  const voicemails: Row<VoicemailsTable>[] = plan.voicemails.map((vm, i) => {
    const miss = inboundMisses[i];
    const at = miss ? new Date(miss.at.getTime() + 1000) : clock.at(rng.int(1, 20), rng.int(EVENING_HOURS[0], EVENING_HOURS[1]), rng.int(0, 59));
    const caller = miss?.from ?? phones.any();
    const name = miss?.lead?.name ?? (rng.chance(0.7) ? `${rng.pick(FIRST_NAMES)} ${rng.pick(LAST_NAMES)}` : null);
    const voicemailId = id('voicemail', i);
    return {
      id: voicemailId,
      business_id: businessId,
      agent_id: agentIds[2]!,
      call_id: miss?.id ?? null,
      caller_number: caller,
      caller_name: name,
      transcript: fill(vm.transcript, { name: name ?? 'a customer', caller: spoken(caller) }),
      recording_url: `https://recordings.example.com/${plan.slug}/voicemail/${voicemailId}.mp3`,
      duration_seconds: rng.int(vm.duration[0], vm.duration[1]),
      created_at: at,
    };
  });

  // Do-not-call and opt-out entries: the lead who texted STOP, a lost lead who asked not to be
  // called, and numbers from elsewhere.
  const lostLead = leads.find((l) => l.row.status === 'lost' && !optOutPhones.includes(l.row.phone!));
  let optOutUsed = false;
  const blocks = plan.blocks.map((b, i) => {
    let phone: string;
    if (b.kind === 'opt_out' && b.source === 'sms' && optOutPhones[0] && !optOutUsed) {
      phone = optOutPhones[0];
      optOutUsed = true;
    } else if (b.kind === 'do_not_call' && b.source === 'call' && lostLead) phone = lostLead.row.phone!;
    else phone = phones.any();
    return { id: id('block', i), business_id: businessId, phone, kind: b.kind, reason: b.reason, source: b.source, created_at: clock.ago((1 + rng.int(0, 29)) * DAY) };
  });
  const blocked = new Set(blocks.map((b) => b.phone));

  // Campaign membership follows the calls placed in each campaign; active and draft campaigns also
  // hold leads not dialled yet. A blocked lead is skipped.
  const campaignLeads: Insertable<CampaignLeadsTable>[] = [];
  for (const c of campaigns) {
    const byLead = new Map<number, { callId: string; status: CallStatus; at: Date }[]>();
    for (const call of campaignCalls.get(c.row.id) ?? []) byLead.set(call.leadIndex, [...(byLead.get(call.leadIndex) ?? []), call]);
    for (const [leadIndex, attempts] of byLead) {
      const last = attempts.reduce((a, b) => (a.at > b.at ? a : b));
      const lead = leads[leadIndex]!;
      const status = blocked.has(lead.row.phone!)
        ? 'skipped'
        : last.status === 'completed'
          ? 'completed'
          : last.status === 'failed' || attempts.length >= 3 || c.plan.status === 'completed'
            ? 'failed'
            : 'queued';
      campaignLeads.push({
        business_id: businessId,
        campaign_id: c.row.id,
        lead_id: lead.row.id,
        status,
        attempts: attempts.length,
        last_call_id: last.callId,
        // The next attempt follows the cadence's spacing, and never falls due the moment the
        // server starts: the dialer then places it like any other campaign call.
        next_attempt_at: status === 'queued' ? new Date(Math.max(last.at.getTime() + DAY, clock.now.getTime() + 60 * MINUTE)) : null,
        created_at: c.row.launched_at ?? c.row.created_at,
      });
    }
    if (c.plan.status !== 'completed') {
      const fresh = leads
        .map((l, i) => ({ l, i }))
        .filter(({ l, i }) => !byLead.has(i) && l.row.status !== 'lost' && l.daysAgo > c.plan.createdDaysAgo)
        .slice(0, c.plan.status === 'draft' ? 5 : 3);
      for (const { l } of fresh) {
        campaignLeads.push({
          business_id: businessId,
          campaign_id: c.row.id,
          lead_id: l.row.id,
          // A draft's leads wait for the launch; an active campaign's are queued for the dialer.
          status: blocked.has(l.row.phone!) ? 'skipped' : c.plan.status === 'active' ? 'queued' : 'pending',
          attempts: 0,
          last_call_id: null,
          next_attempt_at: c.plan.status === 'active' ? new Date(clock.now.getTime() + rng.int(1, 48) * 60 * MINUTE) : null,
          created_at: c.row.launched_at ?? c.row.created_at,
        });
      }
    }
  }

  // AI lead scores: most leads have one, some a re-score; the latest explains the current status.
  const scores: Row<LeadScoresTable>[] = [];
  for (const [li, lead] of leads.entries()) {
    lead.row.updated_at = new Date(lead.lastActivity);
    const unscored = rng.chance(0.4);
    const rescored = rng.chance(0.35);
    if (lead.row.status === 'new' && unscored) continue;
    const band = SCORE_BANDS[lead.row.status as LeadStatus];
    if (rescored) {
      scores.push({
        id: id('lead', li, 'score', 1),
        business_id: businessId,
        lead_id: lead.row.id,
        score: rng.int(30, 60),
        model: 'lead-scorer-v1',
        explanation: 'Initial score from the first contact: a service need was stated, timing unclear.',
        created_at: new Date(lead.row.created_at.getTime() + 10 * MINUTE),
      });
    }
    scores.push({
      id: id('lead', li, 'score', 2),
      business_id: businessId,
      lead_id: lead.row.id,
      score: rng.int(band.range[0], band.range[1]),
      model: 'lead-scorer-v2',
      explanation: rng.pick(band.explanations),
      created_at: new Date(Math.min(lead.lastActivity + 5 * MINUTE, clock.now.getTime() - MINUTE)),
    });
  }

  await tx
    .insertInto('leads')
    .values(leads.map((l) => l.row))
    .execute();
  await tx.insertInto('lead_scores').values(scores).execute();
  await tx
    .insertInto('campaigns')
    .values(campaigns.map((c) => c.row))
    .execute();
  await tx.insertInto('calls').values(calls).execute();
  await tx.insertInto('campaign_leads').values(campaignLeads).execute();
  await tx.insertInto('voicemails').values(voicemails).execute();
  await tx.insertInto('sms_conversations').values(conversations).execute();
  await tx.insertInto('sms_messages').values(messages).execute();

  // Operational settings: alerts go to this business's own staff.
  const recipient = { staff_phone: staffPhone, staff_email: plan.staff.email, owner_email: ownerEmail };
  const settingsAt = clock.ago(30 * DAY);
  await tx
    .insertInto('notification_settings')
    .values({
      business_id: businessId,
      notification_phone: staffPhone,
      notification_email: plan.staff.email,
      sms_notifications: plan.notifications.sms,
      email_notifications: plan.notifications.email,
      updated_at: settingsAt,
    })
    .execute();
  await tx
    .insertInto('escalation_rules')
    .values(
      plan.escalations.map((e, position) => ({
        id: id('escalation', position),
        business_id: businessId,
        trigger: e.trigger,
        notify: recipient[e.notify],
        channel: e.channel,
        position,
        created_at: settingsAt,
      })),
    )
    .execute();
  await tx
    .insertInto('business_links')
    .values(
      plan.links.map((l, i) => ({
        id: id('link', l.key),
        business_id: businessId,
        key: l.key,
        label: l.label,
        url: l.url,
        purpose: l.purpose,
        created_at: clock.ago((45 - i) * DAY),
        updated_at: clock.ago((45 - i) * DAY),
      })),
    )
    .execute();
  await tx.insertInto('contact_blocks').values(blocks).execute();

  await writeVoiceRuntime(tx, clock, plan, { businessId, agentIds, onCallPhone: phones.line(12), spareLine: phones.line(13) });
  await writeBookings(tx, clock, plan, businessId, agentIds[0]!);
}

/**
 * The voice-runtime setup (voice-runtime.md §A): the business's office hours, an on-call person who
 * is staff without a user account, a front-desk queue of all staff, a spare number no agent answers,
 * and agent tools: a queue transfer and a text of the booking link attached to the first agent, and
 * an API request left unattached (attached, it would reach out to the internet during demo calls).
 */
async function writeVoiceRuntime(
  tx: OwnerDb,
  clock: LocalClock,
  plan: BusinessPlan,
  at: { businessId: string; agentIds: string[]; onCallPhone: string; spareLine: string },
): Promise<void> {
  const id = (...name: (string | number)[]) => demoId(plan.slug, ...name);
  const { businessId } = at;
  const weekday = [{ start: '08:00', end: '18:00' }];
  const officeHours = {
    weekly: { monday: weekday, tuesday: weekday, wednesday: weekday, thursday: weekday, friday: weekday, saturday: [{ start: '09:00', end: '13:00' }] },
    closures: [{ date: `${clock.now.getUTCFullYear()}-12-25`, reason: 'Christmas Day' }],
  };
  await tx
    .insertInto('business_hours')
    .values({ business_id: businessId, office_hours: json(officeHours), updated_at: clock.ago(60 * DAY) })
    .execute();
  // The second agent answers around the clock.
  const allDay = [{ start: '00:00', end: '24:00' }];
  await tx
    .updateTable('agents')
    .set({ office_hours: json({ weekly: { monday: allDay, tuesday: allDay, wednesday: allDay, thursday: allDay, friday: allDay, saturday: allDay, sunday: allDay } }) })
    .where('id', '=', at.agentIds[1]!)
    .execute();

  // Members became staff when they joined (the membership trigger stamps the seeding time instead).
  const joined = await tx.selectFrom('memberships').select(['user_id', 'created_at']).where('business_id', '=', businessId).execute();
  for (const m of joined) {
    await tx
      .updateTable('staff_members')
      .set({ created_at: m.created_at, updated_at: m.created_at })
      .where('business_id', '=', businessId)
      .where('user_id', '=', m.user_id)
      .execute();
  }
  const evening = [{ start: '18:00', end: '23:00' }];
  await tx
    .insertInto('staff_members')
    .values({
      id: id('staff', 'on-call'),
      business_id: businessId,
      name: plan.slug === 'acme' ? 'Jordan Reyes (on call)' : 'Dr. Priya Nair (on call)',
      phone: at.onCallPhone,
      working_hours: json({ weekly: { monday: evening, tuesday: evening, wednesday: evening, thursday: evening, friday: evening, saturday: allDay, sunday: allDay } }),
      created_at: clock.ago(60 * DAY),
      updated_at: clock.ago(60 * DAY),
    })
    .execute();
  const staff = (await tx.selectFrom('staff_members').select('id').where('business_id', '=', businessId).orderBy('created_at').orderBy('id').execute()).map((r) => r.id);
  const queueId = id('queue', 'front-desk');
  await tx
    .insertInto('staff_queues')
    .values({
      id: queueId,
      business_id: businessId,
      name: 'Front desk',
      description: 'Everyone who answers transferred calls, in ring order.',
      created_at: clock.ago(60 * DAY),
      updated_at: clock.ago(60 * DAY),
    })
    .execute();
  await tx
    .insertInto('staff_queue_members')
    .values(staff.map((staffId, position) => ({ business_id: businessId, queue_id: queueId, staff_id: staffId, position })))
    .execute();

  await tx
    .insertInto('phone_numbers')
    .values({
      id: id('number', 'spare'),
      business_id: businessId,
      agent_id: null,
      e164: at.spareLine,
      label: 'Spare line (texts only)',
      capabilities: ['sms', 'outbound'],
      created_at: clock.ago(30 * DAY),
    })
    .execute();

  const tools = [
    {
      id: id('agent-tool', 'front-desk'),
      type: 'transfer_to_queue' as const,
      name: 'transfer_to_front_desk',
      description: 'Transfer the caller to the front desk when they ask for a person.',
      config: json({ message: 'Let me put you through to the front desk.' }),
      queue_id: queueId,
    },
    {
      id: id('agent-tool', 'booking-link'),
      type: 'sms' as const,
      name: 'text_booking_link',
      description: 'Text the caller the link to book online.',
      config: json({ message: null, linkKey: 'booking' }),
      queue_id: null,
    },
    {
      id: id('agent-tool', 'order-status'),
      type: 'api_request' as const,
      name: 'check_job_status',
      description: 'Look up the status of a job by its number.',
      config: json({
        method: 'GET',
        url: `https://api.${plan.slug}.example.com/jobs/{{job_number}}?caller={{caller_id_number}}`,
        headers: [{ name: 'Accept', value: 'application/json', secret: false }],
        body: null,
        parameters: [{ name: 'job_number', type: 'text', description: 'The job number the caller reads out.', required: true }],
      }),
      queue_id: null,
    },
  ];
  await tx
    .insertInto('agent_tools')
    .values(tools.map((t) => ({ ...t, business_id: businessId, created_at: clock.ago(45 * DAY), updated_at: clock.ago(45 * DAY) })))
    .execute();
  await tx
    .insertInto('agent_tool_links')
    .values(tools.slice(0, 2).map((t, position) => ({ business_id: businessId, agent_id: at.agentIds[0]!, tool_id: t.id, position })))
    .execute();
}

/**
 * Booking: two appointment types every staff member takes, working hours for staff who have none
 * (weekdays 08:00–17:00, Saturday mornings, in the business's zone), and a few appointments: three
 * booked on the next business days, one completed, one cancelled, one no-show. Local times become
 * instants through luxon, so they are right whatever the seeding date's offset.
 */
async function writeBookings(tx: OwnerDb, clock: LocalClock, plan: BusinessPlan, businessId: string, agentId: string): Promise<void> {
  const id = (...name: (string | number)[]) => demoId(plan.slug, ...name);
  const weekday = [{ start: '08:00', end: '17:00' }];
  const hours = { weekly: { monday: weekday, tuesday: weekday, wednesday: weekday, thursday: weekday, friday: weekday, saturday: [{ start: '09:00', end: '13:00' }] } };
  await tx
    .updateTable('staff_members')
    .set({ working_hours: json(hours) })
    .where('business_id', '=', businessId)
    .where('working_hours', 'is', null)
    .execute();
  const staff = (await tx.selectFrom('staff_members').select('id').where('business_id', '=', businessId).orderBy('created_at').orderBy('id').execute()).map((r) => r.id);
  const types = [
    { id: id('appointment-type', 0), name: plan.slug === 'acme' ? 'On-site estimate' : 'Consultation', duration: 60, after: 30, location: 'on_site' as const },
    { id: id('appointment-type', 1), name: 'Phone consultation', duration: 30, after: 0, location: 'phone' as const },
  ];
  for (const [i, type] of types.entries()) {
    await tx
      .insertInto('appointment_types')
      .values({
        id: type.id,
        business_id: businessId,
        name: type.name,
        duration_minutes: type.duration,
        buffer_after_minutes: type.after,
        slot_interval_minutes: 30,
        min_notice_minutes: 120,
        max_days_ahead: 60,
        location: type.location,
        created_at: clock.ago((60 - i) * DAY),
      })
      .execute();
    await tx
      .insertInto('appointment_type_staff')
      .values(staff.map((staffId) => ({ business_id: businessId, appointment_type_id: type.id, staff_id: staffId })))
      .execute();
  }
  await tx.updateTable('agents').set({ default_appointment_type_id: types[0]!.id }).where('id', '=', agentId).execute();

  // Business days from today (negative: back), at a local hour.
  const businessDay = (offset: number, hour: number): Date => {
    let day = DateTime.fromJSDate(clock.now, { zone: plan.timezone }).startOf('day');
    for (let moved = 0; moved < Math.abs(offset); ) {
      day = day.plus({ days: Math.sign(offset) });
      if (day.weekday <= 5) moved++;
    }
    return day.set({ hour }).toJSDate();
  };
  const plans: Array<{ type: number; staff: number; at: Date; status: 'booked' | 'completed' | 'cancelled' | 'no_show'; lead: number }> = [
    { type: 0, staff: 0, at: businessDay(1, 10), status: 'booked', lead: 0 },
    { type: 1, staff: 1 % staff.length, at: businessDay(1, 14), status: 'booked', lead: 1 },
    { type: 0, staff: 2 % staff.length, at: businessDay(3, 9), status: 'booked', lead: 2 },
    { type: 0, staff: 0, at: businessDay(-3, 11), status: 'completed', lead: 3 },
    { type: 1, staff: 1 % staff.length, at: businessDay(-2, 15), status: 'no_show', lead: 4 },
    { type: 0, staff: 0, at: businessDay(2, 13), status: 'cancelled', lead: 5 },
  ];
  await tx
    .insertInto('appointments')
    .values(
      plans.map((a, n) => {
        const type = types[a.type]!;
        const end = new Date(a.at.getTime() + type.duration * MINUTE);
        const bookedAt = new Date(Math.min(clock.now.getTime(), a.at.getTime()) - 2 * DAY);
        return {
          id: id('appointment', n),
          business_id: businessId,
          appointment_type_id: type.id,
          staff_id: staff[a.staff]!,
          lead_id: id('lead', a.lead),
          agent_id: agentId,
          starts_at: a.at,
          ends_at: end,
          blocked_from: a.at,
          blocked_until: new Date(end.getTime() + type.after * MINUTE),
          timezone: plan.timezone,
          status: a.status,
          booked_via: n % 2 === 0 ? ('in_call' as const) : ('mcp' as const),
          notes: a.status === 'cancelled' ? null : 'Booked by the demo seed.',
          cancel_reason: a.status === 'cancelled' ? 'Customer rescheduled by phone' : null,
          created_by: 'seed',
          booked_at: bookedAt,
          cancelled_at: a.status === 'cancelled' ? bookedAt : null,
          no_show_at: a.status === 'no_show' ? end : null,
          // The seed sends nothing: its texts are recorded as already handled.
          confirmation_claimed_at: bookedAt,
          confirmation_status: 'skipped: demo data',
          created_at: bookedAt,
          updated_at: bookedAt,
        };
      }),
    )
    .execute();
}
