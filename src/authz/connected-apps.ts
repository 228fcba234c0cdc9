// Connected apps (OAuth grants) of a business, for the dashboard: list them, and revoke one —
// which ends it at once for refresh tokens, and within seconds for the JWT access tokens already
// issued (they carry their grant id, which the resource server rechecks; see resource/credentials.ts).
import type { Role } from '../../db/schema.js';
import { auditActor } from '../domain/audit/actor.js';
import { createAuditRepository } from '../domain/audit/audit.repository.js';
import type { Db } from '../shared/db.js';
import { AppError, notFound } from '../shared/errors.js';
import { createGrantsRepository, type ConnectedApp, type ConnectedAppDetails } from './grants.repository.js';
import { createOidcRepository } from './oidc.repository.js';

/** A signed-in member looking at the business's connected apps, with their role there now. */
export interface AppsViewer {
  userId: string;
  role: Role;
}

export function createConnectedApps(db: Db) {
  return {
    list(businessId: string): Promise<ConnectedApp[]> {
      return db.forBusiness(businessId, (tx) => createGrantsRepository(tx).listForBusiness(businessId));
    },

    /** The live connected apps `by` may see: all of the business's for an admin or owner, their own for a member. */
    listFor(businessId: string, by: AppsViewer): Promise<ConnectedAppDetails[]> {
      return db.forBusiness(businessId, (tx) => createGrantsRepository(tx).listLive(businessId, by.role === 'member' ? by.userId : undefined));
    },

    /** One live connected app `by` may revoke (for the confirmation page). */
    findFor(businessId: string, by: AppsViewer, grantId: string): Promise<ConnectedApp> {
      return db.forBusiness(businessId, async (tx) => {
        const app = await createGrantsRepository(tx).find(grantId);
        if (!app || app.revokedAt) throw notFound('Connected app');
        if (by.role === 'member' && app.userId !== by.userId) throw new AppError('forbidden', 'A member can revoke only the apps they connected; ask an admin or owner.');
        return app;
      });
    },

    /**
     * Revokes a connected app on behalf of a member of the business, audited as grant.revoked with
     * them as the actor. The grant is marked revoked first (with its audit row, in one unit of
     * work): from then on the resource server refuses its access tokens within its recheck window
     * (resource/auth/credentials.ts) on every node; then oidc-provider's records of it go, refresh
     * tokens included, so a refresh fails at once.
     */
    async revokeFor(businessId: string, by: AppsViewer, grantId: string): Promise<ConnectedApp> {
      const app = await db.forBusiness(businessId, async (tx) => {
        const grants = createGrantsRepository(tx);
        const found = await grants.find(grantId);
        if (!found || found.revokedAt) throw notFound('Connected app');
        if (by.role === 'member' && found.userId !== by.userId) throw new AppError('forbidden', 'A member can revoke only the apps they connected; ask an admin or owner.');
        await grants.markRevoked(grantId);
        await createAuditRepository(tx).append({
          businessId,
          ...auditActor({ kind: 'user', userId: by.userId }),
          action: 'grant.revoked',
          outcome: 'success',
          details: { grant_id: found.grantId, client_id: found.clientId, client_name: found.clientName, connected_by: found.userId, scopes: found.scopes },
        });
        return found;
      });
      await createOidcRepository(db.kysely).destroyGrant(grantId);
      return app;
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
