import type { Backend } from '../../backend/backend.ts';
import type { Dataset } from '../../data/dataset.ts';
import { initParameters } from '../../nn/module.ts';
import type { Optimizer } from '../../optim/optimizer.ts';
import { lrSchedule } from '../../optim/schedule.ts';
import { applyMasks } from '../../prune/apply.ts';
import { type Masks, density, fullMasksLike } from '../../prune/masks.ts';
import { magnitudeScores } from '../../prune/magnitude.ts';
import type { KernelPlanStore } from '../../train/kernel-plan.ts';
import type { Network } from '../../train/setup.ts';
import { type Weights, restoreWeights } from '../../train/state.ts';
import { type TrainOptions, type TrainResult, train } from '../../train/trainer.ts';
import type { Rng } from '../../util/rng.ts';
import type { BranchName, ExperimentConfig } from '../config.ts';
import type { PieceId } from '../piece-schema.ts';
import type { PieceResult } from '../pieces.ts';
import { pruneStep, trialSeed } from '../pieces.ts';
import { runKeys } from '../store/keys.ts';
import type { RunStore } from '../store/run-store.ts';
import { type PretrainEnv, pretrainedWeights, restoreMatching } from '../pretrain.ts';

/** Progress of a run, yielded to the caller (the CLI draws it). */
export type RunEvent =
  | { kind: 'start'; totalPieces: number; donePieces: number }
  | { kind: 'piece'; round: number; trial: number; branch: BranchName; weightsRemaining: number; skipped: boolean }
  /** `piece`: which running piece (the scheduler adds it: pieces may run side by side). */
  | { kind: 'iteration'; iteration: number; total: number; testAccuracy?: number; piece?: PieceId }
  | { kind: 'pieceDone'; result: PieceResult }
  /** A piece diverged (now, or in an earlier run: `skipped`); `notRun` later pieces build on it and are not run. */
  | { kind: 'diverged'; round: number; trial: number; branch: BranchName; iteration: number; loss: string; notRun: number; skipped: boolean }
  /**
   * A piece failed for good (an executor that records failures, such as the queue, gave up on it
   * after its attempts: `reason`); `notRun` later pieces build on it and are not run.
   */
  | { kind: 'failed'; round: number; trial: number; branch: BranchName; reason: string; notRun: number }
  /** A file read back was invalid: moved aside to `movedTo` (absent when it was missing) and recomputed. */
  | { kind: 'corrupt'; path: string; reason: string; movedTo?: string };

/** Everything a branch needs to train one piece (one round of one trial). */
export interface PieceContext {
  cfg: ExperimentConfig;
  /** Where the run's entries are read and written. */
  store: RunStore;
  b: Backend;
  net: Network;
  data: Dataset;
  opt: Optimizer;
  round: number;
  trial: number;
  branch: BranchName;
  /** The IMP ticket's mask in this round (all ones in round 0). */
  ticketMask: Masks;
  /** Per-parameter shapes, for saving weights and masks. */
  shapes: Record<string, readonly number[]>;
  /** Per-layer pruning rates resolved from the config. */
  rates: Record<string, number>;
  rng: { init: Rng; reinit: Rng; randomMask: Rng; data: Rng; dropout: Rng };
  /** The run's 'auto' kernel choices: reused by every branch, trial and resume (train/kernel-plan.ts). */
  kernelPlan?: KernelPlanStore;
  /** The MLM network and data when the config pre-trains (config `pretrain`; experiment/pretrain.ts). */
  pretrain?: PretrainEnv;
}

/** Where a piece's weights start: the trial's init, a fresh init, or saved values. */
export type Start = { kind: 'init' } | { kind: 'reinit' } | { kind: 'weights'; weights: Weights };

/** The rewind weights of the trial (saved after its dense round 0). */
export function rewindWeights(ctx: PieceContext): Weights {
  return ctx.store.getWeights(runKeys.rewind(ctx.trial), ctx.shapes);
}

/** The iteration training resumes at: the rewind point for pruned rounds (late rewinding). */
export function startIteration(ctx: PieceContext): number {
  return ctx.round === 0 ? 0 : ctx.cfg.pruning.rewindIteration;
}

/**
 * Sets the network's weights and mask, resets the optimizer, and trains, yielding progress.
 * `extra` may override the data rng (a second data order) or add snapshots.
 */
export function* trainFrom(ctx: PieceContext, start: Start, mask: Masks, extra: Partial<TrainOptions> & { data?: Rng } = {}): Generator<RunEvent, TrainResult> {
  const { b, net, cfg } = ctx;
  if (start.kind === 'init') {
    initParameters(b, net.params, ctx.rng.init);
    // Pre-trained: the encoder from MLM pre-training, the head from the init.
    if (ctx.pretrain !== undefined) restoreMatching(b, net.params, yield* pretrainedWeights(ctx));
  }
  else if (start.kind === 'reinit') initParameters(b, net.params, ctx.rng.reinit);
  else restoreWeights(b, net.params, start.weights);
  applyMasks(b, net.params, mask);
  ctx.opt.reset();
  const { data, ...trainExtra } = extra;
  const opts: TrainOptions = {
    iterations: cfg.iterations,
    batchSize: cfg.batchSize,
    evalEvery: cfg.evalEvery,
    evalBatchSize: cfg.evalBatchSize,
    lr: lrSchedule(cfg.optimizer), // warmup and step decay; constant for the paper's Adam runs
    model: cfg.model,
    augment: cfg.augment,
    sparse: cfg.kernels,
    kernelPlan: ctx.kernelPlan,
    startIteration: startIteration(ctx),
    ...trainExtra,
  };
  const gen = train(b, net.model, net.params, ctx.opt, ctx.data, opts, { data: data ?? ctx.rng.data, dropout: ctx.rng.dropout });
  let step = gen.next();
  while (!step.done) {
    const ev = step.value;
    if (ev.kind === 'eval') yield { kind: 'iteration', iteration: ev.record.iteration, total: cfg.iterations, testAccuracy: ev.record.testAccuracy };
    else if (ev.iteration % 50 === 0) yield { kind: 'iteration', iteration: ev.iteration, total: cfg.iterations };
    step = gen.next();
  }
  return step.value;
}

/** The result record of a trained piece. */
export function pieceResult(ctx: PieceContext, mask: Masks, res: TrainResult, extras?: Record<string, unknown>): PieceResult {
  // Two-class data (spam vs ham): the test F1 of class 1 at the early stop, beside the accuracy.
  const f1 = res.earlyStop.testF1;
  if (f1 !== undefined) extras = { ...extras, testF1: f1 };
  return {
    round: ctx.round,
    trial: ctx.trial,
    seed: trialSeed(ctx.cfg, ctx.trial),
    branch: ctx.branch,
    weightsRemaining: density(mask),
    earlyStopIteration: res.earlyStop.iteration,
    testAccuracyAtEarlyStop: res.earlyStop.testAccuracy,
    valLossAtEarlyStop: res.earlyStop.valLoss,
    finalTestAccuracy: res.final.testAccuracy,
    wallSeconds: res.seconds,
    stepsPerSecond: res.stepsPerSecond,
    evals: res.evals,
    kernels: res.kernels,
    ...(extras ? { extras } : {}),
    ...(res.diverged ? { diverged: { iteration: res.diverged.iteration, loss: String(res.diverged.loss) } } : {}),
  };
}

/**
 * Round r's mask of a branch with its own pruning chain (fine-tuning's, the MLM ticket's): read
 * when saved, else the chain's mask of round r-1 (all ones in round 1) pruned at the run's rates
 * by the magnitudes of `prevTrained()` (the chain's trained network of round r-1), and saved.
 */
export function chainMask(ctx: PieceContext, branch: BranchName, prevTrained: () => Weights): Masks {
  const { store, round, trial } = ctx;
  const maskShapes = Object.fromEntries(Object.keys(ctx.ticketMask).map((k) => [k, ctx.shapes[k]]));
  const key = runKeys.branchMask(round, trial, branch);
  if (store.has(key)) return store.getMasks(key, maskShapes);
  const prev = round === 1 ? fullMasksLike(ctx.ticketMask) : store.getMasks(runKeys.branchMask(round - 1, trial, branch), maskShapes);
  const mask = pruneStep(ctx.cfg, magnitudeScores(prevTrained(), prev), prev, ctx.rates);
  store.putMasks(key, mask, ctx.shapes);
  return mask;
}

/** Installs saved weights and a mask without training (for evaluation-only branches). */
export function loadInto(ctx: PieceContext, w: Weights, mask: Masks): void {
  restoreWeights(ctx.b, ctx.net.params, w);
  applyMasks(ctx.b, ctx.net.params, mask);
}

/**
 * Metadata of a saved network's weights: where it comes from, and the data shape it takes
 * (`lth export` rebuilds the architecture from it without loading the dataset).
 */
export function weightsMeta(ctx: PieceContext, branch: string): Record<string, string> {
  return {
    round: String(ctx.round), trial: String(ctx.trial), branch,
    input_shape: JSON.stringify(ctx.data.inputShape), num_classes: String(ctx.data.numClasses),
  };
}
