// A business's operational settings that the setup tools write: staff alert recipients and flags,
// post-call escalation rules, and the textable links (business_links). Runs in the caller's
// RLS-bound unit of work and names the business in every statement as well.
import { sql } from 'kysely';
import type { TenantTx } from '../../shared/db.js';
import type { BusinessLink, EscalationRule, StaffAlertSettings } from './settings.types.js';

export function createSettingsRepository(tx: TenantTx, businessId: string) {
  return {
    // ── Staff alerts ──────────────────────────────────────────────────────────────────────────
    /**
     * The current alert settings. With `lock`, the settings row is created if missing and locked
     * for the rest of the unit of work, so concurrent writers of the rules list take turns.
     */
    async staffAlerts(options: { lock?: boolean } = {}): Promise<StaffAlertSettings> {
      if (options.lock) {
        await tx
          .insertInto('notification_settings')
          .values({ business_id: businessId })
          .onConflict((oc) => oc.column('business_id').doNothing())
          .execute();
      }
      let q = tx
        .selectFrom('notification_settings')
        .select(['notification_phone', 'notification_email', 'sms_notifications', 'email_notifications', 'updated_at'])
        .where('business_id', '=', businessId);
      if (options.lock) q = q.forUpdate();
      const row = await q.executeTakeFirst();
      const rules = await tx
        .selectFrom('escalation_rules')
        .select(['trigger', 'notify', 'channel'])
        .where('business_id', '=', businessId)
        .orderBy('position')
        .orderBy('id')
        .execute();
      return {
        notificationPhone: row?.notification_phone ?? null,
        notificationEmail: row?.notification_email ?? null,
        smsNotifications: row?.sms_notifications ?? false,
        emailNotifications: row?.email_notifications ?? false,
        escalationRules: rules,
        updatedAt: row?.updated_at ?? null,
      };
    },

    /** Writes every field and, when `rules` is given, replaces the rules list in order. */
    async saveStaffAlerts(settings: Omit<StaffAlertSettings, 'updatedAt' | 'escalationRules'>, rules: EscalationRule[] | undefined): Promise<void> {
      const values = {
        notification_phone: settings.notificationPhone,
        notification_email: settings.notificationEmail,
        sms_notifications: settings.smsNotifications,
        email_notifications: settings.emailNotifications,
        updated_at: sql<Date>`now()`,
      };
      await tx
        .insertInto('notification_settings')
        .values({ business_id: businessId, ...values })
        .onConflict((oc) => oc.column('business_id').doUpdateSet(values))
        .execute();
      if (rules === undefined) return;
      await tx.deleteFrom('escalation_rules').where('business_id', '=', businessId).execute();
      if (rules.length === 0) return;
      await tx
        .insertInto('escalation_rules')
        .values(rules.map((r, position) => ({ business_id: businessId, trigger: r.trigger, notify: r.notify, channel: r.channel, position })))
        .execute();
    },

    // ── Textable links ────────────────────────────────────────────────────────────────────────
    /** Every textable link, by key (a business keeps a handful; the key is unique per business). */
    async links(): Promise<BusinessLink[]> {
      const rows = await tx.selectFrom('business_links').selectAll().where('business_id', '=', businessId).orderBy('key').execute();
      return rows.map(toLink);
    },

    /** The links with these keys, locked for the rest of the unit of work when `lock`. */
    async linksByKey(keys: string[], options: { lock?: boolean } = {}): Promise<BusinessLink[]> {
      if (keys.length === 0) return [];
      let q = tx.selectFrom('business_links').selectAll().where('business_id', '=', businessId).where('key', 'in', keys);
      if (options.lock) q = q.forUpdate();
      return (await q.execute()).map(toLink);
    },

    /** Creates the link, or sets every field of the existing one with that key. */
    async upsertLink(link: { key: string; label: string; url: string; purpose: string | null }): Promise<BusinessLink> {
      const values = { label: link.label, url: link.url, purpose: link.purpose, updated_at: sql<Date>`now()` };
      const row = await tx
        .insertInto('business_links')
        .values({ business_id: businessId, key: link.key, ...values })
        .onConflict((oc) => oc.columns(['business_id', 'key']).doUpdateSet(values))
        .returningAll()
        .executeTakeFirstOrThrow();
      return toLink(row);
    },
  };
}

const toLink = (r: { id: string; key: string; label: string; url: string; purpose: string | null; created_at: Date; updated_at: Date }): BusinessLink => ({
  id: r.id,
  key: r.key,
  label: r.label,
  url: r.url,
  purpose: r.purpose,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});
