// Issue 5's acceptance, as a new user meets the product: the demo data a first start seeds, the
// demo all-scopes key, and the MCP SDK's own client (which checks every structuredContent against
// the tool's advertised outputSchema and throws on a mismatch).
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoIfEmpty, type DemoCredentials } from '../src/cli/demo-data.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { callToolWith, connectClient, type Structured } from './helpers/mcp.js';

// The catalog of shared/spec/tools.md, in its order.
const READ_TOOLS = [
  'get_business_info',
  'list_agents',
  'get_operational_settings',
  'list_recent_calls',
  'check_call_status',
  'get_transcript',
  'get_call_recording',
  'list_leads',
  'get_lead',
  'list_voicemails',
  'list_sms_messages',
  'list_campaigns',
  'get_analytics',
];
const WRITE_TOOLS = [
  'make_call',
  'configure_staff_alerts',
  'configure_textable_links',
  'configure_agent_business_rules',
  'update_agent_config',
  'upsert_lead',
  'send_sms',
  'create_campaign',
  'request_kaicalls_update',
];
// voice-runtime.md §A: agents, phone numbers and agent tools.
const VOICE_RUNTIME_TOOLS = [
  'get_agent',
  'create_agent',
  'list_phone_numbers',
  'get_phone_number',
  'assign_phone_number',
  'list_agent_tools',
  'get_agent_tool',
  'create_agent_tool',
  'update_agent_tool',
  'delete_agent_tool',
];
// booking.md: availability, appointments and routing rules.
const BOOKING_TOOLS = [
  'get_availability',
  'hold_appointment',
  'book_appointment',
  'list_appointments',
  'get_appointment',
  'reschedule_appointment',
  'cancel_appointment',
  'mark_no_show',
  'list_routing_rules',
  'get_routing_rule',
  'create_routing_rule',
  'update_routing_rule',
  'delete_routing_rule',
];

let t: TestApp;
let demo: DemoCredentials;
let client: Client;

/** A call that must succeed: the failure names the tool and its error text. */
async function call(name: string, args: Record<string, unknown> = {}): Promise<Structured> {
  const answer = await callToolWith(client, name, args);
  expect({ tool: name, isError: answer.isError, text: answer.isError ? answer.text : undefined }).toEqual({
    tool: name,
    isError: false,
    text: undefined,
  });
  expect(answer.structured.success).toBe(true);
  return answer.structured;
}

beforeAll(async () => {
  // Calls and texts go out at any hour here; quiet hours have their own tests.
  t = await startTestApp({ CONTACT_HOURS_START: '00:00', CONTACT_HOURS_END: '24:00', SIMULATOR_STEP_MS: '20' });
  demo = (await seedDemoIfEmpty(t.app.db))!;
  ({ client } = await connectClient(t.mcpUrl, { headers: { Authorization: `Bearer ${demo.allScopesKey}` } }));
});
afterAll(async () => {
  await client?.close();
  await t?.stop();
});

describe('the demo data through the demo all-scopes key', () => {
  it('tools/list has the tools of the catalog, each with an output schema', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual([...READ_TOOLS, ...WRITE_TOOLS, ...VOICE_RUNTIME_TOOLS, ...BOOKING_TOOLS].sort());
    for (const tool of tools) expect({ tool: tool.name, type: tool.outputSchema?.type }).toEqual({ tool: tool.name, type: 'object' });
  });

  it('every read tool succeeds on the demo data, its structuredContent matching its schema', async () => {
    const business = await call('get_business_info');
    expect(business.business.name).toBeTruthy();
    expect(business.agent_count).toBe(3);
    const agents = await call('list_agents');
    expect(agents.agents).toHaveLength(3);
    await call('get_operational_settings');
    const calls = await call('list_recent_calls', { limit: 50 });
    expect(calls.calls.length).toBeGreaterThan(10);
    const completed = calls.calls.find((c: Structured) => c.status === 'completed');
    expect(completed).toBeDefined();
    expect((await call('check_call_status', { call_id: completed.id })).call.status).toBe('completed');
    expect((await call('get_transcript', { call_id: completed.id })).transcript_available).toBe(true);
    expect((await call('get_call_recording', { call_id: completed.id })).recording_available).toBe(true);
    const leads = await call('list_leads');
    expect(leads.leads.length).toBeGreaterThan(0);
    expect((await call('get_lead', { lead_id: leads.leads[0].id })).lead.id).toBe(leads.leads[0].id);
    expect((await call('list_voicemails')).voicemails.length).toBeGreaterThan(0);
    expect((await call('list_sms_messages')).messages.length).toBeGreaterThan(0);
    expect((await call('list_campaigns')).campaigns).toHaveLength(2);
    const analytics = await call('get_analytics', { days: 30 });
    expect(analytics).toBeTypeOf('object');
  });

  it('every write tool succeeds on a valid input', async () => {
    const agent = (await call('list_agents')).agents[0];
    const lead = (await call('list_leads')).leads[0];

    const placed = await call('make_call', { agent_id: agent.id, to: '+14155550142', idempotency_key: 'demo-call-0001' });
    expect(placed.replayed).toBe(false);
    await call('send_sms', { from_agent_id: agent.id, to: '+14155550143', message: 'Your appointment is confirmed.', idempotency_key: 'demo-sms-0001' });
    await call('create_campaign', {
      name: 'Demo follow-up',
      agent_id: agent.id,
      lead_ids: [lead.id],
      cadence: { attempts: 2, spacing_minutes: 60, window_start: '09:00', window_end: '17:00' },
    });
    await call('configure_staff_alerts', { email_notifications: true });
    await call('configure_textable_links', { links: [{ key: 'demo-booking', label: 'Book a visit', url: 'https://example.com/book', purpose: 'booking' }] });
    await call('configure_agent_business_rules', { agent_id: agent.id, rules: 'Offer a callback within one business day.', dry_run: true });
    const updated = await call('update_agent_config', { agent_id: agent.id, idempotency_key: 'demo-update-0001', max_call_duration_seconds: 900 });
    expect(updated.status).toBe('executed');
    await call('upsert_lead', { lead: { name: 'Pat Example', phone: '+14155550144', source: 'demo' } });
    const brokered = await call('request_kaicalls_update', {
      intent: 'agent.patch',
      payload: { agent_id: agent.id, changes: { model: 'gpt-4o-mini' } },
      idempotency_key: 'demo-broker-0001',
    });
    expect(brokered.status).toBe('executed');

    // The call placed above plays out in the simulator and reads back like the seeded ones.
    let status = '';
    for (let i = 0; i < 100 && status !== 'completed'; i++) {
      status = (await call('check_call_status', { call_id: placed.call.id })).call.status;
      if (status !== 'completed') await new Promise((r) => setTimeout(r, 50));
    }
    expect(status).toBe('completed');
    expect((await call('get_transcript', { call_id: placed.call.id })).transcript_available).toBe(true);
  });

  it('the voice-runtime setup reads back: agents with numbers and tools, a spare number, tools with their agents', async () => {
    const agents = (await call('list_agents')).agents;
    const details = await Promise.all(agents.map(async (a: Structured) => (await call('get_agent', { agent_id: a.id })).agent));
    expect(details.every((a: Structured) => a.phone_numbers.length === 1)).toBe(true);
    const withTools = details.filter((a: Structured) => a.tools.length > 0);
    expect(withTools).toHaveLength(1);
    expect(withTools[0].tools.map((t: Structured) => t.type)).toEqual(['transfer_to_queue', 'sms']);
    expect(details.map((a: Structured) => a.office_hours_source).sort()).toEqual(['agent', 'business', 'business']);
    const numbers = (await call('list_phone_numbers')).phone_numbers;
    expect(
      numbers
        .filter((n: Structured) => n.agent_id === null)
        .map((n: Structured) => n.label)
        .sort(),
    ).toEqual(['Main line', 'Spare line (texts only)']);
    const tools = (await call('list_agent_tools')).tools;
    expect(tools.map((t: Structured) => t.name).sort()).toEqual(['check_job_status', 'text_booking_link', 'transfer_to_front_desk']);
    expect((await call('get_agent_tool', { tool_id: tools.find((t: Structured) => t.name === 'check_job_status').id })).tool.used_by).toEqual([]);
  });

  it('the read-only demo key reads, and is refused writes by name', async () => {
    const { client: reader } = await connectClient(t.mcpUrl, { headers: { 'X-KaiCalls-API-Key': demo.readOnlyKey } });
    try {
      expect((await reader.callTool({ name: 'list_agents', arguments: {} })).isError).toBeFalsy();
      const refused = await reader.callTool({ name: 'upsert_lead', arguments: { lead: { name: 'Nope' } } });
      expect(refused.isError).toBe(true);
      expect((refused.content as { text: string }[])[0]!.text).toBe('Missing required scope: leads:write');
    } finally {
      await reader.close();
    }
  });
});
