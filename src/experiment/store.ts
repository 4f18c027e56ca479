import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Weights } from '../train/state.ts';
import type { Masks } from '../prune/masks.ts';
import { loadSafetensors, saveSafetensors } from './io/safetensors-file.ts';
import type { SafeTensor, SafetensorsFile } from './io/safetensors.ts';
import { CorruptFileError } from './io/corrupt.ts';
import { type ExpectedShapes, tensorProblem } from './io/tensor-check.ts';
import { UserError } from '../util/errors.ts';

/** Paths of everything a run directory holds (see shared/DESIGN.md, "Results on disk"). */
export class RunDir {
  constructor(readonly root: string) {}
  get config(): string {
    return join(this.root, 'config.json');
  }
  get summary(): string {
    return join(this.root, 'summary.json');
  }
  get metrics(): string {
    return join(this.root, 'metrics.jsonl');
  }
  get report(): string {
    return join(this.root, 'report.html');
  }
  /** The 'auto' kernel choices decided so far (experiment/kernel-plan-file.ts). */
  get kernelPlan(): string {
    return join(this.root, 'kernel-plan.json');
  }
  /** The folder of one trial in one round. */
  piece(round: number, trial: number): string {
    return join(this.root, `round-${round}`, `trial-${trial}`);
  }
  /** Weights a trial rewinds to (written after its dense round 0). */
  rewind(trial: number): string {
    return join(this.root, `trial-${trial}`, 'rewind.safetensors');
  }
  mask(round: number, trial: number): string {
    return join(this.piece(round, trial), 'mask.safetensors');
  }
  /** The mask of a branch that keeps its own chain of masks (e.g. fine-tuning). */
  branchMask(round: number, trial: number, branch: string): string {
    return join(this.piece(round, trial), `${branch}.mask.safetensors`);
  }
  finalWeights(round: number, trial: number, branch: string): string {
    return join(this.piece(round, trial), `${branch}.final.safetensors`);
  }
  /** The result file of a branch; its existence marks the piece as done. */
  result(round: number, trial: number, branch: string): string {
    return join(this.piece(round, trial), `${branch}.json`);
  }
}

/** Saves float weights as F32 tensors of their flat length (shapes go in the metadata-free header). */
export function saveWeights(path: string, w: Weights, shapes: Record<string, readonly number[]>, metadata: Record<string, string> = {}): void {
  const tensors: Record<string, SafeTensor> = {};
  for (const [name, data] of Object.entries(w)) tensors[name] = { dtype: 'F32', shape: [...(shapes[name] ?? [data.length])], data };
  saveSafetensors(path, tensors, metadata);
}

/**
 * Loads F32 weights saved by saveWeights. With `expect` (every parameter's shape) the file must
 * hold exactly those tensors, finite: otherwise, or when it is missing or unreadable, a
 * CorruptFileError names the file and the problem.
 */
export function loadWeights(path: string, expect?: ExpectedShapes): Weights {
  const f = expect === undefined ? loadSafetensors(path) : loadChecked(path, expect, 'weights');
  const out: Weights = {};
  for (const [name, t] of Object.entries(f.tensors)) out[name] = t.data as Float32Array;
  return out;
}

/** Saves masks as U8 0/1 tensors (loadable by safetensors in PyTorch). */
export function saveMasks(path: string, masks: Masks, shapes: Record<string, readonly number[]>): void {
  const tensors: Record<string, SafeTensor> = {};
  for (const [name, data] of Object.entries(masks)) tensors[name] = { dtype: 'U8', shape: [...(shapes[name] ?? [data.length])], data };
  saveSafetensors(path, tensors);
}

/**
 * Loads masks saved by saveMasks. With `expect` (each prunable parameter's shape) the file must
 * hold exactly those masks, with values 0 or 1: otherwise a CorruptFileError (see loadWeights).
 */
export function loadMasks(path: string, expect?: ExpectedShapes): Masks {
  const f = expect === undefined ? loadSafetensors(path) : loadChecked(path, expect, 'mask');
  const out: Masks = {};
  for (const [name, t] of Object.entries(f.tensors)) out[name] = t.data as Uint8Array;
  return out;
}

// Reads and validates a run file; every failure becomes a CorruptFileError naming it.
function loadChecked(path: string, expect: ExpectedShapes, kind: 'mask' | 'weights'): SafetensorsFile {
  if (!existsSync(path)) throw new CorruptFileError(path, 'missing', true);
  let f: SafetensorsFile;
  try {
    f = loadSafetensors(path);
  } catch (e) {
    if (e instanceof UserError) throw new CorruptFileError(path, e.message.startsWith(`${path}: `) ? e.message.slice(path.length + 2) : e.message);
    throw e;
  }
  const problem = tensorProblem(f, expect, kind);
  if (problem !== undefined) throw new CorruptFileError(path, problem);
  return f;
}

/** True when a file exists. */
export function exists(path: string): boolean {
  return existsSync(path);
}
