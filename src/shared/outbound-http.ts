// Requests to URLs someone outside chose: agent tools' `api_request` and `function` calls, whose URL a
// business configured and whose placeholders a caller's words fill (spec/voice-runtime.md §B). The
// request must never reach this machine, a private network or a cloud metadata service:
//
// - https only; plain http only to loopback, and only when a development setting allows it.
// - Every address the host resolves to is checked (shared/addresses.ts), and the connection is made
//   to the checked address itself (a `lookup` that answers only it): a DNS answer that changes
//   between the check and the connection (rebinding) cannot slip a private address in.
// - Redirects are followed by hand, at most MAX_REDIRECTS, each hop checked like the first.
// - One deadline for the whole exchange (DEFAULT_TIMEOUT_MS, redirects included) and a cap on the
//   answer (DEFAULT_MAX_BYTES): a slow or huge answer is cut, not waited for or buffered.
// - Nothing here logs: header values may be credentials, and the caller decides what to record.
import { promises as dns, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { isNonPublicAddress } from './addresses.js';

export const DEFAULT_TIMEOUT_MS = 5000;
export const DEFAULT_MAX_BYTES = 256 * 1024;
const MAX_REDIRECTS = 3;

/** Why a request was not answered: refused before connecting, too slow, too large, or it failed. */
export type OutboundFailure = 'refused' | 'timeout' | 'too_large' | 'failed';

export class OutboundError extends Error {
  constructor(
    readonly kind: OutboundFailure,
    message: string,
  ) {
    super(message);
    this.name = 'OutboundError';
  }
}

export interface OutboundRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string | null;
}

export interface OutboundResponse {
  status: number;
  contentType: string | null;
  body: string;
  /** The URL that answered, after redirects. */
  url: string;
}

/** Resolves a host name to every address it has (the DNS boundary; tests stand in for it). */
export type HostResolver = (hostname: string) => Promise<string[]>;

export interface OutboundHttpOptions {
  /** Development only: plain http (and https) to loopback addresses is allowed. */
  allowLoopback: boolean;
  resolve?: HostResolver;
  timeoutMs?: number;
  maxBytes?: number;
}

export type OutboundHttp = (request: OutboundRequest) => Promise<OutboundResponse>;

const systemResolver: HostResolver = async (hostname) => (await dns.lookup(hostname, { all: true, verbatim: true })).map((a) => a.address);

const isLoopback = (address: string) => {
  const bare = address.replace(/^\[|\]$/g, '');
  return bare === '::1' || /^127\./.test(bare) || /^::ffff:127\./i.test(bare);
};

export function createOutboundHttp(options: OutboundHttpOptions): OutboundHttp {
  const resolve = options.resolve ?? systemResolver;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;

  /** The checked address to connect to, or a refusal naming why. */
  async function addressFor(url: URL): Promise<string> {
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new OutboundError('refused', `only https URLs are allowed, not ${url.protocol}`);
    if (url.username || url.password) throw new OutboundError('refused', 'URLs with a user name or password are not allowed');
    const host = url.hostname.replace(/^\[|\]$/g, '');
    let addresses: string[];
    if (isIP(host)) addresses = [host];
    else {
      try {
        addresses = await resolve(host);
      } catch {
        throw new OutboundError('failed', `the host ${host} could not be resolved`);
      }
      if (addresses.length === 0) throw new OutboundError('failed', `the host ${host} has no address`);
    }
    for (const address of addresses) {
      if (isNonPublicAddress(address) && !(options.allowLoopback && isLoopback(address))) {
        throw new OutboundError('refused', `the host ${host} resolves to a loopback, private, link-local or metadata address, which requests may not reach`);
      }
    }
    if (url.protocol === 'http:' && !(options.allowLoopback && addresses.every(isLoopback))) {
      throw new OutboundError('refused', 'only https URLs are allowed (plain http is allowed to loopback in development only)');
    }
    return addresses[0]!;
  }

  return async (request) => {
    const deadline = Date.now() + timeoutMs;
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      throw new OutboundError('refused', 'the URL is not valid');
    }
    let method = request.method.toUpperCase();
    let body = request.body ?? null;
    for (let hop = 0; ; hop++) {
      const address = await addressFor(url);
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new OutboundError('timeout', `no answer within ${timeoutMs / 1000} s`);
      const answer = await exchange(url, address, { method, headers: request.headers, body }, remaining, maxBytes, timeoutMs);
      if (answer.kind === 'response') return { ...answer.response, url: url.toString() };
      if (hop >= MAX_REDIRECTS) throw new OutboundError('failed', `more than ${MAX_REDIRECTS} redirects`);
      try {
        url = new URL(answer.location, url);
      } catch {
        throw new OutboundError('failed', 'a redirect pointed to an invalid URL');
      }
      // RFC 9110 §15.4: 303 (and, as browsers do, 301/302 after a POST) continue as GET without a body.
      if (answer.status === 303 || ((answer.status === 301 || answer.status === 302) && method === 'POST')) {
        method = 'GET';
        body = null;
      }
    }
  };
}

type Exchange = { kind: 'response'; response: Omit<OutboundResponse, 'url'> } | { kind: 'redirect'; status: number; location: string };

function exchange(
  url: URL,
  address: string,
  request: { method: string; headers: Record<string, string>; body: string | null },
  remainingMs: number,
  maxBytes: number,
  timeoutMs: number,
): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const family = isIP(address) === 6 ? 6 : 4;
    // The connection goes to the address that was checked, whatever DNS says now.
    const lookup = (_host: string, opts: { all?: boolean }, callback: (...args: unknown[]) => void) => {
      if (opts?.all) callback(null, [{ address, family } satisfies LookupAddress]);
      else callback(null, address, family);
    };
    const body = request.body === null ? undefined : Buffer.from(request.body, 'utf8');
    const client = url.protocol === 'https:' ? https : http;
    const req = client.request(url, {
      method: request.method,
      headers: { ...request.headers, ...(body ? { 'content-length': String(body.length) } : {}), connection: 'close' },
      lookup: lookup as never,
      // No pooled connection: each request connects to the address checked for it.
      agent: false,
    });
    const timer = setTimeout(() => req.destroy(new OutboundError('timeout', `no answer within ${timeoutMs / 1000} s`)), remainingMs);
    const fail = (err: unknown) => {
      clearTimeout(timer);
      reject(err instanceof OutboundError ? err : new OutboundError('failed', `the request failed: ${(err as NodeJS.ErrnoException).code ?? 'connection error'}`));
    };
    req.once('error', fail);
    req.once('response', (res) => {
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if (status >= 300 && status < 400 && status !== 304 && location) {
        clearTimeout(timer);
        res.resume();
        req.destroy();
        resolve({ kind: 'redirect', status, location });
        return;
      }
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > maxBytes) {
        req.destroy(new OutboundError('too_large', `the answer is larger than ${maxBytes / 1024} KB`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) {
          req.destroy(new OutboundError('too_large', `the answer is larger than ${maxBytes / 1024} KB`));
          return;
        }
        chunks.push(chunk);
      });
      res.once('error', fail);
      res.once('end', () => {
        clearTimeout(timer);
        resolve({ kind: 'response', response: { status, contentType: res.headers['content-type'] ?? null, body: Buffer.concat(chunks).toString('utf8') } });
      });
    });
    if (body) req.end(body);
    else req.end();
  });
}
