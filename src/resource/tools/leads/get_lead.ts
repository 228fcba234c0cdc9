// get_lead: one lead in full, with its latest AI score and why, and its latest calls and texts.
import { z } from 'zod';
import { notFound } from '../../../shared/errors.js';
import { createCallsReadRepository } from '../../../domain/calls/call-views.repository.js';
import { callOutput, describeCall, toCallOutput } from '../../../domain/calls/call-views.types.js';
import { createSmsReadRepository } from '../../../domain/sms/sms-views.repository.js';
import { describeSmsMessage, smsMessageOutput, toSmsMessageOutput } from '../../../domain/sms/sms-views.types.js';
import { toPage } from '../../framework/pagination.js';
import { defineTool } from '../../framework/tool.js';
import { createLeadsRepository } from '../../../domain/leads/leads.repository.js';
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
    const lead = await createLeadsRepository(ctx.tx).find(ctx.businessId, input.lead_id);
    if (!lead) throw notFound('Lead');
    const recent = { limit: RECENT, offset: 0 };
    const calls = toPage(await createCallsReadRepository(ctx.tx).listPage(ctx.businessId, { leadId: lead.id }, recent), RECENT, 0);
    const messages = toPage(await createSmsReadRepository(ctx.tx).listPage(ctx.businessId, { leadId: lead.id }, recent), RECENT, 0);
    const out = toLeadDetailOutput(lead);
    const recentCalls = calls.items.map(toCallOutput);
    const recentMessages = messages.items.map(toSmsMessageOutput);
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
      data: { lead: out, recent_calls: recentCalls, more_calls: calls.has_more, recent_messages: recentMessages, more_messages: messages.has_more },
      text: lines.join('\n'),
    };
  },
});
