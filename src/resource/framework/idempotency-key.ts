// The `idempotency_key` input of mutating tools (tools.md "Common rules"): one definition, so every
// tool describes it the same way; likewise the `replayed` flag of their answers. The format matches assertIdempotencyKey (idempotency/), which
// withIdempotency applies again.
import { z } from 'zod';

export const idempotencyKeyInput = z
  .string()
  .regex(/^[\x21-\x7e]{8,128}$/, { message: 'idempotency_key must be 8–128 printable ASCII characters without spaces' })
  .describe(
    'Unique key, 8–128 printable characters (a UUID will do). A retry with the same key and arguments returns the first outcome rather than acting twice; other arguments answer conflict.',
  );

export const replayedOutput = z.boolean().describe('True when this repeats the first answer to this idempotency_key (nothing was done again).');

/** Opens the text of a replayed answer, so the model does not report the action as new. */
export const replayNote = (replayed: boolean): string => (replayed ? 'Already done with this idempotency_key: ' : '');
