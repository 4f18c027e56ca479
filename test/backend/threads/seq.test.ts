// The seq (transformer) ops on the kernel pool (issue 16): every op the wasm backend splits
// (bmm over batches, the softmaxes, LayerNorm and gathers over rows, the embedding scatter-add
// and the LayerNorm parameter gradients over columns, GELU/tanh over elements) gives bit for
// bit what one thread gives, on 1, 2 and 3 threads with the size thresholds off (minWork 1),
// at odd sizes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng } from '../../../src/util/rng.ts';
import { rand } from '../compare.ts';
import { threadHarness } from './harness.ts';

const { threaded, same } = threadHarness(test);

const ints = (rng: Rng, n: number, below: number): Float32Array => Float32Array.from({ length: n }, () => rng.int(below));

test('the threaded backends have the seq ops and run on 1, 2 and 3 threads', () => {
  assert.equal(threaded.map((b) => b.threads), [1, 2, 3]);
  for (const b of threaded) assert.type(b.attnSoftmax, 'function');
});

test('embedding gather and scatter-add (repeated ids), bmm in three layouts, swapAxes12', () => {
  const rng = new Rng(21);
  for (const [V, dim, n] of [[1, 1, 1], [3, 5, 17], [17, 3, 5], [7, 67, 130], [4, 0, 3], [5, 8, 0]]) {
    const ids = ints(rng, n, V);
    same([rand(rng, V * dim), ids, rand(rng, n * dim)], (be, [t, i, o]) => be.embedGather(t, i, o, n, dim), `gather ${V}x${dim} n=${n}`);
    same([rand(rng, n * dim), ids, rand(rng, V * dim)], (be, [d, i, t]) => be.embedScatterAdd(d, i, t, n, dim), `scatterAdd ${V}x${dim} n=${n}`);
  }
  for (const [batch, m, n, k] of [[0, 3, 3, 3], [1, 5, 17, 3], [3, 17, 5, 1], [5, 17, 17, 17], [8, 33, 33, 16]]) {
    for (const layout of ['nn', 'nt', 'tn'] as const) for (const acc of [false, true]) {
      same([rand(rng, batch * m * k), rand(rng, batch * k * n), rand(rng, batch * m * n)],
        (be, [a, b, c]) => be.bmm(layout, batch, m, n, k, a, b, c, acc), `bmm ${layout} ${batch}x${m}x${n}x${k}${acc ? ' acc' : ''}`);
    }
  }
  for (const [d0, d1, d2, d3] of [[0, 1, 1, 1], [1, 3, 5, 1], [5, 3, 17, 2], [3, 17, 4, 8]]) {
    const size = d0 * d1 * d2 * d3;
    same([rand(rng, size), rand(rng, size)], (be, [x, y]) => be.swapAxes12(x, y, d0, d1, d2, d3), `swapAxes12 ${d0}x${d1}x${d2}x${d3}`);
  }
});

test('attention softmax (masked) and its gradient, LayerNorm and its gradient, GELU, tanh, padMask', () => {
  const rng = new Rng(22);
  for (const [batch, heads, sq, sk] of [[1, 1, 1, 1], [2, 2, 3, 5], [3, 1, 5, 17], [2, 2, 17, 33]]) {
    const size = batch * heads * sq * sk;
    const mask = Float32Array.from({ length: batch * sk }, () => (rng.next() < 0.3 ? 0 : 1));
    same([rand(rng, size, 3), mask, rand(rng, size)], (be, [x, m, y]) => be.attnSoftmax(x, m, y, batch, heads, sq, sk, 0.5), `attnSoftmax ${batch}x${heads}x${sq}x${sk}`);
    same([rand(rng, size), rand(rng, size), rand(rng, size)], (be, [y, d, x]) => be.softmaxBackward(y, d, x, batch * heads * sq, sk, 0.5, true), `softmaxBackward ${size}`);
  }
  for (const [rows, cols] of [[0, 3], [1, 1], [3, 5], [17, 17], [61, 130]]) {
    same([rand(rng, rows * cols), rand(rng, cols), rand(rng, cols), rand(rng, rows * cols), rand(rng, rows), rand(rng, rows)],
      (be, [x, g, b, y, m, r]) => be.layerNorm(x, g, b, y, m, r, rows, cols, 1e-5), `layerNorm ${rows}x${cols}`);
    for (const acc of [false, true]) {
      same([rand(rng, rows * cols), rand(rng, rows * cols), rand(rng, rows), rand(rng, rows).map(Math.abs), rand(rng, cols),
        rand(rng, rows * cols), rand(rng, cols), rand(rng, cols)],
      (be, [x, d, m, r, g, dx, dg, db]) => be.layerNormBackward(x, d, m, r, g, dx, dg, db, rows, cols, acc), `layerNormBackward ${rows}x${cols} acc=${acc}`);
    }
  }
  for (const n of [0, 1, 3, 5, 17, 33, 10_003]) {
    const [x, y, z] = [rand(rng, n, 4), rand(rng, n), rand(rng, n)];
    same([x, y], (be, [a, b]) => be.gelu(a, b, n), `gelu ${n}`);
    same([x, y, z], (be, [a, b, c]) => be.geluBackward(a, b, c, n, true), `geluBackward ${n}`);
    same([x, y], (be, [a, b]) => be.tanh(a, b, n), `tanh ${n}`);
    same([x, y, z], (be, [a, b, c]) => be.tanhBackward(a, b, c, n, false), `tanhBackward ${n}`);
    same([ints(rng, n, 3), y], (be, [a, b]) => be.padMask(a, b, n), `padMask ${n}`);
  }
});

test.run();
