// The business a caller acts for. A credential (an API key, an OAuth grant) is bound to one business,
// so naming a business can only confirm that one: any other id reads as "not found", exactly like an
// id that does not exist, so the answer is no oracle for which businesses exist.
import type { TenantTx } from '../../shared/db.js';
import { notFound } from '../../shared/errors.js';
import { createBusinessRepository } from './business.repository.js';
import type { BusinessSummary } from './business.types.js';

/** Refuses, as not found, a business id other than the one the caller is bound to; no id confirms it. */
export function requireOwnBusiness(requested: string | undefined, own: string): void {
  if (requested !== undefined && requested.toLowerCase() !== own.toLowerCase()) throw notFound('Business');
}

export interface BusinessService {
  /** The business with its agent count and the calls of the last 30 days. */
  summary(tx: TenantTx, businessId: string): Promise<BusinessSummary>;
}

export function createBusinessService(): BusinessService {
  return {
    async summary(tx, businessId) {
      const summary = await createBusinessRepository(tx).summary(businessId);
      if (!summary) throw notFound('Business');
      return summary;
    },
  };
}
