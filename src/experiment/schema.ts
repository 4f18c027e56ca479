import { UserError } from '../util/errors.ts';

/** One field of a config record: its default, a help line, and a check of a given value. */
export interface Field<T> {
  help: string;
  default: T;
  check(v: unknown, path: string): T;
}

/** A record schema: every field with default and help (what `lth presets` prints). */
export type Schema<T> = { [K in keyof T]: Field<T[K]> };

function fail(path: string, expected: string, got: unknown): never {
  throw new UserError(`config field '${path}': expected ${expected}, got ${JSON.stringify(got)}`);
}

/** An integer in [min, max]. */
export function int(def: number, help: string, min = 0, max = Number.MAX_SAFE_INTEGER): Field<number> {
  return { help, default: def, check: (v, p) => (Number.isInteger(v) && (v as number) >= min && (v as number) <= max ? (v as number) : fail(p, `an integer in [${min}, ${max}]`, v)) };
}

/** A finite number in [min, max] (exclusive bounds when open). */
export function num(def: number, help: string, min = -Infinity, max = Infinity, open = false): Field<number> {
  const ok = (x: number): boolean => (open ? x > min && x < max : x >= min && x <= max);
  const range = open ? `(${min}, ${max})` : `[${min}, ${max}]`;
  return { help, default: def, check: (v, p) => (typeof v === 'number' && Number.isFinite(v) && ok(v) ? v : fail(p, `a number in ${range}`, v)) };
}

/** A string, optionally one of a fixed list. */
export function str<T extends string>(def: T, help: string, oneOf?: readonly T[]): Field<T> {
  return {
    help,
    default: def,
    check: (v, p) => {
      if (typeof v !== 'string') return fail(p, 'a string', v);
      if (oneOf && !oneOf.includes(v as T)) return fail(p, `one of ${oneOf.join(', ')}`, v);
      return v as T;
    },
  };
}

/** A boolean. */
export function bool(def: boolean, help: string): Field<boolean> {
  return { help, default: def, check: (v, p) => (typeof v === 'boolean' ? v : fail(p, 'true or false', v)) };
}

/** A list of strings, each one of `oneOf`, at least one. */
export function strList<T extends string>(def: T[], help: string, oneOf: readonly T[]): Field<T[]> {
  return {
    help,
    default: def,
    check: (v, p) => {
      if (!Array.isArray(v) || v.length === 0) return fail(p, `a non-empty list of ${oneOf.join(', ')}`, v);
      v.forEach((x, i) => (typeof x === 'string' && oneOf.includes(x as T) ? x : fail(`${p}[${i}]`, `one of ${oneOf.join(', ')}`, x)));
      return [...new Set(v as T[])];
    },
  };
}

/** A strictly ascending list of integers >= min, possibly empty (learning-rate milestones). */
export function intList(def: number[], help: string, min = 0): Field<number[]> {
  return {
    help,
    default: def,
    check: (v, p) => {
      if (!Array.isArray(v)) return fail(p, `a list of ascending integers >= ${min}`, v);
      v.forEach((x, i) => (Number.isInteger(x) && x >= min && (i === 0 || x > v[i - 1]) ? x : fail(`${p}[${i}]`, `an integer >= ${min}, above the previous entry`, x)));
      return [...(v as number[])];
    },
  };
}

/** One of a fixed set of JSON scalars (true, false, 'feature', ...). */
export function oneOf<T extends string | boolean>(def: T, help: string, values: readonly T[]): Field<T> {
  return { help, default: def, check: (v, p) => (values.includes(v as T) ? (v as T) : fail(p, `one of ${values.map((x) => JSON.stringify(x)).join(', ')}`, v)) };
}

/** A map from names to numbers in [min, max) (per-layer pruning rates). */
export function numMap(def: Record<string, number>, help: string, min: number, max: number): Field<Record<string, number>> {
  return {
    help,
    default: def,
    check: (v, p) => {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail(p, 'an object of name: number', v);
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
  return { help, default: defaults(schema), check: (v, p) => validate(schema, v, p), schema };
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
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(path || '(top level)', 'an object', value);
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

/** Deep merge of plain objects (b wins); arrays and scalars are replaced. */
export function merge(a: unknown, b: unknown): unknown {
  if (typeof a !== 'object' || a === null || Array.isArray(a) || typeof b !== 'object' || b === null || Array.isArray(b)) return b;
  const out: Record<string, unknown> = { ...(a as Record<string, unknown>) };
  for (const [k, v] of Object.entries(b)) out[k] = Object.hasOwn(out, k) ? merge(out[k], v) : v;
  return out;
}
