import { UserError } from '../util/errors.ts';

/** One field of a config record: its default, a help line, what it accepts, and a check of a given value. */
export interface Field<T> {
  help: string;
  default: T;
  /** What a valid value is, in words ("an integer in [1, 100000000]"): config and flag errors quote it. */
  expected: string;
  check(v: unknown, path: string): T;
}

/** A record schema: every field with default and help (what `lth presets` prints). */
export type Schema<T> = { [K in keyof T]: Field<T[K]> };

/** Which ends of a number range are included: `[]` both, `()` neither, `[)` the lower only, `(]` the upper only. */
export type Bounds = '[]' | '()' | '[)' | '(]';

/**
 * A value as an error message shows it: JSON, except that Infinity, -Infinity and NaN (which
 * JSON.stringify prints as null) read as themselves, and long values are cut short.
 */
export function showValue(v: unknown): string {
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v, (_k, x) => (typeof x === 'number' && !Number.isFinite(x) ? String(x) : x));
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function fail(path: string, expected: string, got: unknown): never {
  if (path === '') throw new UserError(`config: expected ${expected} at the top level (e.g. {"iterations": 1000}), got ${showValue(got)}`);
  throw new UserError(`config field '${path}': expected ${expected}, got ${showValue(got)}`);
}

/** An integer in [min, max]. */
export function int(def: number, help: string, min = 0, max = Number.MAX_SAFE_INTEGER): Field<number> {
  const expected = max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer in [${min}, ${max}]`;
  return { help, default: def, expected, check: (v, p) => (Number.isInteger(v) && (v as number) >= min && (v as number) <= max ? (v as number) : fail(p, expected, v)) };
}

/** A finite number between min and max; `bounds` says which ends are included (both by default). */
export function num(def: number, help: string, min = -Infinity, max = Infinity, bounds: Bounds = '[]'): Field<number> {
  const ok = (x: number): boolean => (bounds[0] === '[' ? x >= min : x > min) && (bounds[1] === ']' ? x <= max : x < max);
  const expected = `a number in ${bounds[0]}${min}, ${max}${bounds[1]}`;
  return { help, default: def, expected, check: (v, p) => (typeof v === 'number' && Number.isFinite(v) && ok(v) ? v : fail(p, expected, v)) };
}

/** A string, optionally one of a fixed list. */
export function str<T extends string>(def: T, help: string, oneOf?: readonly T[]): Field<T> {
  const expected = oneOf ? `one of ${oneOf.join(', ')}` : 'a string';
  return {
    help,
    default: def,
    expected,
    check: (v, p) => {
      if (typeof v !== 'string') return fail(p, expected, v);
      if (oneOf && !oneOf.includes(v as T)) return fail(p, expected, v);
      return v as T;
    },
  };
}

// A name that is one path segment: it cannot climb out of (or into a subfolder of) runs/.
const SEGMENT = /^[A-Za-z0-9._-]+$/;

/** A string that is safe as one path segment: letters, digits, '-', '_', '.', and not '.' or '..'. */
export function segment(def: string, help: string): Field<string> {
  const expected = "a name of letters, digits, '-', '_' and '.' (one path segment, not '.' or '..')";
  return { help, default: def, expected, check: (v, p) => (typeof v === 'string' && SEGMENT.test(v) && v !== '.' && v !== '..' ? v : fail(p, expected, v)) };
}

/** A boolean. */
export function bool(def: boolean, help: string): Field<boolean> {
  return { help, default: def, expected: 'true or false', check: (v, p) => (typeof v === 'boolean' ? v : fail(p, 'true or false', v)) };
}

/** A list of distinct strings, each one of `oneOf`, at least one; a repeated entry is an error. */
export function strList<T extends string>(def: T[], help: string, oneOf: readonly T[]): Field<T[]> {
  const expected = `a non-empty list of distinct names from ${oneOf.join(', ')}`;
  return {
    help,
    default: def,
    expected,
    check: (v, p) => {
      if (!Array.isArray(v) || v.length === 0) return fail(p, expected, v);
      v.forEach((x, i) => {
        if (typeof x !== 'string' || !oneOf.includes(x as T)) fail(`${p}[${i}]`, `one of ${oneOf.join(', ')}`, x);
        const first = v.indexOf(x);
        if (first < i) throw new UserError(`config field '${p}[${i}]': ${showValue(x)} is listed twice (also at ${p}[${first}]); list each once`);
      });
      return [...(v as T[])];
    },
  };
}

/** A strictly ascending list of integers in [min, max], possibly empty (learning-rate milestones). */
export function intList(def: number[], help: string, min = 0, max = Number.MAX_SAFE_INTEGER): Field<number[]> {
  const expected = `a list of ascending integers in [${min}, ${max}]`;
  return {
    help,
    default: def,
    expected,
    check: (v, p) => {
      if (!Array.isArray(v)) return fail(p, expected, v);
      v.forEach((x, i) => (Number.isInteger(x) && x >= min && x <= max && (i === 0 || x > v[i - 1]) ? x : fail(`${p}[${i}]`, `an integer in [${min}, ${max}], above the previous entry`, x)));
      return [...(v as number[])];
    },
  };
}

/** One of a fixed set of JSON scalars (true, false, 'feature', ...). */
export function oneOf<T extends string | boolean>(def: T, help: string, values: readonly T[]): Field<T> {
  const expected = `one of ${values.map((x) => JSON.stringify(x)).join(', ')}`;
  return { help, default: def, expected, check: (v, p) => (values.includes(v as T) ? (v as T) : fail(p, expected, v)) };
}

/**
 * A map from names to numbers in [min, max) (per-layer pruning rates). The names are checked
 * where they meet a model (prune/rates.ts resolveRates): only the model knows its layers.
 */
export function numMap(def: Record<string, number>, help: string, min: number, max: number): Field<Record<string, number>> {
  const expected = `an object of name: number in [${min}, ${max})`;
  return {
    help,
    default: def,
    expected,
    check: (v, p) => {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail(p, expected, v);
      const out: Record<string, number> = {};
      for (const [k, x] of Object.entries(v)) {
        if (typeof x !== 'number' || !(x >= min && x < max)) fail(`${p}.${k}`, `a number in [${min}, ${max})`, x);
        out[k] = x as number;
      }
      return out;
    },
  };
}

/** A nested record. */
export function record<T>(schema: Schema<T>, help: string): Field<T> & { schema: Schema<T> } {
  return { help, default: defaults(schema), expected: 'an object', check: (v, p) => validate(schema, v, p), schema };
}

/** Every field at its default. */
export function defaults<T>(schema: Schema<T>): T {
  const out: Record<string, unknown> = {};
  for (const [k, f] of Object.entries(schema) as [string, Field<unknown>][]) out[k] = structuredClone(f.default);
  return out as T;
}

/**
 * Checks a parsed JSON value against a schema: unknown keys and bad values are UserErrors
 * naming the field path, missing keys take their defaults. Returns the resolved record.
 */
export function validate<T>(schema: Schema<T>, value: unknown, path = ''): T {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(path, 'an object', value);
  const obj = value as Record<string, unknown>;
  for (const k of Object.keys(obj)) {
    if (!Object.hasOwn(schema, k)) {
      throw new UserError(`config: unknown field '${path ? `${path}.` : ''}${k}' (valid: ${Object.keys(schema).join(', ')})`);
    }
  }
  const out: Record<string, unknown> = {};
  for (const [k, f] of Object.entries(schema) as [string, Field<unknown>][]) {
    const p = path ? `${path}.${k}` : k;
    out[k] = Object.hasOwn(obj, k) ? f.check(obj[k], p) : structuredClone(f.default);
  }
  return out as T;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Deep merge of plain objects (b wins); arrays and scalars are replaced. An object merged onto a
 * value that is not an object (a file's `"pruning": 5` under `--rounds`, or a top-level list) is
 * a UserError naming the field: replacing it would hide the bad value from validation.
 */
export function merge(a: unknown, b: unknown, path = ''): unknown {
  if (!isPlainObject(b)) return b;
  if (!isPlainObject(a)) {
    if (a === undefined) return b;
    return fail(path, 'an object', a);
  }
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = Object.hasOwn(out, k) ? merge(out[k], v, path ? `${path}.${k}` : k) : v;
  return out;
}
