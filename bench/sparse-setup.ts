/**
 * Pieces of the sparse benchmark (bench/sparse.ts): a network (LeNet-300-100, Conv-2 on
 * CIFAR-10-shaped input, or a BERT encoder over token rows: bench/sparse-bert.ts) with random
 * masks of a given density, trained on one of the three paths (dense kernels with masks, sparse
 * kernels forced, or the trainer's measured per-layer choice), and its inference engines.
 */
import { evalCtx, trainCtx } from '../src/autograd/tape.ts';
import { Tensor } from '../src/autograd/tensor.ts';
import type { Backend } from '../src/backend/backend.ts';
import { type Dataset, type TextInfo, featureCount, shapeOnlyDataset } from '../src/data/dataset.ts';
import { CLS_ID, FIRST_TOKEN_ID } from '../src/data/wordpiece.ts';
import type { TransformerShape } from '../src/nn/transformer.ts';
import { modelLayers, sparseLayers } from '../src/infer/export.ts';
import { UserError } from '../src/util/errors.ts';
import { SparseModel } from '../src/infer/sparse-model.ts';
import { makeOptimizer } from '../src/optim/optimizer.ts';
import { applyMasks, prunableParams } from '../src/prune/apply.ts';
import type { Masks } from '../src/prune/masks.ts';
import { type Network, buildNetwork, disposeNetwork } from '../src/train/setup.ts';
import { type SparseMode, type SparsePlan, activateSparse } from '../src/train/sparse-plan.ts';
import { snapshotWeights } from '../src/train/state.ts';
import { trainStep } from '../src/train/trainer.ts';
import { Rng } from '../src/util/rng.ts';

/** Batch of the training step and of the batched inference (the paper's batch for both nets). */
export const BATCH = 60;

/** A benchmarked network: model, input shape, and each prunable layer's density at a row's density. */
export interface BenchModel {
  model: string;
  label: string;
  inputShape: number[];
  /** Density of prunable layer i of `count` when the row's density is d. */
  layerDensity(d: number, i: number, count: number): number;
  /** Adam's learning rate (the paper's). */
  lr: number;
  /** Examples per training step and batched inference (default BATCH). */
  batch?: number;
  /** Token data (a text model): rows of seqLen ids, 2 classes; inputShape is [seqLen]. */
  text?: TextInfo;
  transformer?: TransformerShape;
  dropout?: number;
}

/** The model's batch. */
export const batchOf = (m: BenchModel): number => m.batch ?? BATCH;

/** LeNet-300-100 on MNIST-shaped input; the output layer at the paper's half pruning rate. */
export const LENET: BenchModel = {
  model: 'lenet300', label: 'LeNet-300-100', inputShape: [1, 28, 28], lr: 1.2e-3,
  layerDensity: (d, i, count) => (i === count - 1 ? outputDensity(d) : d),
};

/** Conv-2 on CIFAR-10-shaped input, every layer (convs, fc, output) at the row's density. */
export const CONV2: BenchModel = {
  model: 'conv2', label: 'Conv-2 (3x32x32 -> 64, 64, pool, fc 256, 256, 10)', inputShape: [3, 32, 32], lr: 2e-4,
  layerDensity: (d) => d,
};

const features = (m: BenchModel): number => featureCount(m.inputShape);

/**
 * The paper prunes LeNet's output layer at half the rate of the hidden layers (10% vs 20% per
 * round), so after the rounds that leave hidden layers at `d` it keeps d^(log 0.9 / log 0.8).
 */
export function outputDensity(d: number): number {
  return d ** (Math.log(0.9) / Math.log(0.8));
}

/** Masks keeping exactly round(density * size) weights per layer at random positions (seeded). */
export function benchMasks(net: Network, model: BenchModel, density: number, seed: number): Masks {
  const rng = new Rng(seed, `masks/${density}`);
  const masks: Masks = {};
  const prunable = prunableParams(net.params);
  prunable.forEach((p, i) => {
    const d = model.layerDensity(density, i, prunable.length);
    const order = Array.from({ length: p.size }, (_, k) => k);
    const keep = Math.round(d * p.size);
    for (let k = 0; k < keep; k++) {
      const j = k + rng.int(p.size - k); // partial Fisher-Yates: the first `keep` of a shuffle
      [order[k], order[j]] = [order[j], order[k]];
    }
    const m = new Uint8Array(p.size);
    for (let k = 0; k < keep; k++) m[order[k]] = 1;
    masks[p.name] = m;
  });
  return masks;
}

/** A masked network training on one path, with its own Adam state. */
export interface BenchNet {
  model: BenchModel;
  net: Network;
  masks: Masks;
  plan: SparsePlan;
  /** One training step on the next batch of a fixed pool of random batches. */
  step(): number;
  /** Logits of n rows through the model (evaluation mode) on the kernels its plan installed. */
  predictDense(x: Float32Array, n: number): Float32Array;
  dispose(): void;
}

/**
 * Random batches, cycled by every network alike: pixels in [0, 1) with uniform labels of 10
 * classes, or for a text model valid token rows ([CLS] first, ids in [FIRST_TOKEN_ID, vocab)
 * for a random length of 2..seqLen, [PAD] = 0 after it) with labels 0/1.
 */
export function batchPool(seed: number, model: BenchModel = LENET): { x: Float32Array; y: Float32Array }[] {
  const rng = new Rng(seed, 'batches');
  const n = batchOf(model);
  const text = model.text;
  if (text !== undefined) {
    const seq = text.seqLen;
    return Array.from({ length: 4 }, () => {
      const x = new Float32Array(n * seq);
      for (let i = 0; i < n; i++) {
        const len = 2 + rng.int(seq - 1);
        x[i * seq] = CLS_ID;
        for (let j = 1; j < len; j++) x[i * seq + j] = FIRST_TOKEN_ID + rng.int(text.vocabSize - FIRST_TOKEN_ID);
      }
      return { x, y: Float32Array.from({ length: n }, () => rng.int(2)) };
    });
  }
  return Array.from({ length: model === LENET ? 8 : 2 }, () => ({
    x: Float32Array.from({ length: n * features(model) }, () => rng.next()),
    y: Float32Array.from({ length: n }, () => rng.int(10)),
  }));
}

/** The dataset a bench model is built for: shapes only, plus the TextInfo of a text model. */
function benchDataset(model: BenchModel): Dataset {
  if (model.text === undefined) return shapeOnlyDataset(model.inputShape, 10);
  return { ...shapeOnlyDataset(model.inputShape, 2), text: model.text };
}

/**
 * Builds the network pruned to `density` (same seed: same weights and masks on every path)
 * and installs the kernels of `mode`.
 */
export function benchNet(b: Backend, density: number, mode: SparseMode, pool: { x: Float32Array; y: Float32Array }[], seed: number, model: BenchModel = LENET): BenchNet {
  const rng = new Rng(seed, 'bench-net');
  const FEATURES = features(model);
  const n = batchOf(model);
  const net = buildNetwork(b, model.model, benchDataset(model), rng.split('init'), { transformer: model.transformer, dropout: model.dropout });
  const masks = benchMasks(net, model, density, seed);
  applyMasks(b, net.params, masks);
  const opt = makeOptimizer(b, net.params, { kind: 'adam', lr: model.lr });
  const plan = activateSparse(b, net.model, opt, { mode, batchSize: n, inputShape: model.inputShape });
  const ctx = trainCtx(b, rng.split('dropout'));
  const ectx = evalCtx(b, rng.split('eval'));
  let i = 0;
  return {
    model,
    net,
    masks,
    plan,
    step: () => {
      const { x, y } = pool[i++ % pool.length];
      return trainStep(ctx, net.model, net.params, opt, x, y, n, FEATURES, model.lr);
    },
    predictDense: (x, n) => {
      b.resetScratch();
      const t = new Tensor([n, FEATURES], b.scratchUninit(n * FEATURES), false); // written in full below
      b.write(t.buf, x.subarray(0, n * FEATURES));
      return b.read(net.model.forward(ectx, t).buf);
    },
    dispose: () => {
      plan.end();
      opt.dispose();
      disposeNetwork(b, net);
    },
  };
}

/** The inference engine of model.lth built from a masked network's current weights. */
export function sparseModelOf(b: Backend, bn: BenchNet): SparseModel {
  const weights = snapshotWeights(b, bn.net.params);
  const layers = sparseLayers(modelLayers(bn.net.model, bn.model.model), weights, bn.masks);
  return new SparseModel(b, { model: bn.model.model, dataset: 'bench', normalize: false, inputShape: bn.model.inputShape, numClasses: 10, layers, info: {} });
}

/** The flags `lth bench sparse` and `lth bench infer` share (node:util parseArgs options). */
export const densityBenchFlags = {
  json: { type: 'boolean', default: false },
  densities: { type: 'string' },
  rounds: { type: 'string' },
  'no-tfjs': { type: 'boolean', default: false },
  'no-conv': { type: 'boolean', default: false },
} as const;

/** What those flags ask for, checked: densities in (0, 1], rounds a positive integer. */
export function densityBenchOptions(values: { densities?: unknown; rounds?: unknown; 'no-tfjs'?: unknown }): { densities?: number[]; rounds?: number; tfjs: boolean } {
  const densities = values.densities === undefined ? undefined : String(values.densities).split(',').map(Number);
  if (densities?.some((d) => !(d > 0 && d <= 1))) throw new UserError(`--densities: expected fractions in (0, 1], got '${values.densities}'`);
  const rounds = values.rounds === undefined ? undefined : Number(values.rounds);
  if (rounds !== undefined && !(Number.isInteger(rounds) && rounds > 0)) throw new UserError(`--rounds: expected a positive integer, got '${values.rounds}'`);
  return { densities, rounds, tfjs: !values['no-tfjs'] };
}
