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
import { convSizes } from '../backend/conv-geom.ts';
import type { Padding } from '../backend/conv-geom.ts';
import type { CsrPattern } from '../prune/csr.ts';
import { type Crossover, cached, densityBucket, timeWeightLayer } from './crossover.ts';

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

// Times both paths of a conv layer.
function timeConv(b: Backend, s: ConvLayerShape, pat: CsrPattern): Crossover {
  const g = s.g;
  const opts = { stride: s.stride, padding: s.padding, relu: s.relu };
  return timeWeightLayer(b, pat, 'conv-crossover', {
    xShape: [g.n, g.c, g.h, g.w], wShape: [g.cout, g.c, g.kh, g.kw], bias: s.bias ? g.cout : 0, biasGrad: true,
    outSize: convSizes(g).y, needsInputGrad: s.needsInputGrad,
    forward: (ctx, x, w, sw, bias, sparse) => (sparse ? sparseConv2d(ctx, x, sw, [g.kh, g.kw], bias, opts) : conv2d(ctx, x, w, bias, opts)),
  });
}
