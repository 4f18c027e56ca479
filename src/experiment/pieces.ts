import type { LoadOptions } from '../data/registry.ts';
import { type Masks, countOnes } from '../prune/masks.ts';
import { type Scores, magnitudeScores } from '../prune/magnitude.ts';
import { pruneSchedules } from '../prune/schedules.ts';
import { pruneStrategies } from '../prune/strategies.ts';
import type { Weights } from '../train/state.ts';
import type { EvalRecord } from '../train/trainer.ts';
import type { KernelChoice } from '../train/sparse-plan.ts';
import { lookup } from '../util/registry.ts';
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
  /**
   * Set when training diverged (a non-finite loss) and stopped there; the summary leaves the
   * piece out of its means. `loss` is text because JSON has no NaN or Infinity.
   */
  diverged?: { iteration: number; loss: string };
}

/**
 * How a run loads its dataset: normalised as configured, with the validation split drawn from
 * the base seed (`valSplit: 'seeded'`, the default) or the loader's fixed split. The base seed,
 * not a trial's: the run loads one dataset, and its trials differ in init, masks and batch order.
 */
export function datasetOptions(cfg: ExperimentConfig): LoadOptions {
  return { normalize: cfg.normalize, splitSeed: cfg.valSplit === 'seeded' ? cfg.seed : undefined, text: { seqLen: cfg.text.seqLen, vocabSize: cfg.text.vocabSize } };
}

/** The seed of trial t. */
export function trialSeed(cfg: ExperimentConfig, trial: number): number {
  return cfg.seed + trial;
}

/**
 * Per-purpose generators of a trial; each piece draws from a fresh one, so resuming is exact.
 *
 * The batch order (`data`) depends on the round but not on the branch (config `dataOrder:
 * 'perRound'`, the default): the branches of a round see the same batches (common random
 * numbers for a ticket against its controls), while rounds draw independent orders, so the
 * noise in one round's early-stop iteration is not repeated in the next. With late rewinding a
 * pruned round starts from round 0's weights at iteration k and trains on batches k+1.. of its
 * own order (Batcher.seek). Derived orders follow the round: the instability branch's second
 * copy splits the round's order, fine-tuning and the at-init branches start it at batch 1.
 * `dataOrder: 'fixed'` keeps one order for every round (the behaviour before the option).
 */
export function trialRngs(cfg: ExperimentConfig, trial: number, round: number, branch: BranchName) {
  const base = new Rng(trialSeed(cfg, trial));
  return {
    init: base.split('init'),
    reinit: base.split(`reinit/${round}`),
    randomMask: base.split(`randomPrune/${round}`),
    data: cfg.dataOrder === 'fixed' ? base.split('data') : base.split(`data/${round}`),
    dropout: base.split(`dropout/${round}/${branch}`),
  };
}

/**
 * The ticket mask of round r, by the config's schedule (prune/schedules.ts). Iterative: prune
 * round r-1's mask by the magnitudes of round r-1's trained ticket. One-shot: prune the dense
 * network's trained weights straight to the size that r iterative rounds would reach.
 */
export function nextMask(cfg: ExperimentConfig, round: number, prev: Masks, trained: Weights, denseTrained: Weights, rates: Record<string, number>): Masks {
  const { base, source, steps } = lookup(pruneSchedules, cfg.pruning.schedule, 'pruning schedule').plan(round, prev, trained, denseTrained);
  return pruneStep(cfg, magnitudeScores(source, base), base, rates, steps);
}

/**
 * One pruning step at the config's rates by its strategy (prune/strategies.ts), or `steps`
 * rounds' worth of them at once (1 - (1 - rate)^steps) for one-shot pruning. Layers at rate 0
 * are never pruned.
 */
export function pruneStep(cfg: ExperimentConfig, scores: Scores, mask: Masks, rates: Record<string, number>, steps = 1): Masks {
  const perLayer: Record<string, number> = {};
  let global: number;
  if (cfg.pruning.rateOf === 'original') {
    // `steps` times the rate of the original count, as a share of what survives (at most all of it).
    const share = (rate: number, kept: number, total: number): number => (kept === 0 ? 0 : Math.min(1, (rate * steps * total) / kept));
    let kept = 0;
    let total = 0;
    for (const [k, r] of Object.entries(rates)) {
      const m = mask[k];
      const on = m === undefined ? 0 : countOnes(m);
      const n = m === undefined ? 0 : m.length;
      perLayer[k] = r > 0 ? share(r, on, n) : 0;
      if (r > 0) {
        kept += on;
        total += n;
      }
    }
    global = share(cfg.pruning.rate, kept, total);
  } else {
    const compound = (rate: number): number => 1 - (1 - rate) ** steps;
    for (const [k, r] of Object.entries(rates)) perLayer[k] = compound(r);
    global = compound(cfg.pruning.rate);
  }
  return lookup(pruneStrategies, cfg.pruning.strategy, 'pruning strategy').prune(scores, mask, { perLayer, global });
}
