// Named rules sections inside an agent's inbound prompt. Each section sits between two marker
// lines carrying a key derived from its title, so it can be found again and replaced or extended
// without touching the rest of the prompt the business wrote by hand:
//
//   <!-- kaicalls:rules key="after-hours-handoffs" -->
//   ## After-hours handoffs
//   …rules…
//   <!-- /kaicalls:rules key="after-hours-handoffs" -->
import { AppError } from '../../shared/errors.js';

export type RulesMode = 'replace' | 'append';

export interface RulesSectionEdit {
  /** The prompt with the section added, replaced or extended. */
  prompt: string;
  key: string;
  action: 'added' | 'replaced' | 'appended' | 'unchanged';
}

export const DEFAULT_SECTION_TITLE = 'Business rules';

/** `After-hours handoffs!` → `after-hours-handoffs`. */
export function sectionKey(title: string): string {
  const key = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64);
  if (!key) throw new AppError('invalid_argument', 'section_title must contain at least one letter or digit', { field: 'section_title' });
  return key;
}

const begin = (key: string) => `<!-- kaicalls:rules key="${key}" -->`;
const end = (key: string) => `<!-- /kaicalls:rules key="${key}" -->`;

/** Adds, replaces or appends to the section named `title` in `prompt`. */
export function editRulesSection(prompt: string, input: { title: string; rules: string; mode: RulesMode }): RulesSectionEdit {
  const title = input.title.trim().replace(/\s+/g, ' ');
  const rules = input.rules.trim();
  if (!rules) throw new AppError('invalid_argument', 'rules must not be empty', { field: 'rules' });
  if (rules.includes('<!-- kaicalls:rules') || rules.includes('<!-- /kaicalls:rules')) {
    throw new AppError('invalid_argument', 'rules must not contain section markers', { field: 'rules' });
  }
  const key = sectionKey(title);
  const open = begin(key);
  const close = end(key);
  const start = prompt.indexOf(open);
  const stop = start === -1 ? -1 : prompt.indexOf(close, start + open.length);

  if (start === -1 || stop === -1) {
    const section = `${open}\n## ${title}\n${rules}\n${close}`;
    const separator = prompt.trim() ? (prompt.endsWith('\n') ? '\n' : '\n\n') : '';
    return { prompt: `${prompt.trim() ? prompt : ''}${separator}${section}\n`, key, action: 'added' };
  }

  const inner = prompt
    .slice(start + open.length, stop)
    .replace(/^\n/, '')
    .replace(/\n$/, '');
  const body = inner.replace(/^## .*\n?/, '').trim();
  const nextBody = input.mode === 'append' ? (body ? `${body}\n${rules}` : rules) : rules;
  const replaced = `${prompt.slice(0, start)}${open}\n## ${title}\n${nextBody}\n${prompt.slice(stop)}`;
  if (replaced === prompt) return { prompt, key, action: 'unchanged' };
  return { prompt: replaced, key, action: input.mode === 'append' ? 'appended' : 'replaced' };
}
