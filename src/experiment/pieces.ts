import type { Masks } from '../prune/masks.ts';
import { fullMasks } from '../prune/masks.ts';
import { type Scores, magnitudeScores, pruneGlobal, pruneLayerwise } from '../prune/magnitude.ts';
import type { Weights } from '../train/state.ts';
import type { EvalRecord } from '../train/trainer.ts';
import type { KernelChoice } from '../train/sparse-plan.ts';
import { Rng } from '../util/rng.ts';
import type { BranchName, ExperimentConfig } from './config.ts';

/** What one branch of one round of one trial produced (the piece's result file). */
export interface PieceResult {
  round: number;
  trial: number;
  seed: number;
  branch: BranchName;
  weightsRemaining: number;
  earlyStopIteration: number;
  testAccuracyAtEarlyStop: number;
  valLossAtEarlyStop: number;
  finalTestAccuracy: number;
  wallSeconds: number;
  stepsPerSecond: number;
  evals: EvalRecord[];
  /** The dense or sparse kernels each Linear and Conv2d layer trained on, with the timings that decided. */
  kernels: Record<string, KernelChoice>;
  /** Branch-specific results (e.g. the instability barrier). */
  extras?: Record<string, unknown>;
}

/** The seed of trial t. */
export function trialSeed(cfg: ExperimentConfig, trial: number): number {
  return cfg.seed + trial;
}

/** Per-purpose generators of a trial; each piece draws from a fresh one, so resuming is exact. */
export function trialRngs(cfg: ExperimentConfig, trial: number, round: number, branch: BranchName) {
  const base = new Rng(trialSeed(cfg, trial));
  return {
    init: base.split('init'),
    reinit: base.split(`reinit/${round}`),
    randomMask: base.split(`randomPrune/${round}`),
    data: base.split('data'),
    dropout: base.split(`dropout/${round}/${branch}`),
  };
}

/**
 * The ticket mask of round r. Iterative: prune round r-1's mask by the magnitudes of round
 * r-1's trained ticket. One-shot: prune the dense network's trained weights straight to the
 * size that r iterative rounds would reach.
 */
export function nextMask(cfg: ExperimentConfig, round: number, prev: Masks, trained: Weights, denseTrained: Weights, rates: Record<string, number>): Masks {
  const oneShot = cfg.pruning.schedule === 'oneShot';
  const base = oneShot ? fullMasks(Object.fromEntries(Object.entries(prev).map(([k, m]) => [k, m.length]))) : prev;
  const source = oneShot ? denseTrained : trained;
  return pruneStep(cfg, magnitudeScores(source, base), base, rates, oneShot ? round : 1);
}

/**
 * One pruning step at the config's rates (global or layer-wise), or `steps` rounds' worth of
 * them at once (1 - (1 - rate)^steps) for one-shot pruning. Layers at rate 0 are never pruned.
 */
export function pruneStep(cfg: ExperimentConfig, scores: Scores, mask: Masks, rates: Record<string, number>, steps = 1): Masks {
  const compound = (rate: number): number => 1 - (1 - rate) ** steps;
  if (cfg.pruning.strategy === 'global') return pruneGlobal(scores, mask, compound(cfg.pruning.rate), (name) => (rates[name] ?? 1) > 0);
  const eff: Record<string, number> = {};
  for (const [k, r] of Object.entries(rates)) eff[k] = compound(r);
  return pruneLayerwise(scores, mask, eff);
}
