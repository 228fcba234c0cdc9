// Database failures that mean "try again shortly": the rule lives in shared, where the Koa edge
// (shared/http.ts) applies it too; the MCP edge and the tool runner read it from here.
export { isDatabaseUnavailable } from '../../shared/db-unavailable.js';
