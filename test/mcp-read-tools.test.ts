// The eight remaining read tools through the real MCP SDK client: get_call_recording,
// get_operational_settings, list_leads, get_lead, list_voicemails, list_sms_messages,
// list_campaigns and get_analytics. Results match their advertised output schemas, lists paginate
// newest first with a stable tie-break and validate their filters, another business's ids read as
// "not found", scopes are enforced, analytics are computed from the rows, and each call is audited.
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findTool, listTools } from '../src/resource/tools/registry.js';
import { SCOPES } from '../src/scopes/index.js';
import type { Db } from '../src/shared/db.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { advertisedOutputSchemas, callChecked, callTool, connectClient, createAgent, createBusiness, createCall, createKey, mintAccessToken, post } from './helpers/mcp.js';

const READ_TOOLS = ['get_call_recording', 'get_operational_settings', 'list_leads', 'get_lead', 'list_voicemails', 'list_sms_messages', 'list_campaigns', 'get_analytics'] as const;

const NOW = Date.now();
const DAY = 86_400_000;
/** A moment `days` days ago (fractions allowed), on this run's clock. */
const ago = (days: number) => new Date(NOW - days * DAY);
const MISSING_ID = '4f9e2c1a-8d7b-4c3e-9a1f-0b2c3d4e5f60';

let t: TestApp;
let client: Client;
let key: { key: string; id: string };
let outputSchemas: ReadonlyMap<string, object>;

const own = {
  businessId: '',
  agents: { ava: '', ben: '' },
  leads: {} as Record<'lena' | 'marc' | 'nina' | 'omar' | 'pia' | 'quinn', string>,
  calls: {} as Record<'c1' | 'c2' | 'c3' | 'c4' | 'c5', string>,
  voicemails: [] as string[],
  conversations: { lena: '', other: '' },
  messages: {} as Record<'m1' | 'm2' | 'm3' | 'm4', string>,
  campaigns: { spring: '', winBack: '', old: '' },
};
const other = { businessId: '', agentId: '', leadId: '', callId: '', voicemailId: '', conversationId: '', messageId: '', campaignId: '' };

/** Calls a tool with the SDK client and checks the result against the advertised output schema. */
const call = (name: string, args: Record<string, unknown> = {}, with_: Client = client) => callChecked(with_, name, args, { outputSchemas });

/** A call the SDK refuses before the tool runs (bad arguments): its error text. */
async function refusal(name: string, args: Record<string, unknown>): Promise<string> {
  const result = await client.callTool({ name, arguments: args });
  expect(result.isError).toBe(true);
  return (result.content as { text: string }[])[0]!.text;
}

const ids = (items: { id: string }[]) => items.map((i) => i.id);
/** Rows sharing a timestamp come back by id, highest first. */
const byIdDesc = (...values: string[]) => [...values].sort().reverse();

async function createLead(
  db: Db,
  businessId: string,
  values: {
    name?: string;
    phone?: string;
    email?: string;
    status?: 'new' | 'contacted' | 'qualified' | 'appointment_set' | 'won' | 'lost';
    source?: string;
    agentId?: string;
    createdAt: Date;
  },
): Promise<string> {
  const row = await db.kysely
    .insertInto('leads')
    .values({
      business_id: businessId,
      name: values.name ?? null,
      phone: values.phone ?? null,
      email: values.email ?? null,
      status: values.status ?? 'new',
      source: values.source ?? null,
      agent_id: values.agentId ?? null,
      city: 'Chicago',
      state: 'IL',
      notes: `Notes on ${values.name ?? values.email}`,
      created_at: values.createdAt,
      updated_at: values.createdAt,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

async function createCallFor(db: Db, businessId: string, values: Parameters<typeof createCall>[2] & { leadId?: string; outcome?: string | null }): Promise<string> {
  const { leadId, outcome, ...rest } = values;
  const { id } = await createCall(db, businessId, rest);
  await db.kysely
    .updateTable('calls')
    .set({ lead_id: leadId ?? null, outcome: outcome ?? null, ...(rest.status && rest.status !== 'completed' ? { recording_url: null } : {}) })
    .where('id', '=', id)
    .execute();
  return id;
}

async function createConversation(db: Db, businessId: string, values: { agentId: string; contact: string; leadId?: string }): Promise<string> {
  const row = await db.kysely
    .insertInto('sms_conversations')
    .values({ business_id: businessId, agent_id: values.agentId, contact_number: values.contact, lead_id: values.leadId ?? null })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

async function createMessage(
  db: Db,
  businessId: string,
  values: {
    conversationId: string;
    agentId: string;
    leadId?: string;
    direction: 'inbound' | 'outbound';
    contact: string;
    line: string;
    body: string;
    status: 'sent' | 'failed' | 'received';
    createdAt: Date;
  },
): Promise<string> {
  const row = await db.kysely
    .insertInto('sms_messages')
    .values({
      business_id: businessId,
      conversation_id: values.conversationId,
      agent_id: values.agentId,
      lead_id: values.leadId ?? null,
      direction: values.direction,
      from_number: values.direction === 'inbound' ? values.contact : values.line,
      to_number: values.direction === 'inbound' ? values.line : values.contact,
      body: values.body,
      status: values.status,
      failure_reason: values.status === 'failed' ? 'Carrier rejected the message.' : null,
      created_at: values.createdAt,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

async function createCampaign(
  db: Db,
  businessId: string,
  values: { name: string; agentId: string; status: 'draft' | 'active' | 'completed'; createdAt: Date; leads: [string, 'pending' | 'queued' | 'completed' | 'skipped'][] },
): Promise<string> {
  const row = await db.kysely
    .insertInto('campaigns')
    .values({
      business_id: businessId,
      agent_id: values.agentId,
      name: values.name,
      status: values.status,
      cadence: JSON.stringify({ attempts: 3, spacing_minutes: 120, window_start: '09:00', window_end: '18:00' }),
      created_by: 'test',
      launched_at: values.status === 'draft' ? null : values.createdAt,
      created_at: values.createdAt,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  for (const [leadId, status] of values.leads) {
    await db.kysely.insertInto('campaign_leads').values({ business_id: businessId, campaign_id: row.id, lead_id: leadId, status }).execute();
  }
  return row.id;
}

async function createVoicemail(db: Db, businessId: string, values: { agentId: string; caller: string; name?: string; transcript: string; createdAt: Date }): Promise<string> {
  const row = await db.kysely
    .insertInto('voicemails')
    .values({
      business_id: businessId,
      agent_id: values.agentId,
      caller_number: values.caller,
      caller_name: values.name ?? null,
      transcript: values.transcript,
      recording_url: 'https://recordings.example.com/vm/1.mp3',
      duration_seconds: 21,
      created_at: values.createdAt,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

beforeAll(async () => {
  t = await startTestApp();
  const db = t.app.db;
  own.businessId = (await createBusiness(db, 'Acme Plumbing')).id;
  other.businessId = (await createBusiness(db, 'Other Co')).id;
  const b = own.businessId;

  own.agents.ava = (await createAgent(db, b, { name: 'Ava', phone: '+13125550101', createdAt: ago(100) })).id;
  own.agents.ben = (await createAgent(db, b, { name: 'Ben', createdAt: ago(99) })).id;
  await db.kysely.updateTable('agents').set({ first_message: 'Thanks for calling Acme, this is Ava.', language: 'en-US' }).where('id', '=', own.agents.ava).execute();
  other.agentId = (await createAgent(db, other.businessId, { name: 'Their agent', phone: '+13125550199' })).id;

  // Leads: four in the last 30 days (two sharing a creation time), two more within 90.
  const tied = ago(3);
  own.leads.lena = await createLead(db, b, { name: 'Lena', phone: '+14155550111', status: 'new', source: 'website', agentId: own.agents.ava, createdAt: ago(1) });
  own.leads.marc = await createLead(db, b, { name: 'Marc', phone: '+14155550112', status: 'qualified', source: 'Referral', agentId: own.agents.ben, createdAt: ago(2) });
  own.leads.nina = await createLead(db, b, { name: 'Nina', phone: '+14155550113', status: 'won', source: 'website', agentId: own.agents.ava, createdAt: tied });
  own.leads.omar = await createLead(db, b, { name: 'Omar', phone: '+14155550114', status: 'appointment_set', source: 'website', createdAt: tied });
  own.leads.pia = await createLead(db, b, { name: 'Pia', phone: '+14155550115', status: 'lost', source: 'referral', createdAt: ago(40) });
  own.leads.quinn = await createLead(db, b, { email: 'quinn@example.com', status: 'contacted', createdAt: ago(60) });
  // Lena was scored twice: the newer score is hers.
  await db.kysely
    .insertInto('lead_scores')
    .values([
      { business_id: b, lead_id: own.leads.lena, score: 40, explanation: 'Only browsed the site.', model: 'scorer-1', created_at: ago(1) },
      { business_id: b, lead_id: own.leads.lena, score: 82, explanation: 'Asked for a quote and a visit this week.', model: 'scorer-2', created_at: ago(0.5) },
      { business_id: b, lead_id: own.leads.nina, score: 95, explanation: 'Signed the estimate.', model: 'scorer-2', created_at: ago(2) },
    ])
    .execute();

  // Calls: four in the last 30 days, one more within 90.
  own.calls.c1 = await createCallFor(db, b, {
    agentId: own.agents.ava,
    direction: 'outbound',
    durationSeconds: 100,
    leadId: own.leads.lena,
    outcome: 'appointment_requested',
    createdAt: ago(1),
  });
  own.calls.c2 = await createCallFor(db, b, {
    agentId: own.agents.ava,
    direction: 'inbound',
    durationSeconds: 60,
    leadId: own.leads.lena,
    outcome: 'callback_requested',
    createdAt: ago(2),
  });
  own.calls.c3 = await createCallFor(db, b, {
    agentId: own.agents.ben,
    status: 'no-answer',
    durationSeconds: null,
    leadId: own.leads.marc,
    outcome: 'no_answer',
    createdAt: ago(1.5),
  });
  own.calls.c4 = await createCallFor(db, b, { agentId: own.agents.ava, status: 'in-progress', leadId: own.leads.nina, createdAt: ago(0.1) });
  own.calls.c5 = await createCallFor(db, b, { agentId: own.agents.ben, direction: 'inbound', durationSeconds: 200, outcome: 'appointment_requested', createdAt: ago(45) });
  other.callId = await createCallFor(db, other.businessId, { agentId: other.agentId, durationSeconds: 500, outcome: 'not_interested', createdAt: ago(1) });

  // Voicemails: two share a creation time.
  const vmTied = ago(2);
  own.voicemails.push(
    await createVoicemail(db, b, { agentId: own.agents.ava, caller: '+14155550122', name: 'Sam', transcript: 'Please call me back about the boiler.', createdAt: ago(1) }),
  );
  own.voicemails.push(await createVoicemail(db, b, { agentId: own.agents.ava, caller: '+14155550123', transcript: 'Leaking tap.', createdAt: vmTied }));
  own.voicemails.push(await createVoicemail(db, b, { agentId: own.agents.ben, caller: '+14155550124', transcript: 'Quote please.', createdAt: vmTied }));
  other.voicemailId = await createVoicemail(db, other.businessId, { agentId: other.agentId, caller: '+14155550125', transcript: 'Theirs.', createdAt: ago(0.5) });

  // Text conversations: Lena's (attributed to her lead) and an unattributed one.
  const line = '+13125550101';
  own.conversations.lena = await createConversation(db, b, { agentId: own.agents.ava, contact: '+14155550111', leadId: own.leads.lena });
  own.conversations.other = await createConversation(db, b, { agentId: own.agents.ben, contact: '+14155550133' });
  own.messages.m1 = await createMessage(db, b, {
    conversationId: own.conversations.lena,
    agentId: own.agents.ava,
    leadId: own.leads.lena,
    direction: 'outbound',
    contact: '+14155550111',
    line,
    body: 'Hi Lena, want to book a visit?',
    status: 'sent',
    createdAt: ago(1),
  });
  // Not attributed itself: it reaches Lena through its conversation.
  own.messages.m2 = await createMessage(db, b, {
    conversationId: own.conversations.lena,
    agentId: own.agents.ava,
    direction: 'inbound',
    contact: '+14155550111',
    line,
    body: 'Yes please, Thursday.',
    status: 'received',
    createdAt: ago(0.9),
  });
  own.messages.m3 = await createMessage(db, b, {
    conversationId: own.conversations.lena,
    agentId: own.agents.ava,
    leadId: own.leads.lena,
    direction: 'outbound',
    contact: '+14155550111',
    line,
    body: 'Booked!',
    status: 'failed',
    createdAt: ago(0.8),
  });
  own.messages.m4 = await createMessage(db, b, {
    conversationId: own.conversations.other,
    agentId: own.agents.ben,
    direction: 'inbound',
    contact: '+14155550133',
    line: '+13125550102',
    body: 'Are you open Sunday?',
    status: 'received',
    createdAt: ago(0.7),
  });
  other.leadId = await createLead(db, other.businessId, { name: 'Their lead', phone: '+14155550155', status: 'won', createdAt: ago(1) });
  other.conversationId = await createConversation(db, other.businessId, { agentId: other.agentId, contact: '+14155550155', leadId: other.leadId });
  other.messageId = await createMessage(db, other.businessId, {
    conversationId: other.conversationId,
    agentId: other.agentId,
    leadId: other.leadId,
    direction: 'outbound',
    contact: '+14155550155',
    line: '+13125550199',
    body: 'Theirs',
    status: 'sent',
    createdAt: ago(0.2),
  });

  // Campaigns, newest first: win-back, spring, old.
  own.campaigns.spring = await createCampaign(db, b, {
    name: 'Spring tune-up',
    agentId: own.agents.ava,
    status: 'draft',
    createdAt: ago(5),
    leads: [
      [own.leads.lena, 'pending'],
      [own.leads.marc, 'pending'],
    ],
  });
  own.campaigns.winBack = await createCampaign(db, b, {
    name: 'Win-back',
    agentId: own.agents.ben,
    status: 'active',
    createdAt: ago(4),
    leads: [
      [own.leads.nina, 'completed'],
      [own.leads.omar, 'queued'],
      [own.leads.pia, 'skipped'],
    ],
  });
  own.campaigns.old = await createCampaign(db, b, { name: 'Old', agentId: own.agents.ava, status: 'completed', createdAt: ago(50), leads: [[own.leads.quinn, 'completed']] });
  other.campaignId = await createCampaign(db, other.businessId, { name: 'Theirs', agentId: other.agentId, status: 'active', createdAt: ago(1), leads: [[other.leadId, 'queued']] });

  // Operational settings of the own business only: the other one has never saved any.
  await db.kysely
    .insertInto('notification_settings')
    .values({ business_id: b, notification_phone: '+13125550150', notification_email: 'ops@acme.test', sms_notifications: true, email_notifications: false })
    .execute();
  await db.kysely
    .insertInto('escalation_rules')
    .values([
      { business_id: b, trigger: 'billing_question', notify: 'ops@acme.test', channel: 'email', position: 1 },
      { business_id: b, trigger: 'emergency', notify: '+13125550150', channel: 'sms', position: 0 },
    ])
    .execute();
  await db.kysely
    .insertInto('business_links')
    .values([
      { business_id: b, key: 'directions', label: 'Directions', url: 'https://maps.example.com/acme', purpose: 'When a caller asks where we are.' },
      { business_id: b, key: 'booking', label: 'Book a visit', url: 'https://acme.example.com/book', purpose: null },
    ])
    .execute();

  key = await createKey(db, b, [...SCOPES]);
  ({ client } = await connectClient(t.mcpUrl, { headers: { authorization: `Bearer ${key.key}` } }));
  outputSchemas = await advertisedOutputSchemas(client);
}, 60_000);

afterAll(async () => {
  await client?.close();
  await t?.stop();
});

describe('the catalog', () => {
  it('lists the eight tools as read-only, each with a described input and an output schema', async () => {
    const { tools } = await client.listTools();
    for (const name of READ_TOOLS) {
      const tool = tools.find((x) => x.name === name);
      expect(tool, name).toBeDefined();
      expect(tool!.outputSchema, name).toBeDefined();
      expect(tool!.annotations).toMatchObject({ readOnlyHint: true, destructiveHint: false, openWorldHint: false });
      for (const [field, schema] of Object.entries((tool!.inputSchema.properties ?? {}) as Record<string, { description?: string }>)) {
        expect(schema.description, `${name}.${field}`).toBeTruthy();
      }
      expect(findTool(name)!.scopes).toEqual([name === 'get_operational_settings' ? 'agents:read' : 'calls:read']);
    }
  });
});

describe('get_call_recording', () => {
  it('returns the recording URL of a completed call', async () => {
    const { isError, structured, text } = await call('get_call_recording', { call_id: own.calls.c1 });
    expect(isError).toBe(false);
    expect(structured).toMatchObject({ recording_available: true, recording_url: 'https://recordings.example.com/r/1.mp3' });
    expect(structured.call).toMatchObject({ id: own.calls.c1, status: 'completed', agent_name: 'Ava', lead_id: own.leads.lena });
    expect(text).toContain('https://recordings.example.com/r/1.mp3');
  });

  it('reports no recording, without an error, for a call in progress or one that never connected', async () => {
    for (const id of [own.calls.c4, own.calls.c3]) {
      const { isError, structured } = await call('get_call_recording', { call_id: id });
      expect(isError).toBe(false);
      expect(structured).toMatchObject({ recording_available: false, recording_url: null });
    }
  });

  it('security: another business call, or an id that does not exist, reads as not found', async () => {
    for (const id of [other.callId, MISSING_ID]) {
      const { isError, structured } = await call('get_call_recording', { call_id: id });
      expect(isError).toBe(true);
      expect(structured).toEqual({ success: false, error: 'Call not found', error_code: 'not_found' });
    }
  });

  it('refuses a malformed id with a message naming call_id', async () => {
    expect(await refusal('get_call_recording', { call_id: 'not-a-uuid' })).toMatch(/call_id/);
    expect(await refusal('get_call_recording', {})).toMatch(/call_id/);
  });
});

describe('get_operational_settings', () => {
  it('shows alert recipients and flags, escalation rules in order, links by key, and agent voice/model/greeting', async () => {
    const { isError, structured, text } = await call('get_operational_settings');
    expect(isError).toBe(false);
    expect(structured.business).toEqual({ id: own.businessId, name: 'Acme Plumbing', timezone: 'America/Chicago', phone: '+13125550100' });
    expect(structured.notification_settings).toMatchObject({
      notification_phone: '+13125550150',
      notification_email: 'ops@acme.test',
      sms_notifications: true,
      email_notifications: false,
      configured: true,
      escalation_rules: [
        { trigger: 'emergency', notify: '+13125550150', channel: 'sms' },
        { trigger: 'billing_question', notify: 'ops@acme.test', channel: 'email' },
      ],
    });
    expect(structured.business_links.map((l: { key: string }) => l.key)).toEqual(['booking', 'directions']);
    expect(structured.business_links[1]).toMatchObject({ label: 'Directions', url: 'https://maps.example.com/acme', purpose: 'When a caller asks where we are.' });
    expect(structured.agents.map((a: { id: string }) => a.id)).toEqual([own.agents.ben, own.agents.ava]);
    expect(structured.agents[1]).toMatchObject({
      name: 'Ava',
      voice: 'alloy',
      model: 'gpt-4o-mini',
      language: 'en-US',
      greeting: 'Thanks for calling Acme, this is Ava.',
      phone_number: '+13125550101',
      status: 'active',
    });
    expect(structured.agents_truncated).toBe(false);
    expect(text).toContain('emergency');
  });

  it('derives available_setup_tools from the registry: every tool that changes something and accepts dry_run', async () => {
    const { structured } = await call('get_operational_settings');
    const expected = listTools()
      .filter((tool) => !tool.annotations.readOnlyHint && 'dry_run' in tool.input)
      .map((tool) => tool.name);
    expect(expected.length).toBeGreaterThan(0);
    expect(structured.available_setup_tools.map((x: { name: string }) => x.name)).toEqual(expected);
    for (const entry of structured.available_setup_tools) {
      expect(entry.scopes).toEqual([...findTool(entry.name)!.scopes]);
      expect(entry.usable).toBe(true);
    }
  });

  it('marks setup tools the credential cannot call as not usable', async () => {
    const readOnly = await createKey(t.app.db, own.businessId, ['agents:read', 'calls:read']);
    const { client: limited } = await connectClient(t.mcpUrl, { headers: { authorization: `Bearer ${readOnly.key}` } });
    try {
      const { structured } = await call('get_operational_settings', {}, limited);
      expect(structured.available_setup_tools.length).toBeGreaterThan(0);
      for (const entry of structured.available_setup_tools) expect(entry.usable).toBe(false);
    } finally {
      await limited.close();
    }
  });

  it('accepts its own business_id; another business id reads as not found', async () => {
    expect((await call('get_operational_settings', { business_id: own.businessId })).isError).toBe(false);
    const cross = await call('get_operational_settings', { business_id: other.businessId });
    expect(cross.structured).toEqual({ success: false, error: 'Business not found', error_code: 'not_found' });
    expect(await refusal('get_operational_settings', { business_id: 'acme' })).toMatch(/business_id/);
  });

  it('security: an OAuth token for another business sees only that business, with default settings', async () => {
    const token = await mintAccessToken(t.app.db, { issuer: t.app.config.issuer, mcpUrl: t.mcpUrl }, { businessId: other.businessId, scopes: ['agents:read'] });
    const response = await post(t.mcpUrl, callTool('get_operational_settings'), { authorization: `Bearer ${token}` });
    const result = response.body.result.structuredContent;
    expect(result.business.id).toBe(other.businessId);
    expect(result.notification_settings).toEqual({
      notification_phone: null,
      notification_email: null,
      sms_notifications: false,
      email_notifications: false,
      escalation_rules: [],
      configured: false,
      updated_at: null,
    });
    expect(result.business_links).toEqual([]);
    expect(result.agents.map((a: { id: string }) => a.id)).toEqual([other.agentId]);
  });
});

describe('list_leads', () => {
  it('lists newest first with a stable tie-break, with the latest score, and paginates', async () => {
    const first = await call('list_leads', { limit: 3 });
    expect(ids(first.structured.leads)).toEqual([own.leads.lena, own.leads.marc, ...byIdDesc(own.leads.nina, own.leads.omar)].slice(0, 3));
    expect(first.structured).toMatchObject({ count: 3, limit: 3, offset: 0, has_more: true, next_offset: 3, filters: { status: null, source: null, agent_id: null } });
    const second = await call('list_leads', { limit: 3, offset: 3 });
    expect(ids(second.structured.leads)).toEqual([byIdDesc(own.leads.nina, own.leads.omar)[1], own.leads.pia, own.leads.quinn]);
    expect(second.structured).toMatchObject({ count: 3, has_more: false, next_offset: null });

    const lena = first.structured.leads[0];
    expect(lena).toMatchObject({ name: 'Lena', phone: '+14155550111', status: 'new', source: 'website', agent_id: own.agents.ava, agent_name: 'Ava', score: 82 });
    expect(lena.scored_at).not.toBeNull();
    const quinn = second.structured.leads[2];
    expect(quinn).toMatchObject({ name: null, email: 'quinn@example.com', score: null, scored_at: null, agent_id: null });
  });

  it('filters by status, by source (any case) and by agent, and echoes the filters', async () => {
    const won = await call('list_leads', { status: 'won' });
    expect(ids(won.structured.leads)).toEqual([own.leads.nina]);
    const website = await call('list_leads', { source: 'WEBSITE' });
    expect(ids(website.structured.leads)).toEqual([own.leads.lena, ...byIdDesc(own.leads.nina, own.leads.omar)]);
    const referral = await call('list_leads', { source: 'referral', status: 'lost' });
    expect(ids(referral.structured.leads)).toEqual([own.leads.pia]);
    const ben = await call('list_leads', { agent_id: own.agents.ben });
    expect(ids(ben.structured.leads)).toEqual([own.leads.marc]);
    expect(ben.structured.filters).toEqual({ status: null, source: null, agent_id: own.agents.ben });
  });

  it('refuses an unknown status, a bad source and bad pagination with a message naming the field', async () => {
    expect(await refusal('list_leads', { status: 'hot' })).toMatch(/status/);
    expect(await refusal('list_leads', { source: '' })).toMatch(/source/);
    expect(await refusal('list_leads', { limit: 0 })).toMatch(/limit/);
    expect(await refusal('list_leads', { offset: -1 })).toMatch(/offset/);
    expect(await refusal('list_leads', { lead_status: 'won' })).toMatch(/lead_status/);
  });

  it('security: another business agent id reads as not found, and its leads never appear', async () => {
    for (const id of [other.agentId, MISSING_ID]) {
      const cross = await call('list_leads', { agent_id: id });
      expect(cross.structured).toEqual({ success: false, error: 'Agent not found', error_code: 'not_found' });
    }
    const all = await call('list_leads', { limit: 100 });
    expect(all.structured.count).toBe(6);
    expect(ids(all.structured.leads)).not.toContain(other.leadId);
  });
});

describe('get_lead', () => {
  it('returns the lead in full with its latest score and explanation, recent calls and messages', async () => {
    const { isError, structured, text } = await call('get_lead', { lead_id: own.leads.lena });
    expect(isError).toBe(false);
    expect(structured.lead).toMatchObject({
      id: own.leads.lena,
      name: 'Lena',
      status: 'new',
      city: 'Chicago',
      notes: 'Notes on Lena',
      score: 82,
      score_explanation: 'Asked for a quote and a visit this week.',
      score_model: 'scorer-2',
    });
    expect(ids(structured.recent_calls)).toEqual([own.calls.c1, own.calls.c2]);
    // m2 carries no lead itself; it belongs to her conversation.
    expect(ids(structured.recent_messages)).toEqual([own.messages.m3, own.messages.m2, own.messages.m1]);
    expect(structured.recent_messages[0]).toMatchObject({ status: 'failed', failure_reason: 'Carrier rejected the message.', conversation_id: own.conversations.lena });
    expect(structured).toMatchObject({ more_calls: false, more_messages: false });
    expect(text).toContain('Score 82/100');
  });

  it('shows a lead that was never scored with null score fields', async () => {
    const { structured } = await call('get_lead', { lead_id: own.leads.quinn });
    expect(structured.lead).toMatchObject({ score: null, score_explanation: null, score_model: null, scored_at: null });
    expect(structured.recent_calls).toEqual([]);
    expect(structured.recent_messages).toEqual([]);
  });

  it('security: another business lead, or an id that does not exist, reads as not found', async () => {
    for (const id of [other.leadId, MISSING_ID]) {
      const { structured } = await call('get_lead', { lead_id: id });
      expect(structured).toEqual({ success: false, error: 'Lead not found', error_code: 'not_found' });
    }
    expect(await refusal('get_lead', { lead_id: '42' })).toMatch(/lead_id/);
  });
});

describe('list_voicemails', () => {
  it('lists newest first with a stable tie-break and paginates', async () => {
    const first = await call('list_voicemails', { limit: 2 });
    const tiedHigh = byIdDesc(own.voicemails[1]!, own.voicemails[2]!);
    expect(ids(first.structured.voicemails)).toEqual([own.voicemails[0], tiedHigh[0]]);
    expect(first.structured).toMatchObject({ count: 2, has_more: true, next_offset: 2 });
    expect(first.structured.voicemails[0]).toMatchObject({
      caller: '+14155550122',
      caller_name: 'Sam',
      agent_name: 'Ava',
      transcript: 'Please call me back about the boiler.',
      recording_url: 'https://recordings.example.com/vm/1.mp3',
      duration_seconds: 21,
    });
    const second = await call('list_voicemails', { limit: 2, offset: 2 });
    expect(ids(second.structured.voicemails)).toEqual([tiedHigh[1]]);
    expect(second.structured).toMatchObject({ count: 1, has_more: false, next_offset: null });
  });

  it('security: never shows another business voicemails', async () => {
    const all = await call('list_voicemails', { limit: 100 });
    expect(all.structured.count).toBe(3);
    expect(ids(all.structured.voicemails)).not.toContain(other.voicemailId);
  });

  it('refuses out-of-range pagination naming the field', async () => {
    expect(await refusal('list_voicemails', { limit: 101 })).toMatch(/limit/);
    expect(await refusal('list_voicemails', { offset: 1.5 })).toMatch(/offset/);
  });
});

describe('list_sms_messages', () => {
  it('lists newest first and paginates', async () => {
    const first = await call('list_sms_messages', { limit: 3 });
    expect(ids(first.structured.messages)).toEqual([own.messages.m4, own.messages.m3, own.messages.m2]);
    expect(first.structured).toMatchObject({ count: 3, has_more: true, next_offset: 3, filters: { conversation_id: null, direction: null } });
    const second = await call('list_sms_messages', { limit: 3, offset: 3 });
    expect(ids(second.structured.messages)).toEqual([own.messages.m1]);
    expect(second.structured.messages[0]).toMatchObject({
      direction: 'outbound',
      from: '+13125550101',
      to: '+14155550111',
      body: 'Hi Lena, want to book a visit?',
      status: 'sent',
    });
    expect(second.structured.has_more).toBe(false);
  });

  it('filters by conversation and by direction', async () => {
    const lena = await call('list_sms_messages', { conversation_id: own.conversations.lena });
    expect(ids(lena.structured.messages)).toEqual([own.messages.m3, own.messages.m2, own.messages.m1]);
    const inbound = await call('list_sms_messages', { direction: 'inbound' });
    expect(ids(inbound.structured.messages)).toEqual([own.messages.m4, own.messages.m2]);
    const both = await call('list_sms_messages', { conversation_id: own.conversations.lena, direction: 'outbound' });
    expect(ids(both.structured.messages)).toEqual([own.messages.m3, own.messages.m1]);
    expect(both.structured.filters).toEqual({ conversation_id: own.conversations.lena, direction: 'outbound' });
  });

  it('refuses an unknown direction or a malformed conversation id naming the field', async () => {
    expect(await refusal('list_sms_messages', { direction: 'sideways' })).toMatch(/direction/);
    expect(await refusal('list_sms_messages', { conversation_id: 'abc' })).toMatch(/conversation_id/);
  });

  it('security: another business conversation reads as not found, and its messages never appear', async () => {
    for (const id of [other.conversationId, MISSING_ID]) {
      const cross = await call('list_sms_messages', { conversation_id: id });
      expect(cross.structured).toEqual({ success: false, error: 'Conversation not found', error_code: 'not_found' });
    }
    const all = await call('list_sms_messages', { limit: 100 });
    expect(all.structured.count).toBe(4);
    expect(ids(all.structured.messages)).not.toContain(other.messageId);
  });
});

describe('list_campaigns', () => {
  it('lists newest first with cadence and lead counts, and paginates', async () => {
    const first = await call('list_campaigns', { limit: 2 });
    expect(ids(first.structured.campaigns)).toEqual([own.campaigns.winBack, own.campaigns.spring]);
    expect(first.structured).toMatchObject({ count: 2, has_more: true, next_offset: 2, filters: { status: null } });
    expect(first.structured.campaigns[0]).toMatchObject({
      name: 'Win-back',
      status: 'active',
      agent_id: own.agents.ben,
      cadence: { attempts: 3, spacing_minutes: 120, window_start: '09:00', window_end: '18:00' },
      lead_counts: { total: 3, pending: 0, queued: 1, calling: 0, completed: 1, failed: 0, skipped: 1 },
    });
    expect(first.structured.campaigns[0].launched_at).not.toBeNull();
    expect(first.structured.campaigns[1]).toMatchObject({ status: 'draft', launched_at: null, lead_counts: { total: 2, pending: 2 } });
    const second = await call('list_campaigns', { limit: 2, offset: 2 });
    expect(ids(second.structured.campaigns)).toEqual([own.campaigns.old]);
    expect(second.structured).toMatchObject({ has_more: false, next_offset: null });
  });

  it('filters by status, and refuses an unknown status naming the field', async () => {
    const drafts = await call('list_campaigns', { status: 'draft' });
    expect(ids(drafts.structured.campaigns)).toEqual([own.campaigns.spring]);
    expect(drafts.structured.filters).toEqual({ status: 'draft' });
    expect(await refusal('list_campaigns', { status: 'running' })).toMatch(/status/);
  });

  it('security: never shows another business campaigns', async () => {
    const all = await call('list_campaigns', { limit: 100 });
    expect(all.structured.count).toBe(3);
    expect(ids(all.structured.campaigns)).not.toContain(other.campaignId);
  });
});

describe('get_analytics', () => {
  it('computes the last 30 days from the rows: leads by status, conversion, call volume and duration, top agents, outcomes', async () => {
    const { isError, structured, text } = await call('get_analytics');
    expect(isError).toBe(false);
    expect(structured.window.days).toBe(30);
    expect(Date.parse(structured.window.to) - Date.parse(structured.window.from)).toBe(30 * DAY);
    expect(structured.leads).toEqual({
      total: 4,
      by_status: { new: 1, contacted: 0, qualified: 1, appointment_set: 1, won: 1, lost: 0 },
      converted: 2,
    });
    expect(structured.conversion_rate).toBe(0.5);
    expect(structured.calls).toEqual({
      total: 4,
      inbound: 1,
      outbound: 3,
      by_status: { queued: 0, ringing: 0, 'in-progress': 1, completed: 2, 'no-answer': 1, busy: 0, failed: 0, canceled: 0 },
      total_duration_seconds: 160,
      average_duration_seconds: 80,
    });
    expect(structured.top_agents).toEqual([
      { agent_id: own.agents.ava, agent_name: 'Ava', calls: 3, completed_calls: 2, total_duration_seconds: 160 },
      { agent_id: own.agents.ben, agent_name: 'Ben', calls: 1, completed_calls: 0, total_duration_seconds: 0 },
    ]);
    expect(structured.outcomes).toEqual([
      { outcome: 'appointment_requested', calls: 1 },
      { outcome: 'callback_requested', calls: 1 },
      { outcome: 'no_answer', calls: 1 },
    ]);
    expect(text).toContain('conversion rate 50.0%');
  });

  it('widens with days: 90 days take in the older leads and calls', async () => {
    const { structured } = await call('get_analytics', { days: 90 });
    expect(structured.leads).toMatchObject({ total: 6, converted: 2, by_status: { contacted: 1, lost: 1 } });
    expect(structured.conversion_rate).toBe(0.3333);
    expect(structured.calls).toMatchObject({ total: 5, inbound: 2, total_duration_seconds: 360, average_duration_seconds: 120 });
    expect(structured.top_agents.map((a: { agent_name: string; calls: number }) => [a.agent_name, a.calls])).toEqual([
      ['Ava', 3],
      ['Ben', 2],
    ]);
    expect(structured.outcomes[0]).toEqual({ outcome: 'appointment_requested', calls: 2 });
  });

  it('reports an empty window as zeros with no conversion rate', async () => {
    const { structured } = await call('get_analytics', { days: 1 });
    // Only the call in progress (2.4 h ago) and Lena's lead (exactly a day old, outside) fall in the last 24 h.
    expect(structured.calls).toMatchObject({ total: 1, average_duration_seconds: null, total_duration_seconds: 0 });
    expect(structured.outcomes).toEqual([]);
    expect(structured.leads.total).toBe(0);
    expect(structured.conversion_rate).toBeNull();
  });

  it('refuses days outside 1–90 naming the field', async () => {
    for (const days of [0, 91, 2.5]) expect(await refusal('get_analytics', { days })).toMatch(/days/);
  });

  it('security: another business figures are its own only', async () => {
    const token = await mintAccessToken(t.app.db, { issuer: t.app.config.issuer, mcpUrl: t.mcpUrl }, { businessId: other.businessId, scopes: ['calls:read'] });
    const response = await post(t.mcpUrl, callTool('get_analytics'), { authorization: `Bearer ${token}` });
    const result = response.body.result.structuredContent;
    expect(result.calls.total).toBe(1);
    expect(result.calls.total_duration_seconds).toBe(500);
    expect(result.leads.total).toBe(1);
    expect(result.conversion_rate).toBe(1);
    expect(result.top_agents.map((a: { agent_id: string }) => a.agent_id)).toEqual([other.agentId]);
    expect(result.outcomes).toEqual([{ outcome: 'not_interested', calls: 1 }]);
  });
});

describe('scopes', () => {
  it('security: an API key without calls:read is refused every calls:read tool before any data is read', async () => {
    const agentsOnly = await createKey(t.app.db, own.businessId, ['agents:read']);
    const { client: limited } = await connectClient(t.mcpUrl, { headers: { authorization: `Bearer ${agentsOnly.key}` } });
    try {
      const args: Record<string, Record<string, unknown>> = { get_call_recording: { call_id: own.calls.c1 }, get_lead: { lead_id: own.leads.lena } };
      for (const name of READ_TOOLS.filter((n) => n !== 'get_operational_settings')) {
        const { isError, structured } = await call(name, args[name] ?? {}, limited);
        expect(isError, name).toBe(true);
        expect(structured).toEqual({ success: false, error: 'Missing required scope: calls:read', error_code: 'missing_scope' });
      }
      expect((await call('get_operational_settings', {}, limited)).isError).toBe(false);
    } finally {
      await limited.close();
    }
  });

  it('security: an API key without agents:read is refused get_operational_settings', async () => {
    const callsOnly = await createKey(t.app.db, own.businessId, ['calls:read']);
    const { client: limited } = await connectClient(t.mcpUrl, { headers: { authorization: `Bearer ${callsOnly.key}` } });
    try {
      const { structured } = await call('get_operational_settings', {}, limited);
      expect(structured).toEqual({ success: false, error: 'Missing required scope: agents:read', error_code: 'missing_scope' });
    } finally {
      await limited.close();
    }
  });

  it('security: an OAuth token without the scope gets HTTP 403 insufficient_scope', async () => {
    const token = await mintAccessToken(t.app.db, { issuer: t.app.config.issuer, mcpUrl: t.mcpUrl }, { businessId: own.businessId, scopes: ['agents:read'] });
    const response = await post(t.mcpUrl, callTool('list_leads'), { authorization: `Bearer ${token}` });
    expect(response.status).toBe(403);
    expect(response.headers.get('www-authenticate')).toMatch(/insufficient_scope/);
    expect(response.headers.get('www-authenticate')).toMatch(/calls:read/);
  });
});

describe('audit', () => {
  it('writes one row per call of each tool, with its outcome and masked arguments', async () => {
    const before = new Set((await t.app.db.kysely.selectFrom('audit_log').select('id').where('business_id', '=', own.businessId).execute()).map((r) => r.id));
    await call('get_lead', { lead_id: own.leads.marc });
    await call('get_lead', { lead_id: other.leadId });
    await call('get_analytics', { days: 7 });
    const rows = (await t.app.db.kysely.selectFrom('audit_log').selectAll().where('business_id', '=', own.businessId).orderBy('created_at').orderBy('id').execute()).filter(
      (r) => !before.has(r.id),
    );
    expect(rows.map((r) => [r.action, r.outcome, r.error_code])).toEqual([
      ['get_lead', 'success', null],
      ['get_lead', 'error', 'not_found'],
      ['get_analytics', 'success', null],
    ]);
    for (const row of rows) expect(row).toMatchObject({ actor_kind: 'api_key', actor_id: key.id });
    expect(rows[2]!.details).toEqual({ arguments: { days: 7 } });
  });
});
