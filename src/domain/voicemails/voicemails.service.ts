// Voicemails: the messages callers left, as every surface reads them.
import type { TenantTx } from '../../shared/db.js';
import { createVoicemailsRepository } from './voicemails.repository.js';
import type { VoicemailRecord } from './voicemails.types.js';

export interface VoicemailsService {
  /** Newest first, ties broken by id; `limit` rows plus one to tell whether more follow. */
  list(tx: TenantTx, businessId: string, page: { limit: number; offset: number }): Promise<VoicemailRecord[]>;
}

export function createVoicemailsService(): VoicemailsService {
  return {
    list: (tx, businessId, page) => createVoicemailsRepository(tx).listPage(businessId, page),
  };
}
