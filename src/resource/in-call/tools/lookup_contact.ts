// lookup_contact (seed 002): who a number belongs to among the business's leads and staff: name,
// numbers, company and source; `found: false` when nobody has it.
import { z } from 'zod';
import { defineInCallTool } from '../tool.js';

const contactOutput = z.object({
  id: z.guid().describe('The lead’s or staff member’s id.'),
  source: z.enum(['lead', 'staff']).describe('Where the number was found: the business’s leads, or its staff directory.'),
  name: z.string().nullable().describe('The contact’s name, when known.'),
  phone_numbers: z.array(z.string()).describe('Every number known for the contact, E.164.'),
  email: z.string().nullable().describe('The contact’s email, when known.'),
  company: z.string().nullable().describe('The contact’s company, when known.'),
});

export const lookupContact = defineInCallTool({
  name: 'lookup_contact',
  title: 'Look up a contact',
  description:
    'Searches for a contact by phone number across the business’s contacts (its leads and its staff directory). Returns contact name, phone numbers, company, and source.',
  annotations: { title: 'Look up a contact', readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  acts: false,
  mode: 'transaction',
  input: {
    phone_number: z.string().max(32).describe('The phone number to search for, E.164 (for example +14155552671).'),
  },
  output: {
    found: z.boolean().describe('True when at least one contact has this number.'),
    contact: contactOutput.nullable().describe('The best match (staff first, then the newest lead), or null.'),
    matches: z.array(contactOutput).describe('Every match, best first (at most 6).'),
  },
  async run(input, ctx) {
    const matches = await ctx.domain.inCall.lookupContact(ctx.tx, ctx.call.businessId, input.phone_number);
    const out = matches.map((m) => ({ id: m.id, source: m.source, name: m.name, phone_numbers: m.phoneNumbers, email: m.email, company: m.company }));
    const first = out[0] ?? null;
    return {
      text: first ? `Found ${first.name ?? 'an unnamed contact'} (${first.source}).` : 'No contact has that number.',
      data: { found: first !== null, contact: first, matches: out },
    };
  },
});
