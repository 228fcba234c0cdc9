// A local stand-in for Vapi: its REST API (the paths and shapes @vapi-ai/server-sdk 2.0.1 calls
// and expects), the live-call control URL, and its webhook sender. Tests cannot reach the real Vapi,
// and they need what the real one does to an adapter: reject bad input the way Vapi does, fail or
// hang on demand, and deliver webhooks signed, duplicated and out of order.
import { createHmac, randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Vapi } from '@vapi-ai/server-sdk';

type Json = Record<string, unknown>;
type CallStatus = 'scheduled' | 'queued' | 'ringing' | 'in-progress' | 'forwarding' | 'ended';
type ReportOptions = {
  endedReason?: string;
  transcript?: string;
  summary?: string;
  recordingUrl?: string;
  cost?: number;
  startedAt?: string;
  endedAt?: string;
  durationSeconds?: number;
};
type WebhookOptions = {
  secret: string;
  mode?: 'hmac' | 'bearer' | 'none';
  timestamp?: number;
  signatureHeader?: string;
  timestampHeader?: string;
  rawBody?: string;
  tamper?: boolean;
  /** How long to wait for the answer; Vapi's default `server.timeoutSeconds` is 20. */
  timeoutMs?: number;
};

export interface FakeVapi {
  /** http://127.0.0.1:<port>, the base URL to give VAPI_BASE_URL. */
  url: string;
  /** The bearer token it accepts; any other gets 401 {message}. */
  apiKey: string;
  /** Every request received (API and control URLs), in arrival order. */
  requests: Array<{ method: string; path: string; body: unknown; headers: Record<string, string | string[] | undefined>; at: Date }>;
  assistants: Map<string, Record<string, unknown>>;
  tools: Map<string, Record<string, unknown>>;
  calls: Map<string, Record<string, unknown>>;
  phoneNumbers: Array<Record<string, unknown>>;
  addPhoneNumber(e164: string, extra?: Record<string, unknown>): Record<string, unknown>;
  /** POSTs received on the calls' control URLs. */
  controls: Array<{ callId: string; body: unknown }>;
  /** The next `times` (default 1, Infinity allowed) requests matching method and path prefix answer `status` with a Vapi-style error body, or never answer until close(). */
  fail(match: { method?: string; pathPrefix: string }, how: { status: number } | 'hang', times?: number): void;
  heal(): void;
  /** Vapi server messages in their envelope {"message": {...}}. */
  messages: {
    statusUpdate(call: Record<string, unknown>, status: CallStatus, opts?: { endedReason?: string; timestamp?: number }): { message: Record<string, unknown> };
    endOfCallReport(call: Record<string, unknown>, opts?: ReportOptions): { message: Record<string, unknown> };
    assistantRequest(opts: { callId?: string; phoneNumber: Record<string, unknown>; customerNumber: string }): { message: Record<string, unknown> };
    toolCalls(call: Record<string, unknown>, calls: Array<{ id?: string; name: string; arguments: Record<string, unknown> }>): { message: Record<string, unknown> };
  };
  /** POSTs `message` to `url` the way Vapi does with an HMAC credential (or, by option, a broken or different credential). */
  sendWebhook(url: string, message: unknown, opts: WebhookOptions): Promise<{ status: number; body: any; headers: Record<string, string>; ms: number }>;
  /** The life of an outbound call, duplicated and out of order as Vapi delivers it; the responses in send order. */
  playCall(webhookUrl: string, callId: string, opts: { secret: string; report?: ReportOptions }): Promise<Array<{ type: string; status?: string; response: number }>>;
  close(): Promise<void>;
}

const E164 = /^\+[1-9]\d{1,14}$/;
const DEFAULT_LIST_LIMIT = 100;
const TOOL_TYPES = new Set([
  'apiRequest',
  'dtmf',
  'endCall',
  'function',
  'transferCall',
  'handoff',
  'bash',
  'computer',
  'textEditor',
  'query',
  'google.calendar.event.create',
  'google.sheets.row.append',
  'google.calendar.availability.check',
  'slack.message.send',
  'sms',
  'mcp',
  'gohighlevel.calendar.availability.check',
  'gohighlevel.calendar.event.create',
  'gohighlevel.contact.create',
  'gohighlevel.contact.get',
  'sipRequest',
  'voicemail',
]);
const PHONE_PROVIDERS = new Set(['byo-phone-number', 'twilio', 'vonage', 'vapi', 'telnyx']);

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Json,
  ) {
    super(String(body.message));
  }
}

// Vapi is a NestJS app: errors carry {message, error, statusCode}, and class-validator failures
// carry `message` as an array of strings, other failures as one string.
const badRequest = (message: string | string[]): HttpError => new HttpError(400, { message, error: 'Bad Request', statusCode: 400 });
const notFound = (): HttpError => new HttpError(404, { message: 'Not Found', statusCode: 404 });
const statusError = (status: number): Json => ({ message: http.STATUS_CODES[status] ?? 'Error', error: http.STATUS_CODES[status] ?? 'Error', statusCode: status });

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const nowIso = (): string => new Date().toISOString();

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Newest first and at most `limit`, as Vapi's list endpoints answer. */
function listOf(items: Json[], query: URLSearchParams): Json[] {
  const limit = Number(query.get('limit') ?? DEFAULT_LIST_LIMIT);
  return [...items].reverse().slice(0, Number.isFinite(limit) && limit >= 0 ? limit : DEFAULT_LIST_LIMIT);
}

/**
 * Changes one byte of a signed body while keeping it valid JSON, so a receiver that parses before
 * it verifies still reaches the signature check: the last digit of a number (or of digits inside a
 * string), else the case of a letter, else the first byte.
 */
function tamperWith(body: Buffer): Buffer {
  const out = Buffer.from(body);
  const isDigit = (b: number | undefined): boolean => b !== undefined && b >= 0x30 && b <= 0x39;
  for (let i = 0; i < out.length; i++) {
    const b = out[i]!;
    if (isDigit(b) && !isDigit(out[i + 1])) {
      out[i] = 0x30 + ((b - 0x30 + 1) % 10);
      return out;
    }
  }
  for (let i = 0; i < out.length; i++) {
    const b = out[i]!;
    if ((b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a)) {
      out[i] = b ^ 0x20;
      return out;
    }
  }
  if (out.length > 0) out[0] = out[0]! ^ 0x01;
  return out;
}

export async function startFakeVapi(options: { apiKey?: string; orgId?: string } = {}): Promise<FakeVapi> {
  const apiKey = options.apiKey ?? 'fake-vapi-key';
  const orgId = options.orgId ?? randomUUID();
  const sockets = new Set<Socket>();
  let closing: Promise<void> | undefined;
  const failures: Array<{ method?: string; pathPrefix: string; how: { status: number } | 'hang'; remaining: number }> = [];

  const requests: FakeVapi['requests'] = [];
  const assistants = new Map<string, Json>();
  const tools = new Map<string, Json>();
  const calls = new Map<string, Json>();
  const phoneNumbers: Json[] = [];
  const controls: FakeVapi['controls'] = [];
  let url = '';

  const stamp = (body: Json): Json => {
    const at = nowIso();
    return { ...body, id: randomUUID(), orgId, createdAt: at, updatedAt: at };
  };
  // Vapi's PATCH replaces the given top-level fields and keeps the rest.
  const merge = (existing: Json, patch: Json): Json => ({
    ...existing,
    ...patch,
    id: existing.id,
    orgId: existing.orgId,
    createdAt: existing.createdAt,
    updatedAt: nowIso(),
  });
  const numberById = (id: unknown): Json | undefined => phoneNumbers.find((n) => n.id === id);

  function takeFailure(method: string, path: string): { status: number } | 'hang' | undefined {
    const f = failures.find((x) => x.remaining > 0 && (x.method === undefined || x.method.toUpperCase() === method) && path.startsWith(x.pathPrefix));
    if (!f) return undefined;
    f.remaining -= 1;
    return f.how;
  }

  function addPhoneNumber(e164: string, extra: Json = {}): Json {
    if (!E164.test(e164)) throw new Error(`addPhoneNumber: ${e164} is not E.164`);
    const at = nowIso();
    const stored: Json = { id: randomUUID(), orgId, number: e164, name: `Line ${e164}`, provider: 'vapi', status: 'active', createdAt: at, updatedAt: at, ...extra };
    phoneNumbers.push(stored);
    return stored;
  }

  function customerError(customer: unknown, path: string): string | undefined {
    if (!isObject(customer)) return `${path} must be an object`;
    if (customer.number === undefined && customer.sipUri === undefined) return `${path}.number or ${path}.sipUri must be provided`;
    if (customer.number !== undefined && customer.numberE164CheckEnabled !== false && (typeof customer.number !== 'string' || !E164.test(customer.number))) {
      return `${path}.number must be a valid phone number in the E.164 format. Hot tip, you may be missing the country code (Eg. US: +1).`;
    }
    return undefined;
  }

  function newCall(body: Json, customer: Json): Json {
    const call = stamp({
      phoneCallProvider: 'vapi',
      phoneCallTransport: 'pstn',
      ...body,
      type: 'outboundPhoneCall',
      status: body.schedulePlan ? 'scheduled' : 'queued',
      customer,
    });
    delete call.customers;
    const id = call.id as string;
    call.monitor = { listenUrl: `${url.replace(/^http/, 'ws')}/listen/${id}`, controlUrl: `${url}/control/${id}` } satisfies Vapi.Monitor;
    calls.set(id, call);
    return call;
  }

  // Checked in the order Vapi reports them: what to run, where from, whom to call.
  function createCall(body: Json): Json {
    if (!['assistantId', 'assistant', 'squadId', 'squad', 'workflowId', 'workflow'].some((k) => body[k] !== undefined)) {
      throw badRequest('Need Either `assistant`, `assistantId`, `squad`, `squadId`, `workflow`, Or `workflowId`.');
    }
    if (body.assistantId !== undefined && !assistants.has(String(body.assistantId))) {
      throw badRequest(`Couldn't Get Assistant. \`assistantId\` ${String(body.assistantId)} Not Found.`);
    }
    if (body.phoneNumberId === undefined && body.phoneNumber === undefined) throw badRequest('Need Either `phoneNumberId` Or `phoneNumber`.');
    if (body.phoneNumberId !== undefined && !numberById(body.phoneNumberId)) {
      throw badRequest(`Couldn't Get Phone Number. \`phoneNumberId\` ${String(body.phoneNumberId)} Not Found.`);
    }
    if (body.schedulePlan !== undefined) {
      const plan = body.schedulePlan;
      if (!isObject(plan) || typeof plan.earliestAt !== 'string' || Number.isNaN(Date.parse(plan.earliestAt))) {
        throw badRequest(['schedulePlan.earliestAt must be a valid ISO 8601 date string']);
      }
    }
    if (Array.isArray(body.customers)) {
      const results: Json[] = [];
      const errors: Vapi.CallBatchError[] = [];
      body.customers.forEach((customer: unknown, i) => {
        const problem = customerError(customer, `customers.${i}`);
        if (problem) errors.push({ customer: customer as Vapi.CreateCustomerDto, error: problem });
        else results.push(newCall(body, customer as Json));
      });
      return { results, errors };
    }
    if (body.customer === undefined && body.customerId === undefined) throw badRequest('Need Either `customer`, `customerId`, Or `customers`.');
    if (body.customer !== undefined) {
      const problem = customerError(body.customer, 'customer');
      if (problem) throw badRequest([problem]);
    }
    return newCall(body, (body.customer as Json | undefined) ?? { id: body.customerId });
  }

  function collection(kind: 'assistant' | 'tool' | 'call', method: string, id: string | undefined, body: unknown, query: URLSearchParams): [number, unknown] {
    const store = kind === 'assistant' ? assistants : kind === 'tool' ? tools : calls;
    if (id === undefined) {
      if (method === 'GET') {
        let items = [...store.values()];
        if (kind === 'call') {
          for (const key of ['id', 'assistantId', 'phoneNumberId']) {
            const want = query.get(key);
            if (want !== null) items = items.filter((c) => c[key] === want);
          }
        }
        return [200, listOf(items, query)];
      }
      if (method === 'POST') {
        const input = body ?? {};
        if (!isObject(input)) throw badRequest(['body must be an object']);
        if (kind === 'call') return [201, createCall(input)];
        if (kind === 'tool' && (typeof input.type !== 'string' || !TOOL_TYPES.has(input.type))) {
          throw badRequest([`type must be one of the following values: ${[...TOOL_TYPES].join(', ')}`]);
        }
        const created = stamp(input);
        store.set(created.id as string, created);
        return [201, created];
      }
      return [404, undefined];
    }
    const existing = store.get(id);
    if (method === 'GET' || method === 'PATCH' || method === 'DELETE') {
      if (!existing) throw notFound();
      if (method === 'GET') return [200, existing];
      if (method === 'DELETE') {
        store.delete(id);
        return [200, existing];
      }
      const patch = body ?? {};
      if (!isObject(patch)) throw badRequest(['body must be an object']);
      const updated = merge(existing, patch);
      store.set(id, updated);
      return [200, updated];
    }
    return [404, undefined];
  }

  function phoneNumberRoute(method: string, id: string | undefined, body: unknown, query: URLSearchParams): [number, unknown] {
    if (id === undefined) {
      if (method === 'GET') return [200, listOf(phoneNumbers, query)];
      if (method === 'POST') {
        const input = body ?? {};
        if (!isObject(input)) throw badRequest(['body must be an object']);
        if (typeof input.provider !== 'string' || !PHONE_PROVIDERS.has(input.provider)) {
          throw badRequest([`provider must be one of the following values: ${[...PHONE_PROVIDERS].join(', ')}`]);
        }
        // Buying a Vapi number picks the digits; importing one names them.
        const area = typeof input.numberDesiredAreaCode === 'string' ? input.numberDesiredAreaCode : '415';
        const digits = String(Math.floor(Math.random() * 10_000)).padStart(4, '0');
        const number = typeof input.number === 'string' ? input.number : `+1${area}555${digits}`;
        if (!E164.test(number)) throw badRequest(['number must be a valid phone number in the E.164 format']);
        const extra = { ...input };
        delete extra.number;
        return [201, addPhoneNumber(number, extra)];
      }
      return [404, undefined];
    }
    const index = phoneNumbers.findIndex((n) => n.id === id);
    if (method === 'GET' || method === 'PATCH' || method === 'DELETE') {
      const existing = phoneNumbers[index];
      if (!existing) throw notFound();
      if (method === 'GET') return [200, existing];
      if (method === 'DELETE') {
        phoneNumbers.splice(index, 1);
        return [200, existing];
      }
      const patch = body ?? {};
      if (!isObject(patch)) throw badRequest(['body must be an object']);
      const updated = merge(existing, patch);
      phoneNumbers[index] = updated;
      return [200, updated];
    }
    return [404, undefined];
  }

  function paginatedPhoneNumbers(query: URLSearchParams): Vapi.PhoneNumberPaginatedResponse {
    const limit = Math.max(1, Number(query.get('limit') ?? DEFAULT_LIST_LIMIT) || DEFAULT_LIST_LIMIT);
    const page = Math.max(1, Number(query.get('page') ?? 1) || 1);
    const search = query.get('search')?.toLowerCase();
    const all = [...phoneNumbers].reverse().filter((n) => !search || [n.name, n.number, n.sipUri].some((v) => typeof v === 'string' && v.toLowerCase().includes(search)));
    const totalPages = Math.max(1, Math.ceil(all.length / limit));
    return {
      results: all.slice((page - 1) * limit, page * limit) as unknown as Vapi.PhoneNumberPaginatedResponseResultsItem[],
      metadata: { itemsPerPage: limit, totalItems: all.length, currentPage: page, totalPages, hasNextPage: page < totalPages, sortOrder: 'DESC' },
    };
  }

  function route(method: string, path: string, body: unknown, query: URLSearchParams): [number, unknown] {
    const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
    const [head, id, ...more] = parts;
    if (more.length === 0 && (head === 'assistant' || head === 'tool' || head === 'call')) return collection(head, method, id, body, query);
    if (more.length === 0 && head === 'phone-number') return phoneNumberRoute(method, id, body, query);
    if (path === '/v2/phone-number' && method === 'GET') return [200, paginatedPhoneNumbers(query)];
    return [404, undefined];
  }

  function control(res: ServerResponse, method: string, callId: string, body: unknown): void {
    if (method !== 'POST') throw new HttpError(404, { message: `Cannot ${method} /control/${callId}`, error: 'Not Found', statusCode: 404 });
    if (!calls.has(callId)) throw notFound();
    if (!isObject(body) || typeof body.type !== 'string') throw badRequest(['type must be a string']);
    if (body.type === 'transfer' && !isObject(body.destination)) throw badRequest(['destination must be an object']);
    controls.push({ callId, body });
    sendJson(res, 200, { message: 'OK' });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const target = new URL(req.url ?? '/', 'http://fake-vapi.local');
    const path = target.pathname;
    const raw = await readBody(req);
    let body: unknown;
    let parseError: string | undefined;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch (err) {
        body = raw.toString('utf8');
        parseError = (err as Error).message;
      }
    }
    requests.push({ method, path, body, headers: { ...req.headers }, at: new Date() });

    const injected = takeFailure(method, path);
    // A hung request is left unanswered; close() destroys its socket.
    if (injected === 'hang') return;
    if (injected) return sendJson(res, injected.status, statusError(injected.status));

    try {
      if (parseError !== undefined) throw badRequest(parseError);
      // The control URL is a capability (it is unguessable), not behind the API key.
      const controlMatch = /^\/control\/([^/]+)$/.exec(path);
      if (controlMatch) return control(res, method, decodeURIComponent(controlMatch[1]!), body);
      if (req.headers.authorization !== `Bearer ${apiKey}`) {
        throw new HttpError(401, {
          message: 'Invalid Key. Hot tip, you may be using the private key instead of the public key, or vice versa.',
          error: 'Unauthorized',
          statusCode: 401,
        });
      }
      const [status, out] = route(method, path, body, target.searchParams);
      if (status === 404 && out === undefined) throw new HttpError(404, { message: `Cannot ${method} ${path}`, error: 'Not Found', statusCode: 404 });
      sendJson(res, status, out);
    } catch (err) {
      if (err instanceof HttpError) return sendJson(res, err.status, err.body);
      sendJson(res, 500, { message: (err as Error).message, error: 'Internal Server Error', statusCode: 500 });
    }
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { message: String(err), statusCode: 500 });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  // What Vapi puts around every message: the call, and the assistant, customer and number it names.
  function context(call: Json): Json {
    const out: Json = { call };
    if (call.customer !== undefined) out.customer = call.customer;
    const number = numberById(call.phoneNumberId);
    if (number) out.phoneNumber = number;
    const assistant = typeof call.assistantId === 'string' ? assistants.get(call.assistantId) : isObject(call.assistant) ? call.assistant : undefined;
    if (assistant) out.assistant = assistant;
    return out;
  }

  const messages: FakeVapi['messages'] = {
    statusUpdate(call, status, opts = {}) {
      const endedReason = opts.endedReason ?? (status === 'ended' ? 'customer-ended-call' : undefined);
      const snapshot: Json = { ...call, status, ...(endedReason ? { endedReason } : {}) };
      return {
        message: {
          type: 'status-update',
          status,
          ...(endedReason ? { endedReason } : {}),
          timestamp: opts.timestamp ?? Date.now(),
          ...context(snapshot),
        },
      };
    },
    endOfCallReport(call, opts = {}) {
      const endedReason = opts.endedReason ?? 'customer-ended-call';
      const endedAt =
        opts.endedAt ?? (opts.startedAt && opts.durationSeconds !== undefined ? new Date(Date.parse(opts.startedAt) + opts.durationSeconds * 1000).toISOString() : nowIso());
      const durationSeconds = opts.durationSeconds ?? (opts.startedAt ? (Date.parse(endedAt) - Date.parse(opts.startedAt)) / 1000 : 60);
      const startedAt = opts.startedAt ?? new Date(Date.parse(endedAt) - durationSeconds * 1000).toISOString();
      const id = String(call.id ?? randomUUID());
      const transcript = opts.transcript ?? 'AI: Hello, how can I help you today?\nUser: I would like to book an appointment.\nAI: Of course.';
      const recordingUrl = opts.recordingUrl ?? `https://storage.vapi.ai/${id}-mono.wav`;
      const summary = opts.summary ?? 'The caller asked to book an appointment.';
      const cost = opts.cost ?? 0.12;
      const artifact = { transcript, recordingUrl, recording: { mono: { combinedUrl: recordingUrl } }, messages: [] } satisfies Vapi.Artifact;
      const analysis = { summary } satisfies Vapi.Analysis;
      const snapshot: Json = { ...call, status: 'ended', endedReason, startedAt, endedAt, cost };
      return {
        message: {
          type: 'end-of-call-report',
          endedReason,
          cost,
          startedAt,
          endedAt,
          durationSeconds,
          durationMs: Math.round(durationSeconds * 1000),
          durationMinutes: durationSeconds / 60,
          artifact,
          analysis,
          timestamp: Date.now(),
          ...context(snapshot),
        },
      };
    },
    assistantRequest(opts) {
      const at = nowIso();
      const customer = { number: opts.customerNumber };
      const call = {
        id: opts.callId ?? randomUUID(),
        orgId,
        createdAt: at,
        updatedAt: at,
        type: 'inboundPhoneCall',
        status: 'ringing',
        phoneCallProvider: 'vapi',
        phoneCallTransport: 'pstn',
        phoneNumberId: opts.phoneNumber.id,
        customer,
      };
      return { message: { type: 'assistant-request', timestamp: Date.now(), call, phoneNumber: opts.phoneNumber, customer } };
    },
    toolCalls(call, list) {
      // Vapi's webhook sends `arguments` as an object, although the SDK types it as a string.
      const toolCallList = list.map((c) => ({
        id: c.id ?? `call_${randomUUID().replace(/-/g, '').slice(0, 24)}`,
        type: 'function',
        function: { name: c.name, arguments: c.arguments },
      }));
      const toolWithToolCallList = toolCallList.map((toolCall) => ({
        type: 'function',
        name: toolCall.function.name,
        function: { name: toolCall.function.name, parameters: { type: 'object', properties: {} } },
        messages: [],
        toolCall,
      }));
      return { message: { type: 'tool-calls', timestamp: Date.now(), toolCallList, toolWithToolCallList, ...context(call) } };
    },
  };

  async function sendWebhook(target: string, message: unknown, opts: WebhookOptions): Promise<{ status: number; body: any; headers: Record<string, string>; ms: number }> {
    const signed = Buffer.from(opts.rawBody ?? JSON.stringify(message), 'utf8');
    const timestamp = opts.timestamp ?? Math.floor(Date.now() / 1000);
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'Vapi/1.0 (fake)' };
    const mode = opts.mode ?? 'hmac';
    if (mode === 'hmac') {
      const signature = createHmac('sha256', opts.secret).update(`${timestamp}.`).update(signed).digest('hex');
      headers[(opts.signatureHeader ?? 'x-vapi-signature').toLowerCase()] = signature;
      headers[(opts.timestampHeader ?? 'x-vapi-timestamp').toLowerCase()] = String(timestamp);
    } else if (mode === 'bearer') {
      headers['x-vapi-secret'] = opts.secret;
    }
    const payload = opts.tamper ? tamperWith(signed) : signed;
    headers['content-length'] = String(payload.length);
    const timeoutMs = opts.timeoutMs ?? 20_000;
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const req = (target.startsWith('https:') ? https : http).request(target, { method: 'POST', headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = null;
          try {
            parsed = text.length > 0 ? JSON.parse(text) : null;
          } catch {
            parsed = null;
          }
          const flat: Record<string, string> = {};
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) flat[k] = Array.isArray(v) ? v.join(', ') : v;
          resolve({ status: res.statusCode ?? 0, body: parsed, headers: flat, ms: performance.now() - started });
        });
      });
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`webhook to ${target} got no answer within ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  async function playCall(webhookUrl: string, callId: string, opts: { secret: string; report?: ReportOptions }) {
    const stored = calls.get(callId);
    const call: Json = stored ?? { id: callId, orgId, type: 'outboundPhoneCall', status: 'queued', createdAt: nowIso(), updatedAt: nowIso() };
    // Event times are set in the past, in the true order, so the late copies keep their original
    // timestamps, as a redelivered Vapi message does.
    const t0 = Date.now() - 90_000;
    const at = { queued: t0, ringing: t0 + 2_000, inProgress: t0 + 5_000, ended: t0 + 65_000 };
    const report = opts.report ?? {};
    const endedReason = report.endedReason ?? 'customer-ended-call';
    const queued = messages.statusUpdate(call, 'queued', { timestamp: at.queued });
    const ringing = messages.statusUpdate(call, 'ringing', { timestamp: at.ringing });
    const inProgress = messages.statusUpdate(call, 'in-progress', { timestamp: at.inProgress });
    const ended = messages.statusUpdate(call, 'ended', { endedReason, timestamp: at.ended });
    const startedAt = report.startedAt ?? new Date(at.inProgress).toISOString();
    const endedAt = report.endedAt ?? new Date(at.ended).toISOString();
    const eoc = messages.endOfCallReport(call, { ...report, endedReason, startedAt, endedAt });
    eoc.message.timestamp = at.ended + 1_000;

    const sequence: Array<{ msg: { message: Json }; apply?: Json }> = [
      { msg: queued, apply: { status: 'queued' } },
      { msg: ringing, apply: { status: 'ringing' } },
      { msg: ringing },
      { msg: inProgress, apply: { status: 'in-progress', startedAt } },
      { msg: ended, apply: { status: 'ended', endedReason, endedAt } },
      { msg: ringing },
      { msg: inProgress },
      {
        msg: eoc,
        apply: { cost: eoc.message.cost, artifact: eoc.message.artifact, analysis: eoc.message.analysis },
      },
      { msg: eoc },
    ];
    const out: Array<{ type: string; status?: string; response: number }> = [];
    for (const { msg, apply } of sequence) {
      // The stored call follows Vapi's own (ordered) view of the call; late copies do not move it back.
      if (apply && calls.has(callId)) calls.set(callId, { ...calls.get(callId)!, ...apply, updatedAt: nowIso() });
      const sent = await sendWebhook(webhookUrl, msg, { secret: opts.secret });
      const status = msg.message.status;
      out.push({ type: String(msg.message.type), ...(typeof status === 'string' ? { status } : {}), response: sent.status });
    }
    return out;
  }

  return {
    url,
    apiKey,
    requests,
    assistants,
    tools,
    calls,
    phoneNumbers,
    addPhoneNumber,
    controls,
    fail(match, how, times = 1) {
      failures.push({ ...(match.method ? { method: match.method } : {}), pathPrefix: match.pathPrefix, how, remaining: times });
    },
    heal() {
      failures.length = 0;
    },
    messages,
    sendWebhook,
    playCall,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}
