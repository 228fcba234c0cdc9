// Variable values for one call (seed 000's assistantOverrides.variableValues): {{name}} placeholders
// in the first message and the prompt are filled with them for that call only. Names are
// identifiers so a placeholder and its value match unambiguously; a placeholder without a value is
// left as written, which shows the gap rather than hiding it.
import { invalidArgument } from '../../shared/errors.js';

export const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
export const MAX_VARIABLES = 50;
export const MAX_VARIABLE_LENGTH = 1000;

/** Refuses (naming `variable_values.<name>`) a bad name or value; null for none. */
export function checkVariableValues(values: Record<string, string> | null | undefined): Record<string, string> | null {
  if (!values) return null;
  const entries = Object.entries(values);
  if (entries.length > MAX_VARIABLES) throw invalidArgument(`variable_values: at most ${MAX_VARIABLES} variables`, { field: 'variable_values' });
  for (const [name, value] of entries) {
    if (!VARIABLE_NAME.test(name)) {
      throw invalidArgument(`variable_values: "${name.slice(0, 70)}" is not a variable name (letters, digits and "_", not starting with a digit, at most 64)`, {
        field: 'variable_values',
      });
    }
    if (typeof value !== 'string' || value.length > MAX_VARIABLE_LENGTH) {
      throw invalidArgument(`variable_values.${name} must be text of at most ${MAX_VARIABLE_LENGTH} characters`, { field: `variable_values.${name}` });
    }
  }
  return entries.length ? Object.fromEntries(entries) : null;
}

/** The text with each {{name}} that has a value replaced by it. */
export function fillVariables(text: string, values: Record<string, string> | null): string {
  if (!values || !text.includes('{{')) return text;
  return text.replace(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g, (whole, name: string) => (Object.hasOwn(values, name) ? values[name]! : whole));
}
