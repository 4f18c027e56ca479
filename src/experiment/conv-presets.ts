/**
 * Presets of the paper's convolutional experiments (Frankle & Carbin 2019, Fig. 2 and the
 * appendix), plus `conv-quick`. presets.ts merges them into its registry. Choices where the
 * paper leaves room, or where this engine had to pick:
 *
 * - Data: CIFAR-10 (45K train / 5K validation / 10K test, see data/cifar.ts), standardised per
 *   channel with training-split statistics. Conv-2/4/6 train without augmentation, as in the
 *   paper; VGG-19 and ResNet-20 use the standard pad-4 random crop and horizontal flip.
 * - Conv-2/4/6: Adam, batch 60, evaluation every 100 iterations, layer-wise pruning per round
 *   of 10% of the conv weights (Conv-6: 15%), 20% of the fc weights and 10% of the output
 *   layer; 20 rounds, 5 trials like lenet300-paper. The `-dropout` variants add dropout 0.5
 *   before every fc layer and keep the learning rate and iterations.
 * - VGG-19: SGD momentum 0.9, weight decay 1e-4, batch 64, lr 0.1 with the paper's 10K-iteration
 *   linear warmup. The paper trains 160 epochs, 112K iterations at batch 64 (Fig. 2), with
 *   x0.1 decays at epochs 80 and 120; with 703 full batches per epoch of 45K examples that is
 *   112,480 iterations and milestones 56,240 and 84,360 (80K/120K/160K would be those epoch
 *   counts read as thousands of iterations).
 * - ResNet-20 (the paper's "Resnet-18"): SGD momentum 0.9, weight decay 1e-4, batch 128, 30K
 *   iterations, x0.1 at 20K and 25K, lr 0.1 with the 20K-iteration warmup (the paper's variant
 *   that finds winning tickets at 0.1; without warmup it needs lr 0.03).
 * - VGG-19 and ResNet-20 prune globally, 20% of the remaining conv weights per round; the fc
 *   output layer is not pruned (the paper's "fc 0%" and open_lth's default), 20 rounds, 3 trials.
 * - Evaluation batches are smaller than the 1000 default (from when a forward pass kept every
 *   activation of the batch, VGG-19: ~3.6 MB per image); evaluation now also caps each pass to
 *   a scratch budget by itself (train/trainer.ts evaluate), so these only bound it further.
 */
import type { Preset } from './presets.ts';

/** Conv-2/4/6: Adam at `lr` for `iterations`, conv pruning rate `convRate`, optional dropout 0.5. */
function convPaper(model: 'conv2' | 'conv4' | 'conv6', lr: number, iterations: number, convRate: number, dropout: boolean): Preset {
  const name = `${model}-paper${dropout ? '-dropout' : ''}`;
  const label = model.replace('conv', 'Conv-');
  return {
    description: `Frankle & Carbin ${label}${dropout ? ' with dropout 0.5' : ''} on CIFAR-10: Adam ${lr}, batch 60, ${iterations / 1000}K iterations, conv ${convRate * 100}% / fc 20% / output 10% per round`,
    config: {
      name,
      model,
      dataset: 'cifar10',
      normalize: true,
      dropout: dropout ? 0.5 : 0,
      iterations,
      batchSize: 60,
      evalEvery: 100,
      evalBatchSize: 250,
      optimizer: { kind: 'adam', lr },
      pruning: { strategy: 'layerwise', rates: { conv: convRate, fc: 0.2, output: 0.1 }, rounds: 20 },
      trials: 5,
    },
  };
}

/** The SGD + warmup + step-decay recipe of VGG-19 and ResNet-20 with global pruning. */
function sgdPaper(name: string, description: string, model: string, batchSize: number, iterations: number, milestones: number[], warmupIterations: number, evalEvery: number, evalBatchSize: number): Preset {
  return {
    description,
    config: {
      name,
      model,
      dataset: 'cifar10',
      normalize: true,
      augment: { crop: 4, flip: true },
      iterations,
      batchSize,
      evalEvery,
      evalBatchSize,
      optimizer: { kind: 'sgd', lr: 0.1, momentum: 0.9, weightDecay: 1e-4, milestones, gamma: 0.1, warmupIterations },
      pruning: { strategy: 'global', rate: 0.2, rates: { conv: 0.2, fc: 0 }, rounds: 20 },
      trials: 3,
    },
  };
}

/** The convolutional presets, by name. */
export const convPresets: Record<string, Preset> = {
  'conv2-paper': convPaper('conv2', 2e-4, 20000, 0.1, false),
  'conv4-paper': convPaper('conv4', 3e-4, 25000, 0.1, false),
  'conv6-paper': convPaper('conv6', 3e-4, 30000, 0.15, false),
  'conv2-paper-dropout': convPaper('conv2', 2e-4, 20000, 0.1, true),
  'conv4-paper-dropout': convPaper('conv4', 3e-4, 25000, 0.1, true),
  'conv6-paper-dropout': convPaper('conv6', 3e-4, 30000, 0.15, true),
  'vgg19-paper': sgdPaper('vgg19-paper',
    'Frankle & Carbin VGG-19 (CIFAR, BatchNorm): SGD 0.9, lr 0.1 with 10K warmup, x0.1 at epochs 80/120 of 160 (112K iterations, batch 64), crop+flip, global 20% per round, fc not pruned',
    'vgg19', 64, 112480, [56240, 84360], 10000, 1000, 100),
  'resnet20-paper': sgdPaper('resnet20-paper',
    'Frankle & Carbin "Resnet-18" (ResNet-20, 16/32/64 filters): SGD 0.9, lr 0.1 with 20K warmup, x0.1 at 20K/25K of 30K, batch 128, crop+flip, global 20% per round, fc not pruned',
    'resnet20', 128, 30000, [20000, 25000], 20000, 500, 250),
  'conv-quick': {
    description: 'IMP with a convolutional net in minutes on 2 cores: Conv-2 at width 0.25 on the embedded MNIST, 5 rounds to 8% of the weights, ticket vs random reinit',
    config: {
      name: 'conv-quick',
      model: 'conv2',
      // The embedded MNIST ships with the package, so this preset runs anywhere.
      dataset: 'mnist',
      widthMultiplier: 0.25,
      iterations: 400,
      evalEvery: 100,
      evalBatchSize: 500,
      optimizer: { kind: 'adam', lr: 2e-3 },
      pruning: { strategy: 'layerwise', rates: { conv: 0.25, fc: 0.4, output: 0.2 }, rounds: 5 },
      branches: ['ticket', 'reinit'],
      trials: 1,
    },
  },
};
