// check_call_status: one call, by id, as it stands now, with why it ended, its transfers and the
// variable values it was placed with.
import { z } from 'zod';
import { defineTool } from '../../framework/tool.js';
import { callOutput, describeCall, toCallOutput } from './call-output.js';

const callStatusOutput = callOutput.extend({
  ended_reason: z.string().nullable().describe('Why it ended (customer-ended-call, assistant-ended-call, …), or null.'),
  transfers: z
    .array(
      z.object({
        at: z.string().describe('ISO 8601 (UTC).'),
        destination: z.string().describe('E.164.'),
        kind: z.enum(['number', 'staff', 'queue']).describe('What it was handed to.'),
        target_id: z.string().nullable().describe('The staff member or queue.'),
        tool: z.string().nullable().describe('The tool that transferred.'),
        status: z.enum(['requested', 'completed', 'failed']).describe('How it went.'),
      }),
    )
    .describe('Transfers during the call, in order.'),
  variable_values: z.record(z.string(), z.string()).nullable().describe('The {{name}} values it was placed with.'),
  cost_usd: z.number().nullable().describe('What the voice provider charged for it, in US dollars (from its end-of-call report), or null.'),
  tool_calls: z
    .array(
      z.object({
        tool: z.string().describe('The in-call tool the voice runtime called (is_office_open, create_lead, an agent tool…).'),
        outcome: z.string().describe('success, error or denied.'),
        error_code: z.string().nullable().describe('Why it failed or was refused, or null.'),
        at: z.string().describe('ISO 8601 (UTC).'),
      }),
    )
    .describe('The in-call tool calls made during the call, oldest first (at most 50).'),
});

export const checkCallStatus = defineTool({
  name: 'check_call_status',
  title: 'Check call status',
  description: 'Check the status of a call by its ID',
  scopes: ['calls:read'],
  externalEffect: false,
  annotations: { title: 'Check call status', readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  input: {
    call_id: z.guid().describe('The call to check (an id from list_recent_calls or make_call).'),
  },
  output: {
    call: callStatusOutput.describe('The call.'),
  },
  async run(input, ctx) {
    const call = await ctx.domain.calls.get(ctx.tx, ctx.businessId, input.call_id);
    const out = {
      ...toCallOutput(call),
      ended_reason: call.endedReason,
      transfers: call.transfers.map((t) => ({ at: t.at, destination: t.destination, kind: t.kind, target_id: t.target_id ?? null, tool: t.tool ?? null, status: t.status })),
      variable_values: call.variableValues,
      cost_usd: call.costUsd,
      tool_calls: (await ctx.domain.inCall.toolCalls(ctx.tx, ctx.businessId, call.id, 50)).map((c) => ({
        tool: c.tool,
        outcome: c.outcome,
        error_code: c.errorCode,
        at: c.at.toISOString(),
      })),
    };
    const extra = [
      out.ended_reason ? `Ended: ${out.ended_reason}` : '',
      ...out.transfers.map((t) => `Transfer ${t.status} to ${t.destination} (${t.kind}) at ${t.at}`),
      ...out.tool_calls.map((c) => `In-call tool ${c.tool}: ${c.outcome}${c.error_code ? ` (${c.error_code})` : ''}`),
      out.summary ? `Summary: ${out.summary}` : '',
    ].filter(Boolean);
    return { data: { call: out }, text: [describeCall(out), ...extra].join('\n') };
  },
});
