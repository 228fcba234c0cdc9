// Tool-call metrics around the tool runner: every call, whatever its path through the runner
// (refused by its schema or its scope, failed, succeeded), ends in a result whose envelope says how
// it went, so one wrapper counts them all without reaching into the runner.
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { ToolCallMetrics, ToolCallOutcome } from '../../shared/metrics.js';
import type { AnyTool } from './tool.js';
import type { ToolHandler } from './tool-runner.js';

export function withToolMetrics(handlerFor: (tool: AnyTool) => ToolHandler, surface: string, metrics: ToolCallMetrics): (tool: AnyTool) => ToolHandler {
  return (tool) => {
    const handler = handlerFor(tool);
    return async (args, extra, peer) => {
      const started = performance.now();
      let outcome: ToolCallOutcome = 'error';
      try {
        const result = await handler(args, extra, peer);
        outcome = outcomeOf(result);
        return result;
      } finally {
        metrics.observeToolCall(surface, tool.name, outcome, (performance.now() - started) / 1000);
      }
    };
  };
}

/** As the audit log records it: a missing scope is `denied`, any other failure `error`. */
function outcomeOf(result: CallToolResult): ToolCallOutcome {
  if (!result.isError) return 'success';
  return (result.structuredContent as { error_code?: unknown } | undefined)?.error_code === 'missing_scope' ? 'denied' : 'error';
}
