// What an in-call tool is (spec/voice-runtime.md §B): like an account-surface tool (one file each,
// zod input and output with every field described, `structuredContent` plus a short text, the same
// result envelope), but called by a voice runtime inside one live call rather than by a client with
// scopes. So instead of scopes it says whether it acts in the call (refused with `call_not_active`
// once the call is over), and its `run` gets the call it acts in.
import type { ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import type { z, ZodRawShape } from 'zod';
import type { Actor } from '../../domain/audit/actor.js';
import type { InCallContext } from '../../domain/in-call/in-call.types.js';
import type { Domain } from '../../domain/index.js';
import type { TenantTx } from '../../shared/db.js';
import type { AnyTool, ToolOutput } from '../framework/tool.js';

type Infer<S extends ZodRawShape> = z.infer<z.ZodObject<S>>;

/** What an in-call tool's `run` gets: the call, the domain, who acts, and the time of the call. */
export interface InCallToolContext {
  readonly call: InCallContext;
  readonly domain: Domain;
  /** The runtime key, as the audit log and the services' actor. */
  readonly actor: Actor;
  readonly now: Date;
}

export interface InCallToolDefinition<I extends ZodRawShape = ZodRawShape, O extends ZodRawShape = ZodRawShape> {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly annotations: ToolAnnotations;
  readonly input: I;
  /** The success fields of `structuredContent`; the `success`/`error`/`error_code` envelope is added. */
  readonly output: O;
  /** True when it changes something (the call, a lead, the outside world): refused once the call is over. */
  readonly acts: boolean;
  /**
   * `transaction`: `run` gets a unit of work of the business, and the audit row commits with it;
   * `effect`: `run`'s services keep their own units of work (the provider is asked in between).
   */
  readonly mode: 'transaction' | 'effect';
  run(input: Infer<I>, ctx: InCallToolContext & { tx: TenantTx }): Promise<ToolOutput<Infer<O>>>;
}

export type AnyInCallTool = InCallToolDefinition<ZodRawShape, ZodRawShape>;

/** Keeps a tool's input and output types tied to its schemas, then erases them for the registry. */
export function defineInCallTool<I extends ZodRawShape, O extends ZodRawShape>(
  tool: Omit<InCallToolDefinition<I, O>, 'mode' | 'run'> &
    (
      | { mode: 'transaction'; run(input: Infer<I>, ctx: InCallToolContext & { tx: TenantTx }): Promise<ToolOutput<Infer<O>>> }
      | { mode: 'effect'; run(input: Infer<I>, ctx: InCallToolContext): Promise<ToolOutput<Infer<O>>> }
    ),
): AnyInCallTool {
  return tool as unknown as AnyInCallTool;
}

/**
 * The tool as the account framework's listing and schema helpers read it (listingOf, inputSchemaOf,
 * outputSchemaOf look only at name, title, description, annotations, input and output): one
 * tools/list format and one result envelope for both surfaces.
 */
export const asListable = (tool: Pick<AnyInCallTool, 'name' | 'title' | 'description' | 'annotations' | 'input' | 'output'>): AnyTool =>
  ({ ...tool, scopes: [], externalEffect: false }) as unknown as AnyTool;
