// A surface's tool registry: the single source for its tools/list, the discovery documents, the
// consent screen's "what this scope allows" and the README's tool table. Built once in app.ts from a
// surface's list of tools and handed to whoever needs it.
import type { ToolSummary } from '../../scopes/index.js';
import type { AnyTool, ToolRegistry } from './tool.js';

export function createToolRegistry(tools: readonly AnyTool[]): ToolRegistry {
  const all = Object.freeze([...tools]);
  const byName: ReadonlyMap<string, AnyTool> = new Map(all.map((t) => [t.name, t]));
  if (byName.size !== all.length) throw new Error('two tools share a name');
  const summaries: readonly ToolSummary[] = Object.freeze(
    all.map((t) => Object.freeze({ name: t.name, title: t.title, description: t.description, scopes: t.scopes, externalEffect: t.externalEffect })),
  );
  return {
    list: () => all,
    find: (name) => byName.get(name),
    summaries: () => summaries,
    forScope: (scope) => summaries.filter((t) => t.scopes.includes(scope)),
  };
}
