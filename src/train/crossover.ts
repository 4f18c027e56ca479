/**
 * The measured dense/sparse crossover of one Linear layer: the time of its share of a training
 * step (forward, backward, and the Adam update of its weight) on the dense kernels with a mask
 * and on the sparse kernels, timed side by side on this machine and backend. Cached in-process
 * by shape, batch and density bucket, so a run pays for it once per layer and pruning level;
 * a run directory's kernel plan (kernel-plan.ts) keeps the decisions across processes.
 * Conv2d layers are timed the same way by conv-crossover.ts, through timeBoth and cached.
 */
import type { Backend } from '../backend/backend.ts';
import { linear } from '../autograd/ops/linear.ts';
import { type SparseWeight, sparseLinear } from '../autograd/ops/sparse-linear.ts';
import { type Ctx, trainCtx } from '../autograd/tape.ts';
import { Tensor, sizeOf } from '../autograd/tensor.ts';
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

/**
 * A stand-in for every timing (tests: timings that are known, or that differ on a second
 * measurement of the same key, as they may on a busy machine); null times for real.
 */
export type CrossoverHook = (key: string) => Crossover;
let hook: CrossoverHook | null = null;

/** Installs (or, with null, removes) the measurement stand-in; tests only. */
export function setCrossoverHook(h: CrossoverHook | null): void {
  hook = h;
}

/** The cached result under `key`, or measure() run once and cached (shared with conv-crossover.ts). */
export function cached(key: string, measure: () => Crossover): Crossover {
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const result = hook !== null ? hook(key) : measure();
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

/** Forgets every cached measurement (tests: a fresh process, as after a restart; a changed machine load). */
export function clearCrossoverCache(): void {
  cache.clear();
}

// Times both paths of a Linear layer.
function timeLayer(b: Backend, s: LayerShape, pat: CsrPattern): Crossover {
  const { rows: n, cols: k, batch: m } = s;
  return timeWeightLayer(b, pat, 'crossover', {
    xShape: [m, k], wShape: [n, k], bias: n, biasGrad: false, outSize: m * n, needsInputGrad: s.needsInputGrad,
    forward: (ctx, x, w, sw, bias, sparse) => (sparse ? sparseLinear(ctx, x, sw, bias!, s.relu) : linear(ctx, x, w, bias!, s.relu)),
  });
}

/** A layer to time on both paths: its buffers' shapes and its forward on each path. */
export interface TimedLayer {
  xShape: number[];
  wShape: number[];
  /** Bias length (0: no bias); trained (with a gradient) when biasGrad. */
  bias: number;
  biasGrad: boolean;
  outSize: number;
  needsInputGrad: boolean;
  forward(ctx: Ctx, x: Tensor, w: Tensor, sw: SparseWeight, bias: Tensor | null, sparse: boolean): Tensor;
}

/**
 * Times a layer's share of a training step (forward, backward, Adam on its weight) on the dense
 * path (masked weight) and the sparse one (`pat`'s CSR values), on private buffers with random
 * contents drawn from the `purpose` stream; frees them all (shared with conv-crossover.ts).
 */
export function timeWeightLayer(b: Backend, pat: CsrPattern, purpose: string, l: TimedLayer): Crossover {
  const rng = new Rng(1, purpose);
  const fill = (len: number) => {
    const buf = b.alloc(len);
    b.write(buf, Float32Array.from({ length: len }, () => rng.next() - 0.5));
    return buf;
  };
  const nw = sizeOf(l.wShape);
  const x = new Tensor(l.xShape, fill(sizeOf(l.xShape)), l.needsInputGrad);
  const w = new Tensor(l.wShape, fill(nw), true);
  w.grad = b.alloc(nw);
  const bias = l.bias > 0 ? new Tensor([l.bias], b.alloc(l.bias), l.biasGrad) : null;
  if (bias !== null && l.biasGrad) bias.grad = b.alloc(l.bias);
  const ones = new Float32Array(nw);
  for (const i of pat.index) ones[i] = 1;
  const mask = b.alloc(nw);
  b.write(mask, ones);
  const dy = fill(l.outSize);
  const m1 = b.alloc(nw), m2 = b.alloc(nw);
  const sw: SparseWeight = makeSparseWeight(b, w.buf, pat);
  const ctx = trainCtx(b, rng);
  const adam = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, bc1: 0.1, bc2: 0.001, weightDecay: 0 };
  const step = (sparse: boolean): void => {
    b.resetScratch();
    x.grad = null;
    x.gradWritten = false;
    if (bias !== null) bias.gradWritten = false;
    const wt = sparse ? sw.values : w;
    wt.gradWritten = false;
    const y = l.forward(ctx, x, w, sw, bias, sparse);
    y.grad = dy;
    y.gradWritten = true;
    ctx.tape!.backward();
    b.adam(wt.buf, wt.grad!, m1, m2, sparse ? null : mask, wt.size, adam);
  };
  const result = timeBoth(step);
  b.resetScratch();
  freeSparseWeight(b, sw);
  for (const buf of [x.buf, w.buf, w.grad, mask, dy, m1, m2, bias?.buf ?? null, bias?.grad ?? null]) if (buf !== null) b.free(buf);
  return result;
}
