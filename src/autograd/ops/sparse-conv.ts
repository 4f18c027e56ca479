/**
 * A Conv2d whose weight W[cout, cin, kh, kw] is trained in CSR form over its flattened
 * [cout, K = cin·kh·kw] matrix (column (ci·kh + ki)·kw + kj), on the backend's sparse
 * convolution ops: a direct convolution over the nonzero taps (no im2col; why, in
 * backend/wasm-sparse-conv.ts), NCHW in and out:
 *   forward:  y = act(x ⋆ W + b)          (bias and ReLU fused into the op)
 *   dW:       sampled at W's nonzeros only (sparseConv2dBackwardWeights)
 *   dx:       sparseConv2dBackwardData, skipped when x needs no gradient (the data)
 *   db:       channel sums of dy, as the dense op.
 */
import { checkConvGeom, convGeom } from '../../backend/conv-geom.ts';
import type { Conv2dOptions } from './conv.ts';
import type { SparseWeight } from './sparse-linear.ts';
import type { Ctx } from '../tape.ts';
import { Tensor, gradTarget } from '../tensor.ts';

/**
 * y = act(conv(x, W) + bias) for x [n, cin, h, w] and a sparse W over [cout, cin·kh·kw] (kernel
 * [kh, kw] given, since the SparseWeight only knows the flattened shape): the same function as
 * ops/conv.ts's conv2d, at a cost proportional to W's nonzeros.
 */
export function sparseConv2d(ctx: Ctx, x: Tensor, w: SparseWeight, kernel: readonly [number, number], bias: Tensor | null, opts: Conv2dOptions = {}): Tensor {
  const b = ctx.backend;
  const [kh, kw] = kernel;
  if (x.shape.length !== 4 || w.cols !== x.shape[1] * kh * kw) {
    throw new Error(`sparseConv2d: input [${x.shape}] (NCHW) does not fit a ${kh}x${kw} weight [${w.rows}, ${w.cols}]`);
  }
  const [n, c, h, wd] = x.shape;
  const g = convGeom(n, c, h, wd, w.rows, [kh, kw], opts.stride ?? 1, opts.padding ?? 'same');
  checkConvGeom(g, 'sparseConv2d');
  const relu = opts.relu ?? false;
  const plane = g.outH * g.outW;
  const size = g.n * g.cout * plane;
  const y = new Tensor([g.n, g.cout, g.outH, g.outW], b.scratchUninit(size), x.requiresGrad || w.values.requiresGrad);
  b.sparseConv2d(w.csr, w.values.buf, x.buf, y.buf, g, false, bias?.buf ?? null, relu);
  if (ctx.tape !== null && y.requiresGrad) {
    ctx.tape.record(() => {
      if (y.grad === null) return;
      let dy = y.grad;
      if (relu) {
        dy = b.scratchUninit(size);
        b.reluBackward(y.buf, y.grad, dy, size, false);
      }
      if (w.values.requiresGrad) {
        const t = gradTarget(b, w.values);
        b.sparseConv2dBackwardWeights(w.csr, x.buf, dy, t.g, g, t.acc);
      }
      if (bias !== null && bias.requiresGrad) {
        const t = gradTarget(b, bias);
        b.channelSum(dy, t.g, g.n, g.cout, plane, t.acc);
      }
      if (x.requiresGrad) {
        const t = gradTarget(b, x);
        b.sparseConv2dBackwardData(w.csr, w.values.buf, dy, t.g, g, t.acc);
      }
    });
  }
  return y;
}
