/**
 * Typed registries: records of named entries (branches, pruning strategies, scorers) whose
 * lookup error names the bad key and lists the valid ones, and which describe themselves
 * (help text built from the entries, not kept by hand beside them).
 */
import { UserError } from './errors.ts';

/** An entry that can say what it does in one line. */
export interface Described {
  description: string;
}

/**
 * The entry of `registry` called `key`; anything else is a one-line UserError naming `what`,
 * the bad key and the valid keys.
 */
export function lookup<T>(registry: Readonly<Record<string, T>>, key: string, what: string): T {
  if (!Object.hasOwn(registry, key)) throw new UserError(`unknown ${what} '${key}': expected one of ${Object.keys(registry).join(', ')}`);
  return registry[key];
}

/**
 * A record of `entries` by their `name`, in list order. A name listed twice throws, naming it
 * and `what`: a second entry must not silently replace the first.
 */
export function byName<E extends { name: string }>(entries: readonly E[], what: string): Record<E['name'], E> {
  const out = {} as Record<string, E>;
  for (const e of entries) {
    if (Object.hasOwn(out, e.name)) throw new Error(`${what} '${e.name}' is registered twice`);
    out[e.name] = e;
  }
  return out as Record<E['name'], E>;
}

/** "key: description; key: description": the registry's own help line (config help, `lth config`). */
export function describeKeys(registry: Readonly<Record<string, Described>>): string {
  return Object.entries(registry).map(([k, e]) => `${k}: ${e.description}`).join('; ');
}
