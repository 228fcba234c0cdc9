export * from './catalog.js';
export type { ToolSummary, ToolsForScope } from './tools.js';
