// get_lead: one lead in full, with its latest AI score and why, and its latest calls and texts.
import { z } from 'zod';
import { callOutput, describeCall, toCallOutput } from '../calls/call-output.js';
import { describeSmsMessage, smsMessageOutput, toSmsMessageOutput } from '../sms/sms-output.js';
import { defineTool } from '../../framework/tool.js';
import { leadDetailOutput, toLeadDetailOutput } from '../../../domain/leads/leads.types.js';

/** How many of the lead's calls and of its messages are shown; the list tools page through the rest. */
const RECENT = 10;

export const getLead = defineTool({
  name: 'get_lead',
  title: 'Get lead',
  description: 'Get full details for a single lead by ID, including the latest AI lead score and explanation.',
  scopes: ['calls:read'],
  externalEffect: false,
  annotations: { title: 'Get lead', readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  input: {
    lead_id: z.guid().describe('The lead to read (an id from list_leads).'),
  },
  output: {
    lead: leadDetailOutput.describe('The lead, with its latest AI score and the explanation of that score.'),
    recent_calls: z.array(callOutput).describe(`The lead's latest calls, newest first (at most ${RECENT}).`),
    more_calls: z.boolean().describe('True when the lead has older calls than those shown.'),
    recent_messages: z.array(smsMessageOutput).describe(`The lead's latest text messages, newest first (at most ${RECENT}).`),
    more_messages: z.boolean().describe('True when the lead has older messages than those shown.'),
  },
  async run(input, ctx) {
    const found = await ctx.domain.leads.getWithActivity(ctx.tx, ctx.businessId, input.lead_id, RECENT);
    const out = toLeadDetailOutput(found.lead);
    const recentCalls = found.recentCalls.map(toCallOutput);
    const recentMessages = found.recentMessages.map(toSmsMessageOutput);
    const who = out.name ?? out.phone ?? out.email ?? 'Unnamed lead';
    const lines = [
      `${who}: ${out.status}${out.source ? `, from ${out.source}` : ''}${out.automation_paused ? ', automation paused' : ''}.`,
      out.score === null ? 'Not scored yet.' : `Score ${out.score}/100: ${out.score_explanation}`,
      `${recentCalls.length} recent call${recentCalls.length === 1 ? '' : 's'}:`,
      ...recentCalls.map(describeCall),
      `${recentMessages.length} recent message${recentMessages.length === 1 ? '' : 's'}:`,
      ...recentMessages.map(describeSmsMessage),
    ];
    return {
      data: { lead: out, recent_calls: recentCalls, more_calls: found.moreCalls, recent_messages: recentMessages, more_messages: found.moreMessages },
      text: lines.join('\n'),
    };
  },
});
