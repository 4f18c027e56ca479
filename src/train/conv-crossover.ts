/**
 * The measured dense/sparse crossover of one Conv2d layer, as crossover.ts measures Linear
 * layers: the layer's share of a training step (forward, backward, the Adam update of its
 * weight) on the dense GEMM convolution with a mask and on the sparse convolution, timed side by
 * side at the layer's geometry and batch; cached by geometry, bias/ReLU, input gradient and
 * density bucket.
 */
import type { Backend, ConvGeom } from '../backend/backend.ts';
import { conv2d } from '../autograd/ops/conv.ts';
import { sparseConv2d } from '../autograd/ops/sparse-conv.ts';
import { trainCtx } from '../autograd/tape.ts';
import { Tensor } from '../autograd/tensor.ts';
import { convSizes } from '../backend/conv-geom.ts';
import type { Padding } from '../backend/conv-geom.ts';
import { freeSparseWeight, makeSparseWeight } from '../nn/sparse-linear.ts';
import type { CsrPattern } from '../prune/csr.ts';
import { Rng } from '../util/rng.ts';
import { type Crossover, cached, densityBucket, timeBoth } from './crossover.ts';

/** What is timed: a square-kernel conv layer at geometry g (g.n = the batch), as Conv2d runs it. */
export interface ConvLayerShape {
  g: ConvGeom;
  stride: number;
  padding: Padding;
  bias: boolean;
  relu: boolean;
  /** Whether the step also needs dx (false for the first layer, whose input is the data). */
  needsInputGrad: boolean;
}

/** Measures (or recalls) the crossover of a conv layer at the density of `pat` ([cout, c·k·k]). */
export function measureConvCrossover(b: Backend, s: ConvLayerShape, pat: CsrPattern): Crossover {
  const g = s.g;
  const density = pat.nnz / Math.max(1, pat.rows * pat.cols);
  const geom = [g.n, g.c, g.h, g.w, g.cout, g.kh, g.kw, g.strideH, g.strideW, g.padH, g.padW, g.outH, g.outW].join(',');
  return cached(`${b.name}|conv ${geom}|bias${s.bias}|relu${s.relu}|dx${s.needsInputGrad}|${densityBucket(density)}`, () => timeConv(b, s, pat));
}

// Times both paths on private buffers with random contents; frees them all.
function timeConv(b: Backend, s: ConvLayerShape, pat: CsrPattern): Crossover {
  const g = s.g;
  const z = convSizes(g);
  const rng = new Rng(1, 'conv-crossover');
  const fill = (len: number) => {
    const buf = b.alloc(len);
    b.write(buf, Float32Array.from({ length: len }, () => rng.next() - 0.5));
    return buf;
  };
  const x = new Tensor([g.n, g.c, g.h, g.w], fill(z.x), s.needsInputGrad);
  const w = new Tensor([g.cout, g.c, g.kh, g.kw], fill(z.w), true);
  w.grad = b.alloc(z.w);
  const bias = s.bias ? new Tensor([g.cout], b.alloc(g.cout), true) : null;
  if (bias !== null) bias.grad = b.alloc(g.cout);
  const ones = new Float32Array(z.w);
  for (const i of pat.index) ones[i] = 1;
  const mask = b.alloc(z.w);
  b.write(mask, ones);
  const dy = fill(z.y);
  const m1 = b.alloc(z.w), m2 = b.alloc(z.w);
  const sw = makeSparseWeight(b, w.buf, pat);
  const ctx = trainCtx(b, rng);
  const adam = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, bc1: 0.1, bc2: 0.001, weightDecay: 0 };
  const opts = { stride: s.stride, padding: s.padding, relu: s.relu };
  const step = (sparse: boolean): void => {
    b.resetScratch();
    x.grad = null;
    x.gradWritten = false;
    if (bias !== null) bias.gradWritten = false;
    const wt = sparse ? sw.values : w;
    wt.gradWritten = false;
    const y = sparse ? sparseConv2d(ctx, x, sw, [g.kh, g.kw], bias, opts) : conv2d(ctx, x, w, bias, opts);
    y.grad = dy;
    y.gradWritten = true;
    ctx.tape!.backward();
    b.adam(wt.buf, wt.grad!, m1, m2, sparse ? null : mask, wt.size, adam);
  };
  const result = timeBoth(step);
  b.resetScratch();
  freeSparseWeight(b, sw);
  for (const buf of [x.buf, w.buf, w.grad, mask, dy, m1, m2]) b.free(buf);
  if (bias !== null) for (const buf of [bias.buf, bias.grad!]) b.free(buf);
  return result;
}
