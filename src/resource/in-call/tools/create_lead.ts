// create_lead (seed 002): the caller as a lead. The number is the call's (caller_id_number); a lead
// that already has it gets a new case linked to it, otherwise the lead is made with its first case.
import { z } from 'zod';
import { CASE_CLASSIFICATIONS } from '../../../domain/in-call/in-call.types.js';
import { defineInCallTool } from '../tool.js';

export const createLead = defineInCallTool({
  name: 'create_lead',
  title: 'Create a lead',
  description:
    'Creates a new lead from the current call, with the caller’s number. If a lead with the same phone number already exists, a new case is created and linked to the existing lead.',
  annotations: { title: 'Create a lead', readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  acts: true,
  mode: 'transaction',
  input: {
    name: z.string().trim().min(1).max(200).describe('Caller’s name.'),
    intent: z.string().trim().min(1).max(500).describe('The purpose of the call.'),
    classification: z.enum(CASE_CLASSIFICATIONS).optional().describe('One of: lead, customer, spam, other (default lead).'),
    summary: z.string().trim().max(4000).optional().describe('Summary of the conversation.'),
    notes: z.string().trim().max(4000).optional().describe('Additional notes.'),
  },
  output: {
    lead_id: z.guid().describe('The caller’s lead.'),
    lead_created: z.boolean().describe('True when this call made the lead; false when the number already had one and a case was added to it.'),
    lead_name: z.string().nullable().describe('The lead’s name (an existing lead keeps its own).'),
    case_id: z.guid().describe('The case opened for this call.'),
    case_count: z.number().int().describe('How many cases the lead has, this one included.'),
    classification: z.enum(CASE_CLASSIFICATIONS).describe('The case’s classification.'),
  },
  async run(input, ctx) {
    const made = await ctx.domain.inCall.createLead(ctx.tx, ctx.call, input);
    return {
      text: made.leadCreated ? `Lead created for ${made.leadName ?? input.name}.` : `Added a case to the existing lead ${made.leadName ?? ''}`.trim(),
      data: {
        lead_id: made.leadId,
        lead_created: made.leadCreated,
        lead_name: made.leadName,
        case_id: made.case.id,
        case_count: made.caseCount,
        classification: made.case.classification,
      },
    };
  },
});
