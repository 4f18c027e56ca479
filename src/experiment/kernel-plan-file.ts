/**
 * A kernel plan file at any path (Node; tools and tests). Runs keep theirs in the run store
 * (kernel-plan-store.ts runKernelPlan), which is this file's format at `kernel-plan.json`.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { KernelPlanStore } from '../train/kernel-plan.ts';
import type { KernelChoice } from '../train/sparse-plan.ts';
import { writeFileAtomic } from './io/atomic.ts';
import { withFileLock } from './io/file-lock.ts';
import { moveAside } from './io/move-aside.ts';
import { entryKernelPlan, parseKernelPlan } from './kernel-plan-store.ts';

export type { KernelPlanJson } from './kernel-plan-store.ts';

/**
 * The plan stored at `path` (created on the first record). A file that cannot be read back
 * as a plan is moved aside (`<path>.corrupt`) with one warning line, and the plan starts empty.
 */
export function fileKernelPlan(path: string, warn: (line: string) => void = console.warn): KernelPlanStore {
  return entryKernelPlan({ where: path, read: () => readText(path), write: (t) => writeFileAtomic(path, t), setAside: () => moveAside(path), exclusive: (fn) => withFileLock(path, fn) }, warn);
}

/** Reads and checks a plan file; throws a UserError naming the file and the bad field. */
export function readKernelPlan(path: string): Record<string, KernelChoice> {
  return parseKernelPlan(readText(path), path);
}

function readText(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
}
