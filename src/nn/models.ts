import { featureCount } from '../data/dataset.ts';
import type { Backend } from '../backend/backend.ts';
import { UserError } from '../util/errors.ts';
import { Dropout, Linear, Sequential } from './layers.ts';
import { convModelSpecs } from './conv-models.ts';
import type { Module } from './module.ts';
import type { TextInfo } from '../data/dataset.ts';
import { Bert, DEFAULT_TRANSFORMER, type TransformerShape, Vit } from './transformer.ts';

/** What a model builder gets: the data's shape and the model's knobs. */
export interface ModelOptions {
  inputShape: readonly number[];
  numClasses: number;
  /** Dropout probability on hidden activations (0 = none). */
  dropout?: number;
  /** Multiplies every hidden width (for CPU-sized variants). */
  widthMultiplier?: number;
  /** Token data (Dataset.text): what the text models build their embeddings for. */
  text?: TextInfo;
  /** The encoder's size (bert, vit); default DEFAULT_TRANSFORMER. */
  transformer?: TransformerShape;
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
  bert: {
    description: 'BERT-style encoder (default 4 layers, 4 heads, hidden 128, FFN 512): [CLS] pooler + classifier, or the MLM head on MLM data; Q/K/V/O and FFN matrices prunable (Chen et al. 2020)',
    dataset: 'spam',
    build: (b, o) => {
      if (o.text === undefined) throw new UserError(`model bert needs token data (spam, spam-mlm); got a dataset of input shape [${o.inputShape}]: use model vit for images`);
      return new Bert(b, o.text, o.numClasses, o.transformer ?? DEFAULT_TRANSFORMER, o.dropout ?? 0);
    },
  },
  vit: {
    description: 'Vision Transformer: patch embedding, pre-LN encoder (config transformer), mean-pooled patches, linear classifier; Q/K/V/O and FFN matrices prunable',
    dataset: 'mnist',
    build: (b, o) => {
      if (o.text !== undefined) throw new UserError('model vit needs image data (mnist, fashion-mnist, cifar10); got token data: use model bert');
      return new Vit(b, o.inputShape, o.numClasses, o.transformer ?? DEFAULT_TRANSFORMER, o.dropout ?? 0);
    },
  },
};

/** Looks a model up by name; the error lists the valid names. */
export function getModel(name: string): ModelSpec {
  const spec = Object.hasOwn(models, name) ? models[name] : undefined;
  if (spec === undefined) {
    throw new UserError(`unknown model '${name}': expected one of ${Object.keys(models).join(', ')}`);
  }
  return spec;
}
