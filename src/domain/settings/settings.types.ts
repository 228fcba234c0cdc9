// A business's operational settings: who on its staff gets alerts and how, the post-call escalation
// rules, and the textable links; and what a change to them plans and does.
export type AlertChannel = 'sms' | 'email';

export interface EscalationRule {
  trigger: string;
  notify: string;
  channel: AlertChannel;
}

export interface StaffAlertSettings {
  notificationPhone: string | null;
  notificationEmail: string | null;
  smsNotifications: boolean;
  emailNotifications: boolean;
  escalationRules: EscalationRule[];
  /** Null while the business has never saved alert settings. */
  updatedAt: Date | null;
}

export interface BusinessLink {
  id: string;
  key: string;
  label: string;
  url: string;
  purpose: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** The staff alert settings a change may set, named as the columns (and the tools' fields) are. */
export const STAFF_ALERT_FIELDS = ['notification_phone', 'notification_email', 'sms_notifications', 'email_notifications', 'escalation_rules'] as const;
export type StaffAlertField = (typeof STAFF_ALERT_FIELDS)[number];

export type StaffAlerts = Omit<StaffAlertSettings, 'updatedAt'>;

/** A change to the staff alerts: an absent field keeps its value, null clears a recipient. */
export interface StaffAlertsChange {
  /** E.164; must be the phone of a staff member of the business. */
  notificationPhone?: string | null | undefined;
  /** Must be the email of a staff member of the business. */
  notificationEmail?: string | null | undefined;
  smsNotifications?: boolean | undefined;
  emailNotifications?: boolean | undefined;
  /** The complete list, in order, replacing the current one; [] removes them all. */
  escalationRules?: EscalationRule[] | undefined;
  /** Plan only: change nothing. */
  dryRun: boolean;
}

export interface StaffAlertsPlan {
  current: StaffAlerts;
  /** The current settings with the given fields replaced. */
  proposed: StaffAlerts;
  /** The fields whose value differs between current and proposed. */
  changedFields: StaffAlertField[];
  /** True when nothing was written because the change was a dry run. */
  dryRun: boolean;
}

/** 1–64 lowercase letters, digits, "-" or "_", starting with a letter or digit. */
export const LINK_KEY = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** A link to create or repair, by key. */
export interface LinkChange {
  key: string;
  label: string;
  /** A public https URL: links are texted to callers. */
  url: string;
  /** Undefined keeps the current purpose; null (or empty) clears it. */
  purpose?: string | null | undefined;
}

export type LinkField = 'label' | 'url' | 'purpose';

export interface LinkPlanEntry {
  key: string;
  /** create: a new entry; update: an existing entry repaired; unchanged: already as asked. */
  action: 'create' | 'update' | 'unchanged';
  /** For update: the fields that change. */
  changedFields: LinkField[];
}

/** A link as it is after the change (or would be, for a dry run): no id or dates for one a dry run would create. */
export interface PlannedLink {
  id: string | null;
  key: string;
  label: string;
  url: string;
  purpose: string | null;
  createdAt: Date | null;
  updatedAt: Date | null;
}

export interface LinksPlan {
  /** The named links, in request order. */
  links: PlannedLink[];
  plan: LinkPlanEntry[];
  dryRun: boolean;
}
