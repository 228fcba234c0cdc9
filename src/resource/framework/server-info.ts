// How this MCP server introduces itself: in `initialize`, in mcp.json and in the server card.
import { createRequire } from 'node:module';

const pkg = createRequire(import.meta.url)('../../../package.json') as { version: string };

export const SERVER_INFO = Object.freeze({
  name: 'kaicalls',
  title: 'KaiCalls',
  version: pkg.version,
  description: 'AI phone agents for a business: read calls, transcripts and agents, place calls and texts, and configure agents, through scope-gated tools.',
});

export const PROVIDER = Object.freeze({ name: 'KaiCalls', url: 'https://www.kaicalls.com' });

/** Sent in the `initialize` result; clients show it to the model. */
export const INSTRUCTIONS =
  'Start with get_business_info, then list_agents, then list_recent_calls; use the returned ids with check_call_status and get_transcript. ' +
  'List tools are paginated: when structuredContent.has_more is true, call the same tool again with offset set to structuredContent.next_offset. ' +
  'Every result has structuredContent.success; on failure, error and error_code say why.';
