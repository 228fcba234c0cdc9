// Vapi's server messages (the webhook envelope `{"message": {"type": …, "call": {…}, …}}`) read into
// our terms. Only what we use is checked; the rest of a message is Vapi's to extend.
import { z } from 'zod';
import type { ProviderCallStatus, ProviderToolCall, ProviderWebhookEvent } from '../telephony.js';

export const WEBHOOK_PATH = '/webhooks/vapi';
/** Our ids in a call's assistantOverrides.metadata: Vapi echoes them in every webhook of the call. */
export const METADATA_BUSINESS_ID = 'kaicalls_business_id';
export const METADATA_CALL_ID = 'kaicalls_call_id';

const call = z.looseObject({
  id: z.string().min(1).max(200),
  status: z.string().optional(),
  endedReason: z.string().optional(),
  cost: z.number().optional(),
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
  customer: z.looseObject({ number: z.string().optional() }).optional(),
  phoneNumber: z.looseObject({ number: z.string().optional() }).optional(),
  assistantOverrides: z.looseObject({ metadata: z.record(z.string(), z.unknown()).optional() }).optional(),
});

/** The envelope every server message comes in: a message with a type. */
export const Envelope = z.object({ message: z.looseObject({ type: z.string().min(1).max(100), timestamp: z.number().optional(), call: call.optional() }) });

const StatusUpdate = z.looseObject({ type: z.literal('status-update'), status: z.string(), endedReason: z.string().optional(), call });

const EndOfCallReport = z.looseObject({
  type: z.literal('end-of-call-report'),
  endedReason: z.string().optional(),
  cost: z.number().optional(),
  durationSeconds: z.number().optional(),
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
  transcript: z.string().optional(),
  summary: z.string().optional(),
  recordingUrl: z.string().optional(),
  artifact: z
    .looseObject({
      transcript: z.string().optional(),
      recordingUrl: z.string().optional(),
      recording: z.looseObject({ mono: z.looseObject({ combinedUrl: z.string().optional() }).optional() }).optional(),
    })
    .optional(),
  analysis: z.looseObject({ summary: z.string().optional() }).optional(),
  call,
});

const AssistantRequest = z.looseObject({
  type: z.literal('assistant-request'),
  call,
  phoneNumber: z.looseObject({ number: z.string().optional() }).optional(),
  customer: z.looseObject({ number: z.string().optional() }).optional(),
});

const ToolCalls = z.looseObject({
  type: z.literal('tool-calls'),
  call,
  toolCallList: z
    .array(
      z.looseObject({
        id: z.string().min(1).max(200),
        function: z.looseObject({ name: z.string().min(1).max(200), arguments: z.union([z.string(), z.record(z.string(), z.unknown())]).optional() }),
      }),
    )
    .min(1)
    .max(20),
});

/** Vapi's statuses for a call, as ours (a Vapi `ended` is refined by its ended reason). */
export function statusFromVapi(status: string | undefined, endedReason: string | undefined): ProviderCallStatus | 'queued' | undefined {
  switch (status) {
    case 'scheduled':
    case 'queued':
      return 'queued';
    case 'ringing':
      return 'ringing';
    case 'in-progress':
    case 'forwarding':
      return 'in-progress';
    case 'ended':
      return endStatusFromReason(endedReason);
    default:
      return undefined;
  }
}

/** How a call ended, from Vapi's ended reason: who did not pick up, who was busy, what failed. */
export function endStatusFromReason(reason: string | undefined): Exclude<ProviderCallStatus, 'ringing' | 'in-progress'> {
  const r = reason ?? '';
  if (r === 'customer-did-not-answer' || r.endsWith('-no-answer') || r === 'voicemail') return r === 'voicemail' ? 'completed' : 'no-answer';
  if (r === 'customer-busy' || r.endsWith('-busy')) return 'busy';
  if (r === 'manually-canceled' || r === 'scheduled-call-deleted') return 'canceled';
  if (r.startsWith('call.start.error') || r.includes('error') || r.includes('failed') || r.includes('fault')) return 'failed';
  return 'completed';
}

export type Message = z.infer<typeof Envelope>['message'];
type Call = z.infer<typeof call>;

/** A schema's refusal as one line naming the field (`message.call.id: …`). */
export function refusal(error: z.ZodError, prefix: string): string {
  const issue = error.issues[0]!;
  return `${[prefix, ...issue.path.map(String)].filter(Boolean).join('.')}: ${issue.message}`;
}

function echoed(c: Call): ProviderWebhookEvent['echoed'] {
  const m = c.assistantOverrides?.metadata ?? {};
  const s = (v: unknown) => (typeof v === 'string' ? v : undefined);
  return { businessId: s(m[METADATA_BUSINESS_ID]), callId: s(m[METADATA_CALL_ID]) };
}

const at = (m: Message) => (typeof m.timestamp === 'number' && Number.isFinite(m.timestamp) ? new Date(m.timestamp) : new Date());

/**
 * A call event in our terms, or a refusal naming the field. Vapi's messages carry no event id: an
 * event is the same event when it is the same kind of news about the same call (a status reached,
 * the report), so that is its key.
 */
export function callEvent(message: Message): { event: ProviderWebhookEvent | null } | { refused: string } {
  if (message.type === 'status-update') {
    const m = StatusUpdate.safeParse(message);
    if (!m.success) return { refused: refusal(m.error, 'message') };
    const status = statusFromVapi(m.data.status, m.data.endedReason ?? m.data.call.endedReason);
    // not-found, deletion-failed: about Vapi's records, not the call's life.
    if (!status) return { event: null };
    return {
      event: {
        provider: 'vapi',
        key: `status-update:${m.data.call.id}:${m.data.status}`,
        type: 'status-update',
        providerCallId: m.data.call.id,
        echoed: echoed(m.data.call),
        at: at(message),
        change: { kind: 'status', status, endedReason: m.data.endedReason ?? m.data.call.endedReason, failureReason: failure(status, m.data.endedReason) },
      },
    };
  }
  if (message.type === 'end-of-call-report') {
    const m = EndOfCallReport.safeParse(message);
    if (!m.success) return { refused: refusal(m.error, 'message') };
    const r = m.data;
    const endedReason = r.endedReason ?? r.call.endedReason ?? null;
    const status = endStatusFromReason(endedReason ?? undefined);
    const started = Date.parse(r.startedAt ?? r.call.startedAt ?? '');
    const ended = Date.parse(r.endedAt ?? r.call.endedAt ?? '');
    const duration = r.durationSeconds ?? (Number.isFinite(started) && Number.isFinite(ended) && ended >= started ? (ended - started) / 1000 : null);
    return {
      event: {
        provider: 'vapi',
        key: `end-of-call-report:${r.call.id}`,
        type: 'end-of-call-report',
        providerCallId: r.call.id,
        echoed: echoed(r.call),
        at: Number.isFinite(ended) ? new Date(ended) : at(message),
        change: {
          kind: 'report',
          status,
          endedReason,
          durationSeconds: duration === null ? null : Math.round(duration),
          transcript: r.artifact?.transcript ?? r.transcript ?? null,
          summary: r.analysis?.summary ?? r.summary ?? null,
          recordingUrl: r.artifact?.recordingUrl ?? r.artifact?.recording?.mono?.combinedUrl ?? r.recordingUrl ?? null,
          costUsd: r.cost ?? r.call.cost ?? null,
          failureReason: failure(status, endedReason ?? undefined) ?? null,
        },
      },
    };
  }
  return { event: null };
}

function failure(status: string, endedReason: string | undefined): string | undefined {
  return status === 'failed' ? `Vapi ended the call: ${endedReason ?? 'no reason given'}` : undefined;
}

/** An inbound call's assistant request: the call, the number called and the caller. */
export function assistantRequest(message: Message): { providerCallId: string; calledNumber: string | undefined; callerNumber: string | null } | { refused: string } {
  const m = AssistantRequest.safeParse(message);
  if (!m.success) return { refused: refusal(m.error, 'message') };
  return {
    providerCallId: m.data.call.id,
    calledNumber: m.data.phoneNumber?.number ?? m.data.call.phoneNumber?.number,
    callerNumber: m.data.call.customer?.number ?? m.data.customer?.number ?? null,
  };
}

/** Function tool calls the assistant makes: each with its id, name and arguments (an object, or JSON text). */
export function toolCalls(message: Message): { providerCallId: string; echoed: ProviderWebhookEvent['echoed']; key: string; calls: ProviderToolCall[] } | { refused: string } {
  const m = ToolCalls.safeParse(message);
  if (!m.success) return { refused: refusal(m.error, 'message') };
  const calls: ProviderToolCall[] = [];
  for (const [i, tc] of m.data.toolCallList.entries()) {
    let args: unknown = tc.function.arguments ?? {};
    if (typeof args === 'string') {
      try {
        args = args.trim() ? JSON.parse(args) : {};
      } catch {
        return { refused: `message.toolCallList.${i}.function.arguments: not JSON` };
      }
    }
    if (typeof args !== 'object' || args === null || Array.isArray(args)) return { refused: `message.toolCallList.${i}.function.arguments: must be an object` };
    calls.push({ id: tc.id, name: tc.function.name, arguments: args as Record<string, unknown> });
  }
  const ids = calls.map((c) => c.id).sort();
  return { providerCallId: m.data.call.id, echoed: echoed(m.data.call), key: `tool-calls:${m.data.call.id}:${ids.join(',')}`.slice(0, 500), calls };
}
