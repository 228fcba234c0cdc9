// configure_textable_links: the business_links entries agents text to callers (booking, directions,
// cancellation…), created or repaired by key. Links are sent to the public, so only public https
// URLs are accepted: a link to a private or local address would be useless to a caller at best. The
// rules are the settings service's; the schema checks the same formats first, naming the field.
import { z } from 'zod';
import { requireOwnBusiness } from '../../framework/business-id.js';
import { defineTool } from '../../framework/tool.js';
import { isPublicHttpsUrl } from '../../../domain/updates/intents.js';
import { LINK_KEY, type PlannedLink } from '../../../domain/settings/settings.types.js';

const MAX_LINKS = 50;

const linkInput = z.object({
  key: z
    .string()
    .regex(LINK_KEY, 'key must be 1–64 lowercase letters, digits, "-" or "_", starting with a letter or digit (such as "booking")')
    .describe('Stable name agents use to pick the link, such as "booking" or "directions"; an existing key is repaired in place.'),
  label: z.string().trim().min(1, 'label must not be empty').max(100).describe('Short human name of the link, such as "Book an appointment".'),
  url: z
    .string()
    .max(2000)
    .refine(isPublicHttpsUrl, { message: 'url must be a public https:// URL, without a user name or password' })
    .describe('The https URL texted to callers.'),
  purpose: z
    .string()
    .trim()
    .max(500)
    .nullable()
    .optional()
    .describe('When agents should send it, such as "caller wants to book or reschedule". Omit to keep the current purpose; null clears it.'),
});

const linkOutput = z.object({
  id: z.guid().nullable().describe('Link id; null for a link a dry run would create.'),
  key: z.string().describe('The link key.'),
  label: z.string().describe('The link label.'),
  url: z.string().describe('The https URL.'),
  purpose: z.string().nullable().describe('When agents send it.'),
  created_at: z.string().nullable().describe('When the link was created, ISO 8601 (UTC); null for a link a dry run would create.'),
  updated_at: z.string().nullable().describe('When the link last changed, ISO 8601 (UTC); null for a link a dry run would create.'),
});

const planOutput = z.object({
  key: z.string().describe('The link key.'),
  action: z.enum(['create', 'update', 'unchanged']).describe('create: a new entry; update: an existing entry repaired; unchanged: already as asked.'),
  changed_fields: z.array(z.enum(['label', 'url', 'purpose'])).describe('For update: the fields that change.'),
});

const toLinkOutput = (l: PlannedLink): z.infer<typeof linkOutput> => ({
  id: l.id,
  key: l.key,
  label: l.label,
  url: l.url,
  purpose: l.purpose,
  created_at: l.createdAt?.toISOString() ?? null,
  updated_at: l.updatedAt?.toISOString() ?? null,
});

export const configureTextableLinks = defineTool({
  name: 'configure_textable_links',
  title: 'Configure textable links',
  description: 'Create or repair the links agents text to callers (booking, directions, cancellation, other locations…), so no raw URL sits in the voice prompt.',
  scopes: ['agents:write'],
  externalEffect: false,
  annotations: { title: 'Configure textable links', readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  input: {
    business_id: z.guid().optional().describe('Optional: the credential’s own business, the only one it reaches, is the default.'),
    links: z
      .array(linkInput)
      .min(1, 'links must hold at least one link')
      .max(MAX_LINKS)
      .describe(`The links to create or repair, by key (1–${MAX_LINKS}). Links not named are left alone.`),
    dry_run: z.boolean().default(false).describe('Return the plan without changing anything.'),
  },
  output: {
    links: z.array(linkOutput).describe('The named links as they are after this call (as they would be, for a dry run), in request order.'),
    plan: z.array(planOutput).describe('Per key: create, update or unchanged.'),
    dry_run: z.boolean().describe('True when nothing was changed because dry_run was set.'),
  },
  async run(input, ctx) {
    requireOwnBusiness(input.business_id, ctx.businessId);
    const result = await ctx.domain.settings.configureLinks(ctx.tx, ctx.businessId, { links: input.links, dryRun: input.dry_run });
    const plan = result.plan.map((p) => ({ key: p.key, action: p.action, changed_fields: p.changedFields }));
    const counts = (['create', 'update', 'unchanged'] as const).map((a) => `${plan.filter((p) => p.action === a).length} ${a}`).join(', ');
    return {
      data: { links: result.links.map(toLinkOutput), plan, dry_run: result.dryRun },
      text: [
        `${result.dryRun ? 'Dry run, nothing changed. Plan' : 'Links saved'}: ${counts}.`,
        ...plan.map((p) => `- ${p.key}: ${p.action}${p.changed_fields.length ? ` (${p.changed_fields.join(', ')})` : ''}`),
      ].join('\n'),
    };
  },
});
