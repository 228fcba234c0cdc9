// Vapi as the telephony provider (spec/voice-runtime.md §D), through Vapi's own TypeScript client
// (@vapi-ai/server-sdk): it knows Vapi's paths and shapes, and takes our base URL (a local fake in
// tests), a timeout and a retry count per request. Two of its defaults are wrong for us and are
// turned off: it retries a POST that failed or timed out (a retried POST /call can ring a person
// twice: a call is asked for once, and a failure is recorded as a failure), and it is loaded on first
// use rather than at start (47 MB of types and clients a simulator install never needs).
//
// What Vapi is given:
//   - per agent, an MCP tool pointing at our in-call surface (/api/mcp/in-call) carrying the agent's
//     runtime key and the context headers account_id and persona_id (Vapi adds X-Call-Id itself),
//     and an assistant (name, first message and its mode, the model with the system prompt, voice,
//     transcriber, the longest call) using that tool, whose server URL is our webhook;
//   - per call, the assistant, the phone number it calls from, the customer, the call's variable
//     values, our ids as metadata (echoed in every webhook), and, for a scheduled call, its time.
import type { Vapi, VapiClient } from '@vapi-ai/server-sdk';
import type { Logger } from '../../shared/log.js';
import type { VapiSettings } from '../../shared/config.js';
import type { AgentSyncRequest, DialRequest, LiveCallAction, ProviderAgentRef, ProviderNumber, TelephonyProvider } from '../telephony.js';
import { METADATA_BUSINESS_ID, METADATA_CALL_ID, statusFromVapi, WEBHOOK_PATH } from './messages.js';

export interface VapiProviderOptions {
  settings: Readonly<VapiSettings>;
  /** Our public origin: Vapi reaches the webhook and the in-call surface there. */
  publicUrl: string;
  /** The account MCP endpoint; the in-call surface is `${mcpUrl}/in-call`. */
  mcpUrl: string;
  log: Logger;
}

/** Server messages an assistant sends to our webhook (assistant-request goes to a number's or the org's server URL). */
const SERVER_MESSAGES = ['status-update', 'end-of-call-report', 'tool-calls'] as const;

/** A request to Vapi's API that failed, as one sentence for a call's failure reason or a sync error. */
export function describeVapiError(err: unknown, timeoutMs: number): string {
  const e = err as { statusCode?: number; body?: unknown; message?: string; cause?: unknown; name?: string };
  if (e?.cause === 'timeout' || e?.name === 'VapiTimeoutError' || e?.message === '"timeout"' || e?.name === 'AbortError') {
    return `Vapi did not answer within ${timeoutMs / 1000} s`;
  }
  if (typeof e?.statusCode === 'number') {
    const body = e.body as { message?: unknown } | undefined;
    const said = Array.isArray(body?.message) ? body.message.join('; ') : typeof body?.message === 'string' ? body.message : '';
    return `Vapi answered HTTP ${e.statusCode}${said ? `: ${said.slice(0, 300)}` : ''}`;
  }
  return `Vapi could not be reached (${e?.message ?? String(err)})`;
}

const isNotFound = (err: unknown) => (err as { statusCode?: number })?.statusCode === 404;

/** `provider:name` (model, voice, transcriber) or a bare name (the provider is then the default one). */
function split(value: string, defaultProvider: string): { provider: string; name: string } {
  const i = value.indexOf(':');
  return i > 0 ? { provider: value.slice(0, i), name: value.slice(i + 1) } : { provider: defaultProvider, name: value };
}

/** The provider of a bare model name (`claude-…` is Anthropic's); `provider:model` names its own. */
function defaultModelProvider(model: string): string {
  if (/^claude/i.test(model)) return 'anthropic';
  if (/^gemini/i.test(model)) return 'google';
  return 'openai';
}

export function createVapiTelephony(options: VapiProviderOptions): TelephonyProvider {
  const { settings, log } = options;
  const webhookUrl = `${options.publicUrl}${WEBHOOK_PATH}`;
  const inCallUrl = `${options.mcpUrl}/in-call`;
  const request = { timeoutInSeconds: settings.timeoutMs / 1000, maxRetries: 0 };

  let client: Promise<VapiClient> | undefined;
  const vapi = () => {
    client ??= import('@vapi-ai/server-sdk').then(({ VapiClient }) => new VapiClient({ token: settings.apiKey, baseUrl: settings.baseUrl, ...request }));
    return client;
  };
  /** Every request: a failure becomes one sentence that names what Vapi said (never the key). */
  async function call<T>(what: (c: VapiClient) => Promise<T>): Promise<T> {
    try {
      return await what(await vapi());
    } catch (err) {
      if (isNotFound(err)) throw err;
      throw new Error(describeVapiError(err, settings.timeoutMs));
    }
  }
  /** Like call(), but a 404 is an answer: undefined. */
  async function find<T>(what: (c: VapiClient) => Promise<T>): Promise<T | undefined> {
    try {
      return await call(what);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  function toolBody(agent: AgentSyncRequest, runtimeKey: string) {
    return {
      function: { name: 'kaicalls', description: `The business's tools during a live call of ${agent.name}.` },
      server: {
        url: inCallUrl,
        headers: { 'X-API-Key': runtimeKey, account_id: agent.businessId, persona_id: agent.agentId },
        timeoutSeconds: 20,
      },
      metadata: { protocol: 'shttp' },
    };
  }

  function assistantBody(agent: AgentSyncRequest, toolId: string | null): Vapi.CreateAssistantDto {
    const voice = split(agent.voice, 'openai');
    const transcriber = split(agent.transcriber, 'deepgram');
    const model = split(agent.model, defaultModelProvider(agent.model));
    return {
      name: agent.name.slice(0, 40),
      firstMessage: agent.firstMessage || undefined,
      firstMessageMode: agent.firstMessageMode === 'assistant_waits_for_user' ? 'assistant-waits-for-user' : 'assistant-speaks-first',
      model: {
        provider: model.provider,
        model: model.name,
        messages: [{ role: 'system', content: agent.instructions }],
        ...(toolId ? { toolIds: [toolId] } : {}),
      },
      voice: { provider: voice.provider, voiceId: voice.name },
      transcriber: { provider: transcriber.provider, model: transcriber.name, language: agent.language },
      maxDurationSeconds: agent.maxCallDurationSeconds,
      serverMessages: [...SERVER_MESSAGES],
      server: {
        url: webhookUrl,
        timeoutSeconds: 20,
        // With an HMAC credential Vapi signs each webhook; without, it sends the secret itself.
        ...(settings.credentialId ? { credentialId: settings.credentialId } : { headers: { 'X-Vapi-Secret': settings.webhookSecret } }),
      },
      metadata: { kaicalls_business_id: agent.businessId, kaicalls_agent_id: agent.agentId },
    } as unknown as Vapi.CreateAssistantDto;
  }

  /** The control URL of a live call (Vapi's live call control), or undefined when it is not live. */
  async function controlUrl(providerCallId: string): Promise<string | undefined> {
    const found = await find((c) => c.calls.get({ id: providerCallId }));
    if (!found || (found.status !== 'in-progress' && found.status !== 'ringing' && found.status !== 'forwarding')) return undefined;
    return (found.monitor as { controlUrl?: string } | undefined)?.controlUrl;
  }

  async function control(providerCallId: string, body: Record<string, unknown>): Promise<LiveCallAction> {
    const url = await controlUrl(providerCallId);
    if (!url) return 'unknown';
    const answer = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(settings.timeoutMs),
    }).catch((err: unknown) => {
      throw new Error(describeVapiError(err, settings.timeoutMs));
    });
    if (answer.status === 404) return 'unknown';
    if (!answer.ok) throw new Error(`Vapi answered HTTP ${answer.status} to a live call control request`);
    return 'accepted';
  }

  return {
    name: 'vapi',
    schedulesCalls: true,

    async syncAgent(agent, existing): Promise<ProviderAgentRef> {
      let toolId = existing?.toolId ?? null;
      if (agent.runtimeKey) {
        const body = toolBody(agent, agent.runtimeKey);
        const id = toolId;
        const updated = id ? await find((c) => c.tools.update({ id, body: body as unknown as Vapi.UpdateToolsRequestBody })) : undefined;
        if (!updated) toolId = (await call((c) => c.tools.create({ type: 'mcp', ...body } as unknown as Vapi.CreateToolsRequest))).id;
      }
      const body = assistantBody(agent, toolId);
      if (existing) {
        const updated = await find((c) => c.assistants.update({ id: existing.assistantId, ...body } as Vapi.UpdateAssistantDto));
        if (updated) return { assistantId: existing.assistantId, toolId };
        log.warn({ agentId: agent.agentId }, 'the Vapi assistant of this agent is gone; creating it again');
      }
      const created = await call((c) => c.assistants.create(body));
      return { assistantId: created.id, toolId };
    },

    async dial(req: DialRequest) {
      if (!req.providerAgent) throw new Error('the agent has no Vapi assistant yet');
      if (!req.fromNumberId) throw new Error('the line it calls from is not a Vapi phone number');
      const created = await call((c) =>
        c.calls.create({
          assistantId: req.providerAgent!.assistantId,
          phoneNumberId: req.fromNumberId!,
          customer: { number: req.to, ...(req.contactName ? { name: req.contactName.slice(0, 40) } : {}) },
          assistantOverrides: {
            ...(req.variableValues ? { variableValues: req.variableValues } : {}),
            ...(req.firstMessage ? { firstMessage: req.firstMessage } : {}),
            // Echoed in every webhook of the call: an event that overtakes this answer still finds it.
            metadata: { [METADATA_BUSINESS_ID]: req.businessId, [METADATA_CALL_ID]: req.callId },
          },
          ...(req.scheduledAt ? { schedulePlan: { earliestAt: req.scheduledAt.toISOString() } } : {}),
        }),
      );
      const id = 'id' in created ? created.id : undefined;
      if (!id) throw new Error('Vapi answered without a call id');
      return { providerCallId: id };
    },

    async lookup(providerCallId) {
      const found = await find((c) => c.calls.get({ id: providerCallId }));
      if (!found) return 'unknown';
      const status = statusFromVapi(found.status, found.endedReason);
      if (!status) return 'unknown';
      return { status: status === 'queued' ? 'ringing' : status };
    },

    transfer: (providerCallId, destination) => control(providerCallId, { type: 'transfer', destination: { type: 'number', number: destination } }),

    hangup: (providerCallId) => control(providerCallId, { type: 'end-call' }),

    async cancel(providerCallId) {
      const found = await find((c) => c.calls.get({ id: providerCallId }));
      if (found?.status !== 'scheduled') return 'unknown';
      const deleted = await find((c) => c.calls.delete({ id: providerCallId }));
      return deleted ? 'accepted' : 'unknown';
    },

    async listNumbers(): Promise<ProviderNumber[]> {
      const numbers = await call((c) => c.phoneNumbers.list({ limit: 1000 }));
      return numbers.flatMap((n) => {
        const e164 = (n as { number?: string }).number;
        return e164 ? [{ providerNumberId: n.id, e164, name: (n as { name?: string }).name ?? null }] : [];
      });
    },

    // Vapi carries its calls whatever happens to this process: nothing is lost when it stops.
    async stop() {
      return [];
    },
  };
}
