// The `idempotency_key` input of mutating tools (tools.md "Common rules"): one definition, so every
// tool describes it the same way. The format matches assertIdempotencyKey (idempotency/), which
// withIdempotency applies again.
import { z } from 'zod';

export const idempotencyKeyInput = z
  .string()
  .regex(/^[\x21-\x7e]{8,128}$/, { message: 'idempotency_key must be 8–128 printable ASCII characters without spaces' })
  .describe(
    'A unique string (8–128 printable characters, no spaces), e.g. a UUID. Retrying with the same key and arguments returns the first outcome instead of acting twice; reusing it with different arguments is refused (conflict).',
  );
