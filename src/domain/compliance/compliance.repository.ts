// What the outbound gates read: blocks, lead pauses, recent outbound volume, the business's zone.
// Every query runs in the caller's RLS-bound unit of work and also names the business itself.
import { sql } from 'kysely';
import type { ContactBlocksTable } from '../../../db/schema.js';
import type { TenantTx } from '../../shared/db.js';

export type BlockKind = ContactBlocksTable['kind'];
export type Channel = 'call' | 'sms';

export interface ContactBlock {
  id: string;
  phone: string;
  kind: BlockKind;
  reason: string | null;
  source: string;
  createdAt: Date;
}

export function createComplianceRepository(tx: TenantTx, businessId: string) {
  return {
    /**
     * Serializes outbound contact of one business on one channel until the transaction ends, so
     * that "count recent contacts, then record this one" cannot be interleaved by another node
     * and overshoot the rate limit.
     */
    async lockOutbound(channel: Channel): Promise<void> {
      await sql`select pg_advisory_xact_lock(hashtextextended(${`kc:outbound:${channel}:${businessId}`}, 0))`.execute(tx);
    },

    async blocksFor(phone: string): Promise<ContactBlock[]> {
      const rows = await tx
        .selectFrom('contact_blocks')
        .select(['id', 'phone', 'kind', 'reason', 'source', 'created_at'])
        .where('business_id', '=', businessId)
        .where('phone', '=', phone)
        .execute();
      return rows.map((r) => ({ id: r.id, phone: r.phone, kind: r.kind, reason: r.reason, source: r.source, createdAt: r.created_at }));
    },

    /** Adds a block; an existing block of the same kind is kept as it was (first reason wins). */
    async addBlock(values: { phone: string; kind: BlockKind; reason: string | null; source: string }): Promise<boolean> {
      const inserted = await tx
        .insertInto('contact_blocks')
        .values({ business_id: businessId, phone: values.phone, kind: values.kind, reason: values.reason, source: values.source })
        .onConflict((oc) => oc.columns(['business_id', 'phone', 'kind']).doNothing())
        .returning('id')
        .executeTakeFirst();
      return inserted !== undefined;
    },

    async removeBlock(phone: string, kind: BlockKind): Promise<boolean> {
      const removed = await tx
        .deleteFrom('contact_blocks')
        .where('business_id', '=', businessId)
        .where('phone', '=', phone)
        .where('kind', '=', kind)
        .returning('id')
        .executeTakeFirst();
      return removed !== undefined;
    },

    /** The lead's pause flag, or undefined when no such lead exists in this business. */
    async leadPaused(leadId: string): Promise<boolean | undefined> {
      const row = await tx.selectFrom('leads').select('automation_paused').where('business_id', '=', businessId).where('id', '=', leadId).executeTakeFirst();
      return row?.automation_paused;
    },

    /** A paused lead of this business with this phone number, if any. */
    async pausedLeadWithPhone(phone: string): Promise<string | undefined> {
      const row = await tx
        .selectFrom('leads')
        .select('id')
        .where('business_id', '=', businessId)
        .where('phone', '=', phone)
        .where('automation_paused', '=', true)
        .limit(1)
        .executeTakeFirst();
      return row?.id;
    },

    /**
     * Outbound contacts recorded in the last minute and hour, on the database's clock so that every
     * node counts the same window.
     */
    async recentOutbound(channel: Channel): Promise<{ lastMinute: number; lastHour: number }> {
      const table = channel === 'call' ? 'calls' : 'sms_messages';
      const row = await tx
        .selectFrom(table)
        .select([sql<number>`count(*) filter (where created_at > now() - interval '1 minute')::int`.as('last_minute'), sql<number>`count(*)::int`.as('last_hour')])
        .where('business_id', '=', businessId)
        .where('direction', '=', 'outbound')
        .where(sql<boolean>`created_at > now() - interval '1 hour'`)
        .executeTakeFirstOrThrow();
      return { lastMinute: row.last_minute, lastHour: row.last_hour };
    },

    /** Seconds until the oldest contact inside `windowSeconds` leaves it (when a slot frees up). */
    async secondsUntilSlotFrees(channel: Channel, windowSeconds: number): Promise<number> {
      const table = channel === 'call' ? 'calls' : 'sms_messages';
      const row = await tx
        .selectFrom(table)
        .select(sql<number>`ceil(extract(epoch from (min(created_at) + make_interval(secs => ${windowSeconds}) - now())))::int`.as('wait'))
        .where('business_id', '=', businessId)
        .where('direction', '=', 'outbound')
        .where(sql<boolean>`created_at > now() - make_interval(secs => ${windowSeconds})`)
        .executeTakeFirst();
      return Math.max(1, row?.wait ?? 1);
    },

    async businessTimeZone(): Promise<string> {
      const row = await tx.selectFrom('businesses').select('timezone').where('id', '=', businessId).executeTakeFirst();
      return row?.timezone ?? 'UTC';
    },
  };
}
