import { snapshotWeights } from '../../train/state.ts';
import { MAX_ITERATIONS } from '../limits.ts';
import type { PieceResult } from '../pieces.ts';
import { pretrainedWeights, trainMlm } from '../pretrain.ts';
import { int } from '../schema.ts';
import { runKeys } from '../store/keys.ts';
import { type PieceContext, type RunEvent, chainMask, pieceResult, rewindWeights, trainFrom } from './context.ts';
import { type BranchSection, type BranchSpec, branchSection } from './spec.ts';

/** Settings of the MLM ticket (config `mlmTicket`). */
export interface MlmTicketSettings {
  iterations: number;
}

/** The `mlmTicket` config section. */
export const mlmTicketSection: BranchSection<'mlmTicket', MlmTicketSettings> = branchSection('mlmTicket', 'the mlmTicket branch (IMP on the masked-language-model task, then fine-tuned downstream)', {
  iterations: int(0, 'MLM training iterations of each IMP round on the pre-training task (0 = pretrain.iterations / 4)', 0, MAX_ITERATIONS),
});

/**
 * The MLM ticket (Chen et al. 2020, "the lottery ticket hypothesis for pre-trained BERT"): a mask
 * found by IMP on the pre-training task itself, then fine-tuned on the downstream task. Its own
 * chain of rounds on the MLM network (config `pretrain`): round r prunes round r-1's MLM-trained
 * network (round 1: the pre-trained network) at the run's rates, rewinds the survivors to the
 * pre-trained weights and trains them on MLM for `mlmTicket.iterations` (the next round prunes
 * those; the last round skips it). The round's result is that mask fine-tuned downstream from the
 * pre-trained weights, like the ticket, so the two differ only in where the mask came from.
 */
export const mlmTicketBranch: BranchSpec<'mlmTicket', typeof mlmTicketSection> = {
  name: 'mlmTicket',
  label: 'MLM ticket',
  description: 'Chen et al. MLM ticket: IMP on the masked-language-model task from the pre-trained weights, the mask fine-tuned downstream (needs pretrain.dataset)',
  inRoundZero: false,
  // 'rewind': the pre-trained weights with the downstream head (round 0's ticket also writes the pre-trained network)
  needs: ['rewind', 'chain'],
  section: mlmTicketSection,
  *run(ctx: PieceContext): Generator<RunEvent, PieceResult> {
    const { cfg, store, round, trial } = ctx;
    const pre = yield* pretrainedWeights(ctx);
    // Round 1 prunes the pre-trained network; later rounds the chain's MLM-trained one.
    const mask = chainMask(ctx, 'mlmTicket', () => (round === 1 ? pre : store.getWeights(runKeys.weights(round - 1, trial, 'mlmTicket'), ctx.pretrain!.shapes)));
    // The chain's MLM training of this round (what the next round prunes).
    const weightsKey = runKeys.weights(round, trial, 'mlmTicket');
    if (round < cfg.pruning.rounds && !store.has(weightsKey)) {
      const iterations = cfg.mlmTicket.iterations > 0 ? cfg.mlmTicket.iterations : Math.max(1, Math.floor(cfg.pretrain.iterations / 4));
      yield* trainMlm(ctx, `ticket/${round}`, pre, mask, iterations);
      store.putWeights(weightsKey, snapshotWeights(ctx.b, ctx.pretrain!.net.params), ctx.pretrain!.shapes, { round: String(round), trial: String(trial), branch: 'mlmTicket', what: 'mlm-trained' });
    }
    const res = yield* trainFrom(ctx, { kind: 'weights', weights: rewindWeights(ctx) }, mask);
    return pieceResult(ctx, mask, res);
  },
};
