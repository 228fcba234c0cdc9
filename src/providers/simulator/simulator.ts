// The simulated carrier: the default provider, so that a laptop install places "calls" whose whole
// life (ringing, answer, conversation, hang-up) lands in the database like a real provider's would.
//
// A call advances one state per `stepMs`:
//   queued → ringing → in-progress → completed          (any other number)
//   queued → ringing → busy                             (a number ending in 0197)
//   queued → ringing → (rings one more step) no-answer  (a number ending in 0198)
//   queued → ringing → failed                           (a number ending in 0199)
// so tests and demos can force every outcome: e.g. +14155550197 is busy, +14155550198 never
// answers, +14155550199 fails. Time is compressed: the reported duration is a plausible
// conversation length (30–240 s, derived from the call id), not the milliseconds of the timers.
//
// State lives in this process, like a real carrier's lives elsewhere: a restart loses the calls in
// flight, and recovery (domain/calls/calls.service.ts) marks them failed.
import { createHash } from 'node:crypto';
import { randomBase62 } from '../../shared/random.js';
import type { CallEventSink, DialRequest, ProviderCallStatus, SmsProvider, SmsSendRequest, TelephonyProvider } from '../telephony.js';

export const SIMULATOR_TEST_NUMBERS = Object.freeze({
  busy: '+14155550197',
  noAnswer: '+14155550198',
  failed: '+14155550199',
  answers: '+14155550123',
});

type Script = 'completed' | 'busy' | 'no-answer' | 'failed';

/** The simulated outcome of a number: decided by its last four digits, see the header. */
export function simulatedOutcome(to: string): Script {
  if (to.endsWith('0197')) return 'busy';
  if (to.endsWith('0198')) return 'no-answer';
  if (to.endsWith('0199')) return 'failed';
  return 'completed';
}

const STEPS: Record<Script, ProviderCallStatus[]> = {
  completed: ['ringing', 'in-progress', 'completed'],
  busy: ['ringing', 'busy'],
  'no-answer': ['ringing', 'ringing', 'no-answer'],
  failed: ['ringing', 'failed'],
};

const OUTCOMES = ['appointment_requested', 'callback_requested', 'information_provided', 'not_interested'] as const;

interface LiveCall {
  request: DialRequest;
  providerCallId: string;
  status: ProviderCallStatus | 'queued';
  timer: NodeJS.Timeout | undefined;
  /** Numbers the call was handed to (transfer), in order. */
  transfers: string[];
  /** What the runtime did during the conversation (its tool calls), for the transcript. */
  runtimeLines: string[];
}

/** A live call as the simulated runtime names it on the in-call surface (its context headers). */
export interface RuntimeCallRef {
  businessId: string;
  callId: string;
  agentId: string;
  /** The other party: the number called. */
  callerNumber: string;
}

/**
 * The voice runtime's side of a simulated call (spec/voice-runtime.md §C): the in-call tools, called
 * in process through the same tool functions a runtime reaches over /api/mcp/in-call. Wired by
 * app.ts; without it a simulated call has no tool calls.
 */
export interface SimulatedRuntime {
  callTool(call: RuntimeCallRef, name: string, args: Record<string, unknown>): Promise<{ ok: boolean; text: string; data: Record<string, unknown> }>;
  /** The agent's first allowed transfer destination (E.164), or null when it has none. */
  firstTransferDestination(call: RuntimeCallRef): Promise<string | null>;
}

/** The number ending that asks, in a simulated conversation, to be transferred. */
const ASKS_FOR_TRANSFER = '0196';

export interface SimulatorOptions {
  stepMs: number;
  /** Base of recording URLs: `${recordingBaseUrl}/${providerCallId}.wav`. */
  recordingBaseUrl: string;
  onEvent: CallEventSink;
  /** Where an error thrown by the event sink goes (the simulator itself must keep going). */
  onError: (err: unknown, context: { callId: string; status: ProviderCallStatus }) => void;
  /** The runtime the conversation uses while the call is in progress (optional). */
  runtime?: SimulatedRuntime;
}

export function createSimulatorTelephony(options: SimulatorOptions): TelephonyProvider {
  const live = new Map<string, LiveCall>();
  // Event deliveries under way, so stop() can wait for them before the database closes.
  const delivering = new Set<Promise<void>>();
  let stopped = false;

  function advance(call: LiveCall, remaining: ProviderCallStatus[]): void {
    const [status, ...rest] = remaining;
    if (!status) return;
    call.timer = setTimeout(() => {
      call.timer = undefined;
      if (stopped) return;
      call.status = status;
      const terminal = rest.length === 0;
      if (terminal) live.delete(call.providerCallId);
      const event = eventFor(call, status, options.recordingBaseUrl);
      // The next step is scheduled only after this one is recorded, so the database sees the
      // states in order even with a 1 ms step.
      const delivery = options
        .onEvent(event)
        .catch((err) => options.onError(err, { callId: call.request.callId, status }))
        .finally(() => {
          delivering.delete(delivery);
          // (A call the assistant hung up meanwhile is no longer live: nothing more happens to it.)
          const next = () => {
            if (!terminal && !stopped && live.has(call.providerCallId)) advance(call, rest);
          };
          // In progress, the conversation happens: the runtime's tool calls, before the call can end.
          if (status === 'in-progress' && options.runtime) {
            const conversation = converse(call, options.runtime)
              .catch((err) => options.onError(err, { callId: call.request.callId, status }))
              .finally(() => {
                delivering.delete(conversation);
                next();
              });
            delivering.add(conversation);
          } else next();
        });
      delivering.add(delivery);
    }, options.stepMs);
  }

  return {
    name: 'simulator',
    async dial(request) {
      if (stopped) throw new Error('the simulated carrier is shut down');
      const providerCallId = `sim_call_${randomBase62(24)}`;
      const call: LiveCall = { request, providerCallId, status: 'queued', timer: undefined, transfers: [], runtimeLines: [] };
      live.set(providerCallId, call);
      advance(call, STEPS[simulatedOutcome(request.to)]);
      return { providerCallId };
    },
    async transfer(providerCallId, destination) {
      const call = live.get(providerCallId);
      if (call?.status !== 'in-progress') return 'unknown';
      call.transfers.push(destination);
      return 'accepted';
    },
    async hangup(providerCallId) {
      const call = live.get(providerCallId);
      if (!call || stopped || (call.status !== 'in-progress' && call.status !== 'ringing')) return 'unknown';
      // The assistant ended it: the next scheduled state never comes, the end is reported now.
      if (call.timer) clearTimeout(call.timer);
      call.timer = undefined;
      call.status = 'completed';
      live.delete(providerCallId);
      const event = { ...eventFor(call, 'completed', options.recordingBaseUrl), endedReason: 'assistant-ended-call' };
      const delivery = options
        .onEvent(event)
        .catch((err) => options.onError(err, { callId: call.request.callId, status: 'completed' }))
        .finally(() => delivering.delete(delivery));
      delivering.add(delivery);
      await delivery;
      return 'accepted';
    },
    async lookup(providerCallId) {
      const call = live.get(providerCallId);
      if (!call) return 'unknown';
      return { status: call.status === 'queued' ? 'ringing' : call.status };
    },
    async stop() {
      stopped = true;
      const abandoned = [...live.values()].map((c) => {
        if (c.timer) clearTimeout(c.timer);
        return { businessId: c.request.businessId, callId: c.request.callId, providerCallId: c.providerCallId };
      });
      live.clear();
      await Promise.allSettled([...delivering]);
      return abandoned;
    },
  };
}

/**
 * The runtime's part of a simulated conversation: it checks the office hours and who is calling,
 * makes a lead of an unknown caller, and, for a number ending in 0196, transfers the call to the
 * agent's first transfer destination. Each answer goes into the transcript.
 */
async function converse(call: LiveCall, runtime: SimulatedRuntime): Promise<void> {
  const { request } = call;
  const ref: RuntimeCallRef = { businessId: request.businessId, callId: request.callId, agentId: request.agent.id, callerNumber: request.to };
  const use = async (name: string, args: Record<string, unknown> = {}) => {
    const answer = await runtime.callTool(ref, name, args);
    call.runtimeLines.push(`[${name}] ${answer.text}`);
    return answer;
  };
  await use('is_office_open');
  const contact = await use('lookup_contact', { phone_number: request.to });
  if (contact.ok && contact.data.found === false) {
    await use('create_lead', {
      name: request.contactName ?? 'Unknown caller',
      intent: request.context ?? 'Returned the agent’s call',
      classification: 'lead',
      summary: 'Lead captured by the agent during a simulated call.',
    });
  }
  if (request.to.endsWith(ASKS_FOR_TRANSFER)) {
    const destination = await runtime.firstTransferDestination(ref);
    if (destination) await use('transfer_call', { destination });
    else call.runtimeLines.push('[transfer_call] The caller asked for a person, but this agent has no transfer destination.');
  }
}

function eventFor(call: LiveCall, status: ProviderCallStatus, recordingBaseUrl: string) {
  const { request, providerCallId } = call;
  const base = { businessId: request.businessId, callId: request.callId, provider: 'simulator', providerCallId, status, at: new Date() };
  if (status === 'failed') return { ...base, failureReason: 'The simulated carrier could not connect the call (test number ending in 0199).' };
  if (status !== 'completed') return base;
  const seed = createHash('sha256').update(providerCallId).digest();
  const durationSeconds = 30 + (seed.readUInt16BE(0) % 211);
  const outcome = OUTCOMES[seed[2]! % OUTCOMES.length]!;
  return { ...base, result: { durationSeconds, outcome, ...conversation(request, outcome, call.runtimeLines), recordingUrl: `${recordingBaseUrl}/${providerCallId}.wav` } };
}

/** A short, readable conversation built from what the agent was asked to do. */
function conversation(request: DialRequest, outcome: (typeof OUTCOMES)[number], runtimeLines: readonly string[] = []): { transcript: string; summary: string } {
  const who = request.contactName ?? 'there';
  const opening = request.firstMessage || request.agent.firstMessage || `Hi ${who}, this is ${request.agent.name}.`;
  const purpose = request.context ? ` I'm calling about: ${request.context}` : ' I am following up on your recent inquiry.';
  const reply: Record<(typeof OUTCOMES)[number], [string, string]> = {
    appointment_requested: ['Yes, I would like to book a time. Tomorrow morning works.', 'The contact asked to book an appointment for tomorrow morning.'],
    callback_requested: ["I'm busy right now, can you call me back this afternoon?", 'The contact asked for a call back this afternoon.'],
    information_provided: ['Thanks, that answers my question.', 'The agent answered the contact’s questions; no follow-up needed.'],
    not_interested: ["No thanks, I'm not interested.", 'The contact said they are not interested.'],
  };
  const [answer, summary] = reply[outcome];
  const transcript = [`Agent: ${opening}${purpose}`, ...runtimeLines, `Contact: ${answer}`, `Agent: Thank you, ${who}. Have a good day.`, 'Contact: Bye.'].join('\n');
  return { transcript, summary: `${summary} (simulated call)` };
}

/** Simulated SMS: the message is accepted and recorded as sent. */
export function createSimulatorSms(): SmsProvider {
  return {
    name: 'simulator',
    async send(_request: SmsSendRequest) {
      return { providerMessageId: `sim_sms_${randomBase62(24)}` };
    },
  };
}
