// The seq (transformer) half of the conformance suite (issue 16), runtime-neutral like
// conformance-checks.ts: every SeqOps method of a candidate backend against the js reference at
// odd sizes (0, 1, 3, 5, 17 and one larger), plus the masked cross-entropy of CoreOps.
import * as assert from 'uvu/assert';
import type { Backend, Buf, GemmLayout } from '../../src/backend/backend.ts';
import { Rng } from '../../src/util/rng.ts';
import { buf, rand, same as sameAs } from './compare.ts';
import type { Check } from './conformance-checks.ts';

const SIZES = [0, 1, 3, 5, 17];

/** The seq checks of backend `b` against the reference `ref`, in a fixed order with fixed names. */
export function seqChecks(ref: Backend, b: Backend): Check[] {
  const same = (inputs: Float32Array[], op: (be: Backend, bufs: Buf[]) => number | void, what: string, rtol?: number, atol?: number): void => {
    sameAs(ref, b, inputs, op, what, rtol, atol);
  };
  const checks: Check[] = [];
  const check = (name: string, body: (rng: Rng) => void): void => {
    checks.push({ name, run: () => body(new Rng(43, `${b.name}/${name}`)) });
  };
  const ints = (rng: Rng, n: number, below: number): Float32Array => Float32Array.from({ length: n }, () => rng.int(below));

  check('embedGather and embedScatterAdd (repeated ids add up), bad ids rejected', (rng) => {
    for (const V of [1, 3, 17]) for (const dim of [...SIZES, 67]) for (const n of [...SIZES, 300]) {
      const table = rand(rng, V * dim), ids = ints(rng, n, V);
      same([table, ids, rand(rng, n * dim)], (be, [t, i, o]) => be.embedGather(t, i, o, n, dim), `gather V=${V} dim=${dim} n=${n}`, 0, 0);
      same([rand(rng, n * dim), ids, table], (be, [d, i, t]) => be.embedScatterAdd(d, i, t, n, dim), `scatterAdd V=${V} dim=${dim} n=${n}`, 1e-5, 2e-5);
    }
    // every id the same row: the row gathers all n gradients (added in index order)
    const n = 1000, dim = 5;
    same([rand(rng, n * dim), new Float32Array(n).fill(1), rand(rng, 3 * dim)], (be, [d, i, t]) => be.embedScatterAdd(d, i, t, n, dim), 'scatterAdd one id', 1e-5, 1e-4);
    for (const bad of [3, -1, 1.5, NaN]) {
      const t = buf(b, rand(rng, 6)), i = buf(b, [0, bad]), o = b.alloc(4);
      assert.throws(() => b.embedGather(t, i, o, 2, 2), /ids\[1\]/, `gather id ${bad}`);
      assert.throws(() => b.embedScatterAdd(o, i, t, 2, 2), /ids\[1\]/, `scatterAdd id ${bad}`);
      [t, i, o].forEach((x) => b.free(x));
    }
  });

  check('bmm nn/nt/tn at odd sizes and batches, accumulate on and off', (rng) => {
    const shapes: [number, number, number, number][] = [[8, 64, 64, 32], [8, 64, 32, 64], [3, 67, 17, 5]];
    for (const batch of [0, 1, 3]) for (const m of [0, 1, 5, 17]) for (const n of [1, 3, 17]) for (const k of [0, 1, 5, 17]) shapes.push([batch, m, n, k]);
    for (const [batch, m, n, k] of shapes) for (const layout of ['nn', 'nt', 'tn'] as GemmLayout[]) for (const acc of [false, true]) {
      same([rand(rng, batch * m * k), rand(rng, batch * k * n), rand(rng, batch * m * n)],
        (be, [x, y, c]) => be.bmm(layout, batch, m, n, k, x, y, c, acc), `bmm ${layout} ${batch}x${m}x${n}x${k} acc=${acc}`, 1e-5, 1e-5);
    }
  });

  check('swapAxes12 and padMask', (rng) => {
    const shapes = [[0, 3, 5, 2], [1, 1, 1, 1], [2, 3, 5, 1], [3, 5, 17, 4], [2, 17, 4, 32], [4, 128, 4, 32], [1, 3, 5, 7]];
    for (const [d0, d1, d2, d3] of shapes) {
      const n = d0 * d1 * d2 * d3;
      same([rand(rng, n), rand(rng, n)], (be, [x, y]) => be.swapAxes12(x, y, d0, d1, d2, d3), `swapAxes12 ${d0}x${d1}x${d2}x${d3}`, 0, 0);
    }
    for (const n of [...SIZES, 1003]) {
      same([ints(rng, n, 3), rand(rng, n)], (be, [i, m]) => be.padMask(i, m, n), `padMask ${n}`, 0, 0);
    }
  });

  check('attnSoftmax: key masks (fully masked sequences too), no mask, large scores', (rng) => {
    for (const [batch, heads, sq, sk] of [[0, 2, 3, 3], [1, 1, 1, 1], [2, 2, 3, 5], [3, 1, 5, 17], [2, 4, 3, 67], [1, 2, 4, 3]]) {
      const size = batch * heads * sq * sk;
      const mask = Float32Array.from({ length: batch * sk }, () => (rng.next() < 0.3 ? 0 : 1));
      if (batch > 1) mask.fill(0, sk, 2 * sk); // sequence 1 has no key left: all its rows are 0
      for (const scale of [0.35, 1, 100]) {
        const x = rand(rng, size, 4);
        // scores in the hundreds: float32 rounding of scale * x alone is ~3e-5 of the exponent
        const rtol = scale > 10 ? 2e-4 : 1e-5;
        same([x, mask, rand(rng, size)], (be, [p, m, y]) => be.attnSoftmax(p, m, y, batch, heads, sq, sk, scale), `attnSoftmax ${batch}x${heads}x${sq}x${sk} x${scale}`, rtol, 1e-6);
        same([x, rand(rng, size)], (be, [p, y]) => be.attnSoftmax(p, null, y, batch, heads, sq, sk, scale), `attnSoftmax no mask ${batch}x${heads}x${sq}x${sk} x${scale}`, rtol, 1e-6);
        // excluded keys are exactly 0 (not merely tiny), and each row with a key left sums to 1
        const px = buf(b, x), pm = buf(b, mask), py = buf(b, rand(rng, size));
        b.attnSoftmax(px, pm, py, batch, heads, sq, sk, scale);
        const y = b.read(py);
        for (let r = 0; r < batch * heads * sq; r++) {
          const s = Math.floor(r / (heads * sq));
          let sum = 0, kept = 0;
          for (let j = 0; j < sk; j++) {
            if (mask[s * sk + j] === 0) assert.ok(Object.is(y[r * sk + j], 0), `masked key ${j} of row ${r} is ${y[r * sk + j]}`);
            else kept++;
            sum += y[r * sk + j];
          }
          assert.ok(kept === 0 ? sum === 0 : Math.abs(sum - 1) < 1e-5, `row ${r} sums to ${sum}`);
        }
        [px, pm, py].forEach((t) => b.free(t));
      }
    }
    // a NaN score makes its row NaN (as in the reference), the other rows stay finite
    const x = rand(rng, 2 * 5);
    x[6] = NaN;
    same([x, rand(rng, 10)], (be, [p, y]) => be.attnSoftmax(p, null, y, 1, 1, 2, 5, 1), 'attnSoftmax NaN score', 1e-5, 1e-6);
  });

  check('softmaxBackward, accumulate on and off', (rng) => {
    for (const rows of [0, 1, 3, 17, 64]) for (const cols of [1, 3, 5, 17, 67]) {
      const y = rand(rng, rows * cols).map(Math.abs);
      for (let r = 0; r < rows; r++) {
        let s = 0;
        for (let j = 0; j < cols; j++) s += y[r * cols + j];
        for (let j = 0; j < cols; j++) y[r * cols + j] /= s;
      }
      for (const acc of [false, true]) {
        same([y, rand(rng, rows * cols), rand(rng, rows * cols)], (be, [p, d, x]) => be.softmaxBackward(p, d, x, rows, cols, 0.25, acc),
          `softmaxBackward ${rows}x${cols} acc=${acc}`, 1e-5, 1e-6);
      }
    }
  });

  check('layerNorm (in place too, offset inputs) and layerNormBackward, accumulate on and off', (rng) => {
    for (const rows of [0, 1, 3, 17, 64]) for (const cols of [1, 3, 5, 17, 128]) {
      for (const offset of [0, 50]) {
        const x = rand(rng, rows * cols, 2).map((v) => v + offset), gamma = rand(rng, cols), beta = rand(rng, cols);
        const eps = 1e-5;
        same([x, gamma, beta, rand(rng, rows * cols), rand(rng, rows), rand(rng, rows)],
          (be, [p, g, bt, y, m, r]) => be.layerNorm(p, g, bt, y, m, r, rows, cols, eps), `layerNorm ${rows}x${cols} +${offset}`, 1e-4, 2e-5);
        same([x, gamma, beta, rand(rng, rows), rand(rng, rows)],
          (be, [p, g, bt, m, r]) => be.layerNorm(p, g, bt, p, m, r, rows, cols, eps), `layerNorm in place ${rows}x${cols}`, 1e-4, 2e-5);
        // the backward from the reference's statistics, so both backends see the same mean and rstd
        const [mean, rstd] = refStats(ref, x, gamma, beta, rows, cols, eps);
        for (const acc of [false, true]) {
          same([x, rand(rng, rows * cols), mean, rstd, gamma, rand(rng, rows * cols), rand(rng, cols), rand(rng, cols)],
            (be, [p, d, m, r, g, dx, dg, db]) => be.layerNormBackward(p, d, m, r, g, dx, dg, db, rows, cols, acc),
            `layerNormBackward ${rows}x${cols} +${offset} acc=${acc}`, 1e-4, 5e-5);
        }
      }
    }
  });

  check('gelu, tanh and their gradients (in place, extreme inputs)', (rng) => {
    const edge = Float32Array.of(0, -0, 1e-7, -1e-7, 0.3, -0.3, 0.624, 0.626, -0.626, 5, -5, 9, -9, 20, -20, 100, -100, 1e30, -1e30);
    for (const n of [...SIZES, 1003, edge.length]) {
      const x = n === edge.length ? edge : rand(rng, n, 6);
      const [dy, other] = [rand(rng, n), rand(rng, n)];
      same([x, other], (be, [p, y]) => be.gelu(p, y, n), `gelu ${n}`, 2e-6, 1e-6);
      same([x], (be, [p]) => be.gelu(p, p, n), `gelu in place ${n}`, 2e-6, 1e-6);
      same([x, other], (be, [p, y]) => be.tanh(p, y, n), `tanh ${n}`, 2e-6, 1e-7);
      same([x], (be, [p]) => be.tanh(p, p, n), `tanh in place ${n}`, 2e-6, 1e-7);
      const t = x.map(Math.tanh);
      for (const acc of [false, true]) {
        same([x, dy, other], (be, [p, d, g]) => be.geluBackward(p, d, g, n, acc), `geluBackward ${n} acc=${acc}`, 1e-5, 1e-6);
        same([t, dy, other], (be, [p, d, g]) => be.tanhBackward(p, d, g, n, acc), `tanhBackward ${n} acc=${acc}`, 1e-6, 1e-7);
      }
    }
  });

  check('softmaxXent and countCorrect ignore rows with a negative label', (rng) => {
    for (const [m, c] of [[1, 1], [3, 5], [17, 3], [60, 10], [200, 67]]) {
      const logits = rand(rng, m * c, 3);
      const labels = Float32Array.from({ length: m }, () => (rng.next() < 0.4 ? -1 : rng.int(c)));
      const none = new Float32Array(m).fill(-1);
      for (const [ls, what] of [[labels, 'some ignored'], [none, 'all ignored']] as const) {
        same([logits, ls, rand(rng, m * c)], (be, [p, q, r]) => be.softmaxXent(p, q, m, c, r), `xent ${m}x${c} ${what}`, 1e-5, 1e-6);
        same([logits, ls], (be, [p, q]) => be.softmaxXent(p, q, m, c, null), `xent no grad ${m}x${c} ${what}`, 1e-5, 1e-6);
        same([logits, ls], (be, [p, q]) => be.countCorrect(p, q, m, c), `countCorrect ${m}x${c} ${what}`, 0, 0);
      }
      // all ignored: loss 0 and a zero gradient; the counted rows' mean equals a plain xent over them
      const pl = buf(b, logits), pn = buf(b, none), pd = buf(b, rand(rng, m * c));
      assert.is(b.softmaxXent(pl, pn, m, c, pd), 0, 'all ignored: loss 0');
      assert.ok(b.read(pd).every((v) => v === 0), 'all ignored: gradient 0');
      const kept = [...labels.keys()].filter((i) => labels[i] >= 0);
      if (kept.length > 0) {
        const sub = buf(b, kept.flatMap((i) => Array.from(logits.subarray(i * c, i * c + c))));
        const subLabels = buf(b, kept.map((i) => labels[i]));
        const pls = buf(b, labels);
        const want = b.softmaxXent(sub, subLabels, kept.length, c, null);
        const got = b.softmaxXent(pl, pls, m, c, null);
        assert.ok(Math.abs(got - want) <= 1e-6 * Math.max(1, Math.abs(want)), `mean over counted rows: ${got} vs ${want}`);
        [sub, subLabels, pls].forEach((t) => b.free(t));
      }
      [pl, pn, pd].forEach((t) => b.free(t));
    }
  });

  return checks;
}

// The reference's mean and rstd of x (rows of cols).
function refStats(ref: Backend, x: Float32Array, gamma: Float32Array, beta: Float32Array, rows: number, cols: number, eps: number): [Float32Array, Float32Array] {
  const [px, pg, pb] = [buf(ref, x), buf(ref, gamma), buf(ref, beta)];
  const [y, m, r] = [ref.alloc(rows * cols), ref.alloc(rows), ref.alloc(rows)];
  ref.layerNorm(px, pg, pb, y, m, r, rows, cols, eps);
  const out: [Float32Array, Float32Array] = [ref.read(m), ref.read(r)];
  [px, pg, pb, y, m, r].forEach((t) => ref.free(t));
  return out;
}
