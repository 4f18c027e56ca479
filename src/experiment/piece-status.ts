/**
 * Which pieces of a run are done, which files each one writes for later pieces, and which
 * pieces cannot run because one they build on diverged. The runner decides what to (re)compute
 * from these; nothing here trains.
 */
import { branchesOf } from './branches/registry.ts';
import type { ExperimentConfig } from './config.ts';
import type { PieceId } from './piece-schema.ts';
import type { RunDir } from './store.ts';

export type { PieceId } from './piece-schema.ts';

/** A piece's key in maps and sets: "round/trial/branch". */
export function pieceKey(id: PieceId): string {
  return `${id.round}/${id.trial}/${id.branch}`;
}

/** Every piece of a config, in the order the runner visits them (round, trial, branch). */
export function allPieces(cfg: ExperimentConfig): PieceId[] {
  const out: PieceId[] = [];
  for (let round = 0; round <= cfg.pruning.rounds; round++) {
    for (let trial = 0; trial < cfg.trials; trial++) {
      for (const branch of branchesOf(cfg, round)) out.push({ round, trial, branch });
    }
  }
  return out;
}

/**
 * The pieces whose outputs `id` reads: every branch of round r > 0 uses the mask pruned from
 * round r-1's trained ticket; round 0's other branches start from the ticket's rewind point;
 * fine-tuning continues its own previous round.
 */
export function upstreamOf(id: PieceId): PieceId[] {
  const { round, trial, branch } = id;
  const up: PieceId[] = [];
  if (round > 0) up.push({ round: round - 1, trial, branch: 'ticket' });
  else if (branch !== 'ticket') up.push({ round: 0, trial, branch: 'ticket' });
  if (branch === 'fineTune' && round > 1) up.push({ round: round - 1, trial, branch: 'fineTune' });
  return up;
}

/** The files a piece writes that later pieces read back (besides its result). */
export function outputsOf(dir: RunDir, id: PieceId): string[] {
  const { round, trial, branch } = id;
  if (branch === 'ticket') return round === 0 ? [dir.finalWeights(0, trial, 'ticket'), dir.rewind(trial)] : [dir.finalWeights(round, trial, 'ticket')];
  if (branch === 'fineTune') return [dir.branchMask(round, trial, 'fineTune'), dir.finalWeights(round, trial, 'fineTune')];
  return [];
}

/** The piece that writes `path`, if a piece does (round masks are the runner's own). */
export function producerOf(cfg: ExperimentConfig, dir: RunDir, path: string): PieceId | undefined {
  return allPieces(cfg).find((id) => outputsOf(dir, id).includes(path));
}

/**
 * The pieces that cannot run because a piece in `diverged` (keys) is upstream of them,
 * directly or through other such pieces: nothing trains from, or prunes, NaN weights.
 */
export function blockedBy(cfg: ExperimentConfig, diverged: ReadonlySet<string>): Set<string> {
  const blocked = new Set<string>();
  for (const id of allPieces(cfg)) {
    if (upstreamOf(id).some((u) => diverged.has(pieceKey(u)) || blocked.has(pieceKey(u)))) blocked.add(pieceKey(id));
  }
  return blocked;
}
