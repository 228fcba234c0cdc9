// The scope catalog: the only list of scopes, their plain-words meaning for the consent screen, and
// whether granting one lets a client cause effects outside this server. Imports nothing else.

export const SCOPES = [
  'calls:read',
  'calls:write',
  'agents:read',
  'agents:write',
  'leads:write',
  'sms:write',
  'numbers:write',
  'webhooks:write',
  'appointments:read',
  'appointments:write',
] as const;

export type Scope = (typeof SCOPES)[number];

export interface ScopeInfo {
  readonly scope: Scope;
  /** One line for metadata documents and key listings. */
  readonly description: string;
  /** What the user is allowing, in plain words, on the consent screen. */
  readonly consent: string;
  /** True when the scope lets a client reach the outside world (phone calls, texts). */
  readonly externalEffect: boolean;
}

export const SCOPE_CATALOG: readonly ScopeInfo[] = Object.freeze([
  {
    scope: 'calls:read',
    description: 'Read calls, transcripts, recordings, leads, voicemails, text messages, campaigns and analytics.',
    consent: 'See your calls, transcripts and recordings, leads, voicemails, text messages, campaigns and analytics.',
    externalEffect: false,
  },
  {
    scope: 'calls:write',
    description: 'Place real outbound phone calls and create call campaigns.',
    consent: 'Place real outbound phone calls from your agents and create calling campaigns.',
    externalEffect: true,
  },
  {
    scope: 'agents:read',
    description: 'Read business information, agents and operational settings.',
    consent: 'See your business details, your phone agents and their settings.',
    externalEffect: false,
  },
  {
    scope: 'agents:write',
    description: 'Create agents and agent tools, and change agent configuration, staff alerts, textable links and business rules.',
    consent: 'Create agents and the tools they use during calls, change how your agents answer and behave, who gets staff alerts, and the links agents can text.',
    externalEffect: false,
  },
  {
    scope: 'leads:write',
    description: 'Create and update leads.',
    consent: 'Create and update your leads.',
    externalEffect: false,
  },
  {
    scope: 'sms:write',
    description: "Send text messages from your agents' phone lines.",
    consent: "Send real text messages from your agents' phone numbers.",
    externalEffect: true,
  },
  {
    scope: 'numbers:write',
    description: 'Point phone numbers at agents and change their settings, such as the emergency address.',
    consent: 'Choose which agent answers each of your phone numbers, and change their settings such as the emergency address.',
    externalEffect: false,
  },
  {
    scope: 'webhooks:write',
    description: 'Configure where call transcripts are delivered.',
    consent: 'Choose where your call transcripts are sent.',
    externalEffect: false,
  },
  {
    scope: 'appointments:read',
    description: 'Read appointments, availability and routing rules.',
    consent: 'See your appointments, when your staff can be booked, and who gets new bookings.',
    externalEffect: false,
  },
  {
    scope: 'appointments:write',
    description: 'Hold, book, reschedule, cancel and mark no-shows of appointments; manage routing rules. Booking texts the customer a confirmation.',
    consent: 'Book, move and cancel appointments for your customers (who get a confirmation text), and change who gets new bookings.',
    externalEffect: true,
  },
] satisfies ScopeInfo[]);

export const READ_ONLY_SCOPES: readonly Scope[] = ['agents:read', 'calls:read'];

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/** Splits "a b" or "a,b" into scopes; unknown names are returned separately so callers can name them. */
export function parseScopes(value: string): { scopes: Scope[]; unknown: string[] } {
  const parts = [...new Set(value.split(/[\s,]+/).filter(Boolean))];
  return {
    scopes: parts.filter(isScope),
    unknown: parts.filter((p) => !isScope(p)),
  };
}

/** The gate: which of `required` are not in `granted`. Empty means allowed. */
export function missingScopes(required: readonly Scope[], granted: readonly string[]): Scope[] {
  return required.filter((s) => !granted.includes(s));
}
