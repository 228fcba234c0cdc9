// Text a database cannot keep, refused at the edge. Postgres stores no NUL character in text or
// jsonb (SQLSTATE 22021 / 22P05), and a lone UTF-16 surrogate has no UTF-8 form, so Node writes it
// as U+FFFD and the stored text silently differs from the text received. Either reached the
// database as an internal error (with the failed statement's parameters in the log line on the
// embedded database) or as quiet corruption. The tool runner checks every string of the arguments,
// object keys included, before the schema or anything else runs, so the caller learns which field
// to fix (`invalid_argument`).

// A NUL, a high surrogate not followed by a low one, or a low surrogate not preceded by a high one.
const UNSTORABLE = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const UNSTORABLE_ALL = new RegExp(UNSTORABLE.source, 'g');

export interface UnstorableString {
  /** Where, as the schema errors name fields: `lead.name`, `updates[0].notes`; empty for the arguments themselves. */
  field: string;
  problem: string;
}

/** The first string (or object key) in `value` that the database cannot store, or undefined. */
export function findUnstorableString(value: unknown): UnstorableString | undefined {
  return walk(value, '');
}

/** A copy of `value` whose strings the database can store (each offending character becomes U+FFFD): for the audit row of a refusal. */
export function withStorableStrings(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(UNSTORABLE_ALL, '\uFFFD');
  if (Array.isArray(value)) return value.map(withStorableStrings);
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [withStorableStrings(k), withStorableStrings(v)]));
  return value;
}

function walk(value: unknown, path: string): UnstorableString | undefined {
  if (typeof value === 'string') {
    const problem = problemOf(value);
    return problem ? { field: path, problem } : undefined;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = walk(value[i], `${path}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  if (isPlainObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      const keyProblem = problemOf(key);
      // The key itself cannot be named faithfully; its parent can.
      if (keyProblem) return { field: path, problem: `a field name ${keyProblem.replace(/^must not contain/, 'contains')}` };
      const found = walk(item, path ? `${path}.${key}` : key);
      if (found) return found;
    }
  }
  return undefined;
}

function problemOf(text: string): string | undefined {
  const match = UNSTORABLE.exec(text);
  if (!match) return undefined;
  return match[0] === '\0' ? 'must not contain a NUL character (\\u0000)' : 'must not contain an unpaired UTF-16 surrogate (not valid Unicode text)';
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
