import { poolGeom, type Padding } from '../../backend/conv-geom.ts';
import type { Ctx } from '../tape.ts';
import { Tensor, gradTarget } from '../tensor.ts';

/** The [n, c, h, w] of an NCHW tensor; throws naming the op for any other rank. */
function nchw(x: Tensor, op: string): [number, number, number, number] {
  if (x.shape.length !== 4) throw new Error(`${op}: expected an NCHW input, got [${x.shape}]`);
  return [x.shape[0], x.shape[1], x.shape[2], x.shape[3]];
}

/**
 * Max pooling over NCHW x: window `kernel`, `stride` (default: the kernel), padding (default
 * 'valid'; padded pixels never win). Backward routes each gradient to its window's maximum.
 */
export function maxPool2d(ctx: Ctx, x: Tensor, kernel = 2, stride = kernel, padding: Padding = 'valid'): Tensor {
  const b = ctx.backend;
  const [n, c, h, w] = nchw(x, 'maxPool2d');
  const g = poolGeom(n, c, h, w, kernel, stride, padding);
  const y = new Tensor([n, c, g.outH, g.outW], b.scratch(n * c * g.outH * g.outW), x.requiresGrad);
  b.maxPool2d(x.buf, y.buf, g);
  if (ctx.tape !== null && x.requiresGrad) {
    ctx.tape.record(() => {
      if (y.grad === null) return;
      const t = gradTarget(b, x);
      b.maxPool2dBackward(x.buf, y.grad, t.g, g, t.acc);
    });
  }
  return y;
}

/** Global average pooling: NCHW x -> [n, c], the mean of every plane. */
export function globalAvgPool(ctx: Ctx, x: Tensor): Tensor {
  const b = ctx.backend;
  const [n, c, h, w] = nchw(x, 'globalAvgPool');
  const y = new Tensor([n, c], b.scratch(n * c), x.requiresGrad);
  b.globalAvgPool(x.buf, y.buf, n * c, h * w);
  if (ctx.tape !== null && x.requiresGrad) {
    ctx.tape.record(() => {
      if (y.grad === null) return;
      const t = gradTarget(b, x);
      b.globalAvgPoolBackward(y.grad, t.g, n * c, h * w, t.acc);
    });
  }
  return y;
}
