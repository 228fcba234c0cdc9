// Connected apps (OAuth grants) of a business, for the dashboard: list them, and revoke one —
// which ends it at once for refresh tokens, and within seconds for the JWT access tokens already
// issued (they carry their grant id, which the resource server rechecks; see resource/credentials.ts).
import type { Db } from '../shared/db.js';
import { createGrantsRepository, type ConnectedApp } from './grants.repository.js';
import { createOidcRepository } from './oidc.repository.js';

export function createConnectedApps(db: Db) {
  return {
    list(businessId: string): Promise<ConnectedApp[]> {
      return db.forBusiness(businessId, (tx) => createGrantsRepository(tx).listForBusiness(businessId));
    },

    /** Revokes one of the business's connected apps; false when the business has no such app. */
    async revoke(businessId: string, grantId: string): Promise<boolean> {
      // Row-level security: a grant of another business reads as absent.
      const app = await db.forBusiness(businessId, (tx) => createGrantsRepository(tx).find(grantId));
      if (!app) return false;
      await createOidcRepository(db.kysely).destroyGrant(grantId);
      await db.forBusiness(businessId, (tx) => createGrantsRepository(tx).markRevoked(grantId));
      return true;
    },
  };
}
