// The sparse Conv2d (im2col + CSR SpMM/SDDMM) against the dense conv2d op, and its numeric
// gradients, on both backends at small odd shapes with stride 2 and padding.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createBackend } from '../../src/backend/index.ts';
import { conv2d, type Conv2dOptions } from '../../src/autograd/ops/conv.ts';
import { sparseConv2d } from '../../src/autograd/ops/sparse-conv.ts';
import { linear } from '../../src/autograd/ops/linear.ts';
import { softmaxCrossEntropy } from '../../src/autograd/ops/loss.ts';
import { globalAvgPool } from '../../src/autograd/ops/pool.ts';
import { Tape } from '../../src/autograd/tape.ts';
import { csrFromMask } from '../../src/prune/csr.ts';
import { makeSparseWeight } from '../../src/nn/sparse-linear.ts';
import { Rng } from '../../src/util/rng.ts';
import { gradCheck, leaf } from './numeric.ts';

const close = (a: Float32Array, e: Float32Array, what: string): void => {
  assert.is(a.length, e.length, `${what}: length`);
  let scale = 0;
  for (const v of e) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < e.length; i++) {
    assert.ok(Math.abs(a[i] - e[i]) <= 1e-5 * Math.max(scale, 1), `${what}[${i}]: ${a[i]} vs ${e[i]}`);
  }
};

const cases: Array<{ x: number[]; w: number[]; opts: Conv2dOptions; density: number }> = [
  { x: [2, 3, 7, 5], w: [4, 3, 3, 3], opts: { stride: 2, padding: 1 }, density: 0.5 },
  { x: [3, 2, 9, 7], w: [5, 2, 3, 2], opts: { stride: 2, padding: 'same', relu: true }, density: 0.3 },
  { x: [1, 4, 6, 6], w: [3, 4, 3, 3], opts: { padding: 'valid' }, density: 1 },
  { x: [2, 2, 5, 5], w: [3, 2, 3, 3], opts: { stride: 1, padding: 'same' }, density: 0.1 },
];

for (const name of ['js', 'wasm', 'tfjs-wasm']) {
  cases.forEach((cs, ci) => {
    test(`${name}: sparse conv equals the dense conv (case ${ci}), forward and all gradients`, async () => {
      const b = await createBackend(name);
      const rng = new Rng(40 + ci);
      const [cout, cin, kh, kw] = cs.w;
      const K = cin * kh * kw;
      const mask = Array.from({ length: cout * K }, () => (rng.next() < cs.density ? 1 : 0));
      const wv = Array.from({ length: cout * K }, (_, i) => mask[i] * rng.normal());
      const x = leaf(b, cs.x, rng);
      const w = leaf(b, cs.w, rng, true, wv);
      const bias = leaf(b, [cout], rng);
      const sw = makeSparseWeight(b, w.buf, csrFromMask(mask, cout, K));
      const run = (sparse: boolean) => {
        b.resetScratch();
        for (const t of [x, w, bias, sw.values]) t.gradWritten = false;
        const tape = new Tape();
        const ctx = { backend: b, tape, training: true, rng: new Rng(1) };
        const y = sparse ? sparseConv2d(ctx, x, sw, [kh, kw], bias, cs.opts) : conv2d(ctx, x, w, bias, cs.opts);
        const dy = b.alloc(y.size);
        b.write(dy, Array.from({ length: y.size }, (_, i) => Math.sin(i * 0.37)));
        y.grad = dy;
        y.gradWritten = true;
        tape.backward();
        const out = { y: b.read(y.buf), shape: y.shape, dx: b.read(x.grad!), db: b.read(bias.grad!), dw: b.read(sparse ? sw.values.grad! : w.grad!) };
        return out;
      };
      const d = run(false);
      const s = run(true);
      assert.equal(s.shape, d.shape);
      close(s.y, d.y, 'y');
      close(s.dx, d.dx, 'dx');
      close(s.db, d.db, 'db');
      const idx = sw.index;
      const dwAtNz = Float32Array.from(b.readInt(idx), (p) => d.dw[p]);
      close(s.dw, dwAtNz, 'dw');
    });
  });

  test(`${name}: sparse conv numeric gradients (stride 2, padding 1, relu)`, async () => {
    const b = await createBackend(name);
    const rng = new Rng(77);
    const mask = Array.from({ length: 3 * 2 * 9 }, () => (rng.next() < 0.6 ? 1 : 0));
    const sw = makeSparseWeight(b, (() => { const t = leaf(b, [3 * 18], rng); return t.buf; })(), csrFromMask(mask, 3, 18));
    const x = leaf(b, [2, 2, 7, 5], rng);
    const bias = leaf(b, [3], rng);
    const fc = leaf(b, [3, 3], rng);
    const labels = b.alloc(2);
    b.write(labels, [1, 2]);
    gradCheck(b, [x, sw.values, bias, fc], (ctx) => {
      const h = sparseConv2d(ctx, x, sw, [3, 3], bias, { stride: 2, padding: 1, relu: true });
      return softmaxCrossEntropy(ctx, linear(ctx, globalAvgPool(ctx, h), fc, null, false), labels);
    });
  });
}

test.run();
