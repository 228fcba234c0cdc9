// Email + password sign-in for the consent flow, throttled per account and per address with
// counters in the database, so the limits hold however many nodes serve the attempts.
import { createHash } from 'node:crypto';
import type { User } from '../../db/schema.js';
import { createAccountsRepository } from './accounts.repository.js';
import { verifyPassword } from './passwords.js';
import { createThrottleRepository } from './throttle.repository.js';
import type { OwnerDb } from '../shared/db.js';

export const SIGN_IN_WINDOW_SECONDS = 15 * 60;
/** Failed attempts on one account within the window before it is locked for the rest of the window. */
export const MAX_FAILURES_PER_ACCOUNT = 5;
/** Failed attempts from one address within the window (password spraying across accounts). */
export const MAX_FAILURES_PER_ADDRESS = 30;

export type SignInResult = { ok: true; user: User } | { ok: false; reason: 'invalid' | 'throttled' };

// The attempted email is kept only as a hash: failed sign-ins include typos and strangers' emails.
const accountKeyOf = (email: string) => createHash('sha256').update(`email:${email.trim().toLowerCase()}`).digest('hex');

export function createSignIn(db: OwnerDb) {
  const accounts = createAccountsRepository(db);
  const throttle = createThrottleRepository(db);
  return {
    /**
     * Checks the credentials. Unknown email, missing password and wrong password are the same
     * failure (and take the same time, see passwords.ts), so the answer reveals no account.
     * A throttled account or address is refused before the password is checked.
     */
    async signIn(email: string, password: string, address: string): Promise<SignInResult> {
      const accountKey = accountKeyOf(email);
      const recent = await throttle.countLoginFailures(accountKey, address, SIGN_IN_WINDOW_SECONDS);
      if (recent.account >= MAX_FAILURES_PER_ACCOUNT || recent.address >= MAX_FAILURES_PER_ADDRESS) {
        return { ok: false, reason: 'throttled' };
      }
      const user = email.includes('@') ? await accounts.findUserByEmail(email) : undefined;
      const valid = await verifyPassword(user?.password_hash, password);
      if (!user || !valid) {
        await throttle.recordLoginFailure(accountKey, address);
        return { ok: false, reason: 'invalid' };
      }
      await throttle.clearLoginFailures(accountKey);
      return { ok: true, user };
    },
  };
}
