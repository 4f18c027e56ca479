import { fullMasks } from '../../prune/masks.ts';
import type { Masks } from '../../prune/masks.ts';
import { magnitudeScores } from '../../prune/magnitude.ts';
import { snapshotWeights } from '../../train/state.ts';
import { type PieceResult, pruneStep } from '../pieces.ts';
import { exists, loadMasks, loadWeights, saveMasks, saveWeights } from '../store.ts';
import { type PieceContext, type RunEvent, pieceResult, trainFrom, weightsMeta } from './context.ts';
import type { BranchSpec } from './spec.ts';

/**
 * Han et al. (2015) prune-and-fine-tune: its own chain of rounds. Round r prunes the
 * previous round's fine-tuned network (round 0: the trained dense network) at the config's
 * rates and keeps training from the surviving *trained* weights: no rewinding. The schedule
 * (iterations, learning rate) is the ticket's unless `fineTune` overrides it.
 */
export const fineTuneBranch: BranchSpec = {
  description: 'Han et al. baseline: prune the trained network and fine-tune the survivors (no rewinding)',
  inRoundZero: false,
  *run(ctx: PieceContext): Generator<RunEvent, PieceResult> {
    const { cfg, dir, round, trial } = ctx;
    const maskShapes = Object.fromEntries(Object.keys(ctx.ticketMask).map((k) => [k, ctx.shapes[k]]));
    const prevWeights = loadWeights(round === 1 ? dir.finalWeights(0, trial, 'ticket') : dir.finalWeights(round - 1, trial, 'fineTune'), ctx.shapes);
    const prevMask = round === 1 ? fullMasks(Object.fromEntries(Object.entries(ctx.ticketMask).map(([k, m]) => [k, m.length]))) : loadMasks(dir.branchMask(round - 1, trial, 'fineTune'), maskShapes);
    const maskPath = dir.branchMask(round, trial, 'fineTune');
    let mask: Masks;
    if (exists(maskPath)) {
      mask = loadMasks(maskPath, maskShapes);
    } else {
      mask = pruneStep(cfg, magnitudeScores(prevWeights, prevMask), prevMask, ctx.rates);
      saveMasks(maskPath, mask, ctx.shapes);
    }
    const iterations = cfg.fineTune.iterations > 0 ? cfg.fineTune.iterations : cfg.iterations;
    const lr = cfg.optimizer.lr * cfg.fineTune.lrScale;
    const res = yield* trainFrom(ctx, { kind: 'weights', weights: prevWeights }, mask, { iterations, startIteration: 0, lr: () => lr });
    // Diverged: no weights to save; the runner does not run this trial's later fine-tuning rounds.
    if (res.diverged) return pieceResult(ctx, mask, res);
    saveWeights(dir.finalWeights(round, trial, 'fineTune'), snapshotWeights(ctx.b, ctx.net.params), ctx.shapes, weightsMeta(ctx, 'fineTune'));
    return pieceResult(ctx, mask, res);
  },
};
