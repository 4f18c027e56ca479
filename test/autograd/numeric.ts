// Numeric gradient checking shared by the conv/pool/batch-norm gradient tests.
import * as assert from 'uvu/assert';
import type { Backend } from '../../src/backend/backend.ts';
import { type Ctx, Tape } from '../../src/autograd/tape.ts';
import { Tensor } from '../../src/autograd/tensor.ts';
import { Rng } from '../../src/util/rng.ts';

/** A leaf tensor with persistent data and gradient; values from `values` or standard normal. */
export function leaf(b: Backend, shape: number[], rng: Rng, requiresGrad = true, values?: ArrayLike<number>): Tensor {
  const n = shape.reduce((a, d) => a * d, 1);
  const t = new Tensor(shape, b.alloc(n), requiresGrad);
  t.grad = b.alloc(n);
  b.write(t.buf, values ?? Array.from({ length: n }, () => rng.normal()));
  return t;
}

/**
 * Compares the tape's gradient of loss(ctx) w.r.t. each leaf against central differences
 * (step h) in float32. `training` sets ctx.training for both, so batch norm uses the same
 * statistics in the analytic and the numeric evaluations.
 */
export function gradCheck(b: Backend, leaves: Tensor[], lossFn: (ctx: Ctx) => number, opts: { training?: boolean; h?: number; tol?: number } = {}): void {
  const training = opts.training ?? true;
  const h = opts.h ?? 1e-2;
  const tol = opts.tol ?? 2e-2;
  const ctxFor = (tape: Tape | null): Ctx => ({ backend: b, tape, training, rng: new Rng(5) });
  for (const t of leaves) t.gradWritten = false;
  b.resetScratch();
  const ctx = ctxFor(new Tape());
  lossFn(ctx);
  ctx.tape!.backward();
  const analytic = leaves.map((t) => (t.gradWritten ? b.read(t.grad!) : new Float32Array(t.size)));
  leaves.forEach((t, li) => {
    const vals = b.read(t.buf);
    for (let i = 0; i < t.size; i++) {
      const orig = vals[i];
      const at = (v: number): number => {
        vals[i] = v;
        b.write(t.buf, vals);
        b.resetScratch();
        return lossFn(ctxFor(null));
      };
      const num = (at(orig + h) - at(orig - h)) / (2 * h);
      vals[i] = orig;
      b.write(t.buf, vals);
      const a = analytic[li][i];
      const err = Math.abs(a - num) / Math.max(1, Math.abs(a), Math.abs(num));
      assert.ok(err < tol, `leaf ${li} [${i}]: analytic ${a} vs numeric ${num}`);
    }
  });
}
