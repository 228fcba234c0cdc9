// What a consent screen and a discovery document need to know about a tool, without its schemas or
// code: the resource server's registry produces these, app.ts hands them to the other surfaces.
import type { Scope } from './catalog.js';

export interface ToolSummary {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  /** The scopes that can unlock the tool (one for most; one per intent for the update broker). */
  readonly scopes: readonly Scope[];
  /** True when calling it causes an effect outside this server (a phone call, a text). */
  readonly externalEffect: boolean;
}

/** The tools a scope unlocks, for the consent screen's "what this allows". */
export type ToolsForScope = (scope: Scope) => readonly ToolSummary[];
