// send_sms: a text from one of the business's agent lines. Like make_call it reaches a real person,
// so it is idempotent by key (a retried request never sends twice) and the SMS service runs the
// gates (opt-out, do-not-call, the lead's automation pause, quiet hours, the per-business rate
// limit) before it records the message and hands it to the provider.
import { z } from 'zod';
import { maskPhone } from '../../../shared/log.js';
import { idempotencyKeyInput } from '../../framework/idempotency-key.js';
import { MAX_SMS_LENGTH } from '../../../domain/sms/sms.service.js';
import { defineEffectTool } from '../../framework/tool.js';
import { actorFromCredential } from '../../auth/actor.js';
import { smsMessageOutput, toSmsMessageOutput, type SmsMessageOutput } from './sms-output.js';

export const sendSms = defineEffectTool({
  name: 'send_sms',
  title: 'Send a text message',
  description:
    "Send a text from an agent's phone line. Compliance gates (opt-out, do-not-call, quiet hours) and rate limits apply; each refusal has its own error_code. " +
    "lead_id attributes the text and respects that lead's automation pause.",
  scopes: ['sms:write'],
  externalEffect: true,
  annotations: { title: 'Send a text message', readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  input: {
    from_agent_id: z.guid().describe('The agent whose phone line sends the text (an id from list_agents).'),
    to: z.string().max(32).describe('The recipient, in E.164: "+", country code and number, no spaces (for example +14155552671).'),
    message: z.string().min(1).max(MAX_SMS_LENGTH).describe(`The text to send, 1–${MAX_SMS_LENGTH} characters.`),
    idempotency_key: idempotencyKeyInput,
    lead_id: z.guid().optional().describe("The lead the text is attributed to (an id from list_leads); refused while that lead's automation is paused."),
  },
  output: {
    message: smsMessageOutput.describe('The message as recorded: status sent once the provider accepted it, failed (with failure_reason) when it refused.'),
    replayed: z.boolean().describe('True when this answer repeats the first request with the same idempotency_key; nothing new was sent.'),
  },
  // The text itself stays out of the audit log (it is the recipient's correspondence); its length is enough.
  auditDetails: (args) => ({
    from_agent_id: args.from_agent_id,
    to: typeof args.to === 'string' ? maskPhone(args.to) : null,
    lead_id: args.lead_id ?? null,
    message_length: typeof args.message === 'string' ? args.message.length : null,
    idempotency_key: args.idempotency_key,
  }),
  async run(input, ctx) {
    const { idempotency_key: key, ...args } = input;
    const { outcome: message, replayed } = await ctx.domain.idempotency.run({ businessId: ctx.businessId, key, tool: 'send_sms', args }, async (): Promise<SmsMessageOutput> => {
      const sent = await ctx.domain.sms.sendSms({
        businessId: ctx.businessId,
        actor: actorFromCredential(ctx.credential),
        fromAgentId: input.from_agent_id,
        to: input.to,
        body: input.message,
        leadId: input.lead_id ?? null,
      });
      return toSmsMessageOutput(sent);
    });
    const prefix = replayed ? 'Already done with this idempotency_key (nothing new sent): ' : '';
    const text =
      message.status === 'failed'
        ? `${prefix}The text to ${message.to} failed: ${message.failure_reason ?? 'no reason given'}. Message id ${message.id}.`
        : `${prefix}Text to ${message.to} from ${message.from} ${message.status}. Message id ${message.id}, conversation ${message.conversation_id}.`;
    return { data: { message, replayed }, text };
  },
});
