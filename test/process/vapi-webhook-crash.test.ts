// Nothing a webhook was answered 2xx for is lost (spec/voice-runtime.md §D): the server is killed
// (SIGKILL, no shutdown at all) right after it answered Vapi, and after a restart the effect is
// there. The server records and applies an event in one commit before it answers, so there is no
// window to lose it in.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { freePort } from '../helpers/app.js';
import { callToolWith, connectClient } from '../helpers/mcp.js';
import { killAll, spawnScript, waitForOk, type Child } from '../helpers/process.js';
import { startFakeVapi, type FakeVapi } from '../helpers/vapi-fake.js';

vi.setConfig({ testTimeout: 180_000, hookTimeout: 120_000 });

const SECRET = 'whsec_crash_test_0123456789';
let tmp: string;
let fake: FakeVapi;
beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kc-vapi-crash-'));
  fake = await startFakeVapi();
});
afterEach(killAll);
afterAll(async () => {
  await fake.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function start(dataDir: string, port: number): Promise<Child> {
  const server = spawnScript('src/main.ts', [], {
    PORT: String(port),
    DATA_DIR: dataDir,
    TELEPHONY_PROVIDER: 'vapi',
    VAPI_API_KEY: fake.apiKey,
    VAPI_BASE_URL: fake.url,
    VAPI_WEBHOOK_SECRET: SECRET,
  });
  await waitForOk(`http://127.0.0.1:${port}/readyz`, 60_000, server);
  return server;
}

describe('a process killed right after answering a webhook 2xx', () => {
  it('keeps the inbound call it recorded and the status it applied', async () => {
    const dataDir = path.join(tmp, 'data');
    const port = await freePort();
    let server = await start(dataDir, port);
    const key = /^Demo API key \(all scopes\): (kc_live_\S+)$/m.exec(server.stdout())?.[1] ?? (await server.waitForLine(/^Demo API key \(all scopes\): /)).split(': ')[1]!;
    const mcp = `http://localhost:${port}/api/mcp`;
    const webhook = `http://127.0.0.1:${port}/webhooks/vapi`;

    // A number of the demo business that an agent answers.
    const { client } = await connectClient(mcp, { headers: { authorization: `Bearer ${key}` } });
    const numbers = (await callToolWith(client, 'list_phone_numbers')).structured.phone_numbers as Array<{ number: string; agent_id: string | null }>;
    await client.close();
    const line = numbers.find((n) => n.agent_id)!;
    const vapiNumber = fake.addPhoneNumber(line.number);

    const request = fake.messages.assistantRequest({ phoneNumber: vapiNumber, customerNumber: '+14155550142' });
    const vapiCall = request.message.call as Record<string, unknown>;
    const answered = await fake.sendWebhook(webhook, request, { secret: SECRET });
    expect(answered.status).toBe(200);
    expect(answered.body.assistantId).toBeTruthy();
    const callId = answered.body.assistantOverrides.metadata.kaicalls_call_id as string;
    // Vapi knows its own call (the restart asks it about calls in flight).
    fake.calls.set(vapiCall.id as string, { ...vapiCall, status: 'in-progress' });

    const progressed = await fake.sendWebhook(
      webhook,
      fake.messages.statusUpdate({ ...vapiCall, assistantOverrides: { metadata: answered.body.assistantOverrides.metadata } }, 'in-progress'),
      { secret: SECRET },
    );
    expect(progressed.status).toBe(200);
    expect(progressed.body.outcome).toBe('applied');
    server.process.kill('SIGKILL');
    expect((await server.stop('SIGKILL')).signal).toBe('SIGKILL');

    server = await start(dataDir, port);
    const after = await connectClient(mcp, { headers: { authorization: `Bearer ${key}` } });
    const status = (await callToolWith(after.client, 'check_call_status', { call_id: callId })).structured.call as Record<string, unknown>;
    await after.client.close();
    expect(status).toMatchObject({ id: callId, direction: 'inbound', status: 'in-progress' });
    expect(await server.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });
});
