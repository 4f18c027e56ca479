import type { Ctx } from '../tape.ts';
import { Tensor, gradTarget } from '../tensor.ts';

/** y = max(x, 0). */
export function relu(ctx: Ctx, x: Tensor): Tensor {
  const b = ctx.backend;
  const n = x.size;
  const y = new Tensor(x.shape, b.scratch(n), x.requiresGrad);
  b.relu(x.buf, y.buf, n);
  if (ctx.tape !== null && x.requiresGrad) {
    ctx.tape.record(() => {
      if (y.grad === null) return;
      const t = gradTarget(b, x);
      b.reluBackward(y.buf, y.grad, t.g, n, t.acc);
    });
  }
  return y;
}

/**
 * Inverted dropout: in training, zeroes each element with probability p and scales the
 * survivors by 1/(1-p); identity in evaluation. The keep-mask comes from ctx.rng.
 */
export function dropout(ctx: Ctx, x: Tensor, p: number): Tensor {
  if (!ctx.training || p === 0) return x;
  const b = ctx.backend;
  const n = x.size;
  const keep = new Float32Array(n);
  const s = 1 / (1 - p);
  for (let i = 0; i < n; i++) keep[i] = ctx.rng.next() >= p ? s : 0;
  const mask = b.scratch(n);
  b.write(mask, keep);
  const y = new Tensor(x.shape, b.scratch(n), x.requiresGrad);
  b.mul(x.buf, mask, y.buf, n);
  if (ctx.tape !== null && x.requiresGrad) {
    ctx.tape.record(() => {
      if (y.grad === null) return;
      const t = gradTarget(b, x);
      if (t.acc) {
        const tmp = b.scratch(n);
        b.mul(y.grad, mask, tmp, n);
        b.add(t.g, tmp, t.g, n);
      } else {
        b.mul(y.grad, mask, t.g, n);
      }
    });
  }
  return y;
}
