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

/**
 * When an outbound call was placed. Every call this server places records dialed_at when it is
 * handed to the provider (calls.repository.ts). A row without it counts from its creation when it
 * was never scheduled (imported, or written by hand); a scheduled call without it was never dialed
 * (still waiting, or canceled at dial time) and is no volume. Written exactly as the index
 * calls_placed_idx (db/migrations/2026-12-05-003-placed-counts.ts) so the planner uses it.
 */
const CALL_PLACED_AT = sql<Date>`coalesce(dialed_at, case when scheduled_at is null then created_at end)`;
/**
 * A text is handed to the provider right after the unit of work that records it commits, and its
 * created_at is that record's statement time (sms.repository.ts).
 */
const SMS_PLACED_AT = sql<Date>`created_at`;

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
     * Outbound contacts placed in the last minute and hour. A call counts from when it was dialed,
     * not from when it was recorded: a call scheduled yesterday and dialed now is volume now, and a
     * call waiting for tomorrow is no volume yet. A text is sent in the unit of work that records
     * it, so it counts from its creation. The window is on the database's clock so that every node
     * counts the same one, and at this statement's time (not the transaction's start): the caller
     * holds lockOutbound, so every contact placed before it took the lock is older than this.
     */
    async recentOutbound(channel: Channel): Promise<{ lastMinute: number; lastHour: number }> {
      const placedAt = channel === 'call' ? CALL_PLACED_AT : SMS_PLACED_AT;
      const table = channel === 'call' ? 'calls' : 'sms_messages';
      const row = await tx
        .selectFrom(table)
        .select([sql<number>`count(*) filter (where ${placedAt} > statement_timestamp() - interval '1 minute')::int`.as('last_minute'), sql<number>`count(*)::int`.as('last_hour')])
        .where('business_id', '=', businessId)
        .where('direction', '=', 'outbound')
        .where(sql<boolean>`${placedAt} > statement_timestamp() - interval '1 hour'`)
        .executeTakeFirstOrThrow();
      return { lastMinute: row.last_minute, lastHour: row.last_hour };
    },

    /** Seconds until the oldest contact placed inside `windowSeconds` leaves it (when a slot frees up). */
    async secondsUntilSlotFrees(channel: Channel, windowSeconds: number): Promise<number> {
      const placedAt = channel === 'call' ? CALL_PLACED_AT : SMS_PLACED_AT;
      const table = channel === 'call' ? 'calls' : 'sms_messages';
      const row = await tx
        .selectFrom(table)
        .select(sql<number>`ceil(extract(epoch from (min(${placedAt}) + make_interval(secs => ${windowSeconds}) - statement_timestamp())))::int`.as('wait'))
        .where('business_id', '=', businessId)
        .where('direction', '=', 'outbound')
        .where(sql<boolean>`${placedAt} > statement_timestamp() - make_interval(secs => ${windowSeconds})`)
        .executeTakeFirst();
      return Math.max(1, row?.wait ?? 1);
    },

    async businessTimeZone(): Promise<string> {
      const row = await tx.selectFrom('businesses').select('timezone').where('id', '=', businessId).executeTakeFirst();
      return row?.timezone ?? 'UTC';
    },
  };
}
