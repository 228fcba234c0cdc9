// The demo's bookings through the tools, as a first start shows them: acme's appointment types,
// staff working hours and six appointments (three booked on the next business days, one completed,
// one no-show, one cancelled), and availability that leaves each booked staff member out of the slot
// they are booked for.
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoIfEmpty } from '../src/cli/demo-data.js';
import { startTestApp, type TestApp } from './helpers/app.js';
import { advertisedOutputSchemas, callChecked, connectClient } from './helpers/mcp.js';

let t: TestApp;
let client: Client;
let outputSchemas: ReadonlyMap<string, object>;

const ok = async (name: string, args: Record<string, unknown> = {}) => {
  const answer = await callChecked(client, name, args, { outputSchemas });
  expect(answer.isError, answer.text).toBe(false);
  return answer.structured;
};

beforeAll(async () => {
  t = await startTestApp();
  const demo = await seedDemoIfEmpty(t.app.db);
  ({ client } = await connectClient(t.mcpUrl, { headers: { authorization: `Bearer ${demo!.allScopesKey}` } }));
  outputSchemas = await advertisedOutputSchemas(client);
}, 60_000);
afterAll(async () => {
  await client?.close();
  await t?.stop();
});

describe('demo bookings', () => {
  it('lists the six demo appointments of acme, in every final and live status', async () => {
    const { appointments } = await ok('list_appointments', { limit: 100 });
    expect(appointments).toHaveLength(6);
    const count = (status: string) => appointments.filter((a: { status: string }) => a.status === status).length;
    expect({ booked: count('booked'), completed: count('completed'), no_show: count('no_show'), cancelled: count('cancelled') }).toEqual({
      booked: 3,
      completed: 1,
      no_show: 1,
      cancelled: 1,
    });
    for (const a of appointments) expect(a.timezone).toBe('America/New_York');
  });

  it('get_availability leaves a booked staff member out of the slot they are booked for', async () => {
    const { appointments } = await ok('list_appointments', { status: 'booked', limit: 100 });
    const booked = appointments[0];
    const day = booked.start.slice(0, 10);
    const { slots } = await ok('get_availability', { appointment_type_id: booked.appointment_type_id, from: day, to: day });
    expect(slots.length).toBeGreaterThan(0);
    const same = slots.find((s: { start: string }) => s.start === booked.start);
    expect(same?.staff_ids ?? []).not.toContain(booked.staff_id);
  });
});
