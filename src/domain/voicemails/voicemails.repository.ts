// Voicemails as the read tools list them, with the name of the agent whose line took the message.
import type { TenantTx } from '../../shared/db.js';
import type { VoicemailRecord } from './voicemails.types.js';

export function createVoicemailsRepository(tx: TenantTx) {
  return {
    /** Newest first, ties broken by id; `limit` rows plus one to tell whether more follow. */
    async listPage(businessId: string, page: { limit: number; offset: number }): Promise<VoicemailRecord[]> {
      const rows = await tx
        .selectFrom('voicemails as v')
        .leftJoin('agents as a', (join) => join.onRef('a.id', '=', 'v.agent_id').onRef('a.business_id', '=', 'v.business_id'))
        .select([
          'v.id',
          'v.caller_number',
          'v.caller_name',
          'v.agent_id',
          'a.name as agent_name',
          'v.call_id',
          'v.transcript',
          'v.recording_url',
          'v.duration_seconds',
          'v.created_at',
        ])
        .where('v.business_id', '=', businessId)
        .orderBy('v.created_at', 'desc')
        .orderBy('v.id', 'desc')
        .limit(page.limit + 1)
        .offset(page.offset)
        .execute();
      return rows.map((r) => ({
        id: r.id,
        callerNumber: r.caller_number,
        callerName: r.caller_name,
        agentId: r.agent_id,
        agentName: r.agent_name,
        callId: r.call_id,
        transcript: r.transcript,
        recordingUrl: r.recording_url,
        durationSeconds: r.duration_seconds,
        createdAt: r.created_at,
      }));
    },
  };
}
