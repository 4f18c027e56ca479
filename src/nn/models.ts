import { featureCount } from '../data/dataset.ts';
import type { Backend } from '../backend/backend.ts';
import { UserError } from '../util/errors.ts';
import { Dropout, Linear, Sequential } from './layers.ts';
import { convModelSpecs } from './conv-models.ts';
import type { Module } from './module.ts';

/** What a model builder gets: the data's shape and the model's knobs. */
export interface ModelOptions {
  inputShape: readonly number[];
  numClasses: number;
  /** Dropout probability on hidden activations (0 = none). */
  dropout?: number;
  /** Multiplies every hidden width (for CPU-sized variants). */
  widthMultiplier?: number;
}

/** A model family by name. */
export interface ModelSpec {
  description: string;
  /** The paper's (or typical) dataset for it. */
  dataset: string;
  build(b: Backend, opts: ModelOptions): Module;
}

/** A multilayer perceptron with ReLU hidden layers named fc1, fc2, ...; the last is linear. */
export function mlp(b: Backend, sizes: number[], dropout = 0): Sequential {
  const layers = [];
  for (let i = 0; i + 1 < sizes.length; i++) {
    const last = i + 2 === sizes.length;
    if (i > 0 && dropout > 0) layers.push(new Dropout(dropout));
    layers.push(new Linear(b, `fc${i + 1}`, sizes[i], sizes[i + 1], !last));
  }
  return new Sequential(layers);
}

/** The registry of models: `lth models` lists it. */
export const models: Record<string, ModelSpec> = {
  lenet300: {
    description: 'LeNet-300-100: fully connected 784-300-100-10, ReLU (Frankle & Carbin Fig. 2)',
    dataset: 'mnist',
    build: (b, o) => {
      const w = o.widthMultiplier ?? 1;
      return mlp(b, [featureCount(o.inputShape), Math.round(300 * w), Math.round(100 * w), o.numClasses], o.dropout ?? 0);
    },
  },
  conv2: convModelSpecs.conv2,
  conv4: convModelSpecs.conv4,
  conv6: convModelSpecs.conv6,
  vgg19: convModelSpecs.vgg19,
  resnet20: convModelSpecs.resnet20,
};

/** Looks a model up by name; the error lists the valid names. */
export function getModel(name: string): ModelSpec {
  const spec = Object.hasOwn(models, name) ? models[name] : undefined;
  if (spec === undefined) {
    throw new UserError(`unknown model '${name}': expected one of ${Object.keys(models).join(', ')}`);
  }
  return spec;
}
