// The agent tools a business attached to an agent, as the in-call surface lists and runs them
// (spec/voice-runtime.md §A types, §B rules): each type's arguments as a schema the model fills, and
// its effect through the same rules as everything else: transfers through the allowed-destination
// check, texts through the SMS service (compliance gates), and `api_request` / `function` through the
// safe outbound client (shared/outbound-http.ts). Header values, secret or not, are never returned,
// audited or logged: only the status and the answer's body come back.
import { z, type ZodType } from 'zod';
import type { Db } from '../../shared/db.js';
import { AppError, invalidArgument } from '../../shared/errors.js';
import { OutboundError, type OutboundHttp, type OutboundResponse } from '../../shared/outbound-http.js';
import type { Actor } from '../audit/actor.js';
import { createAgentToolsRepository } from '../agent-tools/agent-tools.repository.js';
import type { AgentToolWithSecrets, ToolParameter } from '../agent-tools/agent-tools.types.js';
import { createSettingsRepository } from '../settings/settings.repository.js';
import type { SmsService } from '../sms/sms.service.js';
import { createStaffService } from '../staff/staff.service.js';
import type { InCallService } from './in-call.service.js';
import type { InCallContext } from './in-call.types.js';

/** What an agent tool's call answers: the fields of `structuredContent` and a short text. */
export interface AgentToolOutcome {
  text: string;
  data: Record<string, unknown>;
}

/** What a model is shown of an upstream answer's body; the whole answer was still capped at 256 KB. */
const MAX_BODY_SHOWN = 16_000;
const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

export interface AgentToolCallsDeps {
  db: Db;
  inCall: InCallService;
  sms: SmsService;
  outbound: OutboundHttp;
}

export interface AgentToolCalls {
  /** The tools attached to the context's agent, in attachment order, with their secrets (for running only). */
  attached(businessId: string, agentId: string): Promise<AgentToolWithSecrets[]>;
  /** The arguments a tool takes, as a zod shape (every field described). */
  inputShape(tool: AgentToolWithSecrets): Record<string, ZodType>;
  /** Whether running the tool acts in the call (every type does: a transfer, a text, a request). */
  run(tool: AgentToolWithSecrets, args: Record<string, unknown>, context: InCallContext, actor: Actor, now: Date): Promise<AgentToolOutcome>;
}

export function createAgentToolCalls(deps: AgentToolCallsDeps): AgentToolCalls {
  const { db, inCall, sms, outbound } = deps;
  const staff = createStaffService();

  const parameterSchema = (p: ToolParameter): ZodType => {
    const base =
      p.type === 'number'
        ? z.number().finite()
        : p.type === 'dropdown'
          ? z.enum((p.options ?? []) as [string, ...string[]])
          : z.string().trim().min(1, 'must not be empty').max(1000, 'must be at most 1000 characters');
    const described = base.describe(p.description || p.name);
    return p.required ? described : described.optional();
  };

  const callVariables = (context: InCallContext): Record<string, string> => ({
    call_id: context.call.id,
    caller_id_number: context.callerNumber ?? '',
    agent_id: context.agent.id,
    business_id: context.businessId,
  });

  /** `{{name}}` replaced by its value, each value passed through `encode` for where it lands. */
  const fill = (template: string, values: Record<string, unknown>, encode: (value: string) => string) =>
    template.replace(PLACEHOLDER, (_, name: string) => {
      const value = values[name];
      return value === undefined || value === null ? '' : encode(String(value));
    });

  async function request(tool: AgentToolWithSecrets, args: Record<string, unknown>, context: InCallContext): Promise<AgentToolOutcome> {
    const config = tool.config;
    if (config.type !== 'api_request' && config.type !== 'function') throw new Error('not a request tool');
    const values = { ...args, ...callVariables(context) };
    const headers: Record<string, string> = {};
    for (const h of config.headers) {
      const raw = h.secret ? (tool.secretHeaders[h.name] ?? '') : fill(h.value ?? '', values, (v) => v);
      // A caller's words must not add headers or split the request.
      if (/[\r\n\0]/.test(raw)) throw invalidArgument(`A value given to ${tool.name} cannot be sent in a header`);
      headers[h.name] = raw;
    }
    let url: string;
    let method: string;
    let body: string | null;
    if (config.type === 'api_request') {
      url = fill(config.url, values, encodeURIComponent);
      method = config.method;
      // Placeholders in a body are JSON string contents: a caller's quote cannot end the string.
      body = config.body ? fill(config.body, values, (v) => JSON.stringify(v).slice(1, -1)) : null;
      if (body && !Object.keys(headers).some((n) => n.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
    } else {
      url = config.serverUrl;
      method = 'POST';
      body = JSON.stringify(args);
      headers['content-type'] = 'application/json';
      headers['x-kaicalls-call-id'] = context.call.id;
      headers['x-kaicalls-agent-id'] = context.agent.id;
    }
    let answer: OutboundResponse;
    try {
      answer = await outbound({ method, url, headers, body });
    } catch (err) {
      if (!(err instanceof OutboundError)) throw err;
      const code = ({ refused: 'upstream_refused', timeout: 'upstream_timeout', too_large: 'upstream_too_large', failed: 'upstream_failed' } as const)[err.kind];
      throw new AppError(code, `${tool.name}: the request was not made or not answered: ${err.message}.`);
    }
    if (answer.status >= 400) throw new AppError('upstream_failed', `${tool.name}: the service answered HTTP ${answer.status}.`, { status: answer.status });
    const shown = answer.body.length > MAX_BODY_SHOWN ? answer.body.slice(0, MAX_BODY_SHOWN) : answer.body;
    return {
      text: shown || `${tool.name}: done (HTTP ${answer.status}).`,
      data: { status: answer.status, content_type: answer.contentType, body: shown, body_truncated: shown.length < answer.body.length },
    };
  }

  return {
    attached: (businessId, agentId) => db.forBusiness(businessId, (tx) => createAgentToolsRepository(tx, businessId).withSecretsForAgent(agentId)),

    inputShape(tool) {
      const config = tool.config;
      switch (config.type) {
        case 'transfer_call': {
          const numbers = config.destinations.map((d) => d.number) as [string, ...string[]];
          const described = z
            .enum(numbers)
            .describe(`Where to transfer the caller: ${config.destinations.map((d) => `${d.number}${d.description ? ` (${d.description})` : ''}`).join('; ')}.`);
          return { destination: numbers.length === 1 ? described.optional() : described };
        }
        case 'api_request':
        case 'function':
          return Object.fromEntries(config.parameters.map((p) => [p.name, parameterSchema(p)]));
        default:
          return {};
      }
    },

    async run(tool, args, context, actor, now) {
      inCall.requireLive(context);
      const config = tool.config;
      switch (config.type) {
        case 'transfer_call': {
          const destination = typeof args.destination === 'string' ? args.destination : config.destinations[0]!.number;
          const transfer = await inCall.transfer(context, destination, tool.name);
          return { text: `Transferring the call to ${destination}.`, data: { transferred: true, destination, kind: transfer.kind } };
        }
        case 'transfer_to_user': {
          // The same rule as check_user_availability and queues: nobody is rung on do-not-disturb or
          // outside their working hours.
          const { person, availability } = await db.forBusiness(context.businessId, async (tx) => {
            const person = await staff.get(tx, context.businessId, config.staffId);
            return { person, availability: await inCall.staffAvailability(tx, context, person.id, now) };
          });
          if (!person.phone) throw new AppError('unavailable', `${person.name} has no phone number to transfer to.`);
          if (availability.reason === 'do_not_disturb') throw new AppError('unavailable', `${person.name} is on do-not-disturb; take a message instead.`);
          if (!availability.available) throw new AppError('unavailable', `${person.name} is outside their working hours; take a message instead.`);
          await inCall.transfer(context, person.phone, tool.name);
          return { text: `Transferring the call to ${person.name}.`, data: { transferred: true, destination: person.phone, kind: 'staff', staff_id: person.id } };
        }
        case 'transfer_to_queue': {
          const { queue, destination } = await db.forBusiness(context.businessId, async (tx) => {
            const queue = await staff.getQueue(tx, context.businessId, config.queueId);
            if (queue.phone) return { queue, destination: queue.phone };
            // No line of its own: its first member who can take a call now, by check_user_availability's
            // rule (do-not-disturb and working hours), so the queue never rings someone who has gone home.
            for (const member of queue.members) {
              if (member.phone && (await inCall.staffAvailability(tx, context, member.id, now)).available) return { queue, destination: member.phone };
            }
            return { queue, destination: null };
          });
          if (!destination) throw new AppError('unavailable', `Nobody in the ${queue.name} queue can take the call now.`);
          await inCall.transfer(context, destination, tool.name);
          return { text: `Transferring the call to the ${queue.name} queue.`, data: { transferred: true, destination, kind: 'queue', queue_id: queue.id } };
        }
        case 'sms': {
          if (!context.callerNumber) throw invalidArgument('The caller’s number is unknown (send caller_id_number), so no text can be sent', { field: 'caller_id_number' });
          let text = config.message ? fill(config.message, callVariables(context), (v) => v) : '';
          if (config.linkKey) {
            const [link] = await db.forBusiness(context.businessId, (tx) => createSettingsRepository(tx, context.businessId).linksByKey([config.linkKey!]));
            if (!link) throw new AppError('not_found', `The textable link "${config.linkKey}" no longer exists.`);
            text = text ? `${text} ${link.url}` : `${link.label}: ${link.url}`;
          }
          const message = await sms.sendSms({
            businessId: context.businessId,
            actor,
            fromAgentId: context.agent.id,
            to: context.callerNumber,
            body: text,
            leadId: context.call.leadId,
          });
          return { text: 'Text message sent to the caller.', data: { sent: message.status !== 'failed', message_id: message.id, status: message.status } };
        }
        case 'api_request':
        case 'function':
          return request(tool, args, context);
      }
    },
  };
}
