/**
 * The kernel plan of a run, `kernel-plan.json`: every dense/sparse choice that
 * `kernels: 'auto'` decided by timing, keyed by layer, shape, batch and mask size
 * (train/sparse-plan.ts planKey), with the timings that decided it. A choice is recorded (the
 * entry rewritten whole) right after its measurement, before the piece that needed it trains a
 * step; every later piece, trial, resumed run and other process sharing the run that meets the
 * key takes the same kernels instead of measuring again, so a killed and restarted run computes
 * what an uninterrupted one does, and a ticket and its controls train on the same kernels.
 */
import type { KernelPlanStore } from '../train/kernel-plan.ts';
import type { KernelChoice } from '../train/sparse-plan.ts';
import { UserError } from '../util/errors.ts';
import { runKeys } from './store/keys.ts';
import type { RunStore } from './store/run-store.ts';

/** What kernel-plan.json holds. */
export interface KernelPlanJson {
  version: 1;
  entries: Record<string, KernelChoice>;
}

/** Where one plan lives: its text, and setting a bad one aside. */
export interface PlanEntry {
  /** The plan's location, for messages. */
  where: string;
  read(): string | undefined;
  /** Replaces the plan whole (atomically). */
  write(text: string): void;
  /** Moves a bad plan aside; returns where it went. */
  setAside(): string;
  /** Runs a read-modify-write of the plan with no other writer sharing it running one. */
  exclusive<T>(fn: () => T): T;
}

/**
 * The plan kept in `entry` (created on the first record). A plan that cannot be read back is
 * set aside with one warning line and the plan starts empty: pieces already finished keep their
 * results, later ones measure again.
 */
export function entryKernelPlan(entry: PlanEntry, warn: (line: string) => void = console.warn): KernelPlanStore {
  let entries = readOrSetAside(entry, warn);
  return {
    lookup: (key) => (Object.hasOwn(entries, key) ? { ...entries[key] } : undefined),
    record(key, choice) {
      // Merge with what the entry holds now: another process may have recorded meanwhile (the
      // first decision under a key wins); exclusive, so no writer drops another's entries.
      entries = entry.exclusive(() => {
        const merged = { ...entries, ...readOrSetAside(entry, warn) };
        if (!Object.hasOwn(merged, key)) merged[key] = { ...choice };
        const json: KernelPlanJson = { version: 1, entries: merged };
        entry.write(JSON.stringify(json, null, 2) + '\n');
        return merged;
      });
      return { ...entries[key] };
    },
  };
}

/** The kernel plan of the run in `store` (its kernel-plan.json on disk). */
export function runKernelPlan(store: RunStore, warn?: (line: string) => void): KernelPlanStore {
  const key = runKeys.kernelPlan;
  return entryKernelPlan({ where: store.where(key), read: () => store.getText(key), write: (t) => store.putText(key, t), setAside: () => store.quarantine(key), exclusive: (fn) => store.exclusive(key, fn) }, warn);
}

/** Checks a plan's text (undefined: no plan yet); throws a UserError naming `where` and the bad field. */
export function parseKernelPlan(text: string | undefined, where: string): Record<string, KernelChoice> {
  if (text === undefined) return {};
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new UserError(`${where}: invalid JSON (${(e as Error).message})`);
  }
  const bad = (what: string): UserError => new UserError(`${where}: ${what}; expected a kernel plan written by lth`);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw bad('not a JSON object');
  const { version, entries } = raw as Partial<KernelPlanJson>;
  if (version !== 1) throw bad(`version is ${JSON.stringify(version)}, not 1`);
  if (typeof entries !== 'object' || entries === null || Array.isArray(entries)) throw bad("'entries' is not an object");
  const out: Record<string, KernelChoice> = {};
  for (const [key, e] of Object.entries(entries as Record<string, unknown>)) {
    const c = e as Partial<KernelChoice> | null;
    const ms = (v: unknown) => v === null || (typeof v === 'number' && Number.isFinite(v) && v >= 0);
    const ok =
      typeof c === 'object' && c !== null && (c.path === 'dense' || c.path === 'sparse') &&
      typeof c.density === 'number' && c.density >= 0 && c.density <= 1 && ms(c.denseMs) && ms(c.sparseMs);
    if (!ok) throw bad(`entry '${key}' is not {path: dense|sparse, density in [0, 1], denseMs, sparseMs}`);
    out[key] = { path: c.path!, density: c.density!, denseMs: c.denseMs!, sparseMs: c.sparseMs! };
  }
  return out;
}

// The plan in `entry`, or an empty one after setting an unreadable one aside.
function readOrSetAside(entry: PlanEntry, warn: (line: string) => void): Record<string, KernelChoice> {
  try {
    return parseKernelPlan(entry.read(), entry.where);
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    warn(`lth: ${e.message}; moved it to ${entry.setAside()}, 'auto' kernels are measured again`);
    return {};
  }
}
