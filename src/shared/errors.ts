// One error family for domain code. Each edge (Koa, oidc-provider, MCP) maps AppError to its wire
// format in exactly one place; anything that is not an AppError is an internal error there.
import type { z } from 'zod';

export type ErrorCode =
  | 'invalid_argument'
  | 'not_found'
  | 'conflict'
  | 'missing_scope'
  | 'forbidden'
  | 'unauthenticated'
  | 'compliance_blocked'
  // Outbound-contact gates (src/resource/compliance): each refusal has its own code so a client can
  // tell "fix the number" from "never call this person" from "try again later".
  | 'invalid_phone_number'
  | 'do_not_call'
  | 'opted_out'
  | 'quiet_hours'
  | 'automation_paused'
  | 'rate_limited'
  // The user, asked to confirm an effect through MCP elicitation, declined or cancelled: nothing happened.
  | 'declined'
  // A booking hold (hold_appointment) that expired or was already used: hold the slot again.
  | 'hold_expired'
  | 'unavailable'
  | 'payload_too_large'
  // The in-call surface (spec/voice-runtime.md §B): the call named by the runtime has ended; a
  // transfer to a number the business has not allowed; an agent tool's outbound request refused
  // (scheme or address not allowed), timed out, answered too much, or failed.
  | 'call_not_active'
  | 'destination_not_allowed'
  | 'upstream_refused'
  | 'upstream_timeout'
  | 'upstream_too_large'
  | 'upstream_failed'
  // The voice provider (Vapi) could not be reached, answered an error or too late: nothing was placed
  // or saved there; what was recorded here says so.
  | 'provider_unavailable'
  | 'internal';

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const notFound = (what: string) => new AppError('not_found', `${what} not found`);
export const invalidArgument = (message: string, details?: Record<string, unknown>) => new AppError('invalid_argument', message, details);

/** A schema's refusal as invalid_argument naming the first bad field, e.g. `payload.changes.voice: …` or `links[1].key: …`. */
export function invalidArgumentFrom(error: z.ZodError, prefix: readonly string[] = []): AppError {
  const issue = error.issues[0]!;
  // An unknown key is reported on its parent; the field to name is the key itself.
  const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
  const field = fieldPath([...prefix, ...issue.path, ...(keys.length === 1 ? keys : [])]);
  const problem = issue.code === 'unrecognized_keys' ? `unknown field${keys.length > 1 ? `s ${keys.join(', ')}` : ''}` : issue.message;
  return invalidArgument(field ? `${field}: ${problem}` : problem, field ? { field } : undefined);
}

const fieldPath = (path: readonly PropertyKey[]) =>
  path.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : acc ? `${acc}.${String(key)}` : String(key)), '');

/** HTTP status for an error code at the Koa edge. */
export function httpStatusOf(code: ErrorCode): number {
  switch (code) {
    case 'invalid_argument':
    case 'invalid_phone_number':
      return 400;
    case 'unauthenticated':
      return 401;
    case 'missing_scope':
    case 'forbidden':
    case 'compliance_blocked':
    case 'do_not_call':
    case 'opted_out':
    case 'quiet_hours':
    case 'automation_paused':
    case 'declined':
      return 403;
    case 'not_found':
      return 404;
    case 'conflict':
    case 'call_not_active':
    case 'hold_expired':
      return 409;
    case 'destination_not_allowed':
    case 'upstream_refused':
      return 403;
    case 'upstream_timeout':
      return 504;
    case 'upstream_too_large':
    case 'upstream_failed':
    case 'provider_unavailable':
      return 502;
    case 'payload_too_large':
      return 413;
    case 'rate_limited':
      return 429;
    case 'unavailable':
      return 503;
    case 'internal':
      return 500;
  }
}
