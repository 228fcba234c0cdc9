// Client ID Metadata Documents (draft-ietf-oauth-client-id-metadata-document): a client_id that
// is an https URL is fetched to learn the client. Fetching a URL chosen by an anonymous caller is a
// server-side request forgery risk, so (interop.md 13, draft §6):
// - https only, no credentials or fragments in the URL (checked by oidc-provider);
// - the host must resolve only to public addresses — checked here before fetching, and again by
//   oidc-provider when the connection is made, so a DNS answer that changes between the two
//   (rebinding) is caught too;
// - 2.5 s timeout and a 5 KiB body limit (oidc-provider's fetchResponseBodyLimits), no redirects;
// - documents are cached per node (Cache-Control, bounded to [5 min, 1 day]).
// CIMD_ALLOW_PRIVATE_HOSTS lifts the address rule for development only.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { isNonPublicAddress } from '../shared/addresses.js';

export type HostResolver = (hostname: string) => Promise<string[]>;

const systemResolver: HostResolver = async (hostname) => (await lookup(hostname, { all: true, verbatim: true })).map((a) => a.address);

export type CimdRefusal = 'not_https' | 'non_public_address' | 'unresolvable';

/** Decides whether a client_id URL may be fetched; says why not. */
export async function checkCimdUrl(clientId: string, options: { allowPrivateHosts: boolean; resolve?: HostResolver }): Promise<{ ok: true } | { ok: false; reason: CimdRefusal }> {
  const url = URL.parse(clientId);
  if (url?.protocol !== 'https:') return { ok: false, reason: 'not_https' };
  if (options.allowPrivateHosts) return { ok: true };
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return isNonPublicAddress(host) ? { ok: false, reason: 'non_public_address' } : { ok: true };
  let addresses: string[];
  try {
    addresses = await (options.resolve ?? systemResolver)(host);
  } catch {
    return { ok: false, reason: 'unresolvable' };
  }
  if (addresses.length === 0) return { ok: false, reason: 'unresolvable' };
  // Every address must be public: a client may connect to any of them.
  return addresses.some(isNonPublicAddress) ? { ok: false, reason: 'non_public_address' } : { ok: true };
}

export type FetchLike = (url: string | URL, init?: RequestInit & { dispatcher?: unknown }) => Promise<Response>;

/**
 * The `fetch` handed to oidc-provider. It receives oidc-provider's connection-time address check
 * as `init.dispatcher`; in development with private hosts allowed that check is dropped too.
 */
export function cimdFetch(options: { allowPrivateHosts: boolean; fetch?: FetchLike }): FetchLike {
  const impl: FetchLike = options.fetch ?? ((url, init) => globalThis.fetch(url, init));
  return (url, init = {}) => {
    if (options.allowPrivateHosts) {
      const { dispatcher: _dropped, ...rest } = init;
      return impl(url, rest);
    }
    return impl(url, init);
  };
}
