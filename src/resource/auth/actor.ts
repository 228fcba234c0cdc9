// The MCP edge's side of "who is acting": the credential the resource server verified becomes the
// domain's Actor. It lives here, not in src/domain/audit, because the domain must not know the MCP
// credential type (spec/architecture.md: domain never imports resource).
import type { Actor } from '../../domain/audit/actor.js';
import type { Credential } from './credentials.js';

/** The actor of an MCP request, from the credential the resource server verified. */
export function actorFromCredential(credential: Credential): Actor {
  return credential.kind === 'oauth'
    ? { kind: 'oauth', userId: credential.subject, clientId: credential.clientId, scopes: credential.scopes }
    : { kind: 'api_key', apiKeyId: credential.keyId, scopes: credential.scopes };
}
