// configure_staff_alerts: who on the business's staff gets alerted, by which channel, and the
// post-call escalation rules. Alerts carry callers' details, so every recipient must be a member of
// this business (their email or phone on their user profile): an alert can never be pointed at an
// outside number or address through this tool.
import { z } from 'zod';
import { invalidArgument } from '../../../shared/errors.js';
import { maskPhone } from '../../../shared/log.js';
import { requireOwnBusiness } from '../../framework/business-id.js';
import { parseE164 } from '../../../domain/compliance/phone.js';
import { defineTool } from '../../framework/tool.js';
import { createSettingsRepository, type EscalationRule, type StaffAlertSettings, type StaffMember } from '../../../domain/settings/settings.repository.js';

const MAX_RULES = 50;

const e164 = (field: string) =>
  z.string().refine((v) => parseE164(v) !== null, { message: `${field} must be a valid phone number in E.164 format, such as +14155552671` });

const ruleInput = z.object({
  trigger: z
    .string()
    .trim()
    .min(1, 'trigger must not be empty')
    .max(200)
    .describe('When to alert, in a few words the post-call review matches against the call, such as "emergency", "callback requested", "billing question".'),
  notify: z
    .string()
    .trim()
    .min(1, 'notify must not be empty')
    .max(320)
    .describe('Who to alert: a staff member’s phone number (E.164) for channel sms, or their email for channel email.'),
  channel: z.enum(['sms', 'email']).describe('How to alert: sms or email.'),
});

const settingsOutput = z.object({
  notification_phone: z.string().nullable().describe('Staff phone (E.164) that receives SMS alerts, or null.'),
  notification_email: z.string().nullable().describe('Staff email that receives email alerts, or null.'),
  sms_notifications: z.boolean().describe('Whether SMS alerts are sent.'),
  email_notifications: z.boolean().describe('Whether email alerts are sent.'),
  escalation_rules: z
    .array(
      z.object({
        trigger: z.string().describe('When to alert.'),
        notify: z.string().describe('The staff phone or email alerted.'),
        channel: z.enum(['sms', 'email']).describe('sms or email.'),
      }),
    )
    .describe('Post-call escalation rules, in order.'),
});
type SettingsOutput = z.infer<typeof settingsOutput>;

const toOutput = (s: Omit<StaffAlertSettings, 'updatedAt'>): SettingsOutput => ({
  notification_phone: s.notificationPhone,
  notification_email: s.notificationEmail,
  sms_notifications: s.smsNotifications,
  email_notifications: s.emailNotifications,
  escalation_rules: s.escalationRules.map((r) => ({ trigger: r.trigger, notify: r.notify, channel: r.channel })),
});

const SETTING_FIELDS = ['notification_phone', 'notification_email', 'sms_notifications', 'email_notifications', 'escalation_rules'] as const;

export const configureStaffAlerts = defineTool({
  name: 'configure_staff_alerts',
  title: 'Configure staff alerts',
  description:
    'Configure business-owned staff alert recipients and post-call escalation rules. Use this for emergency/urgent texts, callback alerts, ' +
    'billing/provider follow-up alerts, and ensuring alerts go only to the correct business staff.',
  scopes: ['agents:write'],
  externalEffect: false,
  annotations: { title: 'Configure staff alerts', readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  input: {
    business_id: z.guid().optional().describe('The business to configure. Optional: the credential is bound to one business, which is the default.'),
    notification_phone: e164('notification_phone')
      .nullable()
      .optional()
      .describe('Phone (E.164) for SMS alerts; must be the phone of a staff member of this business. null clears it.'),
    notification_email: z
      .email({ message: 'notification_email must be an email address' })
      .max(320)
      .nullable()
      .optional()
      .describe('Email for alert emails; must be the email of a staff member of this business. null clears it.'),
    sms_notifications: z.boolean().optional().describe('Turn SMS alerts on or off (on needs a notification_phone).'),
    email_notifications: z.boolean().optional().describe('Turn email alerts on or off (on needs a notification_email).'),
    escalation_rules: z
      .array(ruleInput)
      .max(MAX_RULES)
      .optional()
      .describe(`The complete list of escalation rules (up to ${MAX_RULES}), replacing the current one; [] removes them all. Omit it to keep the rules as they are.`),
    dry_run: z.boolean().default(false).describe('Return current and proposed settings without changing anything.'),
  },
  output: {
    current_settings: settingsOutput.describe('The settings before this call.'),
    proposed_settings: settingsOutput.describe('The settings this call asks for (current ones, with the given fields replaced).'),
    settings: settingsOutput.describe('The settings in force after this call: the proposed ones, or the current ones for a dry run.'),
    changed_fields: z.array(z.enum(SETTING_FIELDS)).describe('The fields whose value differs between current and proposed settings.'),
    dry_run: z.boolean().describe('True when nothing was changed because dry_run was set.'),
  },
  async run(input, ctx) {
    requireOwnBusiness(input.business_id, ctx.businessId);
    const given = SETTING_FIELDS.filter((f) => input[f] !== undefined);
    if (given.length === 0) throw invalidArgument(`Nothing to configure: pass at least one of ${SETTING_FIELDS.join(', ')}.`);

    const email = input.notification_email?.trim().toLowerCase() ?? input.notification_email;
    const rules: EscalationRule[] | undefined = input.escalation_rules?.map((r) => ({
      trigger: r.trigger,
      notify: r.channel === 'email' ? r.notify.toLowerCase() : r.notify,
      channel: r.channel,
    }));
    rules?.forEach((rule, i) => {
      if (rule.channel === 'sms' && !parseE164(rule.notify)) {
        throw invalidArgument(`escalation_rules[${i}].notify must be a staff phone number in E.164 format (such as +14155552671) for channel sms`, { field: `escalation_rules[${i}].notify` });
      }
      if (rule.channel === 'email' && !z.email().safeParse(rule.notify).success) {
        throw invalidArgument(`escalation_rules[${i}].notify must be a staff email address for channel email`, { field: `escalation_rules[${i}].notify` });
      }
      const first = rules.findIndex((r) => r.channel === rule.channel && r.notify === rule.notify && r.trigger.toLowerCase() === rule.trigger.toLowerCase());
      if (first !== i) throw invalidArgument(`escalation_rules[${i}] repeats escalation_rules[${first}]`, { field: `escalation_rules[${i}]` });
    });

    const repo = createSettingsRepository(ctx.tx, ctx.businessId);
    await requireStaff(repo, { phone: input.notification_phone ?? null, email: email ?? null, rules: rules ?? [] });

    const current = await repo.staffAlerts({ lock: !input.dry_run });
    const proposed: Omit<StaffAlertSettings, 'updatedAt'> = {
      notificationPhone: input.notification_phone === undefined ? current.notificationPhone : input.notification_phone,
      notificationEmail: email === undefined ? current.notificationEmail : email,
      smsNotifications: input.sms_notifications ?? current.smsNotifications,
      emailNotifications: input.email_notifications ?? current.emailNotifications,
      escalationRules: rules ?? current.escalationRules,
    };
    if (proposed.smsNotifications && !proposed.notificationPhone) {
      throw invalidArgument('sms_notifications needs a notification_phone: set one (a staff member’s phone) or turn sms_notifications off', { field: 'sms_notifications' });
    }
    if (proposed.emailNotifications && !proposed.notificationEmail) {
      throw invalidArgument('email_notifications needs a notification_email: set one (a staff member’s email) or turn email_notifications off', { field: 'email_notifications' });
    }

    const before = toOutput(current);
    const after = toOutput(proposed);
    const changed = SETTING_FIELDS.filter((f) => JSON.stringify(before[f]) !== JSON.stringify(after[f]));
    if (!input.dry_run && changed.length > 0) await repo.saveStaffAlerts(proposed, changed.includes('escalation_rules') ? proposed.escalationRules : undefined);

    const what = changed.length ? `${changed.join(', ')}` : 'nothing (already set)';
    return {
      data: { current_settings: before, proposed_settings: after, settings: input.dry_run ? before : after, changed_fields: changed, dry_run: input.dry_run },
      text: input.dry_run ? `Dry run, nothing changed. Would change: ${what}.` : `Staff alerts saved. Changed: ${what}.`,
    };
  },
});

/** Every recipient named must be a member of this business; the refusal names the field. */
async function requireStaff(
  repo: ReturnType<typeof createSettingsRepository>,
  recipients: { phone: string | null; email: string | null; rules: EscalationRule[] },
): Promise<void> {
  const phones = [recipients.phone, ...recipients.rules.filter((r) => r.channel === 'sms').map((r) => r.notify)].filter((p): p is string => Boolean(p));
  const emails = [recipients.email, ...recipients.rules.filter((r) => r.channel === 'email').map((r) => r.notify)].filter((e): e is string => Boolean(e));
  const staff: StaffMember[] = await repo.staffByContact({ phones: [...new Set(phones)], emails: [...new Set(emails)] });
  const isStaffPhone = (p: string) => staff.some((s) => s.phone === p);
  const isStaffEmail = (e: string) => staff.some((s) => s.email === e);
  const notStaff = (field: string, who: string | null) =>
    invalidArgument(`${field}: ${who} is not a staff member of this business; alert recipients must be members of the business (their profile's phone or email)`, { field });

  const { phone, email } = recipients;
  if (phone && !isStaffPhone(phone)) throw notStaff('notification_phone', maskPhone(phone));
  if (email && !isStaffEmail(email)) throw notStaff('notification_email', email);
  recipients.rules.forEach((rule, i) => {
    const ok = rule.channel === 'sms' ? isStaffPhone(rule.notify) : isStaffEmail(rule.notify);
    if (!ok) throw notStaff(`escalation_rules[${i}].notify`, rule.channel === 'sms' ? maskPhone(rule.notify) : rule.notify);
  });
}
