/**
 * A kernel plan: the dense/sparse decisions that 'auto' kernels made by timing, kept so that
 * every later training run meeting the same layer at the same mask size takes the same path
 * without measuring again. Timing is noisy and the two paths agree only to ~1e-6, so without a
 * plan a resumed run, a second branch or a second trial could choose (and compute) differently.
 *
 * The trainer only sees this interface; the experiment layer stores it in the run directory
 * (experiment/kernel-plan-file.ts), tests and the browser keep it in memory.
 */
import type { KernelChoice } from './sparse-plan.ts';

/** Where decided kernel choices are kept, by plan key (see sparse-plan.ts planKey). */
export interface KernelPlanStore {
  /** The choice decided earlier under `key`, if any. */
  lookup(key: string): KernelChoice | undefined;
  /**
   * Keeps `choice` under `key` and returns the choice that holds from now on: an earlier one
   * under the same key (e.g. recorded meanwhile by another process) wins over `choice`.
   */
  record(key: string, choice: KernelChoice): KernelChoice;
}

/** A plan held in memory (one process; tests, the browser). */
export function memoryKernelPlan(entries: Record<string, KernelChoice> = {}): KernelPlanStore & { entries: Record<string, KernelChoice> } {
  return {
    entries,
    lookup: (key) => (Object.hasOwn(entries, key) ? entries[key] : undefined),
    record(key, choice) {
      if (!Object.hasOwn(entries, key)) entries[key] = choice;
      return entries[key];
    },
  };
}
