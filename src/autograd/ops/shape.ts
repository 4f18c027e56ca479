import type { Ctx } from '../tape.ts';
import { Tensor, gradTarget, sizeOf } from '../tensor.ts';

/**
 * The same data under another shape: [n, ...] -> [n, ...shape] (flatten: shape = [features];
 * the trainer's flat rows -> NCHW: shape = [c, h, w]). No copy forward. Backward hands the
 * gradient buffer itself to x when x has none yet (nothing reads y's gradient after this op's
 * backward), else adds it.
 */
export function reshape(ctx: Ctx, x: Tensor, shape: readonly number[]): Tensor {
  const n = x.shape[0];
  if (n * sizeOf(shape) !== x.size) throw new Error(`reshape: [${x.shape}] does not have the size of [${n}, ${shape}]`);
  return view(ctx, x, [n, ...shape]);
}

/**
 * The same data under any shape of the same size (the leading dimension may change too: token
 * rows [n * seq, hidden] <-> [n, seq * hidden]). No copy; backward as reshape's.
 */
export function view(ctx: Ctx, x: Tensor, shape: readonly number[]): Tensor {
  if (sizeOf(shape) !== x.size) throw new Error(`view: [${x.shape}] does not have the size of [${shape}]`);
  const y = new Tensor(shape, x.buf, x.requiresGrad);
  if (ctx.tape !== null && x.requiresGrad) {
    const b = ctx.backend;
    ctx.tape.record(() => {
      if (y.grad === null) return;
      if (x.grad === null && !x.gradWritten) {
        x.grad = y.grad;
        x.gradWritten = true;
        return;
      }
      const t = gradTarget(b, x);
      if (t.acc) b.add(t.g, y.grad, t.g, x.size);
      else b.copy(y.grad, t.g, x.size);
    });
  }
  return y;
}
