import { snapshotWeights } from '../../train/state.ts';
import { errorBarrier, interpolationPath } from '../instability.ts';
import type { PieceResult } from '../pieces.ts';
import { type PieceContext, type RunEvent, pieceResult, rewindWeights, trainFrom } from './context.ts';
import type { BranchSpec } from './spec.ts';

/** Points on the interpolation path (the paper's 30). */
export const PATH_POINTS = 30;

/**
 * Instability analysis (Frankle et al. 2020, linear mode connectivity): from the rewind point
 * (the dense network's weights at iteration k, masked by the round's ticket mask), train two
 * copies on different data orders through iterations k+1..T, then measure the test error
 * along the straight line between them. The barrier (max error on the path minus the mean
 * end error) is the instability; the piece's accuracies are those of the first copy. If
 * either copy diverges, the piece is diverged and has no barrier.
 */
export const instabilityBranch: BranchSpec<'instability'> = {
  name: 'instability',
  label: 'instability copy',
  description: 'instability: two copies from the rewind point on different data orders, error barrier on the line between them',
  inRoundZero: true,
  needs: ['mask', 'rewind'],
  *run(ctx: PieceContext): Generator<RunEvent, PieceResult> {
    const k = ctx.cfg.pruning.rewindIteration;
    const start = { kind: 'weights' as const, weights: rewindWeights(ctx) };
    const a = yield* trainFrom(ctx, start, ctx.ticketMask, { startIteration: k });
    if (a.diverged) return pieceResult(ctx, ctx.ticketMask, a);
    const wa = snapshotWeights(ctx.b, ctx.net.params);
    const second = yield* trainFrom(ctx, start, ctx.ticketMask, { startIteration: k, data: ctx.rng.data.split('second data order') });
    // A barrier to a NaN network means nothing: the piece is diverged, with the first copy's evaluations.
    if (second.diverged) return pieceResult(ctx, ctx.ticketMask, { ...a, diverged: second.diverged });
    const wb = snapshotWeights(ctx.b, ctx.net.params);
    const path = interpolationPath(ctx.b, ctx.net.model, ctx.net.params, ctx.data, wa, wb, PATH_POINTS, ctx.rng.dropout);
    const barrier = errorBarrier(path.map((p) => p.testError));
    return pieceResult(ctx, ctx.ticketMask, a, { barrier, rewindIteration: k, path });
  },
};
