// The `WWW-Authenticate` challenges of the MCP endpoint (RFC 6750 §3, RFC 9728 §5.1). Every one
// carries `resource_metadata`, from which an OAuth client discovers everything else, and a `scope`.
import { SCOPES, type Scope } from '../../scopes/index.js';

export interface Challenges {
  /** No credential: what a client needs to start OAuth. `scope` is the full list, as in the PRM (interop.md 4). */
  authenticate(): string;
  /** A credential was sent but is not valid. */
  invalidToken(description: string): string;
  /** An OAuth token lacks scopes this call needs (step-up). */
  insufficientScope(scopes: readonly Scope[], description: string): string;
}

/** A quoted-string value: no quotes or backslashes can break out of it. */
const quote = (value: string) => `"${value.replace(/[\\"]/g, '').replace(/[^\x20-\x7e]/g, '')}"`;

export function createChallenges(resourceMetadataUrl: string): Challenges {
  const metadata = `resource_metadata=${quote(resourceMetadataUrl)}`;
  const allScopes = `scope=${quote(SCOPES.join(' '))}`;
  return {
    authenticate: () => `Bearer ${metadata}, ${allScopes}`,
    invalidToken: (description) => `Bearer error="invalid_token", error_description=${quote(description)}, ${metadata}, ${allScopes}`,
    insufficientScope: (scopes, description) => `Bearer error="insufficient_scope", scope=${quote(scopes.join(' '))}, error_description=${quote(description)}, ${metadata}`,
  };
}

/**
 * The scopes a step-up should ask for: what the token already has plus what the call lacks, in
 * catalog order. MCP authorization (2025-11-25, "Scope challenge handling") recommends this over
 * the missing scopes alone, so the new token does not lose what the client could already do.
 */
export function stepUpScopes(granted: readonly Scope[], missing: readonly Scope[]): Scope[] {
  return SCOPES.filter((s) => granted.includes(s) || missing.includes(s));
}
