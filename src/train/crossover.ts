/**
 * The measured dense/sparse crossover of one Linear layer: the time of its share of a training
 * step (forward, backward, and the Adam update of its weight) on the dense kernels with a mask
 * and on the sparse kernels, timed side by side on this machine and backend. Cached in-process
 * by shape, batch and density bucket, so a run pays for it once per layer and pruning level.
 * Conv2d layers are timed the same way by conv-crossover.ts, through timeBoth and cached.
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
// Fewer repetitions (at least MIN_REPS) for layers whose steps take long: a Conv-2 layer at batch
// 60 takes ~0.5 s per dense step, where 10 interleaved pairs would cost 10 s per layer and round.
const BUDGET_MS = 1500;
const MIN_REPS = 3;

/** Density bucket: half a 20%-pruning round wide on a log scale (1 -> 0, 0.8 -> 2, 0.64 -> 4, ...). */
export function densityBucket(density: number): number {
  return density <= 0 ? Infinity : Math.round((Math.log(density) / Math.log(0.8)) * 2);
}

/** Measures (or recalls) the crossover of a layer shape at the density of `pat`. */
export function measureCrossover(b: Backend, s: LayerShape, pat: CsrPattern): Crossover {
  const density = pat.nnz / Math.max(1, s.rows * s.cols);
  return cached(`${b.name}|${s.rows}x${s.cols}|m${s.batch}|relu${s.relu}|dx${s.needsInputGrad}|${densityBucket(density)}`, () => timeLayer(b, s, pat));
}

/** The cached result under `key`, or measure() run once and cached (shared with conv-crossover.ts). */
export function cached(key: string, measure: () => Crossover): Crossover {
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const result = measure();
  cache.set(key, result);
  return result;
}

/**
 * Best-of milliseconds of step(false) (dense) and step(true) (sparse), interleaved after a
 * warm-up; repetitions stop early (after MIN_REPS) once BUDGET_MS is spent.
 */
export function timeBoth(step: (sparse: boolean) => void): Crossover {
  const timed = (sparse: boolean): number => {
    const t0 = performance.now();
    step(sparse);
    return performance.now() - t0;
  };
  let spent = 0;
  for (let i = 0; i < WARMUP && spent < BUDGET_MS; i++) spent += timed(false) + timed(true);
  let denseMs = Infinity;
  let sparseMs = Infinity;
  const t0 = performance.now();
  for (let i = 0; i < REPS && (i < MIN_REPS || performance.now() - t0 < BUDGET_MS); i++) {
    denseMs = Math.min(denseMs, timed(false));
    sparseMs = Math.min(sparseMs, timed(true));
  }
  return { denseMs, sparseMs };
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
  const result = timeBoth(step);
  b.resetScratch();
  freeSparseWeight(b, sw);
  for (const buf of [x.buf, w.buf, w.grad, bias.buf, mask, dy, m1, m2]) b.free(buf);
  return result;
}
