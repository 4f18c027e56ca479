/**
 * Node helpers over a run directory's file paths, for tests and tools that look at a run from
 * outside. The runner itself reads and writes through a RunStore (store/run-store.ts); these
 * paths are the file store's own layout (store/keys.ts), and the tensor encoding and checks
 * are the stores' (store/tensors.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Masks } from '../prune/masks.ts';
import type { Weights } from '../train/state.ts';
import type { BranchName } from './config.ts';
import { writeFileAtomic } from './io/atomic.ts';
import type { ExpectedShapes } from './io/tensor-check.ts';
import { type RunKey, entryPath, runKeys } from './store/keys.ts';
import { decodeEntry, encodeMasks, encodeWeights, tensorsOf } from './store/tensors.ts';

/** Paths of everything a run directory holds (see shared/DESIGN.md, "Results on disk"). */
export class RunDir {
  constructor(readonly root: string) {}
  /** The path of any entry. */
  path(key: RunKey): string {
    return join(this.root, ...entryPath(key));
  }
  get config(): string {
    return this.path(runKeys.config);
  }
  get summary(): string {
    return this.path(runKeys.summary);
  }
  get metrics(): string {
    return this.path(runKeys.metrics);
  }
  get report(): string {
    return this.path(runKeys.report('report.html'));
  }
  /** The 'auto' kernel choices decided so far (experiment/kernel-plan-file.ts). */
  get kernelPlan(): string {
    return this.path(runKeys.kernelPlan);
  }
  /** The folder of one trial in one round. */
  piece(round: number, trial: number): string {
    return join(this.root, `round-${round}`, `trial-${trial}`);
  }
  /** Weights a trial rewinds to (written after its dense round 0). */
  rewind(trial: number): string {
    return this.path(runKeys.rewind(trial));
  }
  mask(round: number, trial: number): string {
    return this.path(runKeys.mask(round, trial));
  }
  /** The mask of a branch that keeps its own chain of masks (e.g. fine-tuning). */
  branchMask(round: number, trial: number, branch: string): string {
    return this.path(runKeys.branchMask(round, trial, branch as BranchName));
  }
  finalWeights(round: number, trial: number, branch: string): string {
    return this.path(runKeys.weights(round, trial, branch as BranchName));
  }
  /** The result file of a branch; its existence marks the piece as done. */
  result(round: number, trial: number, branch: string): string {
    return this.path(runKeys.result(round, trial, branch as BranchName));
  }
}

/** Saves float weights as F32 tensors of their shapes, atomically. */
export function saveWeights(path: string, w: Weights, shapes: Record<string, readonly number[]>, metadata: Record<string, string> = {}): void {
  writeFileAtomic(path, encodeWeights(w, shapes, metadata));
}

/**
 * Loads F32 weights saved by saveWeights. With `expect` (every parameter's shape) the file must
 * hold exactly those tensors, finite: otherwise, or when it is missing or unreadable, a
 * CorruptFileError names the file and the problem.
 */
export function loadWeights(path: string, expect?: ExpectedShapes): Weights {
  return tensorsOf(decodeEntry(readIfExists(path), path), 'weights', path, expect);
}

/** Saves masks as U8 0/1 tensors (loadable by safetensors in PyTorch), atomically. */
export function saveMasks(path: string, masks: Masks, shapes: Record<string, readonly number[]>): void {
  writeFileAtomic(path, encodeMasks(masks, shapes));
}

/**
 * Loads masks saved by saveMasks. With `expect` (each prunable parameter's shape) the file must
 * hold exactly those masks, with values 0 or 1: otherwise a CorruptFileError (see loadWeights).
 */
export function loadMasks(path: string, expect?: ExpectedShapes): Masks {
  return tensorsOf(decodeEntry(readIfExists(path), path), 'mask', path, expect);
}

/** True when a file exists. */
export function exists(path: string): boolean {
  return existsSync(path);
}

function readIfExists(path: string): Uint8Array | undefined {
  return existsSync(path) ? readFileSync(path) : undefined;
}
