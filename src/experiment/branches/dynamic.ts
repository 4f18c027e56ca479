import { initParameters } from '../../nn/module.ts';
import { randomMasksLike } from '../../prune/random.ts';
import { type RewireMethod, type RewireName, type RewireSettings, rewireMethods } from '../../prune/rewirers.ts';
import { snapshotWeights } from '../../train/state.ts';
import type { PieceResult } from '../pieces.ts';
import { int, num } from '../schema.ts';
import { type PieceContext, type RunEvent, pieceResult, trainFrom } from './context.ts';
import { type BranchSection, type BranchSpec, branchSection } from './spec.ts';

/** The `dynamic` config section, shared by every branch made with dynamicBranch. */
export const dynamicSection: BranchSection<'dynamic', RewireSettings> = branchSection('dynamic', 'dynamic sparse training branches', {
  interval: int(100, 'SET/RigL: rewire every N iterations', 1),
  fraction: num(0.3, 'SET/RigL: fraction of each layer\'s active weights dropped and regrown', 0, 1, '()'),
  deepRAlpha: num(1e-4, 'DEEP-R: L1 shrinkage strength alpha', 0, 1),
  deepRTemperature: num(1e-6, 'DEEP-R: temperature T of the exploration noise sqrt(2·lr·T)', 0, 1),
});

/**
 * A dynamic sparse training branch named `name`, rewiring with the method `methodName`: from
 * the trial's init, a random mask with the round's ticket per-layer counts (a fixed connection
 * budget), rewired during training. Masks change, so these branches train on the dense
 * (masked) kernels. Its settings are the shared `dynamic` section.
 */
export function dynamicBranch<const N extends string>(name: N, methodName: RewireName, label: string, description: string): BranchSpec<N, typeof dynamicSection> {
  const method: RewireMethod = rewireMethods[methodName];
  return {
    name,
    label,
    description,
    inRoundZero: false,
    needs: ['mask'],
    section: dynamicSection,
    *run(ctx: PieceContext): Generator<RunEvent, PieceResult> {
      initParameters(ctx.b, ctx.net.params, ctx.rng.init);
      const init = snapshotWeights(ctx.b, ctx.net.params);
      const mask = randomMasksLike(ctx.ticketMask, ctx.rng.randomMask);
      const rng = ctx.rng.randomMask.split(`rewire/${methodName}`);
      const rewirer = method.create({ masks: mask, initialWeights: init, iterations: ctx.cfg.iterations, rng, settings: ctx.cfg.dynamic });
      const res = yield* trainFrom(ctx, { kind: 'weights', weights: init }, mask, { startIteration: 0, rewirer, sparse: 'dense' });
      return pieceResult(ctx, mask, res);
    },
  };
}

/** SET (Mocanu et al. 2018). */
export const setBranch = dynamicBranch('set', 'set', 'SET', 'SET (Mocanu et al. 2018): drop the smallest, regrow at random, fixed budget');
/** RigL (Evci et al. 2020). */
export const riglBranch = dynamicBranch('rigl', 'rigl', 'RigL', 'RigL (Evci et al. 2020): drop the smallest, regrow by largest gradient, cosine schedule');
/** DEEP-R (Bellec et al. 2018). */
export const deepRBranch = dynamicBranch('deepR', 'deepR', 'DEEP-R', 'DEEP-R (Bellec et al. 2018): sign-constrained, L1 + noise, dormant connections reactivated at random');
