// Connected apps: which business each OAuth grant was made for. Written at consent (in the chosen
// business's unit of work, so row-level security checks the business), read by the token endpoint
// (system work: the business is what is being looked up) and by the dashboard (per business).
import { sql, type Selectable } from 'kysely';
import type { OauthGrantsTable } from '../../db/schema.js';
import type { TenantTx, OwnerDb } from '../shared/db.js';

export interface ConnectedApp {
  grantId: string;
  businessId: string;
  userId: string;
  clientId: string;
  clientName: string | null;
  scopes: string[];
  createdAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
}

/** A connected app as the dashboard lists it. */
export interface ConnectedAppDetails extends ConnectedApp {
  redirectUri: string | null;
  /** The email of the member who connected it (null once they are no longer staff of the business). */
  connectedBy: string | null;
  lastUsedAt: Date | null;
}

export interface GrantBinding {
  businessId: string;
  userId: string;
  /** The user's role in that business now, or null when they no longer belong to it. */
  role: string | null;
  revokedAt: Date | null;
}

const toConnectedApp = (r: Selectable<OauthGrantsTable>): ConnectedApp => ({
  grantId: r.grant_id,
  businessId: r.business_id,
  userId: r.user_id,
  clientId: r.client_id,
  clientName: r.client_name,
  scopes: r.scopes,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  revokedAt: r.revoked_at,
});

export function createGrantsRepository(db: OwnerDb | TenantTx) {
  return {
    async insert(values: {
      grantId: string;
      businessId: string;
      userId: string;
      clientId: string;
      clientName: string | null;
      scopes: string[];
      expiresInSeconds: number;
      /** Where the authorization code is sent (shown as the connection's redirect host). */
      redirectUri?: string | null;
    }): Promise<void> {
      await db
        .insertInto('oauth_grants')
        .values({
          grant_id: values.grantId,
          business_id: values.businessId,
          user_id: values.userId,
          client_id: values.clientId,
          client_name: values.clientName,
          scopes: values.scopes,
          expires_at: sql<Date>`now() + make_interval(secs => ${values.expiresInSeconds})`,
          redirect_uri: values.redirectUri ?? null,
        })
        .execute();
    },

    /** System lookup by grant id, with the user's current membership in the bound business. */
    async findBinding(grantId: string): Promise<GrantBinding | undefined> {
      const row = await db
        .selectFrom('oauth_grants as g')
        .leftJoin('memberships as m', (join) => join.onRef('m.business_id', '=', 'g.business_id').onRef('m.user_id', '=', 'g.user_id'))
        .select(['g.business_id', 'g.user_id', 'g.revoked_at', 'm.role'])
        .where('g.grant_id', '=', grantId)
        .executeTakeFirst();
      return row ? { businessId: row.business_id, userId: row.user_id, role: row.role ?? null, revokedAt: row.revoked_at } : undefined;
    },

    /** One connected app by grant id (in a business's unit of work, RLS confines it to that business). */
    async find(grantId: string): Promise<ConnectedApp | undefined> {
      const row = await db.selectFrom('oauth_grants').selectAll().where('grant_id', '=', grantId).executeTakeFirst();
      return row ? toConnectedApp(row) : undefined;
    },

    /** Connected apps of a business, newest first, revoked ones included (with their revocation time). */
    async listForBusiness(businessId: string): Promise<ConnectedApp[]> {
      const rows = await db.selectFrom('oauth_grants').selectAll().where('business_id', '=', businessId).orderBy('created_at', 'desc').orderBy('grant_id', 'desc').execute();
      return rows.map(toConnectedApp);
    },

    /**
     * The live connected apps of a business (neither revoked nor expired), newest first, with who
     * connected each and when it was last used: its newest audited call (a tool call through that
     * client by that user, since the grant was made), found through audit_log_actor_idx.
     * `userId` narrows the list to one member's connections.
     */
    async listLive(businessId: string, userId?: string): Promise<ConnectedAppDetails[]> {
      let q = db
        .selectFrom('oauth_grants as g')
        .leftJoin('users as u', 'u.id', 'g.user_id')
        .selectAll('g')
        .select([
          'u.email as user_email',
          sql<Date | null>`(select max(a.created_at) from audit_log a
             where a.business_id = g.business_id and a.actor_kind = 'oauth' and a.actor_id = g.user_id::text
               and a.client_id = g.client_id and a.created_at >= g.created_at)`.as('last_used_at'),
        ])
        .where('g.business_id', '=', businessId)
        .where('g.revoked_at', 'is', null)
        .where('g.expires_at', '>', sql<Date>`now()`);
      if (userId) q = q.where('g.user_id', '=', userId);
      const rows = await q.orderBy('g.created_at', 'desc').orderBy('g.grant_id', 'desc').execute();
      return rows.map(({ user_email, last_used_at, ...row }) => ({
        ...toConnectedApp(row),
        redirectUri: row.redirect_uri,
        connectedBy: user_email,
        lastUsedAt: last_used_at,
      }));
    },

    /** Marks a grant revoked (idempotent: the first revocation time is kept). */
    async markRevoked(grantId: string): Promise<void> {
      await db.updateTable('oauth_grants').set({ revoked_at: sql<Date>`coalesce(revoked_at, now())` }).where('grant_id', '=', grantId).execute();
    },
  };
}
