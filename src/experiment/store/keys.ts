/**
 * The entries of a run, named by what they are rather than where they live, and the one place
 * that lays them out as relative file names (shared/DESIGN.md, "Results on disk"): the file
 * store joins these names to its directory, the memory store uses them as map keys.
 */
import type { BranchName } from '../config.ts';

/** A JSON or text entry of the run as a whole. */
export type TextKey =
  | { kind: 'config' }
  | { kind: 'summary' }
  | { kind: 'metrics' }
  /** The 'auto' kernel choices decided so far (experiment/kernel-plan-file.ts). */
  | { kind: 'kernelPlan' }
  /** A report file: report.html or one of its SVG plots (a plain file name). */
  | { kind: 'report'; name: string };

/** A mask entry: the ticket's chain of round masks, or a branch's own mask of a round. */
export type MaskKey = { kind: 'mask'; round: number; trial: number } | { kind: 'branchMask'; round: number; trial: number; branch: BranchName };

/** A weights entry: a trial's rewind point, or the trained weights of a piece. */
export type WeightsKey = { kind: 'rewind'; trial: number } | { kind: 'pretrained'; trial: number } | { kind: 'weights'; round: number; trial: number; branch: BranchName };

/** A piece's result; its presence marks the piece as done. */
export type ResultKey = { kind: 'result'; round: number; trial: number; branch: BranchName };

/** Any entry of a run. */
export type RunKey = TextKey | MaskKey | WeightsKey | ResultKey;

/** Constructors of the keys, by the names the run directory had as paths. */
export const runKeys = {
  config: { kind: 'config' } as TextKey,
  summary: { kind: 'summary' } as TextKey,
  metrics: { kind: 'metrics' } as TextKey,
  kernelPlan: { kind: 'kernelPlan' } as TextKey,
  report: (name: string): TextKey => ({ kind: 'report', name }),
  /** The ticket's mask in round r (every branch of the round trains under or sizes by it). */
  mask: (round: number, trial: number): MaskKey => ({ kind: 'mask', round, trial }),
  /** The mask of a branch that picks its own (fine-tuning's chain, the at-init methods). */
  branchMask: (round: number, trial: number, branch: BranchName): MaskKey => ({ kind: 'branchMask', round, trial, branch }),
  /** Weights a trial rewinds to (written by its dense round-0 ticket). */
  rewind: (trial: number): WeightsKey => ({ kind: 'rewind', trial }),
  /** A trial's masked-language-model pre-trained network (config `pretrain`), written by its round-0 ticket. */
  pretrained: (trial: number): WeightsKey => ({ kind: 'pretrained', trial }),
  /** The trained weights of a piece. */
  weights: (round: number, trial: number, branch: BranchName): WeightsKey => ({ kind: 'weights', round, trial, branch }),
  result: (round: number, trial: number, branch: BranchName): ResultKey => ({ kind: 'result', round, trial, branch }),
};

const PLAIN_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** The entry's file name relative to the run's root, as path segments. */
export function entryPath(key: RunKey): string[] {
  const piece = (round: number, trial: number, file: string): string[] => [`round-${round}`, `trial-${trial}`, file];
  switch (key.kind) {
    case 'config':
      return ['config.json'];
    case 'summary':
      return ['summary.json'];
    case 'metrics':
      return ['metrics.jsonl'];
    case 'kernelPlan':
      return ['kernel-plan.json'];
    case 'report':
      // Report names are the report's own constants; a slash would leave the run's folder.
      if (!PLAIN_NAME.test(key.name)) throw new Error(`report file name '${key.name}' is not a plain file name`);
      return [key.name];
    case 'rewind':
      return [`trial-${key.trial}`, 'rewind.safetensors'];
    case 'pretrained':
      return [`trial-${key.trial}`, 'pretrained.safetensors'];
    case 'mask':
      return piece(key.round, key.trial, 'mask.safetensors');
    case 'branchMask':
      return piece(key.round, key.trial, `${key.branch}.mask.safetensors`);
    case 'weights':
      return piece(key.round, key.trial, `${key.branch}.final.safetensors`);
    case 'result':
      return piece(key.round, key.trial, `${key.branch}.json`);
  }
}

/** The entry's relative name with '/' separators (the memory store's key, a download's name). */
export function entryName(key: RunKey): string {
  return entryPath(key).join('/');
}
