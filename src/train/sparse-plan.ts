/**
 * Which kernels each Linear layer trains on: dense (GEMM with a mask) or sparse (CSR, work in
 * proportion to the surviving weights). Decided once per training run and layer, by measuring
 * both on the layer's shape and density (train/crossover.ts), or forced; the choices go into
 * TrainResult.kernels. A sparse layer's weight trains as its vector of nonzero values, and the
 * optimizer state follows it; end() puts values and state back into their dense homes.
 */
import type { Backend } from '../backend/backend.ts';
import type { SparseWeight } from '../autograd/ops/sparse-linear.ts';
import { Linear, Sequential } from '../nn/layers.ts';
import type { Module, Parameter } from '../nn/module.ts';
import { attachSparse, detachSparse, freeSparseWeight, maskPattern } from '../nn/sparse-linear.ts';
import type { Optimizer } from '../optim/optimizer.ts';
import { measureCrossover } from './crossover.ts';

/**
 * 'auto' measures the crossover per layer; 'dense' and 'sparse' force every masked layer; a
 * record forces the layers it names (others 'auto'), e.g. to replay a run's recorded choices.
 */
export type SparseMode = 'auto' | 'dense' | 'sparse' | Record<string, 'dense' | 'sparse'>;

/**
 * 'auto' leaves a layer smaller than this (multiply-adds per forward: rows * cols * batch) on
 * the dense kernels without measuring: there is nothing to win (LeNet's 10x100 output layer at
 * batch 60 is 60K), and a choice made by timing two near-equal costs could differ from run to
 * run, while the two paths agree only to ~1e-6, not bit for bit.
 */
export const MIN_AUTO_WORK = 1 << 20;

/** The kernels one Linear layer trained on, and why. */
export interface KernelChoice {
  path: 'dense' | 'sparse';
  /** Fraction of the layer's weights that survive its mask (1 without a mask). */
  density: number;
  /** Measured ms per step of the layer on each path (null when not measured: forced, or too small). */
  denseMs: number | null;
  sparseMs: number | null;
}

/** An active plan; end() must run when the training run ends (the trainer does it in a finally). */
export interface SparsePlan {
  readonly kernels: Record<string, KernelChoice>;
  /** Values back into the dense weights, optimizer state back to dense, buffers freed. Idempotent. */
  end(): void;
}

/** A Linear layer of a model, and whether any parameterised layer runs before it. */
export interface LinearSite {
  layer: Linear;
  needsInputGrad: boolean;
}

/**
 * The Linear layers of a model in forward order (through nested Sequentials). A layer after no
 * parameterised layer reads the data, so its step needs no input gradient.
 */
export function linearSites(model: Module): LinearSite[] {
  const out: LinearSite[] = [];
  let seenParams = false;
  const walk = (m: Module): void => {
    if (m instanceof Sequential) {
      for (const child of m.layers) walk(child);
      return;
    }
    if (m instanceof Linear) out.push({ layer: m, needsInputGrad: seenParams });
    if (m.parameters().length > 0) seenParams = true;
  };
  walk(model);
  return out;
}

/**
 * Decides and installs the kernels of every Linear layer of `model` for a run at `batchSize`.
 * Only layers whose weight has a mask can go sparse (the pattern is the mask's ones).
 */
export function activateSparse(b: Backend, model: Module, opt: Optimizer, o: { mode: SparseMode; batchSize: number }): SparsePlan {
  const kernels: Record<string, KernelChoice> = {};
  const sparse: Parameter[] = [];
  for (const { layer, needsInputGrad } of linearSites(model)) {
    const p = layer.weight;
    if (p.mask === null) {
      kernels[layer.name] = { path: 'dense', density: 1, denseMs: null, sparseMs: null };
      continue;
    }
    const mode = typeof o.mode === 'string' ? o.mode : (o.mode[layer.name] ?? 'auto');
    const small = layer.outFeatures * layer.inFeatures * o.batchSize < MIN_AUTO_WORK;
    if (mode === 'dense' || (mode === 'auto' && small)) {
      kernels[layer.name] = { path: 'dense', density: b.sum(p.mask, p.size) / p.size, denseMs: null, sparseMs: null };
      continue;
    }
    const pat = maskPattern(b, p);
    const choice: KernelChoice = { path: 'sparse', density: pat.nnz / p.size, denseMs: null, sparseMs: null };
    if (mode === 'auto') {
      const shape = { rows: layer.outFeatures, cols: layer.inFeatures, batch: o.batchSize, relu: layer.fuseRelu, needsInputGrad };
      const t = measureCrossover(b, shape, pat);
      choice.denseMs = t.denseMs;
      choice.sparseMs = t.sparseMs;
      choice.path = t.sparseMs < t.denseMs ? 'sparse' : 'dense';
    }
    kernels[layer.name] = choice;
    if (choice.path === 'sparse') {
      attachSparse(b, p, pat);
      sparse.push(p);
    }
  }
  opt.syncLayout();
  let ended = false;
  return {
    kernels,
    end(): void {
      if (ended) return;
      ended = true;
      const weights = sparse.map((p) => detachSparse(b, p)).filter((s): s is SparseWeight => s !== null);
      opt.syncLayout(); // reads the old layouts' indices, so before freeing them
      for (const s of weights) freeSparseWeight(b, s);
    },
  };
}
