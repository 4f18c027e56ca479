import { snapshotWeights } from '../../train/state.ts';
import type { Weights } from '../../train/state.ts';
import { randomMasksLike } from '../../prune/random.ts';
import type { PieceResult } from '../pieces.ts';
import { runKeys } from '../store/keys.ts';
import { type PieceContext, type RunEvent, pieceResult, rewindWeights, trainFrom, weightsMeta } from './context.ts';
import type { BranchSpec } from './spec.ts';

/**
 * The winning ticket: round 0 trains the dense network from init and saves the rewind point;
 * later rounds rewind the survivors of the round's mask to it and train again. A diverged
 * ticket saves no weights: the trial's later rounds are not run.
 */
export const ticketBranch: BranchSpec<'ticket'> = {
  name: 'ticket',
  label: 'winning ticket',
  description: 'IMP winning ticket: survivors rewound to their weights at the rewind iteration',
  inRoundZero: true,
  needs: ['mask', 'rewind'],
  *run(ctx: PieceContext): Generator<RunEvent, PieceResult> {
    const k = ctx.cfg.pruning.rewindIteration;
    const dense = ctx.round === 0;
    const res = yield* trainFrom(ctx, dense ? { kind: 'init' } : { kind: 'weights', weights: rewindWeights(ctx) }, ctx.ticketMask, dense ? { snapshotAt: [k] } : {});
    // Diverged: no weights to save; the runner stops the trial's chain (nothing prunes NaN weights).
    if (res.diverged) return pieceResult(ctx, ctx.ticketMask, res);
    const meta = weightsMeta(ctx, 'ticket');
    if (dense) ctx.store.putWeights(runKeys.rewind(ctx.trial), res.snapshots.get(k) as Weights, ctx.shapes, { ...meta, iteration: String(k) });
    ctx.store.putWeights(runKeys.weights(ctx.round, ctx.trial, 'ticket'), snapshotWeights(ctx.b, ctx.net.params), ctx.shapes, meta);
    return pieceResult(ctx, ctx.ticketMask, res);
  },
};

/** Control: the ticket's mask with a fresh random initialisation. */
export const reinitBranch: BranchSpec<'reinit'> = {
  name: 'reinit',
  label: 'random reinit',
  description: 'control: the ticket\'s mask, randomly re-initialised',
  inRoundZero: false,
  needs: ['mask'],
  *run(ctx) {
    const res = yield* trainFrom(ctx, { kind: 'reinit' }, ctx.ticketMask);
    return pieceResult(ctx, ctx.ticketMask, res);
  },
};

/** Control: a random mask with the ticket's per-layer counts, from the rewind weights. */
export const randomPruneBranch: BranchSpec<'randomPrune'> = {
  name: 'randomPrune',
  label: 'random pruning',
  description: 'control: a random mask of the ticket\'s per-layer sizes, original init',
  inRoundZero: false,
  needs: ['mask', 'rewind'],
  *run(ctx) {
    const mask = randomMasksLike(ctx.ticketMask, ctx.rng.randomMask);
    const res = yield* trainFrom(ctx, { kind: 'weights', weights: rewindWeights(ctx) }, mask);
    return pieceResult(ctx, mask, res);
  },
};
