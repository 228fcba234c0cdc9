// The simulator plays the voice runtime's part (spec/voice-runtime.md §C): a demo make_call that
// completes used the in-call tools during its conversation (office hours, contact lookup, a lead and
// its case for an unknown caller, and a transfer to the agent's first destination for a number
// ending in 0196), and the account surface shows it: check_call_status (transfers), get_transcript
// (each tool's answer) and the audit log (each tool call with the call and the agent).
import { randomUUID } from 'node:crypto';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCOPES } from '../src/scopes/index.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { eventually } from './helpers/domain-fixtures.js';
import { callToolWith, connectClient, createAgent, createBusiness, createKey } from './helpers/mcp.js';

let t: TestApp;
let client: Client;
const own = { businessId: '', agent: '' };
const TRANSFER_TO = '+13125550177';

async function completedCall(to: string) {
  const placed = await callToolWith(client, 'make_call', { agent_id: own.agent, to, idempotency_key: randomUUID(), name: 'Robin', context: 'Water heater quote' });
  expect(placed.isError, placed.text).toBe(false);
  const id = placed.structured.call.id as string;
  return eventually(async () => {
    const status = await callToolWith(client, 'check_call_status', { call_id: id });
    return status.structured.call?.status === 'completed' ? status.structured.call : undefined;
  }, 20_000);
}

beforeAll(async () => {
  t = await startTestApp({ SIMULATOR_RUNTIME: 'true', SIMULATOR_STEP_MS: '40', CONTACT_HOURS_START: '00:00', CONTACT_HOURS_END: '24:00', DIALER_INTERVAL_MS: '600000' });
  const db = t.app.db;
  own.businessId = (await createBusiness(db, 'Simulated Co')).id;
  own.agent = (await createAgent(db, own.businessId, { name: 'Ava', phone: '+13125550131' })).id;
  await db.kysely
    .updateTable('agents')
    .set({ transfer_settings: JSON.stringify({ enabled: true, number: TRANSFER_TO }) })
    .where('id', '=', own.agent)
    .execute();
  const { key } = await createKey(db, own.businessId, [...SCOPES]);
  ({ client } = await connectClient(t.mcpUrl, { headers: { authorization: `Bearer ${key}` } }));
});
afterAll(async () => {
  await client?.close();
  await t?.stop();
});

describe('simulated calls use the in-call tools', () => {
  it('an unknown caller: office hours and lookup, then a lead with its first case; the transcript and the audit log show the tool calls', async () => {
    const call = await completedCall('+14155550123');
    const transcript = await callToolWith(client, 'get_transcript', { call_id: call.id });
    expect(transcript.text).toMatch(/\[is_office_open\] Office is (currently open|currently closed|closed today|open 24 hours today)/);
    expect(transcript.text).toContain('[lookup_contact] No contact has that number.');
    expect(transcript.text).toContain('[create_lead] Lead created for Robin.');
    expect(call.tool_calls.map((c: { tool: string; outcome: string }) => [c.tool, c.outcome])).toEqual([
      ['is_office_open', 'success'],
      ['lookup_contact', 'success'],
      ['create_lead', 'success'],
    ]);

    const lead = await t.app.db.kysely.selectFrom('leads').selectAll().where('business_id', '=', own.businessId).where('phone', '=', '+14155550123').executeTakeFirstOrThrow();
    const cases = await t.app.db.kysely.selectFrom('lead_cases').selectAll().where('lead_id', '=', lead.id).execute();
    expect(cases.map((c) => [c.call_id, c.agent_id, c.intent])).toEqual([[call.id, own.agent, 'Water heater quote']]);

    const audit = await t.app.db.kysely
      .selectFrom('audit_log')
      .select(['action', 'outcome', 'actor_kind', 'actor_id', 'details'])
      .where('business_id', '=', own.businessId)
      .where('action', 'like', 'in_call.%')
      .orderBy('created_at')
      .execute();
    const ofCall = audit.filter((a) => a.details.call_id === call.id);
    expect(ofCall.map((a) => [a.action, a.outcome, a.actor_kind, a.actor_id, a.details.agent_id])).toEqual([
      ['in_call.is_office_open', 'success', 'system', 'simulator', own.agent],
      ['in_call.lookup_contact', 'success', 'system', 'simulator', own.agent],
      ['in_call.create_lead', 'success', 'system', 'simulator', own.agent],
    ]);

    // The same caller again: found, so no second lead.
    const again = await completedCall('+14155550123');
    const second = await callToolWith(client, 'get_transcript', { call_id: again.id });
    expect(second.text).toContain('[lookup_contact] Found Robin (lead).');
    expect(second.text).not.toContain('[create_lead]');
  });

  it('a number ending in 0196 asks for a person: the call is transferred to the agent’s first destination', async () => {
    const call = await completedCall('+14155550196');
    expect(call.transfers).toEqual([expect.objectContaining({ destination: TRANSFER_TO, kind: 'number', tool: 'transfer_call', status: 'completed' })]);
    const transcript = await callToolWith(client, 'get_transcript', { call_id: call.id });
    expect(transcript.text).toContain(`[transfer_call] Transferring the call to ${TRANSFER_TO}.`);
  });
});
