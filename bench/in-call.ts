// The in-call surface's line of `npm run bench` (spec/voice-runtime.md §B): a voice runtime opens a
// new MCP session for every tool call, so one unit of work here is a whole session as the MCP SDK
// client runs it: `initialize`, `notifications/initialized`, then `tools/call is_office_open`, three
// HTTP requests on a kept-alive connection, with a runtime key and the call's context headers on
// each. Latency is per session; CPU is this process's (the server's, and PGlite's when it is the
// database) per session. The load runs in a child process (this file with `--load`), like
// autocannon for the other lines, so its own CPU is not counted.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { issueApiKey } from '../src/authz/api-keys.js';
import type { Db } from '../src/shared/db.js';

export interface InCallBenchResult {
  sessions: number;
  perSecond: number;
  p50: number;
  p99: number;
  cpuPerSession: number;
  failures: number;
}

/** Seeds a business with an agent, office hours, a live call and a runtime key; returns the headers a runtime would send. */
async function seedCall(db: Db): Promise<Record<string, string>> {
  const business = await db.kysely
    .insertInto('businesses')
    .values({ name: 'Bench In-call', slug: `bench-in-call-${randomBytes(3).toString('hex')}`, timezone: 'America/New_York', phone: '+12125550101' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const weekdays = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'];
  const agent = await db.kysely
    .insertInto('agents')
    .values({
      business_id: business.id,
      name: 'Receptionist',
      voice: 'alloy',
      model: 'gpt-4o-mini',
      office_hours: JSON.stringify({
        weekly: Object.fromEntries(weekdays.map((d) => [d, [{ start: '09:00', end: '17:00' }]])),
        closures: [{ date: '2026-12-25', reason: 'Christmas Day' }],
      }),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const call = await db.kysely
    .insertInto('calls')
    .values({ business_id: business.id, agent_id: agent.id, direction: 'inbound', status: 'in-progress', to_number: '+12125550101', from_number: '+14155550142' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const { key } = await issueApiKey(db.kysely, { kind: 'runtime', businessId: business.id, name: 'bench runtime', scopes: [] });
  return { 'x-api-key': key, account_id: business.id, persona_id: agent.id, call_id: call.id, caller_id_number: '+14155550142' };
}

export async function benchInCall(options: { db: Db; url: string; seconds: number; connections: number; rounds: number }): Promise<InCallBenchResult> {
  const headers = await seedCall(options.db);
  const script = fileURLToPath(import.meta.url);
  const run = async (seconds: number) => {
    const cpuBefore = process.cpuUsage();
    const output = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', script, '--load', options.url, JSON.stringify(headers), String(seconds), String(options.connections)],
        { maxBuffer: 64 * 1024 * 1024 },
        (err, stdout) => (err ? reject(err) : resolve(stdout)),
      );
    });
    const cpu = process.cpuUsage(cpuBefore);
    const { latencies, failures, elapsedMs } = JSON.parse(output) as { latencies: number[]; failures: number; elapsedMs: number };
    return { latencies, failures, elapsedMs, cpu: cpu.user + cpu.system };
  };
  await run(1);
  const rounds = [];
  for (let i = 0; i < options.rounds; i++) rounds.push(await run(options.seconds));
  const latencies = rounds.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const sessions = latencies.length;
  const at = (q: number) => latencies[Math.min(sessions - 1, Math.floor(q * sessions))] ?? 0;
  return {
    sessions,
    perSecond: sessions / (rounds.reduce((s, r) => s + r.elapsedMs, 0) / 1000),
    p50: at(0.5),
    p99: at(0.99),
    cpuPerSession: sessions ? rounds.reduce((s, r) => s + r.cpu, 0) / sessions : 0,
    failures: rounds.reduce((s, r) => s + r.failures, 0),
  };
}

export function formatInCall(r: InCallBenchResult): string {
  return (
    `ours /api/mcp/in-call, fresh session per tool call (initialize + initialized + tools/call is_office_open): ` +
    `${r.perSecond.toFixed(0)} sessions/s, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, ${Math.round(r.cpuPerSession)} µs CPU per session` +
    `${r.failures ? `, ${r.failures} failed` : ''}`
  );
}

// ── The load generator (child process) ─────────────────────────────────────────────────────────

async function load(url: string, headers: Record<string, string>, seconds: number, connections: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const base = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers };
  const post = (body: unknown) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request(url, { method: 'POST', agent, headers: { ...base, 'mcp-protocol-version': '2025-11-25' } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => {
          text += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      req.end(JSON.stringify(body));
    });
  const latencies: number[] = [];
  let failures = 0;
  let id = 0;
  const started = performance.now();
  const until = started + seconds * 1000;
  const worker = async () => {
    while (performance.now() < until) {
      const t0 = performance.now();
      try {
        const init = await post({
          jsonrpc: '2.0',
          id: ++id,
          method: 'initialize',
          params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench-runtime', version: '1' } },
        });
        const initialized = await post({ jsonrpc: '2.0', method: 'notifications/initialized' });
        const call = await post({ jsonrpc: '2.0', id: ++id, method: 'tools/call', params: { name: 'is_office_open', arguments: {} } });
        if (init.status !== 200 || initialized.status !== 202 || call.status !== 200 || !call.text.includes('"success":true')) failures++;
        else latencies.push(performance.now() - t0);
      } catch {
        failures++;
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, worker));
  agent.destroy();
  process.stdout.write(JSON.stringify({ latencies, failures, elapsedMs: performance.now() - started }));
}

if (process.argv[2] === '--load') {
  const [url, headers, seconds, connections] = process.argv.slice(3);
  load(url!, JSON.parse(headers!) as Record<string, string>, Number(seconds), Number(connections)).catch((err) => {
    process.stderr.write(`${String(err)}\n`);
    process.exitCode = 1;
  });
}
