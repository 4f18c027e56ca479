import { featureCount } from '../../data/dataset.ts';
import { Batcher } from '../../data/batcher.ts';
import { initParameters } from '../../nn/module.ts';
import { applyMasks } from '../../prune/apply.ts';
import { type ScoreBatch, layerCounts, maskFromScores } from '../../prune/at-init/index.ts';
import { type Masks, fullMasksLike, maskTotals } from '../../prune/masks.ts';
import { type ScoreInput, type Scorer, type ScorerName, scorers } from '../../prune/scorers.ts';
import { snapshotWeights } from '../../train/state.ts';
import type { PieceResult } from '../pieces.ts';
import { int, str } from '../schema.ts';
import { runKeys } from '../store/keys.ts';
import { type PieceContext, type RunEvent, pieceResult, trainFrom } from './context.ts';
import { type BranchSection, type BranchSpec, branchSection } from './spec.ts';

/** Settings of the pruning-at-initialisation branches (config `atInit`). */
export interface AtInitSettings {
  batches: number;
  allocation: 'global' | 'ticketLayers';
  synflowIterations: number;
}

/** The `atInit` config section, shared by every branch made with atInitBranch. */
export const atInitSection: BranchSection<'atInit', AtInitSettings> = branchSection('atInit', 'pruning-at-initialisation branches', {
  batches: int(10, 'training batches scored by SNIP and GraSP', 1, 1000),
  allocation: str<'global' | 'ticketLayers'>('global', 'global: one threshold over all layers (the methods\' own); ticketLayers: exactly the ticket\'s per-layer counts', ['global', 'ticketLayers']),
  synflowIterations: int(100, 'SynFlow pruning iterations', 1, 10000),
});

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
function atInitMask(ctx: PieceContext, scorer: Scorer): Masks {
  const { b, net, cfg, ticketMask } = ctx;
  const full = fullMasksLike(ticketMask);
  applyMasks(b, net.params, full);
  const { remaining, total } = maskTotals(ticketMask);
  const density = remaining / total;
  const input: ScoreInput = {
    b, net, masks: full, features: featureCount(ctx.data.inputShape), inputShape: ctx.data.inputShape, rng: ctx.rng.randomMask,
    // drawn only for data-driven scorers: drawing advances the data order that training then follows
    batches: scorer.usesData ? scoringBatches(ctx, cfg.atInit.batches) : [],
  };
  if (scorer.pruneTo) return scorer.pruneTo(input, density, cfg.atInit.synflowIterations);
  const scores = scorer.score(input);
  return cfg.atInit.allocation === 'ticketLayers' ? maskFromScores(scores, full, layerCounts(ticketMask), 'layerwise') : maskFromScores(scores, full, density, 'global');
}

/**
 * A pruning-at-initialisation branch named `name`: score the trial's init with the scorer
 * `scorerName`, prune to the ticket's size, train from init. Its settings are the shared
 * `atInit` section, so a new at-init method is a scorer plus one call of this.
 */
export function atInitBranch<const N extends string>(name: N, scorerName: ScorerName, label: string, description: string): BranchSpec<N, typeof atInitSection> {
  const scorer: Scorer = scorers[scorerName];
  return {
    name,
    label,
    description,
    inRoundZero: false,
    needs: ['mask'],
    section: atInitSection,
    *run(ctx: PieceContext): Generator<RunEvent, PieceResult> {
      initParameters(ctx.b, ctx.net.params, ctx.rng.init);
      const init = snapshotWeights(ctx.b, ctx.net.params);
      const mask = atInitMask(ctx, scorer);
      ctx.store.putMasks(runKeys.branchMask(ctx.round, ctx.trial, ctx.branch), mask, ctx.shapes);
      const res = yield* trainFrom(ctx, { kind: 'weights', weights: init }, mask, { startIteration: 0 });
      return pieceResult(ctx, mask, res);
    },
  };
}

/** SNIP (Lee et al. 2019). */
export const snipBranch = atInitBranch('snip', 'snip', 'SNIP', 'SNIP (Lee et al. 2019): prune at init by |w · dL/dw|, train from init');
/** GraSP (Wang et al. 2020). */
export const graspBranch = atInitBranch('grasp', 'grasp', 'GraSP', 'GraSP (Wang et al. 2020): prune at init by the Hessian-gradient product, train from init');
/** SynFlow (Tanaka et al. 2020). */
export const synflowBranch = atInitBranch('synflow', 'synflow', 'SynFlow', 'SynFlow (Tanaka et al. 2020): data-free iterative synaptic-flow pruning at init, train from init');
/** Random pruning at init: the control of the scorers above. */
export const randomInitBranch = atInitBranch('randomInit', 'random', 'random at init', 'random pruning at init (global allocation), train from init');
