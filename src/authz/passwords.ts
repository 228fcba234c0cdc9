// Password hashing: argon2id (RFC 9106) with the library's defaults (m=19 MiB, t=2, p=1, the OWASP
// minimum). Only the PHC string is stored; verification is constant-time inside the library.
import { hash, verify } from '@node-rs/argon2';
import { randomBase62 } from '../shared/random.js';

const ARGON2ID = 2;

export function hashPassword(password: string): Promise<string> {
  return hash(password, { algorithm: ARGON2ID });
}

// Verifying against a real hash when the account does not exist keeps "no such user" as slow as
// "wrong password", so response time tells nothing about which emails are registered.
let dummyHash: Promise<string> | undefined;

/** A hash to verify against when the account has none, made once, so both paths cost the same. */
function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword(randomBase62(24));
  return dummyHash;
}

export async function verifyPassword(phc: string | null | undefined, password: string): Promise<boolean> {
  const target = phc ?? (await dummyPasswordHash());
  try {
    return (await verify(target, password)) && phc != null;
  } catch {
    return false;
  }
}

/** A readable random password: four groups of five base62 characters (~119 bits). */
export function generatePassword(): string {
  return [randomBase62(5), randomBase62(5), randomBase62(5), randomBase62(5)].join('-');
}
