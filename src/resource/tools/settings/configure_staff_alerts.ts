// configure_staff_alerts: who on the business's staff gets alerted, by which channel, and the
// post-call escalation rules. Alerts carry callers' details, so every recipient must be a member of
// this business (their email or phone on their user profile): an alert can never be pointed at an
// outside number or address through this tool. The rules are the settings service's.
import { z } from 'zod';
import { requireOwnBusiness } from '../../framework/business-id.js';
import { parseE164 } from '../../../domain/compliance/phone.js';
import { defineTool } from '../../framework/tool.js';
import { STAFF_ALERT_FIELDS, type StaffAlerts } from '../../../domain/settings/settings.types.js';

const MAX_RULES = 50;

const e164 = (field: string) => z.string().refine((v) => parseE164(v) !== null, { message: `${field} must be a valid phone number in E.164 format, such as +14155552671` });

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

const toOutput = (s: StaffAlerts): SettingsOutput => ({
  notification_phone: s.notificationPhone,
  notification_email: s.notificationEmail,
  sms_notifications: s.smsNotifications,
  email_notifications: s.emailNotifications,
  escalation_rules: s.escalationRules.map((r) => ({ trigger: r.trigger, notify: r.notify, channel: r.channel })),
});

export const configureStaffAlerts = defineTool({
  name: 'configure_staff_alerts',
  title: 'Configure staff alerts',
  description: 'Set who among the business’s staff gets alerts, and the post-call escalation rules (emergencies, callback requests, billing follow-ups…); alerts go only to staff.',
  scopes: ['agents:write'],
  externalEffect: false,
  annotations: { title: 'Configure staff alerts', readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  input: {
    business_id: z.guid().optional().describe('Optional: the credential’s own business, the only one it reaches, is the default.'),
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
    changed_fields: z.array(z.enum(STAFF_ALERT_FIELDS)).describe('The fields whose value differs between current and proposed settings.'),
    dry_run: z.boolean().describe('True when nothing was changed because dry_run was set.'),
  },
  async run(input, ctx) {
    requireOwnBusiness(input.business_id, ctx.businessId);
    const plan = await ctx.domain.settings.configureStaffAlerts(ctx.tx, ctx.businessId, {
      notificationPhone: input.notification_phone,
      notificationEmail: input.notification_email,
      smsNotifications: input.sms_notifications,
      emailNotifications: input.email_notifications,
      escalationRules: input.escalation_rules,
      dryRun: input.dry_run,
    });
    const before = toOutput(plan.current);
    const after = toOutput(plan.proposed);
    const changed = plan.changedFields;
    const what = changed.length ? `${changed.join(', ')}` : 'nothing (already set)';
    return {
      data: { current_settings: before, proposed_settings: after, settings: plan.dryRun ? before : after, changed_fields: changed, dry_run: plan.dryRun },
      text: plan.dryRun ? `Dry run, nothing changed. Would change: ${what}.` : `Staff alerts saved. Changed: ${what}.`,
    };
  },
});
