/**
 * Pieces of the sparse benchmark (bench/sparse.ts): LeNet-300-100 with magnitude-pruning-like
 * masks of a given density, trained on one of the three paths (dense kernels with masks, sparse
 * kernels forced, or the trainer's measured per-layer choice), and its two inference engines.
 */
import { evalCtx, trainCtx } from '../src/autograd/tape.ts';
import { Tensor } from '../src/autograd/tensor.ts';
import type { Backend } from '../src/backend/backend.ts';
import { shapeOnlyDataset } from '../src/data/dataset.ts';
import { mlpLayers, sparseLayers } from '../src/infer/export.ts';
import { SparseModel } from '../src/infer/sparse-model.ts';
import { makeOptimizer } from '../src/optim/optimizer.ts';
import { applyMasks, prunableParams } from '../src/prune/apply.ts';
import type { Masks } from '../src/prune/masks.ts';
import { type Network, buildNetwork, disposeNetwork } from '../src/train/setup.ts';
import { type SparseMode, type SparsePlan, activateSparse } from '../src/train/sparse-plan.ts';
import { snapshotWeights } from '../src/train/state.ts';
import { trainStep } from '../src/train/trainer.ts';
import { Rng } from '../src/util/rng.ts';

/** Batch of the training step and of the batched inference (the paper's LeNet batch). */
export const BATCH = 60;
const FEATURES = 784;

/** LeNet-300-100's shapes (the benchmark feeds random batches). */
const shapes = shapeOnlyDataset([1, 28, 28], 10);

/**
 * The paper prunes LeNet's output layer at half the rate of the hidden layers (10% vs 20% per
 * round), so after the rounds that leave hidden layers at `d` it keeps d^(log 0.9 / log 0.8).
 */
export function outputDensity(d: number): number {
  return d ** (Math.log(0.9) / Math.log(0.8));
}

/** Masks keeping exactly round(density * size) weights per layer at random positions (seeded). */
export function benchMasks(net: Network, density: number, seed: number): Masks {
  const rng = new Rng(seed, `masks/${density}`);
  const masks: Masks = {};
  const prunable = prunableParams(net.params);
  prunable.forEach((p, i) => {
    const d = i === prunable.length - 1 ? outputDensity(density) : density;
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

/** A masked LeNet-300-100 training on one path, with its own Adam state. */
export interface BenchNet {
  net: Network;
  masks: Masks;
  plan: SparsePlan;
  /** One training step on the next batch of a fixed pool of random batches. */
  step(): number;
  /** Logits of n rows through the dense model (evaluation mode). */
  predictDense(x: Float32Array, n: number): Float32Array;
  dispose(): void;
}

/** Random batches (pixels in [0, 1), uniform labels), cycled by every network alike. */
export function batchPool(seed: number): { x: Float32Array; y: Float32Array }[] {
  const rng = new Rng(seed, 'batches');
  return Array.from({ length: 8 }, () => ({
    x: Float32Array.from({ length: BATCH * FEATURES }, () => rng.next()),
    y: Float32Array.from({ length: BATCH }, () => rng.int(10)),
  }));
}

/**
 * Builds LeNet-300-100 pruned to `density` (same seed: same weights and masks on every path)
 * and installs the kernels of `mode`.
 */
export function benchNet(b: Backend, density: number, mode: SparseMode, pool: { x: Float32Array; y: Float32Array }[], seed: number): BenchNet {
  const rng = new Rng(seed, 'bench-net');
  const net = buildNetwork(b, 'lenet300', shapes, rng.split('init'));
  const masks = benchMasks(net, density, seed);
  applyMasks(b, net.params, masks);
  const opt = makeOptimizer(b, net.params, { kind: 'adam', lr: 1.2e-3 });
  const plan = activateSparse(b, net.model, opt, { mode, batchSize: BATCH });
  const ctx = trainCtx(b, rng.split('dropout'));
  const ectx = evalCtx(b, rng.split('eval'));
  let i = 0;
  return {
    net,
    masks,
    plan,
    step: () => {
      const { x, y } = pool[i++ % pool.length];
      return trainStep(ctx, net.model, net.params, opt, x, y, BATCH, FEATURES, 1.2e-3);
    },
    predictDense: (x, n) => {
      b.resetScratch();
      const t = new Tensor([n, FEATURES], b.scratch(n * FEATURES), false);
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
  const layers = sparseLayers(mlpLayers(bn.net.model, 'lenet300'), weights, bn.masks);
  return new SparseModel(b, { model: 'lenet300', dataset: 'mnist', normalize: false, inputShape: [FEATURES], numClasses: 10, layers, info: {} });
}
