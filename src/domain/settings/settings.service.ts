// The operational settings' rules. Staff alerts carry callers' details, so every recipient must be in
// the business's staff directory (src/domain/staff: a member's profile email or phone, or a staff
// entry's): an alert can never be pointed at an outside number or address. Links are texted to the public, so only public https URLs are
// accepted: a link to a private or local address would be useless to a caller at best. Both changes
// can be planned without writing (dry run), and say what they change.
import { z } from 'zod';
import type { TenantTx } from '../../shared/db.js';
import { invalidArgument } from '../../shared/errors.js';
import { maskPhone } from '../../shared/log.js';
import { parseE164 } from '../compliance/phone.js';
import { isPublicHttpsUrl } from '../updates/intents.js';
import { createStaffRepository } from '../staff/staff.repository.js';
import { createSettingsRepository } from './settings.repository.js';
import {
  LINK_KEY,
  STAFF_ALERT_FIELDS,
  type EscalationRule,
  type LinkChange,
  type LinkPlanEntry,
  type LinksPlan,
  type PlannedLink,
  type StaffAlertField,
  type StaffAlerts,
  type StaffAlertsChange,
  type StaffAlertsPlan,
} from './settings.types.js';

export interface SettingsService {
  /** Checks and plans a change to the staff alerts, and writes it unless it is a dry run. */
  configureStaffAlerts(tx: TenantTx, businessId: string, change: StaffAlertsChange): Promise<StaffAlertsPlan>;
  /** Creates or repairs links by key (links not named are left alone), unless it is a dry run. */
  configureLinks(tx: TenantTx, businessId: string, change: { links: LinkChange[]; dryRun: boolean }): Promise<LinksPlan>;
}

export function createSettingsService(): SettingsService {
  return {
    async configureStaffAlerts(tx, businessId, change) {
      const given: Record<StaffAlertField, unknown> = {
        notification_phone: change.notificationPhone,
        notification_email: change.notificationEmail,
        sms_notifications: change.smsNotifications,
        email_notifications: change.emailNotifications,
        escalation_rules: change.escalationRules,
      };
      if (STAFF_ALERT_FIELDS.every((f) => given[f] === undefined)) {
        throw invalidArgument(`Nothing to configure: pass at least one of ${STAFF_ALERT_FIELDS.join(', ')}.`);
      }

      const email = change.notificationEmail?.trim().toLowerCase() ?? change.notificationEmail;
      const rules: EscalationRule[] | undefined = change.escalationRules?.map((r) => ({
        trigger: r.trigger,
        notify: r.channel === 'email' ? r.notify.toLowerCase() : r.notify,
        channel: r.channel,
      }));
      rules?.forEach((rule, i) => {
        if (rule.channel === 'sms' && !parseE164(rule.notify)) {
          throw invalidArgument(`escalation_rules[${i}].notify must be a staff phone number in E.164 format (such as +14155552671) for channel sms`, {
            field: `escalation_rules[${i}].notify`,
          });
        }
        if (rule.channel === 'email' && !z.email().safeParse(rule.notify).success) {
          throw invalidArgument(`escalation_rules[${i}].notify must be a staff email address for channel email`, { field: `escalation_rules[${i}].notify` });
        }
        const first = rules.findIndex((r) => r.channel === rule.channel && r.notify === rule.notify && r.trigger.toLowerCase() === rule.trigger.toLowerCase());
        if (first !== i) throw invalidArgument(`escalation_rules[${i}] repeats escalation_rules[${first}]`, { field: `escalation_rules[${i}]` });
      });

      const repo = createSettingsRepository(tx, businessId);
      await requireStaff(createStaffRepository(tx, businessId), { phone: change.notificationPhone ?? null, email: email ?? null, rules: rules ?? [] });

      // A real change locks the settings row, so concurrent writers of the rules list take turns.
      const { updatedAt: _updatedAt, ...current } = await repo.staffAlerts({ lock: !change.dryRun });
      const proposed: StaffAlerts = {
        notificationPhone: change.notificationPhone === undefined ? current.notificationPhone : change.notificationPhone,
        notificationEmail: email === undefined ? current.notificationEmail : email,
        smsNotifications: change.smsNotifications ?? current.smsNotifications,
        emailNotifications: change.emailNotifications ?? current.emailNotifications,
        escalationRules: rules ?? current.escalationRules,
      };
      if (proposed.smsNotifications && !proposed.notificationPhone) {
        throw invalidArgument('sms_notifications needs a notification_phone: set one (a staff member’s phone) or turn sms_notifications off', { field: 'sms_notifications' });
      }
      if (proposed.emailNotifications && !proposed.notificationEmail) {
        throw invalidArgument('email_notifications needs a notification_email: set one (a staff member’s email) or turn email_notifications off', { field: 'email_notifications' });
      }

      const changedFields = STAFF_ALERT_FIELDS.filter((f) => !sameSetting(f, current, proposed));
      if (!change.dryRun && changedFields.length > 0) {
        await repo.saveStaffAlerts(proposed, changedFields.includes('escalation_rules') ? proposed.escalationRules : undefined);
      }
      return { current, proposed, changedFields, dryRun: change.dryRun };
    },

    async configureLinks(tx, businessId, change) {
      change.links.forEach((link, i) => {
        // The tools' schemas refuse these first, with the same words; every other caller meets them here.
        if (!LINK_KEY.test(link.key)) {
          throw invalidArgument(`links[${i}].key: key must be 1–64 lowercase letters, digits, "-" or "_", starting with a letter or digit (such as "booking")`, {
            field: `links[${i}].key`,
          });
        }
        if (!isPublicHttpsUrl(link.url)) throw invalidArgument(`links[${i}].url: url must be a public https:// URL, without a user name or password`, { field: `links[${i}].url` });
        const first = change.links.findIndex((l) => l.key === link.key);
        if (first !== i) throw invalidArgument(`links[${i}].key "${link.key}" repeats links[${first}].key: each key may appear once`, { field: `links[${i}].key` });
      });

      const repo = createSettingsRepository(tx, businessId);
      const existing = new Map(
        (
          await repo.linksByKey(
            change.links.map((l) => l.key),
            { lock: !change.dryRun },
          )
        ).map((l) => [l.key, l]),
      );
      const links: PlannedLink[] = [];
      const plan: LinkPlanEntry[] = [];
      for (const link of change.links) {
        const current = existing.get(link.key);
        const wanted = { key: link.key, label: link.label, url: link.url, purpose: link.purpose === undefined ? (current?.purpose ?? null) : link.purpose || null };
        const changedFields = current ? (['label', 'url', 'purpose'] as const).filter((f) => current[f] !== wanted[f]) : [];
        const action: LinkPlanEntry['action'] = !current ? 'create' : changedFields.length ? 'update' : 'unchanged';
        plan.push({ key: link.key, action, changedFields });
        if (change.dryRun || action === 'unchanged') {
          links.push(
            current && action === 'unchanged' ? current : { ...wanted, id: current?.id ?? null, createdAt: current?.createdAt ?? null, updatedAt: current?.updatedAt ?? null },
          );
        } else {
          links.push(await repo.upsertLink(wanted));
        }
      }
      return { links, plan, dryRun: change.dryRun };
    },
  };
}

/** Whether a setting holds the same value in both. */
function sameSetting(field: StaffAlertField, a: StaffAlerts, b: StaffAlerts): boolean {
  switch (field) {
    case 'notification_phone':
      return a.notificationPhone === b.notificationPhone;
    case 'notification_email':
      return a.notificationEmail === b.notificationEmail;
    case 'sms_notifications':
      return a.smsNotifications === b.smsNotifications;
    case 'email_notifications':
      return a.emailNotifications === b.emailNotifications;
    case 'escalation_rules':
      return (
        a.escalationRules.length === b.escalationRules.length &&
        a.escalationRules.every((r, i) => {
          const other = b.escalationRules[i]!;
          return r.trigger === other.trigger && r.notify === other.notify && r.channel === other.channel;
        })
      );
  }
}

/** Every recipient named must be in the business's staff directory; the refusal names the field. */
async function requireStaff(
  directory: ReturnType<typeof createStaffRepository>,
  recipients: { phone: string | null; email: string | null; rules: EscalationRule[] },
): Promise<void> {
  const phones = [recipients.phone, ...recipients.rules.filter((r) => r.channel === 'sms').map((r) => r.notify)].filter((p): p is string => Boolean(p));
  const emails = [recipients.email, ...recipients.rules.filter((r) => r.channel === 'email').map((r) => r.notify)].filter((e): e is string => Boolean(e));
  const staff = await directory.byContact({ phones: [...new Set(phones)], emails: [...new Set(emails)] });
  const isStaffPhone = (p: string) => staff.some((s) => s.phone === p);
  const isStaffEmail = (e: string) => staff.some((s) => s.email === e);
  const notStaff = (field: string, who: string | null) =>
    invalidArgument(
      `${field}: ${who} is not a staff member of this business; alert recipients must be in its staff directory (a member's profile phone or email, or a staff entry's)`,
      {
        field,
      },
    );

  const { phone, email } = recipients;
  if (phone && !isStaffPhone(phone)) throw notStaff('notification_phone', maskPhone(phone));
  if (email && !isStaffEmail(email)) throw notStaff('notification_email', email);
  recipients.rules.forEach((rule, i) => {
    const ok = rule.channel === 'sms' ? isStaffPhone(rule.notify) : isStaffEmail(rule.notify);
    if (!ok) throw notStaff(`escalation_rules[${i}].notify`, rule.channel === 'sms' ? maskPhone(rule.notify) : rule.notify);
  });
}
