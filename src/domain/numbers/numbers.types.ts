// A phone number of ours: which business it belongs to (one, always), which agent answers it, what
// it can do, and who carries it.
import type { NumberCapability } from '../../../db/schema.js';

export type { NumberCapability };

export interface PhoneNumber {
  id: string;
  /** E.164. */
  number: string;
  label: string | null;
  /** Who carries the line (`simulator`, `vapi`…). */
  provider: string;
  /** The provider's own id for the number, when it has one. */
  providerNumberId: string | null;
  agentId: string | null;
  agentName: string | null;
  capabilities: Record<NumberCapability, boolean>;
  emergencyAddressSet: boolean;
  createdAt: Date;
}
