// What a tool is: one definition per tool (one file each, named after the tool) that every surface
// reads: the MCP server registers it, discovery documents describe it, the consent screen lists it
// under its scope, and the README's table is generated from it.
import type { ElicitRequest, ElicitResult, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import { z, type ZodRawShape } from 'zod';
import { missingScopes, type Scope, type ToolSummary } from '../../scopes/index.js';
import type { Db, TenantTx } from '../../shared/db.js';
import type { ErrorCode } from '../../shared/errors.js';
import type { Credential } from '../auth/credentials.js';
import type { Domain } from '../../domain/index.js';

/** The connected client, for server-to-client requests during a call (MCP elicitation). */
export interface ToolPeer {
  /** True when the client declared the elicitation capability at initialize. */
  readonly canElicit: boolean;
  elicit(params: ElicitRequest['params']): Promise<ElicitResult>;
}

interface BaseContext {
  readonly businessId: string;
  readonly credential: Credential;
  /** The domain core, built once in createApp: every rule a tool applies lives there. */
  readonly domain: Domain;
  /** The registry of the surface the tool is called on. */
  readonly tools: ToolRegistry;
  readonly peer: ToolPeer;
}

/** What a tool's `run` gets: the caller and a unit of work already confined to its business. */
export interface ToolContext extends BaseContext {
  /** Row-level security is bound to `businessId` for everything run on it. */
  readonly tx: TenantTx;
}

/**
 * What an effect tool's `run` gets instead: no enclosing transaction, because its services commit
 * their records before the external effect (a crash must leave a record, never a silent effect)
 * and claim idempotency keys in their own units of work. Everything it touches still goes through
 * `db.forBusiness(businessId, …)`.
 */
export interface EffectToolContext extends BaseContext {
  readonly db: Db;
}

export interface ToolOutput<T> {
  /** The fields of `structuredContent` besides the envelope. */
  readonly data: T;
  /** A short human-readable summary, the `content` text. */
  readonly text: string;
}

type Infer<S extends ZodRawShape> = z.infer<z.ZodObject<S>>;

export interface ToolDefinition<I extends ZodRawShape = ZodRawShape, O extends ZodRawShape = ZodRawShape> {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  /**
   * The scopes a caller needs, all of them, checked before any data is read. With `requiredScopes`,
   * the scopes any call may need (what the consent screen lists the tool under).
   */
  readonly scopes: readonly [Scope, ...Scope[]];
  /**
   * For a tool whose scope depends on its arguments (the update broker: one per intent): the scopes
   * this call needs. Gets raw, unvalidated arguments at the HTTP edge, so it must not trust them.
   */
  requiredScopes?(args: unknown): readonly Scope[];
  /** True when calling it causes an effect outside this server (a phone call, a text). */
  readonly externalEffect: boolean;
  readonly annotations: ToolAnnotations;
  /** Every field described: the JSON Schema clients see is generated from this. */
  readonly input: I;
  /** The success fields of `structuredContent`; the `success`/`error`/`error_code` envelope is added. */
  readonly output: O;
  /** Masked, secret-free details of a call for its audit row (defaults to the arguments, masked). */
  auditDetails?(input: Infer<I>): Record<string, unknown>;
  /** `transaction` (default): `run` gets a unit of work; `effect`: `run` manages its own (see EffectToolContext). */
  readonly mode?: 'transaction' | 'effect';
  run(input: Infer<I>, ctx: ToolContext & EffectToolContext): Promise<ToolOutput<Infer<O>>>;
}

export type AnyTool = ToolDefinition<ZodRawShape, ZodRawShape>;

/** A surface's tools (built by createToolRegistry in app.ts): what tools/list, discovery and consent read. */
export interface ToolRegistry {
  /** Every tool, with schemas and handler, in listing order. */
  list(): readonly AnyTool[];
  find(name: string): AnyTool | undefined;
  summaries(): readonly ToolSummary[];
  forScope(scope: Scope): readonly ToolSummary[];
}

type TransactionTool<I extends ZodRawShape, O extends ZodRawShape> = Omit<ToolDefinition<I, O>, 'run' | 'mode'> & {
  run(input: Infer<I>, ctx: ToolContext): Promise<ToolOutput<Infer<O>>>;
};
type EffectTool<I extends ZodRawShape, O extends ZodRawShape> = Omit<ToolDefinition<I, O>, 'run' | 'mode'> & {
  run(input: Infer<I>, ctx: EffectToolContext): Promise<ToolOutput<Infer<O>>>;
};

/** Keeps each tool's input and output types tied to its schemas, then erases them for the registry. */
export function defineTool<I extends ZodRawShape, O extends ZodRawShape>(tool: TransactionTool<I, O>): AnyTool {
  return { ...tool, mode: 'transaction' } as unknown as AnyTool;
}

/** A tool that causes effects through services managing their own units of work (make_call, send_sms…). */
export function defineEffectTool<I extends ZodRawShape, O extends ZodRawShape>(tool: EffectTool<I, O>): AnyTool {
  return { ...tool, mode: 'effect' } as unknown as AnyTool;
}

/** The scopes one call needs: the tool's own, or those its arguments select. */
export function requiredScopesOf(tool: Pick<AnyTool, 'scopes' | 'requiredScopes'>, args: unknown): readonly Scope[] {
  return tool.requiredScopes ? tool.requiredScopes(args) : tool.scopes;
}

/** tools.md "Common rules": every result says whether it worked, and why not. */
export const RESULT_ENVELOPE = {
  success: z.boolean().describe('True when the call did what was asked; false with `error` and `error_code` otherwise.'),
  error: z.string().optional().describe('What went wrong, in words, when `success` is false.'),
  error_code: z.string().optional().describe('A stable code when `success` is false, such as not_found, invalid_argument, missing_scope, conflict, unavailable.'),
};

/** Unknown arguments are refused rather than ignored: a misspelt filter must not silently widen a query. */
export const inputSchemaOf = (tool: AnyTool) => z.object(tool.input).strict();
export const outputSchemaOf = (tool: AnyTool) => z.object({ ...RESULT_ENVELOPE, ...tool.output });

export interface ToolFailure {
  readonly code: ErrorCode;
  readonly message: string;
}

export function successResult(output: ToolOutput<Record<string, unknown>>) {
  return {
    content: [{ type: 'text' as const, text: output.text }],
    structuredContent: { success: true, ...output.data },
  };
}

export function failureResult(failure: ToolFailure) {
  return {
    content: [{ type: 'text' as const, text: failure.message }],
    structuredContent: { success: false, error: failure.message, error_code: failure.code },
    isError: true,
  };
}

/** The scope gate, the one place that decides: which scopes this call needs that the caller lacks (none = allowed). */
export function missingToolScopes(tool: Pick<AnyTool, 'scopes' | 'requiredScopes'>, args: unknown, granted: readonly Scope[]): Scope[] {
  return missingScopes(requiredScopesOf(tool, args), granted);
}
