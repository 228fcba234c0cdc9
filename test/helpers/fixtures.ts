// The rows a test business is made of — the business, its people, its agents and their numbers,
// its API keys — written as system work on the owner connection (RLS does not bind it). One builder
// for every helper: the MCP tests' (test/helpers/mcp.ts) and the domain tests'
// (test/helpers/domain-fixtures.ts) businesses are the same rows made the same way.
import { randomBytes } from 'node:crypto';
import type { AgentStatus, Role } from '../../db/schema.js';
import { issueApiKey } from '../../src/authz/api-keys.js';
import type { Db } from '../../src/shared/db.js';

/** A slug no other test business has (`businesses.slug` is unique): the name's words plus a random suffix. */
export const uniqueSlug = (name: string): string =>
  `${name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')}-${randomBytes(4).toString('hex')}`;

export async function insertBusiness(db: Db, values: { name: string; slug?: string; timezone: string; phone: string }): Promise<{ id: string; name: string }> {
  return db.kysely
    .insertInto('businesses')
    .values({ name: values.name, slug: values.slug ?? uniqueSlug(values.name), timezone: values.timezone, phone: values.phone })
    .returning(['id', 'name'])
    .executeTakeFirstOrThrow();
}

/** A user (no password: cannot sign in) who belongs to the business with `role`. */
export async function insertMember(db: Db, businessId: string, values: { email: string; role: Role; name?: string | null }): Promise<{ id: string; email: string }> {
  const user = await db.kysely
    .insertInto('users')
    .values({ email: values.email, password_hash: null, name: values.name ?? null })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db.kysely.insertInto('memberships').values({ business_id: businessId, user_id: user.id, role: values.role }).execute();
  return { id: user.id, email: values.email };
}

export interface AgentValues {
  name: string;
  model?: string;
  status?: AgentStatus;
  firstMessage?: string;
  inboundPrompt?: string;
  createdAt?: Date;
  /** A line of ours routed to the agent (`phone_numbers.e164`, unique across businesses). */
  phone?: string;
  phoneLabel?: string;
}

export async function insertAgent(db: Db, businessId: string, values: AgentValues): Promise<{ id: string }> {
  const agent = await db.kysely
    .insertInto('agents')
    .values({
      business_id: businessId,
      name: values.name,
      voice: 'alloy',
      model: values.model ?? 'gpt-4o-mini',
      status: values.status ?? 'active',
      ...(values.firstMessage !== undefined ? { first_message: values.firstMessage } : {}),
      ...(values.inboundPrompt !== undefined ? { inbound_prompt: values.inboundPrompt } : {}),
      ...(values.createdAt ? { created_at: values.createdAt } : {}),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  if (values.phone) {
    await db.kysely
      .insertInto('phone_numbers')
      .values({ business_id: businessId, agent_id: agent.id, e164: values.phone, ...(values.phoneLabel ? { label: values.phoneLabel } : {}) })
      .execute();
  }
  return agent;
}

/** A real `kc_live_` key, through the issuer the product uses: the plaintext and the row's id. */
export async function insertApiKey(
  db: Db,
  businessId: string,
  values: { scopes: readonly string[]; name?: string; createdBy?: string | null; expiresAt?: Date | null },
): Promise<{ key: string; id: string }> {
  const { key, record } = await issueApiKey(db.kysely, {
    businessId,
    name: values.name ?? `test-${randomBytes(3).toString('hex')}`,
    scopes: values.scopes,
    createdBy: values.createdBy ?? null,
    expiresAt: values.expiresAt ?? null,
  });
  return { key, id: record.id };
}
