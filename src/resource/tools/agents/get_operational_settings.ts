// get_operational_settings: the business-level setup to audit before changing a client account:
// who gets staff alerts and how, the escalation rules, the links agents can text, each agent's
// voice, model and greeting, and which setup tools exist to change them.
import { z } from 'zod';
import { SCOPES, missingScopes } from '../../../scopes/index.js';
import { businessIdInput, businessOutput, requireOwnBusiness } from '../../framework/business-id.js';
import { defineTool, type AnyTool } from '../../framework/tool.js';

/** Agents shown at most; a business with more is told so (list_agents pages through all of them). */
const MAX_AGENTS = 100;

/**
 * tools.md: "Setup tools take `dry_run`". A setup tool is therefore any tool that changes something
 * and accepts `dry_run`, read from the registry so the list follows the tools that exist.
 */
const isSetupTool = (tool: AnyTool) => tool.annotations.readOnlyHint !== true && 'dry_run' in tool.input;

/** Whether the credential can call the tool: every scope it needs, or, for a tool with one scope per intent, any of them. */
const canUse = (tool: AnyTool, held: readonly string[]) => (tool.requiredScopes ? tool.scopes.some((s) => held.includes(s)) : missingScopes(tool.scopes, held).length === 0);

export const getOperationalSettings = defineTool({
  name: 'get_operational_settings',
  title: 'Get operational settings',
  description:
    "Read the business's operational setup before changing it: staff alert recipients, SMS and email alert flags, escalation rules, textable links, and each agent's voice, model and greeting.",
  scopes: ['agents:read'],
  externalEffect: false,
  annotations: { title: 'Get operational settings', readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  input: { business_id: businessIdInput },
  output: {
    business: businessOutput.describe('The business this credential is bound to.'),
    notification_settings: z
      .object({
        notification_phone: z.string().nullable().describe('The staff phone (E.164) that alert texts go to, or null when none is set.'),
        notification_email: z.string().nullable().describe('The staff email that alert emails go to, or null when none is set.'),
        sms_notifications: z.boolean().describe('True when staff alerts are sent by text.'),
        email_notifications: z.boolean().describe('True when staff alerts are sent by email.'),
        escalation_rules: z
          .array(
            z.object({
              trigger: z.string().describe('What raises the alert after a call (such as emergency, callback_requested, billing_question).'),
              notify: z.string().describe('Who is alerted (a staff phone or email, or a role such as staff_phone).'),
              channel: z.enum(['sms', 'email']).describe('How the alert is sent.'),
            }),
          )
          .describe('Post-call escalation rules, in the order they are evaluated.'),
        configured: z.boolean().describe('False while the business has never saved alert settings (everything above is then the default).'),
        updated_at: z.string().nullable().describe('When the alert settings last changed, ISO 8601 (UTC), or null.'),
      })
      .describe('Staff alerts: recipients, channels and escalation rules (change them with configure_staff_alerts).'),
    business_links: z
      .array(
        z.object({
          key: z.string().describe('Stable key the agents refer to the link by (such as booking or directions).'),
          label: z.string().describe('What the link is called when texted.'),
          url: z.string().describe('The https URL texted to callers.'),
          purpose: z.string().nullable().describe('When agents should send it, or null.'),
          updated_at: z.string().describe('When the link last changed, ISO 8601 (UTC).'),
        }),
      )
      .describe('Links agents can text to callers, by key (change them with configure_textable_links).'),
    agents: z
      .array(
        z.object({
          id: z.guid().describe('Agent id.'),
          name: z.string().describe('Agent name.'),
          status: z.enum(['active', 'paused', 'draft']).describe('active answers and places calls; paused and draft do not.'),
          voice: z.string().describe('Voice the agent speaks with.'),
          model: z.string().describe('Language model behind the agent.'),
          language: z.string().describe('Language the agent speaks, as a BCP 47 tag such as en-US.'),
          greeting: z.string().describe('What the agent says first when it answers (its first message); empty when unset.'),
          phone_number: z.string().nullable().describe("The agent's phone number, E.164, or null when it has none."),
          max_call_duration_seconds: z.number().int().describe('Longest call the agent stays on, in seconds.'),
          transfer_enabled: z.boolean().describe('True when the agent may transfer callers to a person.'),
          config_version: z.number().int().describe('Version of the live configuration (update_agent_config writes a new one).'),
        }),
      )
      .describe(`Agents with their live voice, model and greeting, newest first (at most ${MAX_AGENTS}).`),
    agents_truncated: z.boolean().describe(`True when the business has more than ${MAX_AGENTS} agents (list_agents pages through all).`),
    available_setup_tools: z
      .array(
        z.object({
          name: z.string().describe('Tool name.'),
          title: z.string().describe('Tool title.'),
          description: z.string().describe('What the tool changes.'),
          scopes: z.array(z.enum(SCOPES)).describe('The scopes that unlock it.'),
          usable: z.boolean().describe('True when this credential holds the scope(s) to call it.'),
        }),
      )
      .describe('The tools that change this setup (every one accepts dry_run to preview the change), and whether this credential may call each.'),
  },
  async run(input, ctx) {
    requireOwnBusiness(input.business_id, ctx.businessId);
    const { business, staffAlerts: alerts, links, agents: agentRows, agentsTruncated } = await ctx.domain.agents.operationalSettings(ctx.tx, ctx.businessId, MAX_AGENTS);
    const setupTools = ctx.tools
      .list()
      .filter(isSetupTool)
      .map((t) => ({ name: t.name, title: t.title, description: t.description, scopes: [...t.scopes], usable: canUse(t, ctx.credential.scopes) }));

    const agents = agentRows.map((a) => ({
      id: a.id,
      name: a.name,
      status: a.status,
      voice: a.voice,
      model: a.model,
      language: a.language,
      greeting: a.greeting,
      phone_number: a.phoneNumber,
      max_call_duration_seconds: a.maxCallDurationSeconds,
      transfer_enabled: a.transferEnabled,
      config_version: a.configVersion,
    }));
    const notification = {
      notification_phone: alerts.notificationPhone,
      notification_email: alerts.notificationEmail,
      sms_notifications: alerts.smsNotifications,
      email_notifications: alerts.emailNotifications,
      escalation_rules: alerts.escalationRules.map((r) => ({ trigger: r.trigger, notify: r.notify, channel: r.channel })),
      configured: alerts.updatedAt !== null,
      updated_at: alerts.updatedAt ? alerts.updatedAt.toISOString() : null,
    };
    const channels = [alerts.smsNotifications ? 'text' : null, alerts.emailNotifications ? 'email' : null].filter(Boolean).join(' and ') || 'no channel';
    const lines = [
      `${business.name} (${business.timezone}).`,
      `Staff alerts by ${channels}: phone ${alerts.notificationPhone ?? 'none'}, email ${alerts.notificationEmail ?? 'none'}; ${alerts.escalationRules.length} escalation rule${alerts.escalationRules.length === 1 ? '' : 's'}.`,
      ...alerts.escalationRules.map((r) => `- on ${r.trigger}: ${r.channel} to ${r.notify}`),
      `${links.length} textable link${links.length === 1 ? '' : 's'}${links.length ? `: ${links.map((l) => l.key).join(', ')}` : ''}.`,
      `${agents.length} agent${agents.length === 1 ? '' : 's'}:`,
      ...agents.map((a) => `- ${a.name} (${a.status}): voice ${a.voice}, model ${a.model}, greeting "${a.greeting}"`),
      `Setup tools: ${setupTools.map((t) => `${t.name}${t.usable ? '' : ` (needs ${t.scopes.join(', ')})`}`).join(', ') || 'none'}.`,
    ];
    return {
      data: {
        business: { id: business.id, name: business.name, timezone: business.timezone, phone: business.phone },
        notification_settings: notification,
        business_links: links.map((l) => ({ key: l.key, label: l.label, url: l.url, purpose: l.purpose, updated_at: l.updatedAt.toISOString() })),
        agents,
        agents_truncated: agentsTruncated,
        available_setup_tools: setupTools,
      },
      text: lines.join('\n'),
    };
  },
});
