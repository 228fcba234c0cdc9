// What a provider's webhook route hands our side (providers/telephony.ts ProviderWebhookSink): call
// events and inbound calls go to the domain; function-tool calls run the in-call tools of the call's
// agent, once per event (a repeated delivery answers what the first run answered).
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Domain } from '../../domain/index.js';
import type { ProviderToolResult, ProviderWebhookSink } from '../../providers/telephony.js';
import type { InCallEndpoint } from './endpoint.js';

const textOf = (result: CallToolResult) => {
  const [first] = result.content;
  return first?.type === 'text' ? first.text : '';
};

export function createProviderWebhookSink(domain: Domain, inCall: Pick<InCallEndpoint, 'callAs'>): ProviderWebhookSink {
  return {
    record: (event) => domain.providerEvents.record(event),
    inbound: (request) => domain.providerEvents.inbound(request),
    async toolCalls(request) {
      const call = await domain.providerEvents.resolveCall(request.provider, request.providerCallId, request.echoed);
      if (!call?.agentId) return { ok: false, reason: 'unknown_call' };
      const agentId = call.agentId;
      const ref = { businessId: call.businessId, callId: call.callId, agentId, callerNumber: call.direction === 'inbound' ? call.from : call.to };
      const { duplicate, result } = await domain.providerEvents.once(
        call.businessId,
        { provider: request.provider, key: request.key, type: 'tool-calls', callId: call.callId },
        async () => {
          const results: ProviderToolResult[] = [];
          // In order: a later call may depend on an earlier one (look up, then transfer).
          for (const tc of request.calls) {
            const answer = await inCall.callAs(`telephony:${request.provider}`, ref, tc.name, tc.arguments);
            results.push({ toolCallId: tc.id, name: tc.name, ok: !answer.isError, text: textOf(answer) });
          }
          return { results };
        },
      );
      const results =
        (result?.results as ProviderToolResult[] | undefined) ??
        request.calls.map((c) => ({ toolCallId: c.id, name: c.name, ok: false, text: 'This tool call is already being handled.' }));
      return { ok: true, duplicate, results };
    },
  };
}
