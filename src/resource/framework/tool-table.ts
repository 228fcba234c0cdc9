// The README's tool table, generated from the registry (`npm run docs:tools` rewrites it; a test
// fails when it is stale), so the documentation cannot drift from tools/list.
import type { ToolRegistry } from './tool.js';

export const TABLE_START = '<!-- tools:start -->';
export const TABLE_END = '<!-- tools:end -->';

const cell = (value: string) => value.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');

export function renderToolTable(tools: ToolRegistry): string {
  const kinds = new Map(tools.list().map((t) => [t.name, t.annotations.readOnlyHint ? 'read-only' : 'write']));
  const rows = tools
    .summaries()
    .map((t) => `| \`${t.name}\` | ${cell(t.description)} | ${t.scopes.map((s) => `\`${s}\``).join(', ')} | ${kinds.get(t.name)}${t.externalEffect ? ', external effect' : ''} |`);
  return ['| tool | what it does | scope | kind |', '|---|---|---|---|', ...rows].join('\n');
}

/** `readme` with the text between the markers replaced by the current table. */
export function withToolTable(readme: string, tools: ToolRegistry): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error(`README.md has no ${TABLE_START} … ${TABLE_END} section`);
  return `${readme.slice(0, start + TABLE_START.length)}\n${renderToolTable(tools)}\n${readme.slice(end)}`;
}
