// Who may send what to the MCP endpoint, decided from the JSON-RPC messages before any session is
// touched or any tool runs (product.md "Resource server").
import { isJSONRPCNotification, isJSONRPCRequest, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { missingScopes, type Scope } from '../../scopes/index.js';
import type { Credential } from './credentials.js';

export type AccessDecision =
  | { kind: 'allow' }
  /** HTTP 401 with the OAuth challenge: a credential is needed (MCP authorization, interop.md 21). */
  | { kind: 'authenticate' }
  /** HTTP 403 insufficient_scope: an OAuth token lacks scopes the called tools need (step-up). */
  | { kind: 'insufficient_scope'; missing: Scope[]; tools: string[] };

/**
 * Public metadata, as in the seed: a client can connect and see the tool catalog before signing
 * in. Everything else, `tools/call` first of all, needs a credential.
 */
const ANONYMOUS_METHODS = new Set(['initialize', 'ping', 'tools/list']);

const isAnonymous = (message: JSONRPCMessage) => isJSONRPCNotification(message) || (isJSONRPCRequest(message) && ANONYMOUS_METHODS.has(message.method));

export interface AccessInput {
  /** The request's messages; empty for GET (the SSE stream) and DELETE. */
  messages: readonly JSONRPCMessage[];
  credential: Credential | null;
  /** MCP_ANONYMOUS_DISCOVERY: false makes every request without a credential answer 401. */
  anonymousDiscovery: boolean;
  /** The scopes a call of a tool needs, or undefined for a tool the endpoint does not have (the SDK says so). */
  scopesForTool(name: string, args: unknown): readonly Scope[] | undefined;
}

export function decideAccess(input: AccessInput): AccessDecision {
  const { credential } = input;
  if (!credential) {
    // Some clients start OAuth only when their very first request is refused.
    if (!input.anonymousDiscovery) return { kind: 'authenticate' };
    return input.messages.every(isAnonymous) ? { kind: 'allow' } : { kind: 'authenticate' };
  }
  // API keys carry fixed scopes that no step-up can change: their refusal is a tool error
  // ("Missing required scope: …"), produced by the tool runner with the same gate.
  if (credential.kind !== 'oauth') return { kind: 'allow' };

  const missing = new Set<Scope>();
  const tools: string[] = [];
  for (const message of input.messages) {
    if (!isJSONRPCRequest(message) || message.method !== 'tools/call') continue;
    const name = message.params?.name;
    const required = typeof name === 'string' ? input.scopesForTool(name, message.params?.arguments) : undefined;
    if (!required) continue;
    const lacking = missingScopes(required, credential.scopes);
    if (lacking.length === 0) continue;
    tools.push(name as string);
    for (const scope of lacking) missing.add(scope);
  }
  return missing.size === 0 ? { kind: 'allow' } : { kind: 'insufficient_scope', missing: [...missing], tools };
}
