import { parseArgs } from 'node:util';
import type { Field } from '../experiment/schema.ts';
import { UserError } from '../util/errors.ts';

/** One flag: its node:util parseArgs form, a one-line meaning and the value's placeholder (`lth <command> --help`). */
export interface FlagSpec {
  type: 'string' | 'boolean';
  short?: string;
  default?: string | boolean;
  /** What the flag does, one line. */
  help?: string;
  /** The placeholder of its value in help (N, DIR, ...). */
  arg?: string;
}

/** Option declarations: parseArgs form plus help. */
export type OptionSpec = Record<string, FlagSpec>;

/** Parses a subcommand's argv strictly: unknown flags are a UserError naming the flag. */
export function parse(cmd: string, argv: string[], options: OptionSpec): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  // parseArgs takes only its own keys: drop the help text
  const plain = Object.fromEntries(Object.entries(options).map(([k, { type, short, default: d }]) => [k, { type, ...(short ? { short } : {}), ...(d !== undefined ? { default: d } : {}) }]));
  try {
    const r = parseArgs({ args: argv, options: plain, allowPositionals: true, strict: true });
    return { values: r.values as Record<string, string | boolean | undefined>, positionals: r.positionals };
  } catch (e) {
    const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new UserError(`lth ${cmd}: ${msg} (see 'lth ${cmd} --help')`);
  }
}

/** Reads an integer flag; a non-integer or out-of-range value is a UserError naming it. */
export function intFlag(values: Record<string, string | boolean | undefined>, name: string, fallback: number, min = 0): number {
  const v = values[name];
  if (v === undefined) return fallback;
  const s = String(v).trim();
  if (!/^[+-]?\d+$/.test(s)) throw new UserError(`--${name}: expected an integer, got '${v}'`);
  const n = Number(s);
  if (n < min) throw new UserError(`--${name}: expected an integer >= ${min}, got ${n}`);
  if (!Number.isSafeInteger(n)) throw new UserError(`--${name}: expected an integer below 2^53, got ${s}`);
  return n;
}

/** Reads a number flag; a non-numeric value is a UserError naming it. */
export function numFlag(values: Record<string, string | boolean | undefined>, name: string, fallback: number): number {
  const v = values[name];
  if (v === undefined) return fallback;
  const n = Number(String(v).trim());
  if (String(v).trim() === '' || !Number.isFinite(n)) throw new UserError(`--${name}: expected a number, got '${v}'`);
  return n;
}

// A flag's text as the JSON value a config field checks: numbers for number fields, a
// comma-separated list for list fields, true/false for fields that take booleans, else the string.
function flagValue(s: string, def: unknown): unknown {
  const number = (x: string): number => (x.trim() === '' ? NaN : Number(x));
  if (typeof def === 'number') return number(s);
  if (Array.isArray(def)) return s === '' ? [] : s.split(',').map(number);
  if (typeof def === 'boolean' && (s === 'true' || s === 'false')) return s === 'true';
  return s;
}

/**
 * Reads a flag whose value a config schema field checks, so that the flag and the config file
 * accept the same values (`--dropout` and `dropout` both in [0, 1)). A bad value is a UserError
 * naming the flag and the field's range. A missing flag gives `fallback`.
 */
export function fieldFlag<T>(values: Record<string, string | boolean | undefined>, name: string, field: Field<T>, fallback: T = field.default): T {
  const v = values[name];
  if (v === undefined) return fallback;
  try {
    return field.check(flagValue(String(v).trim(), field.default), `--${name}`);
  } catch (e) {
    if (e instanceof UserError) throw new UserError(`--${name}: expected ${field.expected}, got '${v}'`);
    throw e;
  }
}

/** A string flag described by a config schema field: its help line and range. */
export function fieldOption(field: Field<unknown>, arg: string, help = field.help): FlagSpec {
  return { type: 'string', arg, help: `${help}; ${field.expected}` };
}
