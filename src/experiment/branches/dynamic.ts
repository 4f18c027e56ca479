import { initParameters } from '../../nn/module.ts';
import { type Rewirer, deepRRewirer, riglRewirer, setRewirer } from '../../prune/dynamic/index.ts';
import { randomMasksLike } from '../../prune/random.ts';
import { snapshotWeights } from '../../train/state.ts';
import type { BranchName } from '../config.ts';
import type { PieceResult } from '../pieces.ts';
import { type PieceContext, type RunEvent, pieceResult, trainFrom } from './context.ts';
import type { BranchSpec } from './spec.ts';

type DynamicMethod = 'set' | 'rigl' | 'deepR';

/**
 * A dynamic sparse training branch: from the trial's init, a random mask with the round's
 * ticket per-layer counts (a fixed connection budget), rewired during training. Masks change,
 * so these branches train on the dense (masked) kernels.
 */
function dynamicBranch(method: DynamicMethod, description: string): BranchSpec {
  return {
    description,
    inRoundZero: false,
    *run(ctx: PieceContext): Generator<RunEvent, PieceResult> {
      const d = ctx.cfg.dynamic;
      initParameters(ctx.b, ctx.net.params, ctx.rng.init);
      const init = snapshotWeights(ctx.b, ctx.net.params);
      const mask = randomMasksLike(ctx.ticketMask, ctx.rng.randomMask);
      const rng = ctx.rng.randomMask.split(`rewire/${method}`);
      const endIteration = Math.round(ctx.cfg.iterations * 0.75);
      const rewirer: Rewirer =
        method === 'set'
          ? setRewirer(mask, { interval: d.interval, fraction: d.fraction, rng, initialWeights: init })
          : method === 'rigl'
            ? riglRewirer(mask, { interval: d.interval, fraction: d.fraction, endIteration, initialWeights: init })
            : deepRRewirer(mask, { alpha: d.deepRAlpha, temperature: d.deepRTemperature, rng });
      const res = yield* trainFrom(ctx, { kind: 'weights', weights: init }, mask, { startIteration: 0, rewirer, sparse: 'dense' });
      return pieceResult(ctx, mask, res);
    },
  };
}

/** SET, RigL and DEEP-R at the ticket's per-layer sizes, by branch name. */
export const dynamicBranches: Record<Extract<BranchName, DynamicMethod>, BranchSpec> = {
  set: dynamicBranch('set', 'SET (Mocanu et al. 2018): drop the smallest, regrow at random, fixed budget'),
  rigl: dynamicBranch('rigl', 'RigL (Evci et al. 2020): drop the smallest, regrow by largest gradient, cosine schedule'),
  deepR: dynamicBranch('deepR', 'DEEP-R (Bellec et al. 2018): sign-constrained, L1 + noise, dormant connections reactivated at random'),
};
