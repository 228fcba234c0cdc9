// Leads as the read tools see them: each with its assigned agent's name and its latest AI score
// (lead_scores keeps every score; the newest one, ties broken by id, is the lead's score).
import { sql } from 'kysely';
import type { TenantTx } from '../../shared/db.js';
import type { LeadFilters, LeadRecord, LeadWrite } from './leads.types.js';

export function createLeadsRepository(tx: TenantTx) {
  const base = (businessId: string) =>
    tx
      .selectFrom('leads as l')
      .leftJoin('agents as a', (join) => join.onRef('a.id', '=', 'l.agent_id').onRef('a.business_id', '=', 'l.business_id'))
      .leftJoinLateral(
        (eb) =>
          eb
            .selectFrom('lead_scores as s')
            .select(['s.score', 's.explanation', 's.model', 's.created_at'])
            .whereRef('s.business_id', '=', 'l.business_id')
            .whereRef('s.lead_id', '=', 'l.id')
            .orderBy('s.created_at', 'desc')
            .orderBy('s.id', 'desc')
            .limit(1)
            .as('ls'),
        (join) => join.onTrue(),
      )
      .select([
        'l.id',
        'l.name',
        'l.phone',
        'l.email',
        'l.status',
        'l.source',
        'l.notes',
        'l.address',
        'l.city',
        'l.state',
        'l.zip',
        'l.agent_id',
        'a.name as agent_name',
        'l.automation_paused',
        'l.created_at',
        'l.updated_at',
        'ls.score',
        'ls.explanation as score_explanation',
        'ls.model as score_model',
        'ls.created_at as scored_at',
      ])
      .where('l.business_id', '=', businessId);

  type Row = Awaited<ReturnType<ReturnType<typeof base>['executeTakeFirstOrThrow']>>;
  const toRecord = (r: Row): LeadRecord => ({
    id: r.id,
    name: r.name,
    phone: r.phone,
    email: r.email,
    status: r.status,
    source: r.source,
    notes: r.notes,
    address: r.address,
    city: r.city,
    state: r.state,
    zip: r.zip,
    agentId: r.agent_id,
    agentName: r.agent_name,
    automationPaused: r.automation_paused,
    score: r.score === null || r.scored_at === null ? null : { score: r.score, explanation: r.score_explanation ?? '', model: r.score_model ?? '', scoredAt: r.scored_at },
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  });

  return {
    /** Newest first, ties broken by id; `limit` rows plus one to tell whether more follow. */
    async listPage(businessId: string, filters: LeadFilters, page: { limit: number; offset: number }): Promise<LeadRecord[]> {
      let q = base(businessId);
      if (filters.status) q = q.where('l.status', '=', filters.status);
      if (filters.source) q = q.where(sql`lower(l.source)`, '=', filters.source.toLowerCase());
      if (filters.agentId) q = q.where('l.agent_id', '=', filters.agentId);
      const rows = await q
        .orderBy('l.created_at', 'desc')
        .orderBy('l.id', 'desc')
        .limit(page.limit + 1)
        .offset(page.offset)
        .execute();
      return rows.map(toRecord);
    },

    async find(businessId: string, leadId: string): Promise<LeadRecord | undefined> {
      const row = await base(businessId).where('l.id', '=', leadId).executeTakeFirst();
      return row ? toRecord(row) : undefined;
    },

    /** The business's newest lead with this phone number (E.164): the one an inbound text or a booking by phone belongs to. */
    async latestIdByPhone(businessId: string, phone: string): Promise<string | undefined> {
      const row = await tx
        .selectFrom('leads')
        .select('id')
        .where('business_id', '=', businessId)
        .where('phone', '=', phone)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst();
      return row?.id;
    },

    /** Creates a lead (upsert_lead, a booking for a new contact); returns its id. */
    async insert(businessId: string, values: LeadWrite): Promise<string> {
      const row = await tx
        .insertInto('leads')
        .values({ ...values, business_id: businessId })
        .returning('id')
        .executeTakeFirstOrThrow();
      return row.id;
    },

    /** Sets the given fields of one of the business's leads (upsert_lead). */
    async update(businessId: string, leadId: string, values: LeadWrite): Promise<void> {
      await tx
        .updateTable('leads')
        .set({ ...values, updated_at: sql`now()` })
        .where('business_id', '=', businessId)
        .where('id', '=', leadId)
        .execute();
    },
  };
}
