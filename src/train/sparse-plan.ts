/**
 * Which kernels each Linear and Conv2d layer trains on: dense (GEMM with a mask) or sparse
 * (CSR, work in proportion to the surviving weights). Decided once per training run and layer,
 * by measuring both on the layer's shape and density (train/crossover.ts, conv-crossover.ts), or
 * forced; the choices go into TrainResult.kernels. A kernel plan (kernel-plan.ts) keeps measured
 * choices, so a later run meeting the same layer at the same mask size takes the same path.
 * A sparse layer's weight trains as its vector of nonzero values, and the optimizer state
 * follows it; end() puts values and state back into their dense homes.
 */
import type { Backend } from '../backend/backend.ts';
import type { SparseWeight } from '../autograd/ops/sparse-linear.ts';
import { evalCtx } from '../autograd/tape.ts';
import { Tensor } from '../autograd/tensor.ts';
import { convGeom } from '../backend/conv-geom.ts';
import { featureCount } from '../data/dataset.ts';
import { BasicBlock, Conv2d } from '../nn/conv-layers.ts';
import { Linear, Sequential } from '../nn/layers.ts';
import type { Module, Parameter } from '../nn/module.ts';
import { Bert, EncoderBlock, Vit } from '../nn/transformer.ts';
import { attachSparse, detachSparse, freeSparseWeight, maskPattern } from '../nn/sparse-linear.ts';
import type { Optimizer } from '../optim/optimizer.ts';
import type { CsrPattern } from '../prune/csr.ts';
import { Rng } from '../util/rng.ts';
import { type Crossover, measureCrossover } from './crossover.ts';
import { measureConvCrossover } from './conv-crossover.ts';
import type { KernelPlanStore } from './kernel-plan.ts';

/**
 * 'auto' measures the crossover per layer; 'dense' and 'sparse' force every masked layer; a
 * record forces the layers it names (others 'auto'), e.g. to replay a run's recorded choices.
 */
export type SparseMode = 'auto' | 'dense' | 'sparse' | Record<string, 'dense' | 'sparse'>;

/**
 * 'auto' leaves a layer smaller than this (multiply-adds per forward: rows * cols * batch, for
 * a conv layer cout * cin·k·k * output pixels * batch) on the dense kernels without measuring:
 * there is nothing to win (LeNet's 10x100 output layer at batch 60 is 60K), and a choice made
 * by timing two near-equal costs could differ from run to run, while the two paths agree only
 * to ~1e-6, not bit for bit.
 */
export const MIN_AUTO_WORK = 1 << 20;

/**
 * 'auto' also leaves a layer denser than this on the dense kernels without measuring: sparse
 * kernels at most tie there (LeNet's step 1.00x at 100%, a Conv-2 layer 0.58x), and round 0 of
 * an IMP run, where every mask is all ones, then costs no measurement and runs the same way
 * every time.
 */
export const MAX_AUTO_DENSITY = 0.9;

/** The kernels one Linear or Conv2d layer trained on, and why. */
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

/**
 * A layer with a prunable weight the plan can switch, whether any parameterised layer runs
 * before it, and how many rows of its input one example makes (a transformer's token rows:
 * seqLen or patches per example; 1 elsewhere), so that its work at batch n is measured on
 * n * rowsPerExample rows.
 */
export interface SparseSite {
  layer: Linear | Conv2d;
  needsInputGrad: boolean;
  rowsPerExample: number;
}

/**
 * The Linear and Conv2d layers of a model in forward order (through nested Sequentials, ResNet
 * blocks and transformer encoders: Q, K, V, O, fc1, fc2 of each block). A layer after no
 * parameterised layer reads the data, so its step needs no input gradient.
 */
export function sparseSites(model: Module): SparseSite[] {
  const out: SparseSite[] = [];
  let seenParams = false;
  let rowsPerExample = 1;
  const walk = (m: Module): void => {
    if (m instanceof Sequential) {
      for (const child of m.layers) walk(child);
      return;
    }
    if (m instanceof Bert || m instanceof Vit) {
      // Token rows: the blocks (and ViT's patch projection) run on seq rows per example; the
      // pooler and classifier on one, the MLM head on the masked slots.
      rowsPerExample = m instanceof Bert ? m.seq : m.tokens;
      if (m instanceof Vit) walk(m.patchEmbed);
      else seenParams = true; // the token and position embeddings
      for (const block of m.blocks) walk(block);
      rowsPerExample = m instanceof Bert && m.masked > 0 ? m.masked : 1;
      const heads = m instanceof Vit ? [m.classifier] : [m.pooler, m.classifier, m.mlmTransform, m.mlmDecoder];
      for (const head of heads) if (head !== null) walk(head);
      rowsPerExample = 1;
      return;
    }
    if (m instanceof EncoderBlock) {
      for (const child of [m.q, m.k, m.v, m.o, m.fc1, m.fc2]) walk(child);
      return;
    }
    if (m instanceof BasicBlock) {
      // Both the residual branch and the shortcut read the block's input (seenParams is the
      // same for conv1 and the shortcut conv: a block never comes first).
      for (const child of [m.conv1, m.bn1, m.conv2, m.bn2, ...(m.shortcut ?? [])]) walk(child);
      return;
    }
    if (m instanceof Linear || m instanceof Conv2d) out.push({ layer: m, needsInputGrad: seenParams, rowsPerExample });
    if (m.parameters().length > 0) seenParams = true;
  };
  walk(model);
  return out;
}

/** What activateSparse needs to know about the run. */
export interface SparsePlanOptions {
  mode: SparseMode;
  batchSize: number;
  /** Shape of one example ([C, H, W] for images): conv layers need it to be measured in 'auto'. */
  inputShape?: readonly number[];
  /** Measured choices to reuse, and where new ones go (none: every run measures for itself). */
  plan?: KernelPlanStore;
}

/**
 * Decides and installs the kernels of every Linear and Conv2d layer of `model` for a run at
 * `batchSize`. Only layers whose weight has a mask can go sparse (the pattern is the mask's ones).
 */
export function activateSparse(b: Backend, model: Module, opt: Optimizer, o: SparsePlanOptions): SparsePlan {
  const kernels: Record<string, KernelChoice> = {};
  const sparse: Parameter[] = [];
  const sites = sparseSites(model);
  const modeOf = (name: string) => (typeof o.mode === 'string' ? o.mode : (o.mode[name] ?? 'auto'));
  if (sites.some(({ layer }) => layer instanceof Conv2d && layer.weight.mask !== null && modeOf(layer.name) === 'auto')) {
    probeInputs(b, model, o.inputShape);
  }
  for (const { layer, needsInputGrad, rowsPerExample } of sites) {
    const p = layer.weight;
    const rows = o.batchSize * rowsPerExample;
    if (p.mask === null) {
      kernels[layer.name] = { path: 'dense', density: 1, denseMs: null, sparseMs: null };
      continue;
    }
    const mode = modeOf(layer.name);
    const density = b.sum(p.mask, p.size) / p.size;
    const obvious = mode === 'auto' && (density > MAX_AUTO_DENSITY || forwardWork(layer, rows) < MIN_AUTO_WORK);
    if (mode === 'dense' || obvious) {
      kernels[layer.name] = { path: 'dense', density, denseMs: null, sparseMs: null };
      continue;
    }
    const pat = maskPattern(b, p);
    let choice: KernelChoice = { path: 'sparse', density: pat.nnz / p.size, denseMs: null, sparseMs: null };
    if (mode === 'auto') {
      const key = planKey(b, layer, rows, needsInputGrad, pat.nnz);
      const planned = o.plan?.lookup(key);
      if (planned !== undefined) {
        choice = { ...planned };
      } else {
        const t = measure(b, layer, rows, needsInputGrad, pat);
        choice = { path: t.sparseMs < t.denseMs ? 'sparse' : 'dense', density: choice.density, denseMs: t.denseMs, sparseMs: t.sparseMs };
        if (o.plan !== undefined) choice = { ...o.plan.record(key, choice) };
      }
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

// One forward pass of a single zero example in evaluation mode, so that every Conv2d records
// the shape of its input (its geometry follows from it).
function probeInputs(b: Backend, model: Module, inputShape: readonly number[] | undefined): void {
  if (inputShape === undefined) throw new Error("activateSparse: 'auto' kernels for conv layers need the input shape");
  const features = featureCount(inputShape);
  b.resetScratch();
  model.forward(evalCtx(b, new Rng(0, 'probe')), new Tensor([1, features], b.scratch(features), false));
  b.resetScratch();
}

// The geometry of a conv layer at batch n, from the input shape its last forward recorded.
function geomOf(layer: Conv2d, n: number) {
  const shape = layer.inputShape;
  if (shape === null || shape.length !== 4) throw new Error(`activateSparse: no input shape recorded for '${layer.name}'`);
  const [, c, h, w] = shape;
  return convGeom(n, c, h, w, layer.outChannels, layer.kernel, layer.opts.stride ?? 1, layer.opts.padding ?? 'same');
}

// Multiply-adds of one dense forward pass of the layer at batch n (see MIN_AUTO_WORK).
function forwardWork(layer: Linear | Conv2d, n: number): number {
  if (layer instanceof Linear) return layer.outFeatures * layer.inFeatures * n;
  const g = geomOf(layer, n);
  return g.cout * g.c * g.kh * g.kw * g.outH * g.outW * n;
}

/**
 * The kernel-plan key of a layer: its name, shape (a conv layer's whole geometry at batch n),
 * activation, input gradient, batch, the exact number of weights its mask keeps, and the
 * backend. Branches and trials that train the layer with as many weights share the key.
 */
export function planKey(b: Backend, layer: Linear | Conv2d, n: number, needsInputGrad: boolean, nnz: number): string {
  let shape: string;
  if (layer instanceof Linear) {
    shape = `linear ${layer.outFeatures}x${layer.inFeatures} relu ${layer.fuseRelu}`;
  } else {
    const g = geomOf(layer, n);
    shape = `conv ${[g.c, g.h, g.w, g.cout, g.kh, g.kw, g.strideH, g.strideW, g.padH, g.padW].join(',')} bias ${layer.bias !== null} relu ${layer.opts.relu ?? false}`;
  }
  return `${layer.name}|${shape}|dx ${needsInputGrad}|batch ${n}|nnz ${nnz}|${b.name}`;
}

// The timed crossover of a layer at batch n.
function measure(b: Backend, layer: Linear | Conv2d, n: number, needsInputGrad: boolean, pat: CsrPattern): Crossover {
  if (layer instanceof Linear) {
    return measureCrossover(b, { rows: layer.outFeatures, cols: layer.inFeatures, batch: n, relu: layer.fuseRelu, needsInputGrad }, pat);
  }
  const o = layer.opts;
  const shape = { g: geomOf(layer, n), stride: o.stride ?? 1, padding: o.padding ?? 'same', bias: layer.bias !== null, relu: o.relu ?? false, needsInputGrad };
  return measureConvCrossover(b, shape, pat);
}
