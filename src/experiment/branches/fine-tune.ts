import { snapshotWeights } from '../../train/state.ts';
import { MAX_ITERATIONS } from '../limits.ts';
import type { PieceResult } from '../pieces.ts';
import { int, num } from '../schema.ts';
import { runKeys } from '../store/keys.ts';
import { type PieceContext, type RunEvent, chainMask, pieceResult, trainFrom, weightsMeta } from './context.ts';
import { type BranchSection, type BranchSpec, branchSection } from './spec.ts';

/** Settings of the prune-and-fine-tune baseline (config `fineTune`). */
export interface FineTuneSettings {
  iterations: number;
  lrScale: number;
}

/** The `fineTune` config section. */
export const fineTuneSection: BranchSection<'fineTune', FineTuneSettings> = branchSection('fineTune', 'the fineTune branch (Han et al. prune and fine-tune)', {
  iterations: int(0, 'fine-tuning iterations per round (0 = the same as iterations)', 0, MAX_ITERATIONS),
  lrScale: num(1, 'fine-tuning learning rate as a multiple of optimizer.lr', 0, 10, '()'),
});

/**
 * Han et al. (2015) prune-and-fine-tune: its own chain of rounds. Round r prunes the
 * previous round's fine-tuned network (round 0: the trained dense network) at the config's
 * rates and keeps training from the surviving *trained* weights: no rewinding. The schedule
 * (iterations, learning rate) is the ticket's unless `fineTune` overrides it.
 */
export const fineTuneBranch: BranchSpec<'fineTune', typeof fineTuneSection> = {
  name: 'fineTune',
  label: 'fine-tune (Han et al.)',
  description: 'Han et al. baseline: prune the trained network and fine-tune the survivors (no rewinding)',
  inRoundZero: false,
  // the round's mask only for its layer sizes (the runner builds every piece's context with it)
  needs: ['mask', 'chain'],
  section: fineTuneSection,
  *run(ctx: PieceContext): Generator<RunEvent, PieceResult> {
    const { cfg, store, round, trial } = ctx;
    const prevWeights = store.getWeights(round === 1 ? runKeys.weights(0, trial, 'ticket') : runKeys.weights(round - 1, trial, 'fineTune'), ctx.shapes);
    const mask = chainMask(ctx, 'fineTune', () => prevWeights);
    const iterations = cfg.fineTune.iterations > 0 ? cfg.fineTune.iterations : cfg.iterations;
    const lr = cfg.optimizer.lr * cfg.fineTune.lrScale;
    const res = yield* trainFrom(ctx, { kind: 'weights', weights: prevWeights }, mask, { iterations, startIteration: 0, lr: () => lr });
    // Diverged: no weights to save; the runner does not run this trial's later fine-tuning rounds.
    if (res.diverged) return pieceResult(ctx, mask, res);
    store.putWeights(runKeys.weights(round, trial, 'fineTune'), snapshotWeights(ctx.b, ctx.net.params), ctx.shapes, weightsMeta(ctx, 'fineTune'));
    return pieceResult(ctx, mask, res);
  },
};
