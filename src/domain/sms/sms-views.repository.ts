// Text messages as the read tools see them (the SMS service in telephony/ writes them).
import type { Direction } from '../../../db/schema.js';
import type { TenantTx } from '../../shared/db.js';
import { toSmsView } from './sms.repository.js';
import type { SmsView } from '../../providers/telephony.js';

export interface SmsFilters {
  conversationId?: string | undefined;
  direction?: Direction | undefined;
  /** Messages attributed to this lead, directly or through their conversation. */
  leadId?: string | undefined;
}

export function createSmsReadRepository(tx: TenantTx) {
  return {
    /** Newest first, ties broken by id; `limit` rows plus one to tell whether more follow. */
    async listPage(businessId: string, filters: SmsFilters, page: { limit: number; offset: number }): Promise<SmsView[]> {
      let q = tx
        .selectFrom('sms_messages as m')
        .selectAll('m')
        .where('m.business_id', '=', businessId);
      if (filters.conversationId) q = q.where('m.conversation_id', '=', filters.conversationId);
      if (filters.direction) q = q.where('m.direction', '=', filters.direction);
      if (filters.leadId) {
        const leadId = filters.leadId;
        q = q.where((eb) =>
          eb.or([
            eb('m.lead_id', '=', leadId),
            eb(
              'm.conversation_id',
              'in',
              eb.selectFrom('sms_conversations as sc').select('sc.id').where('sc.business_id', '=', businessId).where('sc.lead_id', '=', leadId),
            ),
          ]),
        );
      }
      const rows = await q.orderBy('m.created_at', 'desc').orderBy('m.id', 'desc').limit(page.limit + 1).offset(page.offset).execute();
      return rows.map(toSmsView);
    },

    async conversationExists(businessId: string, conversationId: string): Promise<boolean> {
      const row = await tx.selectFrom('sms_conversations').select('id').where('business_id', '=', businessId).where('id', '=', conversationId).executeTakeFirst();
      return row !== undefined;
    },
  };
}
