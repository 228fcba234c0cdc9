// The optional `business_id` argument (tools.md "Common rules"): a credential is bound to one
// business, so the argument can only confirm it. The rule that any other id reads as "not found" is
// the domain's (requireOwnBusiness); here are the argument's schema and the business as tools return it.
import { z } from 'zod';

export { requireOwnBusiness } from '../../domain/business/business.service.js';

export const businessIdInput = z.guid().optional().describe('Optional: the credential’s own business, the only one it reaches, is the default.');

/** The business a credential is bound to, as tools return it. */
export const businessOutput = z.object({
  id: z.guid().describe('Business id.'),
  name: z.string().describe('Business name.'),
  timezone: z.string().describe('IANA time zone of the business, such as America/New_York.'),
  phone: z.string().nullable().describe('Main phone number in E.164, or null.'),
});
