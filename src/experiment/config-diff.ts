/** The differences between two configs, by dotted field path (for "holds a different config"). */

/** One field whose value differs: `saved` in the run directory, `given` now. */
export interface ConfigDifference {
  path: string;
  saved: unknown;
  given: unknown;
}

/**
 * The fields where `saved` and `given` differ, in `given`'s key order then saved-only keys.
 * Objects are compared field by field; arrays and other values as a whole.
 */
export function configDifferences(saved: unknown, given: unknown, prefix = ''): ConfigDifference[] {
  if (isPlainObject(saved) && isPlainObject(given)) {
    const keys = [...Object.keys(given), ...Object.keys(saved).filter((k) => !Object.hasOwn(given, k))];
    return keys.flatMap((k) => configDifferences(saved[k], given[k], prefix ? `${prefix}.${k}` : k));
  }
  return JSON.stringify(saved) === JSON.stringify(given) ? [] : [{ path: prefix || '(config)', saved, given }];
}

/** "iterations (saved 60, given 40), seed (saved 1, given 2) and 3 more": at most `max` named. */
export function describeDifferences(diffs: ConfigDifference[], max = 3): string {
  const named = diffs.slice(0, max).map((d) => `${d.path} (saved ${show(d.saved)}, given ${show(d.given)})`);
  const rest = diffs.length - named.length;
  return named.join(', ') + (rest > 0 ? ` and ${rest} more` : '');
}

function show(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
