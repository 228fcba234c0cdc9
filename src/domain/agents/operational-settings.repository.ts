// The parts of the operational setup get_operational_settings shows besides the staff alerts (which
// settings/settings.repository.ts reads): every agent's live voice, model and greeting, and the
// textable links.
import type { AgentStatus } from '../../../db/schema.js';
import type { TenantTx } from '../../shared/db.js';
import { agentPhoneNumber } from './agents.repository.js';

export interface AgentSetup {
  id: string;
  name: string;
  status: AgentStatus;
  voice: string;
  model: string;
  language: string;
  greeting: string;
  phoneNumber: string | null;
  maxCallDurationSeconds: number;
  transferEnabled: boolean;
  configVersion: number;
}

export interface LinkSetup {
  key: string;
  label: string;
  url: string;
  purpose: string | null;
  updatedAt: Date;
}

export function createOperationalSettingsRepository(tx: TenantTx) {
  return {
    /** Newest first, ties broken by id; at most `limit` + 1 rows, to tell whether more exist. */
    async agents(businessId: string, limit: number): Promise<AgentSetup[]> {
      const rows = await tx
        .selectFrom('agents as a')
        .select([
          'a.id',
          'a.name',
          'a.status',
          'a.voice',
          'a.model',
          'a.language',
          'a.first_message',
          'a.max_call_duration_seconds',
          'a.transfer_settings',
          'a.config_version',
          agentPhoneNumber,
        ])
        .where('a.business_id', '=', businessId)
        .orderBy('a.created_at', 'desc')
        .orderBy('a.id', 'desc')
        .limit(limit + 1)
        .execute();
      return rows.map((r) => ({
        id: r.id,
        name: r.name,
        status: r.status,
        voice: r.voice,
        model: r.model,
        language: r.language,
        greeting: r.first_message,
        phoneNumber: r.phone_number,
        maxCallDurationSeconds: r.max_call_duration_seconds,
        transferEnabled: r.transfer_settings?.enabled === true,
        configVersion: r.config_version,
      }));
    },

    /** Every textable link, by key (a business keeps a handful; the key is unique per business). */
    async links(businessId: string): Promise<LinkSetup[]> {
      const rows = await tx
        .selectFrom('business_links')
        .select(['key', 'label', 'url', 'purpose', 'updated_at'])
        .where('business_id', '=', businessId)
        .orderBy('key')
        .execute();
      return rows.map((r) => ({ key: r.key, label: r.label, url: r.url, purpose: r.purpose, updatedAt: r.updated_at }));
    },
  };
}
