// Numeric gradient checks of the transformer ops (issue 16, src/autograd/ops/seq.ts) on the js
// reference, the wasm and the tfjs-wasm backends: each op's taped gradient against central differences.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Backend, Buf } from '../../src/backend/backend.ts';
import { createBackend } from '../../src/backend/index.ts';
import { add } from '../../src/autograd/ops/arith.ts';
import { linear } from '../../src/autograd/ops/linear.ts';
import { softmaxCrossEntropy } from '../../src/autograd/ops/loss.ts';
import { attnSoftmax, bmm, embedding, gelu, layerNorm, residualAdd, rows, swapAxes12, tanh } from '../../src/autograd/ops/seq.ts';
import { type Ctx, Tape } from '../../src/autograd/tape.ts';
import { Tensor, gradTarget } from '../../src/autograd/tensor.ts';
import { Rng } from '../../src/util/rng.ts';
import { gradCheck, leaf } from './numeric.ts';

const bufOf = (b: Backend, data: number[]): Buf => {
  const x = b.alloc(data.length);
  b.write(x, data);
  return x;
};

// t under a 2-D shape (same buffer); the gradient is copied back to t.
function as2d(ctx: Ctx, t: Tensor, r: number, c: number): Tensor {
  const y = new Tensor([r, c], t.buf, t.requiresGrad);
  ctx.tape?.record(() => {
    if (y.grad === null) return;
    const g = gradTarget(ctx.backend, t);
    if (g.acc) ctx.backend.add(g.g, y.grad, g.g, t.size);
    else ctx.backend.copy(y.grad, g.g, t.size);
  });
  return y;
}

for (const name of ['js', 'wasm', 'tfjs-wasm']) {
  test(`${name}: embedding with repeated ids, rows ([CLS] select), tanh pooler, masked cross-entropy`, async () => {
    const b = await createBackend(name);
    const rng = new Rng(11);
    const table = leaf(b, [5, 4], rng);
    const w = leaf(b, [3, 4], rng);
    const ids = bufOf(b, [2, 0, 2, 4, 2, 1]); // id 2 three times: its gradient rows add up; id 3 unused
    const cls = bufOf(b, [0, 3, 5]);
    const labels = bufOf(b, [1, -1, 2]); // the middle row is ignored
    gradCheck(b, [table, w], (ctx) => {
      const e = embedding(ctx, table, ids, 6);
      const h = tanh(ctx, linear(ctx, rows(ctx, e, cls, 3), w, null, false));
      return softmaxCrossEntropy(ctx, h, labels);
    });
  });

  test(`${name}: attention block Q·Kᵀ -> attnSoftmax with a key mask -> ·V, heads split and merged`, async () => {
    const b = await createBackend(name);
    const rng = new Rng(12);
    const [n, seq, heads, dh] = [2, 3, 2, 2];
    const q = leaf(b, [n * seq, heads * dh], rng);
    const k = leaf(b, [n * seq, heads * dh], rng);
    const v = leaf(b, [n * seq, heads * dh], rng);
    // sequence 0 keeps all keys, sequence 1 masks its last key (a [PAD])
    const keyMask = bufOf(b, [1, 1, 1, 1, 1, 0]);
    const labels = bufOf(b, [0, 3, 1, 2, -1, 0]);
    gradCheck(b, [q, k, v], (ctx) => {
      const split = (t: Tensor): Tensor => swapAxes12(ctx, t, n, seq, heads, dh);
      const scores = bmm(ctx, 'nt', split(q), split(k), n * heads, seq, seq, dh);
      const p = attnSoftmax(ctx, scores, keyMask, n, heads, seq, seq, 1 / Math.sqrt(dh));
      const mixed = bmm(ctx, 'nn', p, split(v), n * heads, seq, dh, seq);
      const merged = swapAxes12(ctx, mixed, n, heads, seq, dh);
      return softmaxCrossEntropy(ctx, as2d(ctx, merged, n * seq, heads * dh), labels);
    });
  });

  test(`${name}: bmm tn, attnSoftmax without a mask`, async () => {
    const b = await createBackend(name);
    const rng = new Rng(13);
    const a = leaf(b, [2 * 3, 4], rng); // two [3, 4] stored transposed: op(A) is [4, 3]
    const c = leaf(b, [2 * 3, 5], rng);
    const labels = bufOf(b, [4, 0, 2, 1, 3, 0, 4, 2]);
    gradCheck(b, [a, c], (ctx) => {
      const s = bmm(ctx, 'tn', a, c, 2, 4, 5, 3); // [8, 5]
      const p = attnSoftmax(ctx, s, null, 2, 1, 4, 5, 0.7);
      return softmaxCrossEntropy(ctx, p, labels);
    });
  });

  test(`${name}: layerNorm (x also feeds a residual, so its gradient accumulates) then GELU`, async () => {
    const b = await createBackend(name);
    const rng = new Rng(14);
    const x = leaf(b, [4, 5], rng);
    const gamma = leaf(b, [5], rng);
    const beta = leaf(b, [5], rng);
    const labels = bufOf(b, [1, 4, 0, 2]);
    for (const residualFirst of [false, true]) {
      gradCheck(b, [x, gamma, beta], (ctx) => {
        const r = residualFirst ? gelu(ctx, x) : null;
        const y = gelu(ctx, layerNorm(ctx, x, gamma, beta, 1e-5));
        return softmaxCrossEntropy(ctx, residualAdd(ctx, y, r ?? x), labels);
      });
    }
  });
}

test('layerNorm: a fixed gamma (no gradient) still passes x its gradient; GELU at known points', async () => {
  const b = await createBackend('js');
  const rng = new Rng(15);
  const x = leaf(b, [3, 4], rng);
  const gamma = leaf(b, [4], rng, false);
  const beta = leaf(b, [4], rng);
  const labels = bufOf(b, [0, 3, 2]);
  gradCheck(b, [x, beta], (ctx) => softmaxCrossEntropy(ctx, add(ctx, layerNorm(ctx, x, gamma, beta, 1e-5), x), labels));
  // GELU(x) = 0.5x(1 + tanh(sqrt(2/pi)(x + 0.044715x^3))): known values of the approximation
  const g = bufOf(b, [-3, -1, 0, 1, 3]);
  const ctx = { backend: b, tape: new Tape(), training: false, rng };
  const y = b.read(gelu(ctx, new Tensor([5], g, false)).buf);
  const want = [-0.00363739, -0.158808, 0, 0.841192, 2.99636];
  want.forEach((w, i) => assert.ok(Math.abs(y[i] - w) < 1e-5, `gelu(${[-3, -1, 0, 1, 3][i]}) = ${y[i]}, want ${w}`));
});

test.run();
