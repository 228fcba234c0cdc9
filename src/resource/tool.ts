// What a tool is: one definition per tool (one file each, named after the tool) that every surface
// reads: the MCP server registers it, discovery documents describe it, the consent screen lists it
// under its scope, and the README's table is generated from it.
import type { ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import { z, type ZodRawShape } from 'zod';
import { missingScopes, type Scope } from '../scopes/index.js';
import type { Tx } from '../shared/db.js';
import type { ErrorCode } from '../shared/errors.js';
import type { Credential } from './credentials.js';

/** What a tool's `run` gets: the caller and a unit of work already confined to its business. */
export interface ToolContext {
  /** Row-level security is bound to `businessId` for everything run on it. */
  readonly tx: Tx;
  readonly businessId: string;
  readonly credential: Credential;
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
  /** The scopes a caller needs, all of them. Checked before any data is read. */
  readonly scopes: readonly [Scope, ...Scope[]];
  /** True when calling it causes an effect outside this server (a phone call, a text). */
  readonly externalEffect: boolean;
  readonly annotations: ToolAnnotations;
  /** Every field described: the JSON Schema clients see is generated from this. */
  readonly input: I;
  /** The success fields of `structuredContent`; the `success`/`error`/`error_code` envelope is added. */
  readonly output: O;
  /** Masked, secret-free details of a call for its audit row (defaults to the arguments, masked). */
  auditDetails?(input: Infer<I>): Record<string, unknown>;
  run(input: Infer<I>, ctx: ToolContext): Promise<ToolOutput<Infer<O>>>;
}

export type AnyTool = ToolDefinition<ZodRawShape, ZodRawShape>;

/** Keeps each tool's input and output types tied to its schemas, then erases them for the registry. */
export function defineTool<I extends ZodRawShape, O extends ZodRawShape>(tool: ToolDefinition<I, O>): AnyTool {
  return tool as unknown as AnyTool;
}

/** tools.md "Common rules": every result says whether it worked, and why not. */
export const RESULT_ENVELOPE = {
  success: z.boolean().describe('True when the call did what was asked; false with `error` and `error_code` otherwise.'),
  error: z.string().optional().describe('What went wrong, in words, when `success` is false.'),
  error_code: z
    .string()
    .optional()
    .describe('A stable code when `success` is false, such as not_found, invalid_argument, missing_scope, conflict, unavailable.'),
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

/** The scope gate, the one place that decides: which of the tool's scopes the caller lacks (none = allowed). */
export function missingToolScopes(tool: Pick<AnyTool, 'scopes'>, granted: readonly Scope[]): Scope[] {
  return missingScopes(tool.scopes, granted);
}
