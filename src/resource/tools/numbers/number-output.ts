// A phone number as the number tools answer it.
import { z } from 'zod';
import type { PhoneNumber } from '../../../domain/numbers/numbers.types.js';

export const phoneNumberOutput = z.object({
  id: z.guid().describe('Phone number id: pass it as phone_number_id.'),
  number: z.string().describe('E.164.'),
  label: z.string().nullable().describe('A name for the line, or null.'),
  provider: z.string().describe('Who carries the line (simulator, vapi…).'),
  provider_number_id: z.string().nullable().describe("The provider's id of the line (Vapi's phone number id), or null when the provider does not hold it."),
  agent_id: z.guid().nullable().describe('The agent answering it, or null.'),
  agent_name: z.string().nullable().describe("That agent's name."),
  capabilities: z
    .object({
      voice: z.boolean().describe('Carries calls.'),
      sms: z.boolean().describe('Carries texts.'),
      inbound: z.boolean().describe('Can be reached.'),
      outbound: z.boolean().describe('Can call or text out.'),
    })
    .describe('What the line can do.'),
  emergency_address_set: z.boolean().describe('Whether an emergency (E911) address is on file.'),
  created_at: z.string().describe('ISO 8601 (UTC).'),
});

export type PhoneNumberOutput = z.infer<typeof phoneNumberOutput>;

export const toPhoneNumberOutput = (n: PhoneNumber): PhoneNumberOutput => ({
  id: n.id,
  number: n.number,
  label: n.label,
  provider: n.provider,
  provider_number_id: n.providerNumberId,
  agent_id: n.agentId,
  agent_name: n.agentName,
  capabilities: n.capabilities,
  emergency_address_set: n.emergencyAddressSet,
  created_at: n.createdAt.toISOString(),
});

export const describeNumber = (n: PhoneNumberOutput) => `${n.number}${n.label ? ` (${n.label})` : ''} → ${n.agent_name ?? 'no agent'} id ${n.id}`;
