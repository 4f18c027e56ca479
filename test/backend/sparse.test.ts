// The sparse half of the conformance suite: every sparse Backend method of every candidate
// backend against the js reference, at sizes that exercise the SIMD blocks and tails (batch m of
// 0, 1, 3, 5, 17, 29, 60, 67, 130 and shapes down to 0 x 0) and densities 0, 1 and in between.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Backend, Buf } from '../../src/backend/backend.ts';
import { JsBackend } from '../../src/backend/js.ts';
import { createTfjsBackend } from '../../src/backend/tfjs.ts';
import { createWasmBackend } from '../../src/backend/wasm.ts';
import { type CsrPattern, csrFromMask, freeCsr, uploadCsr } from '../../src/prune/csr.ts';
import { buf, rand } from './compare.ts';
import { Rng } from '../../src/util/rng.ts';

const ref = new JsBackend();
const candidates: Backend[] = [await createWasmBackend(), await createTfjsBackend()];
// 29, 60, 67 and 130 split into 2, 3, 3 and 6 passes of at most six vectors, with tails.
const BATCHES = [0, 1, 3, 5, 17, 29, 60, 67, 130];
const SHAPES: [number, number][] = [[0, 0], [1, 1], [3, 5], [5, 3], [17, 17], [300, 784]];
const DENSITIES = [0, 0.02, 0.3, 1];

function close(got: ArrayLike<number>, want: ArrayLike<number>, what: string, rtol = 1e-5, atol = 1e-5): void {
  assert.is(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    if (!(got[i] === want[i] || Math.abs(got[i] - want[i]) <= atol + rtol * Math.abs(want[i]))) {
      assert.unreachable(`${what}: [${i}] got ${got[i]}, want ${want[i]}`);
    }
  }
}

/** Runs `op` on the reference and on `b` over the same pattern and float inputs; compares all float args. */
function same(b: Backend, pat: CsrPattern, inputs: Float32Array[],
  op: (be: Backend, d: ReturnType<typeof uploadCsr>, bufs: Buf[]) => void, what: string, atol = 1e-5): void {
  const run = (be: Backend) => {
    const d = uploadCsr(be, pat);
    const bufs = inputs.map((x) => buf(be, x));
    op(be, d, bufs);
    const out = bufs.map((x) => be.read(x));
    bufs.forEach((x) => be.free(x));
    freeCsr(be, d);
    return out;
  };
  const want = run(ref);
  const got = run(b);
  want.forEach((w, i) => close(got[i], w, `${what} (arg ${i})`, 1e-5, atol));
}

/** A random mask of about `density`, as a pattern. */
function pattern(rng: Rng, rows: number, cols: number, density: number): CsrPattern {
  return csrFromMask(Uint8Array.from({ length: rows * cols }, () => (rng.next() < density ? 1 : 0)), rows, cols);
}

test('csrFromMask: CSR, CSC and dense positions agree with the mask', () => {
  const mask = Uint8Array.of(0, 1, 1, 0, 0, 0, 1, 0, 1, 1, 1, 0);
  const p = csrFromMask(mask, 3, 4);
  assert.is(p.nnz, 6);
  // rows: {1, 2}, {2}, {0, 1, 2}; columns: {2}, {0, 2}, {0, 1, 2}, {}
  assert.equal(Array.from(p.rowPtr), [0, 2, 3, 6]);
  assert.equal(Array.from(p.colIdx), [1, 2, 2, 0, 1, 2]);
  assert.equal(Array.from(p.index), [1, 2, 6, 8, 9, 10]);
  assert.equal(Array.from(p.colPtr), [0, 1, 3, 6, 6]);
  assert.equal(Array.from(p.rowIdx), [2, 0, 2, 0, 1, 2]);
  assert.equal(Array.from(p.perm), [3, 0, 4, 1, 2, 5]);
  assert.throws(() => csrFromMask(mask, 3, 5), /needs 15/);
});

for (const b of candidates) {
  const rng = new Rng(7, `sparse/${b.name}`);

  test(`${b.name}: spmm (CSR and transposed via perm) at odd batches, shapes and densities, acc on/off`, () => {
    for (const [rows, cols] of SHAPES) for (const density of DENSITIES) for (const m of BATCHES) {
      if (rows * cols > 1000 && m !== 60 && m !== 67 && m !== 1) continue; // the big shape at the batches that matter
      const p = pattern(rng, rows, cols, density);
      const vals = rand(rng, p.nnz);
      const atol = rows * cols > 1000 ? 1e-4 : 1e-5; // f32 sums of 784 terms, as in the dense suite
      for (const acc of [false, true]) {
        const tag = `${rows}x${cols} d=${density} m=${m} acc=${acc}`;
        same(b, p, [vals, rand(rng, cols * m), rand(rng, rows * m)], (be, d, [v, x, y]) => be.spmm(d.csr, v, m, x, y, acc), `spmm ${tag}`, atol);
        same(b, p, [vals, rand(rng, rows * m), rand(rng, cols * m)], (be, d, [v, dy, dx]) => be.spmm(d.csc, v, m, dy, dx, acc), `spmm csc ${tag}`, atol);
        for (const relu of [false, true]) {
          same(b, p, [vals, rand(rng, cols * m), rand(rng, rows * m), rand(rng, rows)],
            (be, d, [v, x, y, bias]) => be.spmm(d.csr, v, m, x, y, acc, bias, relu), `spmm bias relu=${relu} ${tag}`, atol);
        }
        same(b, p, [vals, rand(rng, cols * m), rand(rng, rows * m)], (be, d, [v, x, y]) => be.spmm(d.csr, v, m, x, y, acc, null, true), `spmm relu only ${tag}`, atol);
        same(b, p, [rand(rng, rows * m), rand(rng, cols * m), rand(rng, p.nnz)], (be, d, [dy, x, dv]) => be.sddmm(d.csr, m, dy, x, dv, acc), `sddmm ${tag}`, atol);
      }
    }
  });

  test(`${b.name}: the transposed spmm equals spmm with the transposed matrix`, () => {
    const p = pattern(rng, 17, 23, 0.3);
    const vals = rand(rng, p.nnz);
    const m = 5;
    const dy = rand(rng, 17 * m);
    const d = uploadCsr(b, p);
    const [v, y, out] = [buf(b, vals), buf(b, dy), b.alloc(23 * m)];
    b.spmm(d.csc, v, m, y, out, false);
    const got = b.read(out);
    const want = new Float32Array(23 * m);
    for (let r = 0; r < 17; r++) {
      for (let j = p.rowPtr[r]; j < p.rowPtr[r + 1]; j++) for (let i = 0; i < m; i++) want[p.colIdx[j] * m + i] += vals[j] * dy[r * m + i];
    }
    close(got, want, 'Wᵀ·dy');
    freeCsr(b, d);
  });

  test(`${b.name}: one uploaded CSR at alternating batches, then its columns rewritten in place`, () => {
    // The wasm backend keeps per-batch byte offsets of colIdx: they must follow m and writeInt.
    const [rows, cols] = [17, 23];
    const mask = Uint8Array.from({ length: rows * cols }, () => (rng.next() < 0.3 ? 1 : 0));
    const mirrored = mask.map((_, i) => mask[Math.floor(i / cols) * cols + (cols - 1 - (i % cols))]);
    const p = csrFromMask(mask, rows, cols);
    const q = csrFromMask(mirrored, rows, cols); // same row counts, other columns
    const vals = rand(rng, p.nnz);
    const ms = [60, 17, 5, 60, 60]; // the last at the batch before it: a stale cache would show
    const run = (be: Backend): Float32Array[] => {
      const d = uploadCsr(be, p);
      const v = buf(be, vals);
      const out = ms.map((m, k) => {
        if (k === ms.length - 1) be.writeInt(d.csr.colIdx, q.colIdx);
        const y = be.alloc(rows * m);
        be.spmm(d.csr, v, m, buf(be, rand(new Rng(m, 'x'), cols * m)), y, false);
        return be.read(y);
      });
      freeCsr(be, d);
      return out;
    };
    const want = run(ref);
    run(b).forEach((got, k) => close(got, want[k], `call ${k} at m=${ms[k]}`));
  });

  test(`${b.name}: transpose, biasRowsAct, rowSum at odd sizes`, () => {
    const empty = csrFromMask([], 0, 0);
    for (const rows of [0, 1, 3, 5, 17, 61]) for (const cols of [0, 1, 3, 5, 17, 784]) {
      same(b, empty, [rand(rng, rows * cols), rand(rng, rows * cols)], (be, _d, [x, y]) => be.transpose(x, y, rows, cols), `transpose ${rows}x${cols}`);
      for (const relu of [false, true]) {
        same(b, empty, [rand(rng, rows * cols), rand(rng, rows), rand(rng, rows * cols)], (be, _d, [x, bias, y]) => be.biasRowsAct(x, bias, y, rows, cols, relu), `biasRowsAct ${rows}x${cols}`);
        same(b, empty, [rand(rng, rows * cols), rand(rng, rows)], (be, _d, [x, bias]) => be.biasRowsAct(x, bias, x, rows, cols, relu), `biasRowsAct in place ${rows}x${cols}`);
      }
      for (const acc of [false, true]) {
        same(b, empty, [rand(rng, rows * cols), rand(rng, rows)], (be, _d, [x, db]) => be.rowSum(x, db, rows, cols, acc), `rowSum ${rows}x${cols} acc=${acc}`);
      }
    }
  });

  test(`${b.name}: gather and scatter through the dense positions; int buffers round-trip`, () => {
    for (const [rows, cols] of SHAPES) for (const density of DENSITIES) {
      const p = pattern(rng, rows, cols, density);
      same(b, p, [rand(rng, rows * cols), rand(rng, p.nnz)], (be, d, [w, v]) => be.gather(w, d.index, v, p.nnz), `gather ${rows}x${cols} d=${density}`);
      same(b, p, [rand(rng, p.nnz), rand(rng, rows * cols)], (be, d, [v, w]) => be.scatter(v, d.index, w, p.nnz), `scatter ${rows}x${cols} d=${density}`);
    }
    const ib = b.allocInt(5);
    b.writeInt(ib, [3, -1, 7], 2);
    assert.equal(Array.from(b.readInt(ib)), [0, 0, 3, -1, 7]);
    assert.throws(() => b.writeInt(ib, [1, 2], 4), RangeError);
    b.freeInt(ib);
    assert.throws(() => b.readInt(ib), /after freeInt/);
  });

  test(`${b.name}: scratchUninit gives arena buffers that ops overwrite and resetScratch retires`, () => {
    const x = b.scratchUninit(17);
    assert.is(x.length, 17);
    b.fill(x, 2.5, 17);
    assert.ok(b.read(x).every((v) => v === 2.5));
    b.resetScratch();
    assert.throws(() => b.read(x), /resetScratch|after/);
  });

  test(`${b.name}: sparse ops reject short, foreign and out-of-range buffers`, () => {
    const p = pattern(rng, 4, 6, 0.5);
    const d = uploadCsr(b, p);
    const v = b.alloc(p.nnz);
    assert.throws(() => b.spmm(d.csr, v, 3, b.alloc(6 * 3 - 1), b.alloc(12), false), /spmm xT/);
    assert.throws(() => b.sddmm(d.csr, 3, b.alloc(12), b.alloc(18), b.alloc(p.nnz - 1), false), /sddmm dv/);
    assert.throws(() => b.sddmm(d.csc, 3, b.alloc(18), b.alloc(12), v, false), /perm/);
    assert.throws(() => b.gather(v, ref.allocInt(p.nnz), v, p.nnz), /another backend/);
    assert.throws(() => b.scatter(v, d.index, b.alloc(0), p.nnz), /outside/);
    assert.throws(() => ref.spmm({ ...d.csr, rowPtr: ref.allocInt(5), colIdx: ref.allocInt(p.nnz) }, ref.alloc(p.nnz), 1, ref.alloc(6), ref.alloc(4), false), /rowPtr/);
    freeCsr(b, d);
  });
}

test.run();
