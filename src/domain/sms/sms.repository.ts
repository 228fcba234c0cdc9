// Text messages and their conversations: recorded (queued) before the provider is asked, then
// marked sent or failed; inbound messages recorded as received; listed by the read tools. Tenant
// functions take the RLS-bound unit of work; the lookups across businesses use the owner connection.
import { sql, type Selectable } from 'kysely';
import type { SmsMessagesTable } from '../../../db/schema.js';
import type { OwnerDb, TenantTx } from '../../shared/db.js';
import type { SmsFilters, SmsMessage } from './sms.types.js';

const toSmsMessage = (r: Selectable<SmsMessagesTable>): SmsMessage => ({
  id: r.id,
  businessId: r.business_id,
  conversationId: r.conversation_id,
  agentId: r.agent_id,
  leadId: r.lead_id,
  direction: r.direction,
  from: r.from_number,
  to: r.to_number,
  body: r.body,
  status: r.status,
  failureReason: r.failure_reason,
  provider: r.provider,
  providerMessageId: r.provider_message_id,
  createdAt: r.created_at,
});

export function createSmsRepository(tx: TenantTx, businessId: string) {
  return {
    /** The conversation between one agent line and one contact, created on first message. */
    async conversation(agentId: string | null, contactNumber: string, leadId: string | null): Promise<string> {
      // The unique key treats a null agent as distinct, so conversations without an agent are found first.
      let q = tx.selectFrom('sms_conversations').select('id').where('business_id', '=', businessId).where('contact_number', '=', contactNumber);
      q = agentId ? q.where('agent_id', '=', agentId) : q.where('agent_id', 'is', null);
      const existing = await q.executeTakeFirst();
      if (existing) {
        await tx
          .updateTable('sms_conversations')
          .set((eb) => ({ last_message_at: sql`now()`, lead_id: leadId ?? eb.ref('lead_id') }))
          .where('business_id', '=', businessId)
          .where('id', '=', existing.id)
          .execute();
        return existing.id;
      }
      const row = await tx
        .insertInto('sms_conversations')
        .values({ business_id: businessId, agent_id: agentId, lead_id: leadId, contact_number: contactNumber, last_message_at: sql`now()` })
        .onConflict((oc) => oc.columns(['business_id', 'agent_id', 'contact_number']).doUpdateSet({ last_message_at: sql`now()` }))
        .returning('id')
        .executeTakeFirstOrThrow();
      return row.id;
    },

    async insertMessage(values: {
      conversationId: string;
      agentId: string | null;
      leadId: string | null;
      direction: 'inbound' | 'outbound';
      from: string;
      to: string;
      body: string;
      status: 'queued' | 'received';
      provider: string;
      providerMessageId?: string | null;
    }): Promise<SmsMessage> {
      const row = await tx
        .insertInto('sms_messages')
        .values({
          business_id: businessId,
          conversation_id: values.conversationId,
          agent_id: values.agentId,
          lead_id: values.leadId,
          direction: values.direction,
          from_number: values.from,
          to_number: values.to,
          body: values.body,
          status: values.status,
          provider: values.provider,
          provider_message_id: values.providerMessageId ?? null,
          // An outbound text is sent right after this unit of work, so the rate limit counts it from
          // here (compliance.repository.ts): the statement's time, taken under the outbound lock,
          // rather than the transaction's start, which may precede a long wait for that lock.
          created_at: sql<Date>`statement_timestamp()`,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toSmsMessage(row);
    },

    /** Moves a queued message to sent or failed; a message already settled is left alone. */
    async settle(messageId: string, outcome: { status: 'sent'; providerMessageId: string } | { status: 'failed'; reason: string }): Promise<SmsMessage | undefined> {
      const row = await tx
        .updateTable('sms_messages')
        .set(outcome.status === 'sent' ? { status: 'sent', provider_message_id: outcome.providerMessageId } : { status: 'failed', failure_reason: outcome.reason })
        .where('business_id', '=', businessId)
        .where('id', '=', messageId)
        .where('status', '=', 'queued')
        .returningAll()
        .executeTakeFirst();
      return row && toSmsMessage(row);
    },

    async find(messageId: string): Promise<SmsMessage | undefined> {
      const row = await tx.selectFrom('sms_messages').selectAll().where('business_id', '=', businessId).where('id', '=', messageId).executeTakeFirst();
      return row && toSmsMessage(row);
    },

    /** Newest first, ties broken by id; `limit` rows plus one to tell whether more follow. */
    async list(filters: SmsFilters, page: { limit: number; offset: number }): Promise<SmsMessage[]> {
      let q = tx.selectFrom('sms_messages as m').selectAll('m').where('m.business_id', '=', businessId);
      if (filters.conversationId) q = q.where('m.conversation_id', '=', filters.conversationId);
      if (filters.direction) q = q.where('m.direction', '=', filters.direction);
      if (filters.leadId) {
        const leadId = filters.leadId;
        q = q.where((eb) =>
          eb.or([
            eb('m.lead_id', '=', leadId),
            eb('m.conversation_id', 'in', eb.selectFrom('sms_conversations as sc').select('sc.id').where('sc.business_id', '=', businessId).where('sc.lead_id', '=', leadId)),
          ]),
        );
      }
      const rows = await q
        .orderBy('m.created_at', 'desc')
        .orderBy('m.id', 'desc')
        .limit(page.limit + 1)
        .offset(page.offset)
        .execute();
      return rows.map(toSmsMessage);
    },

    async conversationExists(conversationId: string): Promise<boolean> {
      const row = await tx.selectFrom('sms_conversations').select('id').where('business_id', '=', businessId).where('id', '=', conversationId).executeTakeFirst();
      return row !== undefined;
    },
  };
}

/** System lookups across businesses (owner connection). */
export function createSmsScansRepository(db: OwnerDb) {
  return {
    /**
     * Which business and agent own one of our numbers. An inbound message names only the number
     * it was sent to, so this precedes knowing the business (like an API key looked up by hash).
     */
    async numberOwner(e164: string): Promise<{ businessId: string; agentId: string | null } | undefined> {
      const row = await db.selectFrom('phone_numbers').select(['business_id', 'agent_id']).where('e164', '=', e164).executeTakeFirst();
      return row && { businessId: row.business_id, agentId: row.agent_id };
    },

    /** Outbound messages still queued after `olderThanSeconds`: their send was interrupted. */
    async staleQueued(olderThanSeconds: number, limit = 500): Promise<Array<{ businessId: string; messageId: string }>> {
      const rows = await db
        .selectFrom('sms_messages')
        .select(['business_id', 'id'])
        .where('status', '=', 'queued')
        .where('direction', '=', 'outbound')
        .where('created_at', '<=', sql<Date>`now() - make_interval(secs => ${olderThanSeconds})`)
        .limit(limit)
        .execute();
      return rows.map((r) => ({ businessId: r.business_id, messageId: r.id }));
    },
  };
}
