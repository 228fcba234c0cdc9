// POST /webhooks/vapi: Vapi's server messages (spec/voice-runtime.md §D). In this order, and nothing
// is parsed before the credential holds:
//
//   1. the raw body, within BODY_LIMIT_BYTES                        → else 413
//   2. a credential, one of Vapi's kinds                            → else 401 naming what is wrong
//      - HMAC: `x-vapi-signature` = hex HMAC-SHA256(secret, `<x-vapi-timestamp>.<raw body>`), the
//        timestamp (unix seconds) within 5 minutes of ours; header names configurable
//      - the secret itself: `X-Vapi-Secret: <secret>` (Vapi's legacy form) or `Authorization: Bearer <secret>`
//      compared in constant time (digests of equal length, so the length leaks nothing either)
//   3. JSON in Vapi's envelope {"message": {"type": …}}               → else 400 naming the field
//   4. by type:
//      status-update, end-of-call-report → recorded and applied once, then 200 (domain/calls/provider-events)
//      assistant-request                 → the agent of the number called: {assistantId} (or {error})
//      tool-calls                        → the in-call tools run once: {results: [...]}
//      anything else                     → 200, ignored (conversation updates, speech, transcripts…)
//
// Every request is counted in kaicalls_webhook_events_total by type and outcome (a refused one as
// type `unverified`: its type was not read).
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import getRawBody from 'raw-body';
import type { VapiSettings } from '../../shared/config.js';
import type { Logger } from '../../shared/log.js';
import type { WebhookMetrics } from '../../shared/metrics.js';
import type { ProviderWebhookSink } from '../telephony.js';
import { assistantRequest, callEvent, Envelope, METADATA_BUSINESS_ID, METADATA_CALL_ID, refusal, toolCalls, WEBHOOK_PATH } from './messages.js';

export interface VapiWebhookOptions {
  settings: Readonly<VapiSettings>;
  bodyLimitBytes: number;
  sink: ProviderWebhookSink;
  metrics: WebhookMetrics;
  log: Logger;
  /** The clock the timestamp window is judged by (tests move it); the system's by default. */
  now?: () => number;
}

/** How far a signed timestamp may be from our clock. */
const MAX_SKEW_SECONDS = 5 * 60;
/** Vapi waits 7.5 s for an assistant; we answer before that or say why not. */
const ASSISTANT_DEADLINE_MS = 6_000;

const digest = (s: string | Buffer) => createHash('sha256').update(s).digest();
const sameSecret = (presented: string, secret: string) => timingSafeEqual(digest(presented), digest(secret));

/** The credential check: null when it holds, else why not (for the 401). */
export function checkCredential(headers: Record<string, string | string[] | undefined>, raw: Buffer, settings: Readonly<VapiSettings>, nowMs: number): string | null {
  const one = (name: string) => {
    const v = headers[name];
    return Array.isArray(v) ? (v.length === 1 ? v[0] : undefined) : v;
  };
  const signature = one(settings.signatureHeader);
  if (signature !== undefined) {
    const timestamp = one(settings.timestampHeader);
    if (timestamp === undefined) return `${settings.timestampHeader} is missing: a signed webhook names the time it was signed`;
    if (!/^\d{1,13}$/.test(timestamp)) return `${settings.timestampHeader} must be unix seconds`;
    // Seconds, as Vapi sends; a value in milliseconds is read as such.
    const seconds = timestamp.length > 11 ? Number(timestamp) / 1000 : Number(timestamp);
    if (Math.abs(nowMs / 1000 - seconds) > MAX_SKEW_SECONDS) return `${settings.timestampHeader} is more than 5 minutes from this server's clock`;
    const expected = createHmac('sha256', settings.webhookSecret).update(`${timestamp}.`).update(raw).digest();
    const hex = signature.trim().replace(/^sha256=/i, '');
    const presented = /^[0-9a-f]{64}$/i.test(hex) ? Buffer.from(hex, 'hex') : Buffer.alloc(0);
    if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) return `${settings.signatureHeader} does not match the body`;
    return null;
  }
  const secret = one('x-vapi-secret');
  if (secret !== undefined) return sameSecret(secret, settings.webhookSecret) ? null : 'X-Vapi-Secret is not the configured secret';
  const bearer = /^Bearer[ ]+(\S+)[ ]*$/i.exec(one('authorization') ?? '');
  if (bearer) return sameSecret(bearer[1]!, settings.webhookSecret) ? null : 'the bearer credential is not the configured secret';
  return `no credential: send ${settings.signatureHeader} and ${settings.timestampHeader} (HMAC), or X-Vapi-Secret`;
}

export function vapiWebhook(options: VapiWebhookOptions): Middleware {
  const { settings, sink, metrics, log } = options;
  const now = options.now ?? Date.now;

  const answer = (ctx: Context, status: number, body: Record<string, unknown>, type: string, outcome: string) => {
    ctx.status = status;
    ctx.body = body;
    metrics.webhookEvent('vapi', type, outcome);
  };

  return async (ctx, next) => {
    if (ctx.path !== WEBHOOK_PATH) return next();
    if (ctx.method !== 'POST') {
      ctx.set('Allow', 'POST');
      ctx.status = 405;
      ctx.body = { error: 'method_not_allowed', error_description: 'POST Vapi server messages here' };
      return;
    }
    let raw: Buffer;
    try {
      // With the declared length, an oversized body is refused before it is read.
      raw = await getRawBody(ctx.req, { limit: options.bodyLimitBytes, length: ctx.req.headers['content-length'] });
    } catch (err) {
      const tooLarge = (err as { type?: string }).type === 'entity.too.large';
      return answer(
        ctx,
        tooLarge ? 413 : 400,
        { error: tooLarge ? 'payload_too_large' : 'bad_request', error_description: tooLarge ? `the body is over ${options.bodyLimitBytes} bytes` : 'the body could not be read' },
        'unverified',
        tooLarge ? 'too_large' : 'bad_request',
      );
    }
    const refused = checkCredential(ctx.req.headers, raw, settings, now());
    if (refused) {
      log.warn({ path: WEBHOOK_PATH, reason: refused }, 'webhook refused');
      return answer(ctx, 401, { error: 'unauthorized', error_description: refused }, 'unverified', 'unauthorized');
    }

    let json: unknown;
    try {
      json = JSON.parse(raw.toString('utf8'));
    } catch {
      return answer(ctx, 400, { error: 'bad_request', error_description: 'the body is not JSON' }, 'unknown', 'bad_request');
    }
    const envelope = Envelope.safeParse(json);
    if (!envelope.success) {
      return answer(ctx, 400, { error: 'bad_request', error_description: `not a Vapi server message: ${refusal(envelope.error, '')}` }, 'unknown', 'bad_request');
    }
    const message = envelope.data.message;
    const type = message.type;

    switch (type) {
      case 'status-update':
      case 'end-of-call-report': {
        const read = callEvent(message);
        if ('refused' in read) return answer(ctx, 400, { error: 'bad_request', error_description: read.refused }, type, 'bad_request');
        if (!read.event) return answer(ctx, 200, { ok: true, ignored: true }, type, 'ignored');
        const outcome = await sink.record(read.event);
        return answer(ctx, 200, { ok: true, outcome }, type, outcome);
      }
      case 'assistant-request': {
        const read = assistantRequest(message);
        if ('refused' in read) return answer(ctx, 400, { error: 'bad_request', error_description: read.refused }, type, 'bad_request');
        if (!read.calledNumber) return answer(ctx, 200, { error: 'The number called is not in the request.' }, type, 'refused');
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<'late'>((resolve) => {
          timer = setTimeout(() => resolve('late'), ASSISTANT_DEADLINE_MS);
        });
        const inbound = await Promise.race([
          sink.inbound({ provider: 'vapi', providerCallId: read.providerCallId, calledNumber: read.calledNumber, callerNumber: read.callerNumber }),
          late,
        ]).finally(() => clearTimeout(timer));
        if (inbound === 'late') return answer(ctx, 200, { error: 'The agent for this number could not be prepared in time.' }, type, 'late');
        if (!inbound.ok) return answer(ctx, 200, { error: `No agent takes this call: ${inbound.reason}.` }, type, 'refused');
        return answer(
          ctx,
          200,
          {
            assistantId: inbound.providerAgent.assistantId,
            assistantOverrides: { metadata: { [METADATA_BUSINESS_ID]: inbound.businessId, [METADATA_CALL_ID]: inbound.callId } },
          },
          type,
          'answered',
        );
      }
      case 'tool-calls': {
        const read = toolCalls(message);
        if ('refused' in read) return answer(ctx, 400, { error: 'bad_request', error_description: read.refused }, type, 'bad_request');
        const ran = await sink.toolCalls({ provider: 'vapi', key: read.key, providerCallId: read.providerCallId, echoed: read.echoed, calls: read.calls });
        if (!ran.ok) {
          log.warn({ providerCallId: read.providerCallId }, 'tool calls for a call we do not have');
          return answer(
            ctx,
            200,
            { results: read.calls.map((c) => ({ toolCallId: c.id, name: c.name, error: 'This call is not known to the business’s server.' })) },
            type,
            'unknown_call',
          );
        }
        return answer(
          ctx,
          200,
          { results: ran.results.map((r) => ({ toolCallId: r.toolCallId, name: r.name, ...(r.ok ? { result: r.text } : { error: r.text }) })) },
          type,
          ran.duplicate ? 'duplicate' : 'answered',
        );
      }
      default:
        return answer(ctx, 200, { ok: true, ignored: true }, 'other', 'ignored');
    }
  };
}
