// Calls as the read tools see them, with the handling agent's name.
import type { Selectable } from 'kysely';
import type { CallStatus, CallsTable, Direction } from '../../../db/schema.js';
import type { TenantTx } from '../../shared/db.js';
import type { CallRecord } from './call-views.types.js';

export interface CallFilters {
  agentId?: string | undefined;
  status?: CallStatus | undefined;
  direction?: Direction | undefined;
  leadId?: string | undefined;
}

type CallRow = Pick<
  Selectable<CallsTable>,
  'id' | 'status' | 'direction' | 'to_number' | 'from_number' | 'duration_seconds' | 'agent_id' | 'lead_id' | 'summary' | 'recording_url' | 'created_at' | 'ended_at'
> & { agent_name: string | null };

const toRecord = (r: CallRow): CallRecord => ({
  id: r.id,
  status: r.status,
  direction: r.direction,
  to: r.to_number,
  from: r.from_number,
  durationSeconds: r.duration_seconds,
  agentId: r.agent_id,
  agentName: r.agent_name,
  leadId: r.lead_id,
  summary: r.summary,
  recordingUrl: r.recording_url,
  createdAt: r.created_at,
  endedAt: r.ended_at,
});

export function createCallsReadRepository(tx: TenantTx) {
  const base = (businessId: string) =>
    tx
      .selectFrom('calls as c')
      .leftJoin('agents as a', (join) => join.onRef('a.id', '=', 'c.agent_id').onRef('a.business_id', '=', 'c.business_id'))
      .select([
        'c.id',
        'c.status',
        'c.direction',
        'c.to_number',
        'c.from_number',
        'c.duration_seconds',
        'c.agent_id',
        'c.lead_id',
        'c.summary',
        'c.recording_url',
        'c.created_at',
        'c.ended_at',
        'a.name as agent_name',
      ])
      .where('c.business_id', '=', businessId);

  return {
    /** Newest first, ties broken by id; `limit` rows plus one to tell whether more follow. */
    async listPage(businessId: string, filters: CallFilters, page: { limit: number; offset: number }): Promise<CallRecord[]> {
      let q = base(businessId);
      if (filters.agentId) q = q.where('c.agent_id', '=', filters.agentId);
      if (filters.status) q = q.where('c.status', '=', filters.status);
      if (filters.direction) q = q.where('c.direction', '=', filters.direction);
      if (filters.leadId) q = q.where('c.lead_id', '=', filters.leadId);
      const rows = await q.orderBy('c.created_at', 'desc').orderBy('c.id', 'desc').limit(page.limit + 1).offset(page.offset).execute();
      return rows.map(toRecord);
    },

    async find(businessId: string, callId: string): Promise<CallRecord | undefined> {
      const row = await base(businessId).where('c.id', '=', callId).executeTakeFirst();
      return row ? toRecord(row) : undefined;
    },

    async findWithTranscript(businessId: string, callId: string): Promise<(CallRecord & { transcript: string | null }) | undefined> {
      const row = await base(businessId).select('c.transcript').where('c.id', '=', callId).executeTakeFirst();
      return row ? { ...toRecord(row), transcript: row.transcript } : undefined;
    },
  };
}
