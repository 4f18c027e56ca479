import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createBackend } from '../../src/backend/index.ts';
import { add } from '../../src/autograd/ops/arith.ts';
import { dropout, relu } from '../../src/autograd/ops/activation.ts';
import { linear } from '../../src/autograd/ops/linear.ts';
import { softmaxCrossEntropy } from '../../src/autograd/ops/loss.ts';
import { evalCtx, trainCtx } from '../../src/autograd/tape.ts';
import { gradCheck, leaf } from './numeric.ts';
import { Tensor } from '../../src/autograd/tensor.ts';
import { Rng } from '../../src/util/rng.ts';

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
