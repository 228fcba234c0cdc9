// The MCP edge for tools: how every tool runs. The arguments are validated against the tool's input
// schema first, so that a refusal is a result like any other (`invalid_argument`, naming the field)
// and is audited; then the scope gate runs before any data is read, the tool runs in the
// unit of work of the credential's business (row-level security bound), the call is audited, and
// errors become results with `success: false`, `error` and `error_code` (tools.md). This is the
// one place a tool's errors are mapped.
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { CallToolResult, ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';
import { createAuditBatcher } from '../../domain/audit/audit-batch.js';
import { createAuditRepository } from '../../domain/audit/audit.repository.js';
import { auditActor } from '../../domain/audit/actor.js';
import type { Domain } from '../../domain/index.js';
import type { ToolRegistry } from './tool.js';
import type { Db } from '../../shared/db.js';
import { AppError, invalidArgumentFrom } from '../../shared/errors.js';
import { maskPhone, type Logger } from '../../shared/log.js';
import { actorFromCredential } from '../auth/actor.js';
import { credentialFrom, type Credential } from '../auth/credentials.js';
import { isDatabaseUnavailable } from '../../shared/db-unavailable.js';
import { findUnstorableString, withStorableStrings } from './string-hygiene.js';
import { failureResult, inputSchemaOf, missingToolScopes, successResult, type AnyTool, type ToolFailure, type ToolPeer } from './tool.js';

export type ToolHandler = (args: Record<string, unknown>, extra: RequestHandlerExtra<ServerRequest, ServerNotification>, peer: ToolPeer) => Promise<CallToolResult>;

export interface ToolRunnerDeps {
  db: Db;
  log: Logger;
  domain: Domain;
  /** The registry of the surface this runner serves (a tool may describe its siblings). */
  tools: ToolRegistry;
}

export function createToolRunner(deps: ToolRunnerDeps) {
  const { db, log, domain, tools } = deps;
  const auditRows = createAuditBatcher(db);

  const audit = async (credential: Credential, tool: AnyTool, entry: AuditFields) => {
    try {
      // The row as the unit's closing write: on Postgres BEGIN, the insert and COMMIT share one round trip.
      await db.forBusiness(
        credential.businessId,
        async () => undefined,
        (tx) => createAuditRepository(tx).appendStatement(auditEntry(credential, tool, entry)),
      );
    } catch (err) {
      log.error({ err, tool: tool.name, businessId: credential.businessId }, 'could not write the audit row of a tool call');
    }
  };

  /** A refusal before the tool runs: audited, then answered as a tool error. */
  const refuse = async (credential: Credential, tool: AnyTool, failure: ToolFailure, outcome: 'error' | 'denied', started: number, details: Record<string, unknown>) => {
    await audit(credential, tool, { outcome, errorCode: failure.code, durationMs: performance.now() - started, details });
    return failureResult(failure);
  };

  const failureOf = (err: unknown, tool: AnyTool): ToolFailure => {
    if (err instanceof AppError) return { code: err.code, message: err.message };
    if (isDatabaseUnavailable(err)) return { code: 'unavailable', message: 'The database is unavailable; try again shortly.' };
    log.error({ err, tool: tool.name }, 'tool failed');
    return { code: 'internal', message: 'Internal error: the call failed and was logged.' };
  };

  return function handlerFor(tool: AnyTool): ToolHandler {
    const inputSchema = inputSchemaOf(tool);
    return async (received, extra, peer) => {
      const started = performance.now();
      const credential = credentialFrom(extra.authInfo);
      // The endpoint answers 401 before a call without a credential gets here; this is the backstop.
      if (!credential) return failureResult({ code: 'unauthenticated', message: 'Authentication required' });

      // Before the schema: text the database cannot store is refused wherever it is (string-hygiene.ts),
      // and the refusal's audit row then holds only storable text.
      const unstorable = findUnstorableString(received);
      if (unstorable) {
        const where = unstorable.field ? `${unstorable.field}: ` : '';
        const failure: ToolFailure = { code: 'invalid_argument', message: `Invalid arguments for ${tool.name}: ${where}${unstorable.problem}` };
        return refuse(credential, tool, failure, 'error', started, { arguments: maskArguments(withStorableStrings(received)) });
      }
      const parsed = inputSchema.safeParse(received ?? {});
      if (!parsed.success) {
        const failure: ToolFailure = { code: 'invalid_argument', message: `Invalid arguments for ${tool.name}: ${invalidArgumentFrom(parsed.error).message}` };
        return refuse(credential, tool, failure, 'error', started, { arguments: maskArguments(received) });
      }
      const args = parsed.data;
      const details = tool.auditDetails ? tool.auditDetails(args) : { arguments: maskArguments(args) };

      const missing = missingToolScopes(tool, args, credential.scopes);
      if (missing.length > 0) {
        // OAuth tokens were already answered 403 insufficient_scope at the HTTP edge; an API key's
        // scopes are fixed, so its client gets the refusal as a tool error it can show the user.
        const failure: ToolFailure = { code: 'missing_scope', message: `Missing required scope: ${missing.join(', ')}` };
        return refuse(credential, tool, failure, 'denied', started, details);
      }

      try {
        const base = { businessId: credential.businessId, credential, domain, tools, peer };
        if (tool.mode === 'effect') {
          // The tool's services commit their own records around the effect; the audit row follows.
          const output = await tool.run(args, { ...base, db } as Parameters<AnyTool['run']>[1]);
          await audit(credential, tool, { outcome: 'success', durationMs: performance.now() - started, details });
          return successResult(output);
        }
        if (tool.annotations.readOnlyHint === true) {
          // A read commits nothing, so its row need not share its transaction: the work runs in a
          // READ ONLY one (a write in it fails), and the row joins the rows of concurrent calls in
          // one insert and one COMMIT (audit-batch.ts). The answer is given only once the row is committed.
          const output = await db.readForBusiness(credential.businessId, (tx) => tool.run(args, { ...base, tx } as Parameters<AnyTool['run']>[1]));
          await auditRows.append(auditEntry(credential, tool, { outcome: 'success', durationMs: performance.now() - started, details }));
          return successResult(output);
        }
        const output = await db.forBusiness(
          credential.businessId,
          (tx) => tool.run(args, { ...base, tx } as Parameters<AnyTool['run']>[1]),
          // Same transaction as the work, as its closing write (sent with COMMIT): the audit row
          // commits exactly when the work does, and the answer is given only after both have.
          (tx) => createAuditRepository(tx).appendStatement(auditEntry(credential, tool, { outcome: 'success', durationMs: performance.now() - started, details })),
        );
        return successResult(output);
      } catch (err) {
        const failure = failureOf(err, tool);
        await audit(credential, tool, { outcome: 'error', errorCode: failure.code, durationMs: performance.now() - started, details });
        return failureResult(failure);
      }
    };
  };
}

interface AuditFields {
  outcome: string;
  errorCode?: string;
  durationMs: number;
  details: Record<string, unknown>;
}

function auditEntry(credential: Credential, tool: AnyTool, entry: AuditFields) {
  return {
    businessId: credential.businessId,
    ...auditActor(actorFromCredential(credential)),
    action: tool.name,
    outcome: entry.outcome,
    errorCode: entry.errorCode ?? null,
    durationMs: entry.durationMs,
    details: entry.details,
  };
}

const E164 = /^\+[1-9]\d{6,14}$/;
const MAX_AUDIT_STRING = 200;

/** Arguments as the audit log keeps them: phone numbers masked, long texts cut. */
export function maskArguments(value: unknown): unknown {
  if (typeof value === 'string') {
    if (E164.test(value)) return maskPhone(value);
    return value.length > MAX_AUDIT_STRING ? `${value.slice(0, MAX_AUDIT_STRING)}…` : value;
  }
  if (Array.isArray(value)) return value.map(maskArguments);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k === 'headers' ? headerNames(v) : maskArguments(v)]));
  return value;
}

/** Headers as audited: their names only, because their values are often credentials (agent tools). */
function headerNames(headers: unknown): unknown {
  if (!Array.isArray(headers)) return '[redacted]';
  return headers.map((h) => (h && typeof h === 'object' && typeof (h as { name?: unknown }).name === 'string' ? maskArguments((h as { name: string }).name) : '[redacted]'));
}
