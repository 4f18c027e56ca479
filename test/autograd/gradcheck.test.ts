import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Backend } from '../../src/backend/backend.ts';
import { createBackend } from '../../src/backend/index.ts';
import { add } from '../../src/autograd/ops/arith.ts';
import { dropout, relu } from '../../src/autograd/ops/activation.ts';
import { linear } from '../../src/autograd/ops/linear.ts';
import { softmaxCrossEntropy } from '../../src/autograd/ops/loss.ts';
import { type Ctx, evalCtx, trainCtx } from '../../src/autograd/tape.ts';
import { Tensor } from '../../src/autograd/tensor.ts';
import { Rng } from '../../src/util/rng.ts';

/** A leaf tensor with persistent data and gradient. */
function leaf(b: Backend, shape: number[], rng: Rng, requiresGrad = true): Tensor {
  const n = shape.reduce((a, d) => a * d, 1);
  const t = new Tensor(shape, b.alloc(n), requiresGrad);
  t.grad = b.alloc(n);
  b.write(t.buf, Array.from({ length: n }, () => rng.normal()));
  return t;
}

/**
 * Compares the tape's gradient of loss(ctx) w.r.t. each leaf against central differences.
 * The loss function must be deterministic given the ctx rng seed.
 */
function gradCheck(b: Backend, leaves: Tensor[], lossFn: (ctx: Ctx) => number, seed = 5, tol = 2e-2): void {
  for (const t of leaves) t.gradWritten = false;
  b.resetScratch();
  const ctx = trainCtx(b, new Rng(seed));
  lossFn(ctx);
  ctx.tape!.backward();
  const analytic = leaves.map((t) => (t.gradWritten ? b.read(t.grad!) : new Float32Array(t.size)));
  const h = 1e-2;
  leaves.forEach((t, li) => {
    const vals = b.read(t.buf);
    for (let i = 0; i < t.size; i++) {
      const orig = vals[i];
      const at = (v: number): number => {
        vals[i] = v;
        b.write(t.buf, vals);
        b.resetScratch();
        const c: Ctx = { ...evalCtx(b, new Rng(seed)), training: true };
        return lossFn(c);
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

for (const name of ['js', 'wasm']) {
  test(`${name}: linear + bias + fused relu, then linear, softmax cross-entropy`, async () => {
    const b = await createBackend(name);
    const rng = new Rng(1);
    const x = leaf(b, [3, 5], rng);
    const w1 = leaf(b, [4, 5], rng);
    const b1 = leaf(b, [4], rng);
    const w2 = leaf(b, [3, 4], rng);
    const b2 = leaf(b, [3], rng);
    const labels = b.alloc(3);
    b.write(labels, [0, 2, 1]);
    gradCheck(b, [x, w1, b1, w2, b2], (ctx) => {
      const h = linear(ctx, x, w1, b1, true);
      const y = linear(ctx, h, w2, b2, false);
      return softmaxCrossEntropy(ctx, y, labels);
    });
  });

  test(`${name}: a tensor used twice accumulates (relu branch + linear branch), dropout`, async () => {
    const b = await createBackend(name);
    const rng = new Rng(2);
    const x = leaf(b, [2, 6], rng);
    const w = leaf(b, [6, 6], rng);
    const w2 = leaf(b, [4, 6], rng);
    const labels = b.alloc(2);
    b.write(labels, [3, 1]);
    gradCheck(b, [x, w, w2], (ctx) => {
      const h = linear(ctx, x, w, null, false);
      const r = relu(ctx, h);
      const d = dropout(ctx, r, 0.3);
      const y1 = linear(ctx, d, w2, null, false);
      const y2 = linear(ctx, h, w2, null, true);
      const s = add(ctx, y1, y2);
      return softmaxCrossEntropy(ctx, s, labels);
    });
  });
}

test('dropout: eval mode is identity; train mode zeroes about p and scales survivors', async () => {
  const b = await createBackend('js');
  const n = 10000;
  const x = new Tensor([n], b.alloc(n), false);
  b.fill(x.buf, 1, n);
  assert.is(dropout(evalCtx(b, new Rng(1)), x, 0.5), x);
  const y = b.read(dropout(trainCtx(b, new Rng(1)), x, 0.25).buf);
  const zeros = y.filter((v) => v === 0).length;
  assert.ok(Math.abs(zeros / n - 0.25) < 0.02, `dropped ${zeros}`);
  assert.ok(y.every((v) => v === 0 || Math.abs(v - 1 / 0.75) < 1e-6));
});

test.run();
