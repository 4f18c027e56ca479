/**
 * The kernel plan of a run directory, `kernel-plan.json`: every dense/sparse choice that
 * `kernels: 'auto'` decided by timing, keyed by layer, shape, batch and mask size
 * (train/sparse-plan.ts planKey), with the timings that decided it. A choice is recorded (the
 * file rewritten atomically) right after its measurement, before the piece that needed it
 * trains a step; every later piece, trial and resumed run that meets the key takes the same
 * kernels instead of measuring again, so a killed and restarted run computes what an
 * uninterrupted one does, and a ticket and its controls train on the same kernels.
 */
import type { KernelPlanStore } from '../train/kernel-plan.ts';
import type { KernelChoice } from '../train/sparse-plan.ts';
import { UserError } from '../util/errors.ts';
import { readJsonIfExists, writeJsonAtomic } from './io/atomic.ts';
import { moveAside } from './io/corrupt.ts';

/** What kernel-plan.json holds. */
export interface KernelPlanJson {
  version: 1;
  entries: Record<string, KernelChoice>;
}

/**
 * The plan stored at `path` (created on the first record). A file that cannot be read back
 * as a plan is moved aside (`<path>.corrupt`, io/corrupt.ts) with one warning line, and the plan
 * starts empty: pieces already finished keep their results, later ones measure again.
 */
export function fileKernelPlan(path: string, warn: (line: string) => void = console.warn): KernelPlanStore {
  let entries = readOrSetAside(path, warn);
  return {
    lookup: (key) => (Object.hasOwn(entries, key) ? { ...entries[key] } : undefined),
    record(key, choice) {
      // Merge with what the file holds now: another process may have recorded meanwhile.
      const merged = { ...entries, ...readOrSetAside(path, warn) };
      if (!Object.hasOwn(merged, key)) merged[key] = { ...choice };
      const json: KernelPlanJson = { version: 1, entries: merged };
      writeJsonAtomic(path, json);
      entries = merged;
      return { ...merged[key] };
    },
  };
}

/** Reads and checks a plan file; throws a UserError naming the file and the bad field. */
export function readKernelPlan(path: string): Record<string, KernelChoice> {
  const raw = readJsonIfExists<unknown>(path);
  if (raw === undefined) return {};
  const bad = (what: string): UserError => new UserError(`${path}: ${what}; expected a kernel plan written by lth`);
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

// The plan at `path`, or an empty one after moving an unreadable file aside.
function readOrSetAside(path: string, warn: (line: string) => void): Record<string, KernelChoice> {
  try {
    return readKernelPlan(path);
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    warn(`lth: ${e.message}; moved it to ${moveAside(path)}, 'auto' kernels are measured again`);
    return {};
  }
}
