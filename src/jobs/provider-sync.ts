// The voice provider's side of the background work: webhook events that could not be applied when
// they arrived, agents changed since the provider last got them, the provider's numbers (every
// few minutes: a number imported there shows up here without a restart), and old applied events.
import type { Domain } from '../domain/index.js';

const NUMBERS_EVERY_MS = 5 * 60_000;
const PRUNE_EVERY_MS = 60 * 60_000;

export function createProviderPass(domain: Domain): () => Promise<void> {
  let numbersAt = 0;
  let prunedAt = 0;
  return async () => {
    await domain.providerEvents.retryPending();
    if (!domain.providerSync.enabled) return;
    await domain.providerSync.syncStale();
    const now = Date.now();
    if (now - numbersAt >= NUMBERS_EVERY_MS) {
      numbersAt = now;
      await domain.providerSync.syncNumbers();
    }
    if (now - prunedAt >= PRUNE_EVERY_MS) {
      prunedAt = now;
      await domain.providerEvents.prune();
    }
  };
}
