// The update broker as MCP clients see it: the governance inputs (authority, queue_for_approval,
// dry_run) and one flat answer shape for request_kaicalls_update, update_agent_config and
// configure_agent_business_rules, whatever the outcome. `status` is always
// one of the six outcomes of tools.md; fields that belong to other outcomes are null, so a client
// can branch on `status` alone.
//
// A dry run is reported as the outcome the real request WOULD produce, with `dry_run: true`, the
// plan, and nothing else (no approval id, no change): tools.md promises exactly six outcomes, and
// "what would happen" is the useful answer to a dry run. The message says nothing changed.
import { z } from 'zod';
import { AuthorityEnvelopeSchema } from '../../domain/updates/authority.js';
import type { BrokerOutcome } from '../../domain/updates/broker.service.js';

export const authorityInput = AuthorityEnvelopeSchema.optional().describe(
  'Human authority for a high-impact change: the acting admin or owner (the signed-in user, or the member who issued the API key) and their own statement. Without it: needs_approval.',
);

export const queueForApprovalInput = z
  .boolean()
  .default(false)
  .describe('Without authority, queue a high-impact change for an admin’s approval in the dashboard (pending_approval) rather than answer needs_approval.');

export const dryRunInput = z.boolean().default(false).describe('Return the plan and the outcome a real request would have, changing nothing.');

export const OUTCOME_STATUSES = ['needs_user_input', 'needs_approval', 'pending_approval', 'executed', 'denied', 'unsupported'] as const;
export type OutcomeStatus = (typeof OUTCOME_STATUSES)[number];

const fieldChanges = z
  .record(
    z.string(),
    z.object({
      from: z.unknown().describe('The value before the change.'),
      to: z.unknown().describe('The value after the change.'),
    }),
  )
  .describe('Only the fields whose value changes, by field name.');

const planOutput = z.object({
  summary: z.string().describe('The change in one sentence.'),
  target: z
    .record(z.string(), z.union([z.string(), z.number(), z.null()]))
    .describe('What is changed: { agent_id, agent_name, version }, { phone_number_id, phone_number } or { sink }.'),
  changes: fieldChanges,
  high_impact_fields: z.array(z.string()).describe('The changed fields that make this change need a person’s authority (prompt, voice, transfer, emergency address…).'),
});

const changeOutput = planOutput.extend({
  version: z
    .object({ from: z.number().int().describe('Config version before.'), to: z.number().int().describe('Config version after.') })
    .nullable()
    .describe('The agent config version before and after (agent.patch only; equal when nothing changed).'),
  approval_id: z.guid().nullable().describe('The approval this change executed, when it came from one.'),
  authorized_by: z
    .object({
      user_id: z.guid().describe('Who gave the authority.'),
      email: z.string().describe('Their email.'),
      role: z.string().describe('Their role in the business (owner or admin).'),
      statement: z.string().describe('Their statement, as recorded.'),
    })
    .nullable()
    .describe('The admin or owner whose authority applied a high-impact change, or null.'),
});

/** The output fields every broker-backed tool returns. */
export const brokerOutcomeOutput = {
  status: z
    .enum(OUTCOME_STATUSES)
    .describe(
      'needs_user_input (ask the user for `missing_fields`), needs_approval (repeat with `authority` or queue_for_approval), ' +
        'pending_approval (queued as `approval_id` for the dashboard), executed (see `change`), denied (see `reason`), unsupported (see `supported_intents`).',
    ),
  intent: z.string().describe('The intent the broker handled, such as agent.patch.'),
  message: z.string().describe('What happened and what to do next, in words.'),
  dry_run: z.boolean().describe('True when this was a dry run: `status` is what a real request would answer, and nothing changed.'),
  missing_fields: z.array(z.string()).nullable().describe('needs_user_input: the payload fields to ask the user for.'),
  supported_intents: z.array(z.string()).nullable().describe('unsupported: the intents the broker knows.'),
  reason: z.string().nullable().describe('denied: why the authority offered does not hold.'),
  approval_id: z.guid().nullable().describe('pending_approval: the approval an admin decides in the dashboard.'),
  plan: planOutput.nullable().describe('needs_approval, pending_approval and dry runs: the change that was worked out.'),
  change: changeOutput.nullable().describe('executed: the change as applied (fields, config version, who authorized it).'),
};

export type BrokerOutcomeOutput = {
  status: OutcomeStatus;
  intent: string;
  message: string;
  dry_run: boolean;
  missing_fields: string[] | null;
  supported_intents: string[] | null;
  reason: string | null;
  approval_id: string | null;
  plan: z.infer<typeof planOutput> | null;
  change: z.infer<typeof changeOutput> | null;
};

export function toOutcomeOutput(outcome: BrokerOutcome): BrokerOutcomeOutput {
  const empty = { dry_run: false, missing_fields: null, supported_intents: null, reason: null, approval_id: null, plan: null, change: null };
  const base = { intent: outcome.intent, message: outcome.message };
  switch (outcome.status) {
    case 'needs_user_input':
      return { ...empty, ...base, status: outcome.status, missing_fields: outcome.missing_fields };
    case 'unsupported':
      return { ...empty, ...base, status: outcome.status, supported_intents: outcome.supported_intents };
    case 'denied':
      return { ...empty, ...base, status: outcome.status, reason: outcome.reason };
    case 'needs_approval':
      return { ...empty, ...base, status: outcome.status, plan: outcome.plan };
    case 'pending_approval':
      return { ...empty, ...base, status: outcome.status, approval_id: outcome.approval_id, plan: outcome.plan };
    case 'executed':
      return { ...empty, ...base, status: outcome.status, change: outcome.change };
    case 'dry_run':
      return { ...empty, ...base, status: outcome.would, dry_run: true, plan: outcome.plan };
  }
}

/** The `content` text: the status first, so a reader sees the outcome before the detail. */
export function outcomeText(output: BrokerOutcomeOutput, replayed = false): string {
  const head = `${output.dry_run ? `would be ${output.status}` : output.status}${replayed ? ' (replayed: the first outcome of this idempotency_key)' : ''}`;
  return `${head}: ${output.message}`;
}
