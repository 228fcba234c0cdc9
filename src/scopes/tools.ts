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

// What a tool with an external effect does, in words, by the scope that unlocks it.
const EFFECT_WORDS: Partial<Record<Scope, string>> = {
  'calls:write': 'places real phone calls',
  'sms:write': 'sends real text messages',
  'appointments:write': 'texts your customer about the booking',
};

/** The external effect of a tool, in words a person reads before allowing it (consent screen, connect page). */
export function effectOf(tool: Pick<ToolSummary, 'scopes'>): string {
  for (const scope of tool.scopes) {
    const words = EFFECT_WORDS[scope];
    if (words) return words;
  }
  return 'makes real changes outside this app';
}
