export * from './catalog.js';
export { effectOf, type ToolSummary, type ToolsForScope } from './tools.js';
