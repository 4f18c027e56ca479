import { UserError } from '../util/errors.ts';
import { type ExperimentConfig, resolveConfig } from './config.ts';
import { convPresets } from './conv-presets.ts';
import { transformerPresets } from './transformer-presets.ts';
import { merge } from './schema.ts';

/** A named configuration with the reason it exists. */
export interface Preset {
  description: string;
  /** Overrides of the default config (the defaults are the paper's LeNet settings). */
  config: Record<string, unknown>;
}

/** Every preset: `lth presets` lists them. */
export const presets: Record<string, Preset> = {
  'lenet300-paper': {
    description: 'Frankle & Carbin LeNet-300-100: Adam 1.2e-3, batch 60, 50K iterations, fc 20% / output 10% per round, eval every 100',
    config: {
      name: 'lenet300-paper',
      iterations: 50000,
      pruning: { strategy: 'layerwise', rates: { default: 0.2, output: 0.1 }, rounds: 20 },
      trials: 5,
    },
  },
  quick: {
    description: 'the npm start job: LeNet-300-100 on the embedded MNIST, 16 rounds to ~3% weights, ticket vs random reinit, minutes on 2 cores',
    config: {
      name: 'quick',
      iterations: 2500,
      evalEvery: 100,
      pruning: { strategy: 'layerwise', rates: { default: 0.2, output: 0.1 }, rounds: 16 },
      branches: ['ticket', 'reinit'],
      trials: 1,
    },
  },
  compare: {
    description: 'the competitors side by side on LeNet-300-100 / embedded MNIST: IMP ticket, reinit, random pruning, fine-tuning, SNIP, GraSP, SynFlow, DEEP-R (and SET, RigL) at matched sizes, 2 trials',
    config: {
      name: 'compare',
      iterations: 1500,
      evalEvery: 100,
      // 40% of the hidden layers per round reaches a few percent in 6 rounds
      pruning: { strategy: 'layerwise', rates: { default: 0.4, output: 0.2 }, rounds: 6 },
      branches: ['ticket', 'reinit', 'randomPrune', 'fineTune', 'snip', 'grasp', 'synflow', 'deepR', 'set', 'rigl'],
      fineTune: { iterations: 500 },
      trials: 2,
    },
  },
  // Conv-2/4/6 (+ dropout), VGG-19, ResNet-20 and conv-quick; their choices are documented there.
  ...convPresets,
  // bert-pretrain, bert, bert-quick, vit-quick (issue 16); their choices are documented there.
  ...transformerPresets,
};

/** The resolved config of a preset, with optional overrides merged on top. */
export function presetConfig(name: string, overrides: Record<string, unknown> = {}): ExperimentConfig {
  const p = Object.hasOwn(presets, name) ? presets[name] : undefined;
  if (p === undefined) throw new UserError(`unknown preset '${name}': expected one of ${Object.keys(presets).join(', ')} or a path to a .json config`);
  return resolveConfig(merge(p.config, overrides));
}
