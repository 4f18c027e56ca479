/**
 * Presets of the transformer experiments (issue 16): lottery tickets in a pre-trained BERT-style
 * encoder (Chen et al. 2020) on the SpamAssassin corpus, and a ViT on MNIST. presets.ts merges
 * them into its registry. Choices where the papers leave room, or where this engine had to pick:
 *
 * - Task: spam vs ham on message bodies (data/spam.ts), 2 classes; the report adds the test F1
 *   of spam. Pre-training: masked-language modelling on the training bodies (spam-mlm, BERT's
 *   15% masking with 80/10/10 replacement), per trial, before round 0 (config `pretrain`).
 * - IMP as Chen et al.: global magnitude pruning of the Q, K, V, attention-output and both FFN
 *   matrices of every layer (never embeddings, LayerNorms, pooler or heads), a share of the
 *   original weights per round (`pruning.rateOf: original`), rewinding to the pre-trained
 *   weights (rewindIteration 0 of a run that pre-trains). `bert` removes 10% per round (their
 *   setting) for 9 rounds, to 10% of the weights; `bert-quick` 15% for 6 rounds, the same end
 *   point in fewer pieces.
 * - Controls: random pruning at the ticket's per-layer sizes (from the pre-trained weights),
 *   the ticket's mask randomly re-initialised, and the MLM ticket (IMP on the MLM task itself).
 * - Optimiser: Adam with linear warmup, lr 1e-3 for pre-training from scratch; fine-tuning at
 *   3e-4 (`bert`) or 1e-3 (`bert-quick`, whose 240 iterations reach 96-97% from a random init
 *   where 3e-4 stops near 94%); a small encoder takes larger rates than BERT's 2e-5. Dropout
 *   0.1 as BERT; post-LN blocks as BERT (`transformer.norm: pre` trained no faster here: MLM
 *   accuracy 12.5% vs 12.3% after 800 iterations).
 * - `bert-quick` is a 2-layer, hidden-64 encoder over 64 tokens, sized so that the whole
 *   experiment (pre-training, 6 rounds x 4 branches) runs in under 15 minutes on 2 cores.
 */
import type { Preset } from './presets.ts';

const BERT_BRANCHES = ['ticket', 'randomPrune', 'reinit', 'mlmTicket'];

/** The `bert` encoder and its data, shared by `bert-pretrain` and `bert` so the one's weights fit the other (pretrain.weights). */
const BERT_SHAPE = { model: 'bert', text: { seqLen: 128 }, transformer: { layers: 4, heads: 4, hidden: 128, ffn: 512 }, dropout: 0.1, batchSize: 32 };
/** Its MLM pre-training: `bert-pretrain`'s run, and `bert`'s own pretrain section. */
const BERT_PRETRAIN = { iterations: 10000, lr: 1e-3, warmupIterations: 1000 };

export const transformerPresets: Record<string, Preset> = {
  'bert-pretrain': {
    description: 'MLM pre-training of the bert encoder (4 layers, 4 heads, hidden 128, 128 tokens) on the SpamAssassin training bodies; its round-0 weights are the pre-trained network',
    config: {
      name: 'bert-pretrain',
      ...BERT_SHAPE,
      dataset: 'spam-mlm',
      iterations: BERT_PRETRAIN.iterations,
      evalEvery: 500,
      optimizer: { lr: BERT_PRETRAIN.lr, warmupIterations: BERT_PRETRAIN.warmupIterations },
      pruning: { rounds: 0 },
      branches: ['ticket'],
      trials: 1,
    },
  },
  bert: {
    description: 'Chen et al. (2020) tickets in a pre-trained BERT-style encoder on SpamAssassin spam vs ham: MLM pre-training, IMP rewinding to the pre-trained weights, global 10% of the original Q/K/V/O/FFN weights per round to 10%; random pruning, reinit and the MLM ticket; hours on 2 cores',
    config: {
      name: 'bert',
      ...BERT_SHAPE,
      dataset: 'spam',
      iterations: 1500,
      evalEvery: 100,
      optimizer: { lr: 3e-4, warmupIterations: 150 },
      pretrain: { dataset: 'spam-mlm', ...BERT_PRETRAIN, evalEvery: 1000 },
      mlmTicket: { iterations: 2000 },
      pruning: { strategy: 'global', rate: 0.1, rateOf: 'original', rounds: 9 },
      branches: BERT_BRANCHES,
      trials: 1,
    },
  },
  'bert-quick': {
    description: 'bert in minutes: a 2-layer hidden-64 encoder over 64 tokens, 1,000 iterations of MLM pre-training, then IMP rewinding to it at 15% of the original weights per round to 10% (ticket, random pruning, reinit, MLM ticket); under 15 minutes on 2 cores',
    config: {
      name: 'bert-quick',
      model: 'bert',
      dataset: 'spam',
      text: { seqLen: 64, vocabSize: 2000 },
      transformer: { layers: 2, heads: 4, hidden: 64, ffn: 256 },
      dropout: 0.1,
      iterations: 240,
      batchSize: 32,
      evalEvery: 60,
      optimizer: { lr: 1e-3, warmupIterations: 24 },
      pretrain: { dataset: 'spam-mlm', iterations: 1000, lr: 1e-3, warmupIterations: 100, evalEvery: 500 },
      mlmTicket: { iterations: 150 },
      pruning: { strategy: 'global', rate: 0.15, rateOf: 'original', rounds: 6 },
      branches: BERT_BRANCHES,
      trials: 1,
    },
  },
  'vit-quick': {
    description: 'a ViT (2 layers, 4 heads, hidden 64, 7x7 patches) on the embedded MNIST: IMP with global pruning of 20% of the remaining Q/K/V/O/FFN weights per round, ticket vs random reinit and random pruning; minutes on 2 cores',
    config: {
      name: 'vit-quick',
      model: 'vit',
      dataset: 'mnist',
      transformer: { layers: 2, heads: 4, hidden: 64, ffn: 128, patch: 7 },
      iterations: 1000,
      batchSize: 60,
      evalEvery: 100,
      optimizer: { lr: 1e-3, warmupIterations: 100 },
      pruning: { strategy: 'global', rate: 0.2, rounds: 6 },
      branches: ['ticket', 'reinit', 'randomPrune'],
      trials: 1,
    },
  },
};
