/**
 * A small in-memory IMP loop for the browser: the same pieces as the run-directory runner
 * (buildNetwork, train, magnitude pruning, applyMasks, rewinding to init, the random-reinit
 * control), with results returned as plain objects instead of files. Layer-wise pruning,
 * rewinding to iteration 0, Adam, LeNet-300-100 on any Dataset of 784 features.
 */
import type { Backend } from '../backend/backend.ts';
import type { Dataset } from '../data/dataset.ts';
import { initParameters } from '../nn/module.ts';
import { makeOptimizer } from '../optim/optimizer.ts';
import { applyMasks, prunableParams } from '../prune/apply.ts';
import { magnitudeScores, pruneLayerwise } from '../prune/magnitude.ts';
import { type Masks, density, fullMasks } from '../prune/masks.ts';
import { type RateSpec, resolveRates } from '../prune/rates.ts';
import { buildNetwork, disposeNetwork } from '../train/setup.ts';
import type { SparseMode } from '../train/sparse-plan.ts';
import { restoreWeights, snapshotWeights } from '../train/state.ts';
import { type EvalRecord, train } from '../train/trainer.ts';
import { Rng } from '../util/rng.ts';

/** What the page asks for. */
export interface WebImpConfig {
  model: string;
  /** Multiplies the hidden widths (1 = the paper's 300-100; small values make a quick run). */
  widthMultiplier: number;
  rounds: number;
  iterations: number;
  batchSize: number;
  lr: number;
  seed: number;
  /** Evaluate every this many iterations. */
  evalEvery: number;
  /** Layer-wise rates (the paper's LeNet: 20% hidden, 10% output). */
  rates: RateSpec;
  /** Train the random-reinit control from round 1 on. */
  reinit: boolean;
  /** Kernels of pruned Linear and Conv2d layers (train/sparse-plan.ts): 'auto' measures dense vs sparse. */
  kernels: SparseMode;
}

/** The defaults of the paper's LeNet-300-100 experiment, scaled down for a tab. */
export const WEB_IMP_DEFAULTS: WebImpConfig = {
  model: 'lenet300',
  widthMultiplier: 1,
  rounds: 3,
  iterations: 1000,
  batchSize: 60,
  lr: 1.2e-3,
  seed: 0,
  evalEvery: 100,
  rates: { fc: 0.2, output: 0.1 },
  reinit: true,
  kernels: 'auto',
};

/** One branch of one round, as summary.json lists it. */
export interface WebRoundResult {
  round: number;
  branch: 'ticket' | 'reinit';
  /** Percent of prunable weights remaining. */
  weightsRemaining: number;
  earlyStopIteration: number;
  testAccuracyAtEarlyStop: number;
  finalTestAccuracy: number;
  stepsPerSecond: number;
  evals: EvalRecord[];
}

/** Progress of the loop, in the order it happens. */
export type WebImpEvent =
  | { kind: 'step'; round: number; branch: WebRoundResult['branch']; iteration: number }
  | { kind: 'eval'; round: number; branch: WebRoundResult['branch']; record: EvalRecord }
  | { kind: 'round'; result: WebRoundResult };

/** What the loop returns: every branch's result and the last round's masks with their shapes. */
export interface WebImpResult {
  results: WebRoundResult[];
  masks: Masks;
  shapes: Record<string, number[]>;
}

/**
 * Runs rounds 0..cfg.rounds (round 0 is the dense network) and yields progress. Each round's
 * ticket is the previous ticket's mask pruned by its trained magnitudes, rewound to the init.
 */
export function* runWebImp(b: Backend, data: Dataset, cfg: WebImpConfig): Generator<WebImpEvent, WebImpResult> {
  const base = new Rng(cfg.seed);
  const net = buildNetwork(b, cfg.model, data, base.split('init'), { widthMultiplier: cfg.widthMultiplier });
  const opt = makeOptimizer(b, net.params, { kind: 'adam', lr: cfg.lr });
  try {
    const init = snapshotWeights(b, net.params);
    const prunable = prunableParams(net.params);
    const rates = resolveRates(cfg.rates, prunable.map((p) => ({ name: p.name, shape: p.tensor.shape })));
    let masks = fullMasks(Object.fromEntries(prunable.map((p) => [p.name, p.size])));
    const results: WebRoundResult[] = [];
    const trainOpts = { iterations: cfg.iterations, batchSize: cfg.batchSize, evalEvery: cfg.evalEvery, lr: () => cfg.lr, sparse: cfg.kernels };

    // One branch: weights from `start`, the round's masks, a fresh optimizer and the same data order.
    function* branch(round: number, name: WebRoundResult['branch'], start: () => void): Generator<WebImpEvent, WebRoundResult> {
      start();
      applyMasks(b, net.params, masks);
      opt.reset();
      const run = train(b, net.model, net.params, opt, data, trainOpts, { data: base.split('data'), dropout: base.split(`dropout/${round}/${name}`) });
      let next = run.next();
      while (!next.done) {
        const ev = next.value;
        yield ev.kind === 'eval' ? { kind: 'eval', round, branch: name, record: ev.record } : { kind: 'step', round, branch: name, iteration: ev.iteration };
        next = run.next();
      }
      const res = next.value;
      const result: WebRoundResult = {
        round,
        branch: name,
        weightsRemaining: 100 * density(masks),
        earlyStopIteration: res.earlyStop.iteration,
        testAccuracyAtEarlyStop: res.earlyStop.testAccuracy,
        finalTestAccuracy: res.final.testAccuracy,
        stepsPerSecond: res.stepsPerSecond,
        evals: res.evals,
      };
      results.push(result);
      yield { kind: 'round', result };
      return result;
    }

    for (let round = 0; round <= cfg.rounds; round++) {
      yield* branch(round, 'ticket', () => restoreWeights(b, net.params, init));
      const trained = snapshotWeights(b, net.params);
      if (round > 0 && cfg.reinit) {
        yield* branch(round, 'reinit', () => initParameters(b, net.params, base.split(`reinit/${round}`)));
      }
      if (round < cfg.rounds) masks = pruneLayerwise(magnitudeScores(trained, masks), masks, rates);
    }
    const shapes = Object.fromEntries(prunable.map((p) => [p.name, [...p.tensor.shape]]));
    // the masks of the last round trained: the final ticket's
    return { results, masks, shapes };
  } finally {
    opt.dispose();
    disposeNetwork(b, net);
  }
}
