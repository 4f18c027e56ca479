/**
 * The measured dense/sparse crossover of one Linear layer: the time of its share of a training
 * step (forward, backward, and the Adam update of its weight) on the dense kernels with a mask
 * and on the sparse kernels, timed side by side on this machine and backend. Cached in-process
 * by shape, batch and density bucket, so a run pays for it once per layer and pruning level.
 */
import type { Backend } from '../backend/backend.ts';
import { linear } from '../autograd/ops/linear.ts';
import { type SparseWeight, sparseLinear } from '../autograd/ops/sparse-linear.ts';
import { trainCtx } from '../autograd/tape.ts';
import { Tensor } from '../autograd/tensor.ts';
import { freeSparseWeight, makeSparseWeight } from '../nn/sparse-linear.ts';
import type { CsrPattern } from '../prune/csr.ts';
import { Rng } from '../util/rng.ts';

/** What is timed: a layer y = act(x·Wᵀ + b) with W [rows, cols] at a batch of `batch` rows. */
export interface LayerShape {
  rows: number;
  cols: number;
  batch: number;
  relu: boolean;
  /** Whether the step also needs dx (false for the first layer, whose input is the data). */
  needsInputGrad: boolean;
}

/** Best-of-N milliseconds per step of the layer on each path. */
export interface Crossover {
  denseMs: number;
  sparseMs: number;
}

const cache = new Map<string, Crossover>();
// Interleaved repetitions after warm-up: enough for wasm tier-up and for a best-of on a busy machine.
const WARMUP = 3;
const REPS = 7;

/** Density bucket: half a 20%-pruning round wide on a log scale (1 -> 0, 0.8 -> 2, 0.64 -> 4, ...). */
export function densityBucket(density: number): number {
  return density <= 0 ? Infinity : Math.round((Math.log(density) / Math.log(0.8)) * 2);
}

/** Measures (or recalls) the crossover of a layer shape at the density of `pat`. */
export function measureCrossover(b: Backend, s: LayerShape, pat: CsrPattern): Crossover {
  const density = pat.nnz / Math.max(1, s.rows * s.cols);
  const key = `${b.name}|${s.rows}x${s.cols}|m${s.batch}|relu${s.relu}|dx${s.needsInputGrad}|${densityBucket(density)}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const result = timeLayer(b, s, pat);
  cache.set(key, result);
  return result;
}

/** Forgets every cached measurement (tests; a changed machine load). */
export function clearCrossoverCache(): void {
  cache.clear();
}

// Times both paths on private buffers with random contents; frees them all.
function timeLayer(b: Backend, s: LayerShape, pat: CsrPattern): Crossover {
  const { rows: n, cols: k, batch: m } = s;
  const rng = new Rng(1, 'crossover');
  const fill = (len: number) => {
    const buf = b.alloc(len);
    b.write(buf, Float32Array.from({ length: len }, () => rng.next() - 0.5));
    return buf;
  };
  const x = new Tensor([m, k], fill(m * k), s.needsInputGrad);
  const w = new Tensor([n, k], fill(n * k), true);
  w.grad = b.alloc(n * k);
  const bias = new Tensor([n], b.alloc(n), false);
  const ones = new Float32Array(n * k);
  for (const i of pat.index) ones[i] = 1;
  const mask = b.alloc(n * k);
  b.write(mask, ones);
  const dy = fill(m * n);
  const m1 = b.alloc(n * k), m2 = b.alloc(n * k);
  const sw: SparseWeight = makeSparseWeight(b, w.buf, pat);
  const ctx = trainCtx(b, rng);
  const adam = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, bc1: 0.1, bc2: 0.001, weightDecay: 0 };
  const step = (sparse: boolean): void => {
    b.resetScratch();
    x.grad = null;
    x.gradWritten = false;
    const wt = sparse ? sw.values : w;
    wt.gradWritten = false;
    const y = sparse ? sparseLinear(ctx, x, sw, bias, s.relu) : linear(ctx, x, w, bias, s.relu);
    y.grad = dy;
    y.gradWritten = true;
    ctx.tape!.backward();
    b.adam(wt.buf, wt.grad!, m1, m2, sparse ? null : mask, wt.size, adam);
  };
  const timed = (sparse: boolean): number => {
    const t0 = performance.now();
    step(sparse);
    return performance.now() - t0;
  };
  for (let i = 0; i < WARMUP; i++) {
    step(false);
    step(true);
  }
  let denseMs = Infinity;
  let sparseMs = Infinity;
  for (let i = 0; i < REPS; i++) {
    denseMs = Math.min(denseMs, timed(false));
    sparseMs = Math.min(sparseMs, timed(true));
  }
  b.resetScratch();
  freeSparseWeight(b, sw);
  for (const buf of [x.buf, w.buf, w.grad, bias.buf, mask, dy, m1, m2]) b.free(buf);
  return { denseMs, sparseMs };
}
