// The optional `business_id` argument (tools.md "Common rules"): a credential is bound to one
// business, so the argument can only confirm it. Any other id reads as "not found", exactly like an
// id that does not exist: no oracle for which businesses exist.
import { z } from 'zod';
import { notFound } from '../../shared/errors.js';

export const businessIdInput = z
  .guid()
  .optional()
  .describe('The business to read. Optional: the credential is bound to one business, which is the default.');

/** The business a credential is bound to, as tools return it. */
export const businessOutput = z.object({
  id: z.guid().describe('Business id.'),
  name: z.string().describe('Business name.'),
  timezone: z.string().describe('IANA time zone of the business, such as America/New_York.'),
  phone: z.string().nullable().describe('Main phone number in E.164, or null.'),
});

export function requireOwnBusiness(requested: string | undefined, own: string): void {
  if (requested !== undefined && requested.toLowerCase() !== own.toLowerCase()) throw notFound('Business');
}
