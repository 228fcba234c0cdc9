// How every in-call tool runs, global or attached: the account runner's order (unstorable text, then
// the tool's own schema, each refusal a result naming the field), then the in-call rule (a tool that
// acts needs the call in progress: `call_not_active`), then the tool in its business's unit of work.
// Every call, refused or not, leaves an audit row naming the call and the agent (`in_call.<tool>`),
// which is also how a call lists its tool calls (domain/in-call: toolCalls).
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { auditActor, type Actor } from '../../domain/audit/actor.js';
import { createAuditRepository, type AuditEntry } from '../../domain/audit/audit.repository.js';
import { IN_CALL_ACTION_PREFIX } from '../../domain/in-call/in-call.repository.js';
import { isLiveCall, type InCallContext } from '../../domain/in-call/in-call.types.js';
import type { Domain } from '../../domain/index.js';
import type { Db, TenantTx } from '../../shared/db.js';
import { isDatabaseUnavailable } from '../../shared/db-unavailable.js';
import { AppError, invalidArgumentFrom } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import { findUnstorableString, withStorableStrings } from '../framework/string-hygiene.js';
import { failureResult, RESULT_ENVELOPE, successResult, type ToolFailure } from '../framework/tool.js';
import { maskArguments } from '../framework/tool-runner.js';
import type { AnyInCallTool } from './tool.js';

/**
 * One in-call request as the endpoint checked it: the runtime key, and the agent and call its
 * context headers name (ours, resolved; the call's state is read again where the tool runs).
 */
export interface InCallRequest {
  readonly businessId: string;
  /** Who acts: the runtime key (api_key), or the simulator playing the runtime (system). */
  readonly actor: Actor;
  readonly agentId: string;
  readonly callId: string;
  readonly callerNumber: string | null;
}

export type InCallRunner = (tool: AnyInCallTool, received: Record<string, unknown> | undefined, request: InCallRequest, kind: string) => Promise<CallToolResult>;

export function createInCallRunner(deps: { db: Db; log: Logger; domain: Domain }): InCallRunner {
  const { db, log, domain } = deps;
  const schemas = new WeakMap<AnyInCallTool, { input: z.ZodType; output: z.ZodType }>();
  const schemaOf = (tool: AnyInCallTool) => {
    const known = schemas.get(tool);
    if (known) return known;
    const schema = { input: z.object(tool.input).strict(), output: z.object({ ...RESULT_ENVELOPE, ...tool.output }) };
    schemas.set(tool, schema);
    return schema;
  };

  /** The tool's own answer, checked against its output schema as a client will check it. */
  const run = async (tool: AnyInCallTool, args: Record<string, unknown>, ctx: Parameters<AnyInCallTool['run']>[1]) => {
    const output = await tool.run(args, ctx);
    const checked = schemaOf(tool).output.safeParse({ success: true, ...output.data });
    if (!checked.success) {
      log.error({ tool: tool.name, issue: checked.error.issues[0] }, 'an in-call tool answered outside its output schema');
      throw new AppError('internal', 'Internal error: the tool’s answer did not match its schema; this was logged.');
    }
    return output;
  };

  const entry = (
    tool: AnyInCallTool,
    request: InCallRequest,
    actor: Actor,
    fields: { outcome: string; errorCode?: string; started: number; details: Record<string, unknown> },
  ): AuditEntry => ({
    businessId: request.businessId,
    ...auditActor(actor),
    action: `${IN_CALL_ACTION_PREFIX}${tool.name}`,
    outcome: fields.outcome,
    errorCode: fields.errorCode ?? null,
    durationMs: performance.now() - fields.started,
    details: { call_id: request.callId, agent_id: request.agentId, ...fields.details },
  });

  /** The call as it is now, read in `tx`; a call gone since the endpoint checked it reads as not found. */
  const callIn = async (tx: TenantTx, request: InCallRequest): Promise<InCallContext> => {
    const call = await domain.inCall.contextIn(tx, request.businessId, { personaId: request.agentId, callRef: request.callId, callerNumber: request.callerNumber });
    if ('refused' in call) throw new AppError('not_found', 'This call no longer exists.');
    return call;
  };

  /** The in-call rule: a tool that acts needs the call in progress. */
  const requireLiveFor = (tool: AnyInCallTool, call: InCallContext) => {
    if (tool.acts && !isLiveCall(call.call.status)) {
      throw new AppError('call_not_active', `This call is ${call.call.status}, not in progress: ${tool.name} cannot act in it.`);
    }
  };

  const audit = async (row: AuditEntry) => {
    try {
      await db.forBusiness(
        row.businessId,
        async () => undefined,
        (tx) => createAuditRepository(tx).appendStatement(row),
      );
    } catch (err) {
      log.error({ err, action: row.action, businessId: row.businessId }, 'could not write the audit row of an in-call tool call');
    }
  };

  const failureOf = (err: unknown, tool: AnyInCallTool): ToolFailure => {
    if (err instanceof AppError) return { code: err.code, message: err.message };
    if (isDatabaseUnavailable(err)) return { code: 'unavailable', message: 'The database is unavailable; try again shortly.' };
    log.error({ err, tool: tool.name }, 'in-call tool failed');
    return { code: 'internal', message: 'Internal error: the call failed and was logged.' };
  };

  return async (tool, received, request, kind) => {
    const started = performance.now();
    const { actor } = request;
    const refuse = async (failure: ToolFailure, outcome: 'error' | 'denied', details: Record<string, unknown>) => {
      await audit(entry(tool, request, actor, { outcome, errorCode: failure.code, started, details }));
      return failureResult(failure);
    };

    const unstorable = findUnstorableString(received);
    if (unstorable) {
      const where = unstorable.field ? `${unstorable.field}: ` : '';
      return refuse({ code: 'invalid_argument', message: `Invalid arguments for ${tool.name}: ${where}${unstorable.problem}` }, 'error', {
        tool_kind: kind,
        arguments: maskArguments(withStorableStrings(received)),
      });
    }
    const parsed = schemaOf(tool).input.safeParse(received ?? {});
    if (!parsed.success) {
      return refuse({ code: 'invalid_argument', message: `Invalid arguments for ${tool.name}: ${invalidArgumentFrom(parsed.error).message}` }, 'error', {
        tool_kind: kind,
        arguments: maskArguments(received),
      });
    }
    const args = parsed.data as Record<string, unknown>;
    const details = { tool_kind: kind, arguments: maskArguments(args) };
    const base = { domain, actor, now: domain.clock() };
    try {
      if (tool.mode === 'effect') {
        // The effect's services keep their own units of work (the provider is asked in between).
        const call = await db.forBusiness(request.businessId, (tx) => callIn(tx, request));
        requireLiveFor(tool, call);
        const output = await run(tool, args, { ...base, call } as Parameters<AnyInCallTool['run']>[1]);
        await audit(entry(tool, request, actor, { outcome: 'success', started, details }));
        return successResult(output);
      }
      // One unit of work: the call's state, the tool's reads and writes, and the audit row, which
      // commits exactly when the work does (sent with COMMIT on Postgres).
      const output = await db.forBusiness(
        request.businessId,
        async (tx) => {
          const call = await callIn(tx, request);
          requireLiveFor(tool, call);
          return run(tool, args, { ...base, call, tx });
        },
        (tx) => createAuditRepository(tx).appendStatement(entry(tool, request, actor, { outcome: 'success', started, details })),
      );
      return successResult(output);
    } catch (err) {
      const failure = failureOf(err, tool);
      const denied = failure.code === 'destination_not_allowed' || failure.code === 'call_not_active';
      await audit(entry(tool, request, actor, { outcome: denied ? 'denied' : 'error', errorCode: failure.code, started, details }));
      return failureResult(failure);
    }
  };
}
