// make_call: an AI agent phones someone. The effect is real and cannot be taken back, so:
//
// - the idempotency key makes a retried request (a client timeout, a reconnect) answer with the
//   first request's call instead of ringing the person twice;
// - when the client supports MCP elicitation, the user confirms the number and the agent first
//   (the seed: "ask for explicit user confirmation, show the destination number and agent"). The
//   question is asked inside the idempotent effect, after the key is claimed: a replay never asks
//   again, and a decline is a refusal (an AppError), which gives the key back so the user can
//   still say yes to a retry with the same key;
// - the telephony service runs the compliance gates, commits the call row, then dials.
import { z } from 'zod';
import { AppError } from '../../../shared/errors.js';
import { maskPhone } from '../../../shared/log.js';
import { idempotencyKeyInput } from '../../framework/idempotency-key.js';
import { CALL_STATUSES, type Call } from '../../../domain/calls/calls.types.js';
import { MAX_VARIABLE_LENGTH, MAX_VARIABLES, VARIABLE_NAME } from '../../../domain/calls/variables.js';
import { defineEffectTool, type ToolPeer } from '../../framework/tool.js';
import { actorFromCredential } from '../../auth/actor.js';

const input = {
  agent_id: z.guid().describe('The agent that places the call (an id from list_agents); it calls from its own line.'),
  to: z.string().max(32).describe('The number to call, in E.164: "+", country code and number, no spaces (for example +14155552671).'),
  idempotency_key: idempotencyKeyInput,
  name: z.string().trim().min(1).max(200).optional().describe('Name of the person called, so the agent can greet them.'),
  context: z.string().trim().min(1).max(4000).optional().describe('What the call is about, handed to the agent (for example "confirm Tuesday 10am appointment").'),
  first_message: z.string().trim().min(1).max(1000).optional().describe("What the agent says first, instead of the agent's usual greeting."),
  lead_id: z.guid().optional().describe('The lead this call belongs to (an id from list_leads); its automation pause is respected.'),
  scheduled_at: z.iso
    .datetime({ offset: true })
    .optional()
    .describe('Place the call later, at this ISO 8601 date-time (within 30 days); quiet hours are judged at that time and checked again when it is dialled.'),
  variable_values: z
    .record(z.string().regex(VARIABLE_NAME, { message: 'variable names are letters, digits and "_", not starting with a digit' }), z.string().max(MAX_VARIABLE_LENGTH))
    .optional()
    .describe(`Values for {{name}} placeholders in the agent's first message and prompt, for this call only (at most ${MAX_VARIABLES}).`),
};

const placedCallOutput = z.object({
  id: z.guid().describe('Call id: pass it as call_id to check_call_status, get_transcript or get_call_recording.'),
  status: z.enum(CALL_STATUSES).describe('Status when this answer was given: queued (handed to the provider or waiting for scheduled_at), or failed when the provider refused it.'),
  to: z.string().describe('The number called, E.164.'),
  from: z.string().describe("The agent's line it calls from, E.164."),
  agent_id: z.guid().nullable().describe('The agent placing the call.'),
  lead_id: z.guid().nullable().describe('The lead the call belongs to, or null.'),
  scheduled_at: z.string().nullable().describe('When a scheduled call will be dialled, ISO 8601 (UTC), or null for a call placed now.'),
  failure_reason: z.string().nullable().describe('Why the call failed, when status is failed.'),
  created_at: z.string().describe('When the call was recorded, ISO 8601 (UTC).'),
});

type PlacedCall = z.infer<typeof placedCallOutput>;

const toPlacedCall = (call: Call): PlacedCall => ({
  id: call.id,
  status: call.status,
  to: call.to,
  from: call.from,
  agent_id: call.agentId,
  lead_id: call.leadId,
  scheduled_at: call.scheduledAt ? call.scheduledAt.toISOString() : null,
  failure_reason: call.failureReason,
  created_at: call.createdAt.toISOString(),
});

export const makeCall = defineEffectTool({
  name: 'make_call',
  title: 'Make a call',
  description:
    'Place a real outbound phone call to a real person through an AI agent: confirm the number and agent with the user first. ' +
    'Compliance gates (invalid number, do-not-call, opt-out, paused automation, recipient’s quiet hours, rate limit) each refuse with their own error_code. ' +
    'Follow it with check_call_status and get_transcript.',
  scopes: ['calls:write'],
  externalEffect: true,
  annotations: { title: 'Make a call', readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  input,
  output: {
    call: placedCallOutput.describe('The call as recorded.'),
    replayed: z.boolean().describe('True when this answer repeats the first request with the same idempotency_key; no new call was placed.'),
  },
  auditDetails: (args) => ({
    agent_id: args.agent_id,
    to: typeof args.to === 'string' ? maskPhone(args.to) : null,
    lead_id: args.lead_id ?? null,
    scheduled_at: args.scheduled_at ?? null,
    idempotency_key: args.idempotency_key,
    has_context: args.context !== undefined,
    has_first_message: args.first_message !== undefined,
    // Names only: the values may be personal details.
    variable_names: args.variable_values ? Object.keys(args.variable_values) : [],
  }),
  async run(input, ctx) {
    const { idempotency_key: key, ...args } = input;
    const { outcome: call, replayed } = await ctx.domain.idempotency.run({ businessId: ctx.businessId, key, tool: 'make_call', args }, async (): Promise<PlacedCall> => {
      const placed = await ctx.domain.calls.placeCall(
        {
          businessId: ctx.businessId,
          actor: actorFromCredential(ctx.credential),
          agentId: input.agent_id,
          to: input.to,
          leadId: input.lead_id ?? null,
          name: input.name ?? null,
          context: input.context ?? null,
          firstMessage: input.first_message ?? null,
          variableValues: input.variable_values ?? null,
          scheduledAt: input.scheduled_at ? new Date(input.scheduled_at) : null,
        },
        ctx.peer.canElicit ? { confirm: ({ agentName }) => confirmWithUser(input, agentName, ctx.peer) } : {},
      );
      return toPlacedCall(placed);
    });
    // The provider refused or could not be reached: the call is recorded as failed (and the key
    // keeps that answer, so a retry never dials), and the caller is told it did not happen.
    if (call.status === 'failed') {
      throw new AppError(
        'provider_unavailable',
        `${describePlaced(call, replayed)} Nothing was dialled; a retry with the same idempotency_key answers this again, a new key tries again.`,
        {
          call_id: call.id,
        },
      );
    }
    return { data: { call, replayed }, text: describePlaced(call, replayed) };
  },
});

function describePlaced(call: PlacedCall, replayed: boolean): string {
  const prefix = replayed ? 'Already done with this idempotency_key (no new call): ' : '';
  if (call.status === 'failed') return `${prefix}The call to ${call.to} failed: ${call.failure_reason ?? 'no reason given'}. Call id ${call.id}.`;
  if (call.scheduled_at) return `${prefix}Call to ${call.to} scheduled for ${call.scheduled_at}. Call id ${call.id}; check it with check_call_status.`;
  return `${prefix}Calling ${call.to} from ${call.from} (status ${call.status}). Call id ${call.id}; follow it with check_call_status, then get_transcript.`;
}

/**
 * Asks the user to confirm the destination and the agent (MCP elicitation, form mode). placeCall
 * asks only once the agent can dial and the gates allow the call (nobody approves a call that
 * would be refused anyway). Returns when the user confirmed; throws `declined` otherwise.
 */
async function confirmWithUser(input: { to: string; name?: string; scheduled_at?: string }, agentName: string, peer: ToolPeer): Promise<void> {
  const whom = input.name ? `${input.name} at ${input.to}` : input.to;
  const when = input.scheduled_at ? ` at ${new Date(input.scheduled_at).toISOString().replace('T', ' ').slice(0, 16)} UTC` : ' now';
  let answer: Awaited<ReturnType<ToolPeer['elicit']>>;
  try {
    answer = await peer.elicit({
      mode: 'form',
      message: `Place a real phone call to ${whom}${when}, by the AI agent "${agentName}"?`,
      requestedSchema: {
        type: 'object',
        properties: {
          confirm: {
            type: 'boolean',
            title: `Call ${input.to} with ${agentName}`,
            description: 'Yes places the call; no places nothing.',
            default: false,
          },
        },
        required: ['confirm'],
      },
    });
  } catch (err) {
    // No answer (a timeout, a client that failed the request): nothing was placed, so this is a
    // refusal that gives the idempotency key back, not an unknown outcome.
    throw new AppError('unavailable', `The confirmation request to the user got no answer (${err instanceof Error ? err.message : String(err)}); no call was placed. Try again.`, {
      reason: 'confirmation_unanswered',
    });
  }
  if (answer.action === 'accept' && answer.content?.confirm === true) return;
  const what = answer.action === 'cancel' ? 'dismissed the confirmation of the call' : 'declined the call';
  throw new AppError('declined', `The user ${what} to ${input.to}; no call was placed.`, { action: answer.action });
}
