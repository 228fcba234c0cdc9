// Phone numbers' SQL: a business's lines with the agent each is pointed at.
import type { TenantTx } from '../../shared/db.js';
import type { NumberCapability, PhoneNumber } from './numbers.types.js';

const CAPABILITIES: readonly NumberCapability[] = ['voice', 'sms', 'inbound', 'outbound'];

export function createNumbersRepository(tx: TenantTx, businessId: string) {
  const numbers = () =>
    tx
      .selectFrom('phone_numbers as p')
      .leftJoin('agents as a', (j) => j.onRef('a.id', '=', 'p.agent_id').onRef('a.business_id', '=', 'p.business_id'))
      .select(['p.id', 'p.e164', 'p.label', 'p.provider', 'p.provider_number_id', 'p.agent_id', 'a.name as agent_name', 'p.capabilities', 'p.created_at'])
      .select((eb) => eb('p.emergency_address', 'is not', null).as('emergency_address_set'))
      .where('p.business_id', '=', businessId);

  type Row = Awaited<ReturnType<ReturnType<typeof numbers>['executeTakeFirstOrThrow']>>;
  const toNumber = (r: Row): PhoneNumber => ({
    id: r.id,
    number: r.e164,
    label: r.label,
    provider: r.provider,
    providerNumberId: r.provider_number_id,
    agentId: r.agent_id,
    agentName: r.agent_name,
    capabilities: Object.fromEntries(CAPABILITIES.map((c) => [c, r.capabilities.includes(c)])) as PhoneNumber['capabilities'],
    emergencyAddressSet: Boolean(r.emergency_address_set),
    createdAt: r.created_at,
  });

  return {
    /** Newest first, ties broken by id; `limit` rows plus one to tell whether more follow. */
    async list(filters: { agentId?: string | undefined }, page: { limit: number; offset: number }): Promise<PhoneNumber[]> {
      let q = numbers();
      if (filters.agentId) q = q.where('p.agent_id', '=', filters.agentId);
      const rows = await q
        .orderBy('p.created_at', 'desc')
        .orderBy('p.id', 'desc')
        .limit(page.limit + 1)
        .offset(page.offset)
        .execute();
      return rows.map(toNumber);
    },

    /** The numbers an agent answers, oldest first (its first is the line it calls from). */
    async ofAgent(agentId: string): Promise<PhoneNumber[]> {
      const rows = await numbers().where('p.agent_id', '=', agentId).orderBy('p.created_at').orderBy('p.id').execute();
      return rows.map(toNumber);
    },

    async find(id: string, options: { lock?: boolean } = {}): Promise<PhoneNumber | undefined> {
      if (options.lock) {
        await tx.selectFrom('phone_numbers').select('id').where('business_id', '=', businessId).where('id', '=', id).forUpdate().executeTakeFirst();
      }
      const row = await numbers().where('p.id', '=', id).executeTakeFirst();
      return row && toNumber(row);
    },

    async assign(id: string, agentId: string | null): Promise<void> {
      await tx.updateTable('phone_numbers').set({ agent_id: agentId }).where('business_id', '=', businessId).where('id', '=', id).execute();
    },
  };
}
