// The optional `business_id` argument (tools.md "Common rules"): a credential is bound to one
// business, so the argument can only confirm it. Any other id reads as "not found", exactly like an
// id that does not exist: no oracle for which businesses exist.
import { z } from 'zod';
import { notFound } from '../../shared/errors.js';

export const businessIdInput = z
  .guid()
  .optional()
  .describe('The business to read. Optional: the credential is bound to one business, which is the default.');

export function requireOwnBusiness(requested: string | undefined, own: string): void {
  if (requested !== undefined && requested.toLowerCase() !== own.toLowerCase()) throw notFound('Business');
}
