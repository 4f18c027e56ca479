import type { Ctx } from '../tape.ts';
import { Tensor, gradTarget } from '../tensor.ts';

/** z = x + y for tensors of one shape (residual connections). */
export function add(ctx: Ctx, x: Tensor, y: Tensor): Tensor {
  const b = ctx.backend;
  const n = x.size;
  if (y.size !== n) throw new Error(`add: shapes [${x.shape}] and [${y.shape}] differ`);
  const z = new Tensor(x.shape, b.scratch(n), x.requiresGrad || y.requiresGrad);
  b.add(x.buf, y.buf, z.buf, n);
  if (ctx.tape !== null && z.requiresGrad) {
    ctx.tape.record(() => {
      if (z.grad === null) return;
      for (const t of [x, y]) {
        if (!t.requiresGrad) continue;
        const { g, acc } = gradTarget(b, t);
        if (acc) b.add(g, z.grad, g, n);
        else b.copy(z.grad, g, n);
      }
    });
  }
  return z;
}
