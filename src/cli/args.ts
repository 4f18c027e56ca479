import { parseArgs } from 'node:util';
import { UserError } from '../util/errors.ts';

/** Option declarations in node:util parseArgs form. */
export type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string; default?: string | boolean }>;

/** Parses a subcommand's argv strictly: unknown flags are a UserError naming the flag. */
export function parse(cmd: string, argv: string[], options: OptionSpec): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    const r = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: r.values as Record<string, string | boolean | undefined>, positionals: r.positionals };
  } catch (e) {
    const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new UserError(`lth ${cmd}: ${msg} (see 'lth help')`);
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
