// request_kaicalls_update: the governed update broker as a tool. The broker validates the payload
// for its intent and answers exactly one of six outcomes (see broker.ts); this file adds the
// per-intent scope, the idempotency key, and the MCP shape of the answer.
import { z } from 'zod';
import type { Scope } from '../../../scopes/index.js';
import { idempotencyKeyInput } from '../../framework/idempotency-key.js';
import { defineEffectTool } from '../../framework/tool.js';
import { actorFromCredential } from '../../auth/actor.js';
import { authorityInput, brokerOutcomeOutput, dryRunInput, outcomeText, queueForApprovalInput, toOutcomeOutput, type BrokerOutcomeOutput } from '../../framework/broker-outcome.js';
import type { BrokerOutcome } from '../../../domain/updates/broker.service.js';
import { INTENTS, isIntent, requiredScopeForIntent } from '../../../domain/updates/intents.js';

/**
 * The scope one call needs. Runs on RAW arguments at the HTTP edge (before schema validation), so it
 * reads `intent` defensively. A known intent needs its own scope; a missing, malformed or unknown
 * intent (which the broker answers `unsupported`, or the schema refuses) needs agents:write, the
 * broker's general scope, so that a credential without any write scope cannot reach the broker.
 */
export function scopesForUpdateRequest(args: unknown): readonly Scope[] {
  const intent = args && typeof args === 'object' && !Array.isArray(args) ? (args as Record<string, unknown>).intent : undefined;
  return [isIntent(intent) ? requiredScopeForIntent(intent) : 'agents:write'];
}

export const requestKaicallsUpdate = defineEffectTool({
  name: 'request_kaicalls_update',
  title: 'Request a governed KaiCalls update',
  description:
    'Ask the update broker for a governed change: agent.patch, phone.emergency_address.set or transcripts.sink.configure. ' +
    'Prefer update_agent_config (prompt, voice, model), configure_agent_business_rules (one rules section), upsert_lead, send_sms, configure_staff_alerts and configure_textable_links. ' +
    'Needs an idempotency_key; high-risk changes need human authority. Answers needs_user_input, needs_approval, pending_approval, executed, denied or unsupported; never an unaudited side effect.',
  // Every scope that can unlock it (the consent screen lists it under each); one call needs one of them.
  scopes: ['agents:write', 'numbers:write', 'webhooks:write'],
  requiredScopes: scopesForUpdateRequest,
  externalEffect: false,
  annotations: { title: 'Request a governed KaiCalls update', readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  input: {
    intent: z
      .string()
      .min(1)
      .max(100)
      .describe(`What to change: ${INTENTS.join(', ')}. Needs agents:write, numbers:write or webhooks:write respectively; any other intent answers unsupported.`),
    payload: z
      .record(z.string(), z.unknown())
      .default({})
      .describe(
        'The intent’s fields. agent.patch: { agent_id, changes: { first_message?, inbound_prompt?, sms_prompt?, voice?, model?, language?, max_call_duration_seconds?, transfer_settings? }, expected_version? }. ' +
          'phone.emergency_address.set: { phone_number (E.164, one of your lines), address: { street, street2?, city, region, postal_code, country } }. ' +
          'transcripts.sink.configure: { url (public https), enabled?, include_recordings? }. Missing required fields answer needs_user_input naming them.',
      ),
    idempotency_key: idempotencyKeyInput,
    authority: authorityInput,
    dry_run: dryRunInput,
    queue_for_approval: queueForApprovalInput,
  },
  output: {
    ...brokerOutcomeOutput,
    replayed: z.boolean().describe('True when this is the stored first outcome of this idempotency_key, returned again without acting.'),
  },
  async run(input, ctx) {
    const { idempotency_key: key, ...args } = input;
    const ask = (): Promise<BrokerOutcome> =>
      ctx.domain.broker.request({
        businessId: ctx.businessId,
        actor: actorFromCredential(ctx.credential),
        intent: args.intent,
        payload: args.payload,
        authority: args.authority,
        queueForApproval: args.queue_for_approval,
        dryRun: args.dry_run,
        source: 'request_kaicalls_update',
      });
    // A dry run changes nothing, so there is nothing to deduplicate: it leaves the key unused for
    // the real request that usually follows it.
    const { outcome, replayed } = args.dry_run
      ? { outcome: toOutcomeOutput(await ask()), replayed: false }
      : await ctx.domain.idempotency.run<BrokerOutcomeOutput>({ businessId: ctx.businessId, key, tool: 'request_kaicalls_update', args }, async () => toOutcomeOutput(await ask()));
    return { data: { ...outcome, replayed }, text: outcomeText(outcome, replayed) };
  },
});
