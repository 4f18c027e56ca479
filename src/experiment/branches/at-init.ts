import { featureCount } from '../../data/dataset.ts';
import { Batcher } from '../../data/batcher.ts';
import { initParameters } from '../../nn/module.ts';
import { applyMasks } from '../../prune/apply.ts';
import { type ScoreBatch, graspScores, layerCounts, maskFromScores, randomScores, snipScores, synflowScores } from '../../prune/at-init/index.ts';
import type { Scores } from '../../prune/magnitude.ts';
import { type Masks, fullMasks, maskTotals } from '../../prune/masks.ts';
import { snapshotWeights } from '../../train/state.ts';
import type { BranchName } from '../config.ts';
import type { PieceResult } from '../pieces.ts';
import { saveMasks } from '../store.ts';
import { type PieceContext, type RunEvent, pieceResult, trainFrom } from './context.ts';
import type { BranchSpec } from './spec.ts';

type AtInitMethod = 'snip' | 'grasp' | 'synflow' | 'randomInit';

/** The first `count` training batches of the trial's data order, copied (scoring data). */
function scoringBatches(ctx: PieceContext, count: number): ScoreBatch[] {
  const batcher = new Batcher(ctx.data.train, ctx.cfg.batchSize, ctx.rng.data);
  return Array.from({ length: count }, () => {
    const bt = batcher.next();
    return { x: bt.x.slice(), y: bt.y.slice(), n: bt.n };
  });
}

/**
 * The mask a pruning-at-init method picks at the trial's initial weights, with as many weights
 * as the round's ticket: globally allocated (the methods' own setting), or with exactly the
 * ticket's per-layer counts when `atInit.allocation` is 'ticketLayers'.
 */
function atInitMask(ctx: PieceContext, method: AtInitMethod): Masks {
  const { b, net, cfg, ticketMask } = ctx;
  const full = fullMasks(Object.fromEntries(Object.entries(ticketMask).map(([k, m]) => [k, m.length])));
  applyMasks(b, net.params, full);
  const { remaining, total } = maskTotals(ticketMask);
  const density = remaining / total;
  if (method === 'synflow') return synflowScores(b, net, ctx.data.inputShape, density, cfg.atInit.synflowIterations, { masks: full, mode: 'global' });
  const features = featureCount(ctx.data.inputShape);
  const batches = method === 'randomInit' ? [] : scoringBatches(ctx, cfg.atInit.batches);
  const scores: Scores =
    method === 'snip' ? snipScores(b, net, batches, features) : method === 'grasp' ? graspScores(b, net, batches, features) : randomScores(full, ctx.rng.randomMask);
  return cfg.atInit.allocation === 'ticketLayers' ? maskFromScores(scores, full, layerCounts(ticketMask), 'layerwise') : maskFromScores(scores, full, density, 'global');
}

/** A pruning-at-initialisation branch: score at init, prune to the ticket's size, train from init. */
function atInitBranch(method: AtInitMethod, description: string): BranchSpec {
  return {
    description,
    inRoundZero: false,
    *run(ctx: PieceContext): Generator<RunEvent, PieceResult> {
      initParameters(ctx.b, ctx.net.params, ctx.rng.init);
      const init = snapshotWeights(ctx.b, ctx.net.params);
      const mask = atInitMask(ctx, method);
      saveMasks(ctx.dir.branchMask(ctx.round, ctx.trial, ctx.branch), mask, ctx.shapes);
      const res = yield* trainFrom(ctx, { kind: 'weights', weights: init }, mask, { startIteration: 0 });
      return pieceResult(ctx, mask, res);
    },
  };
}

/** SNIP, GraSP, SynFlow and random pruning at initialisation, by branch name. */
export const atInitBranches: Record<Extract<BranchName, AtInitMethod>, BranchSpec> = {
  snip: atInitBranch('snip', 'SNIP (Lee et al. 2019): prune at init by |w · dL/dw|, train from init'),
  grasp: atInitBranch('grasp', 'GraSP (Wang et al. 2020): prune at init by the Hessian-gradient product, train from init'),
  synflow: atInitBranch('synflow', 'SynFlow (Tanaka et al. 2020): data-free iterative synaptic-flow pruning at init, train from init'),
  randomInit: atInitBranch('randomInit', 'random pruning at init (global allocation), train from init'),
};
