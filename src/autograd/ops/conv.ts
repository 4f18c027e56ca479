import type { ConvGeom } from '../../backend/backend.ts';
import { convGeom, type Padding } from '../../backend/conv-geom.ts';
import type { Ctx } from '../tape.ts';
import { Tensor, gradTarget } from '../tensor.ts';

/** Stride, padding and fused activation of a convolution. */
export interface Conv2dOptions {
  /** Stride in both directions (default 1). */
  stride?: number;
  /** 'same' (default), 'valid' or zero padding on every side. */
  padding?: Padding;
  /** Apply ReLU to the output (fused with the bias pass). */
  relu?: boolean;
}

/** The geometry of conv2d(x, w) for x [n, c, h, w] and w [cout, c, kh, kw]; throws on a mismatch. */
export function conv2dGeom(x: Tensor, w: Tensor, opts: Conv2dOptions = {}): ConvGeom {
  if (x.shape.length !== 4 || w.shape.length !== 4 || x.shape[1] !== w.shape[1]) {
    throw new Error(`conv2d: input [${x.shape}] (NCHW) does not fit weight [${w.shape}] (cout, cin, kh, kw)`);
  }
  const [n, c, h, wd] = x.shape;
  return convGeom(n, c, h, wd, w.shape[0], [w.shape[2], w.shape[3]], opts.stride ?? 1, opts.padding ?? 'same');
}

/**
 * y = act(conv(x, w) + bias) over NCHW tensors, w [cout, cin, kh, kw], bias [cout] or null.
 * Forward: the backend's GEMM convolution, then one fused bias+ReLU pass. Backward: the ReLU
 * mask, then dW (backward-weights), db (channel sums) and dx (backward-data).
 */
export function conv2d(ctx: Ctx, x: Tensor, w: Tensor, bias: Tensor | null, opts: Conv2dOptions = {}): Tensor {
  const b = ctx.backend;
  const g = conv2dGeom(x, w, opts);
  const relu = opts.relu ?? false;
  const plane = g.outH * g.outW;
  const size = g.n * g.cout * plane;
  const y = new Tensor([g.n, g.cout, g.outH, g.outW], b.scratch(size), x.requiresGrad || w.requiresGrad);
  b.conv2d(x.buf, w.buf, y.buf, g);
  if (bias !== null) b.channelBiasAct(y.buf, bias.buf, y.buf, g.n, g.cout, plane, relu);
  else if (relu) b.relu(y.buf, y.buf, size);
  if (ctx.tape !== null && y.requiresGrad) {
    ctx.tape.record(() => {
      if (y.grad === null) return;
      let dy = y.grad;
      if (relu) {
        dy = b.scratch(size);
        b.reluBackward(y.buf, y.grad, dy, size, false);
      }
      if (w.requiresGrad) {
        const t = gradTarget(b, w);
        b.conv2dBackwardWeights(x.buf, dy, t.g, g, t.acc);
      }
      if (bias !== null && bias.requiresGrad) {
        const t = gradTarget(b, bias);
        b.channelSum(dy, t.g, g.n, g.cout, plane, t.acc);
      }
      if (x.requiresGrad) {
        const t = gradTarget(b, x);
        b.conv2dBackwardData(dy, w.buf, t.g, g, t.acc);
      }
    });
  }
  return y;
}
