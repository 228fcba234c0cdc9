// The booking texts: reminders 24 hours ahead, confirmations a booking could not send itself, and the
// sweep of expired holds. Each text is claimed in the database before it is sent, so several nodes
// running this pass at once send it once (see AppointmentsService.runDueWork).
import type { Domain } from '../domain/index.js';

export async function bookingTextsPass(domain: Domain, now: Date): Promise<void> {
  await domain.appointments.runDueWork(now);
}
