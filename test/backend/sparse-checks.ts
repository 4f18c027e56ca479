// The sparse conformance checks, runtime-neutral: every CSR and feature-major Backend method of
// a candidate against the js reference, at sizes that exercise the SIMD blocks and tails (batch
// m of 0, 1, 3, 5, 17, 29, 60, 67, 130 and shapes down to 0 x 0) and densities 0, 1 and in
// between. Node runs them in sparse.test.ts; headless Chromium runs them on tfjs's WebGL backend
// (test/web/webgl-conformance.test.ts). No Node built-ins here or in compare.ts.
import * as assert from 'uvu/assert';
import type { Backend, Buf } from '../../src/backend/backend.ts';
import { type CsrPattern, csrFromMask, freeCsr, uploadCsr } from '../../src/prune/csr.ts';
import { Rng } from '../../src/util/rng.ts';
import { buf, rand } from './compare.ts';
import type { Check } from './conformance-checks.ts';

/** Per-backend settings; the defaults are the Node suite's. */
export interface SparseCheckOptions {
  /** The batches m and the densities of the spmm/sddmm grid (every shape, density and batch). */
  batches?: number[];
  densities?: number[];
  /** The rows and columns of transpose, biasRowsAct and rowSum (every combination). */
  rows?: number[];
  cols?: number[];
}

// 29, 60, 67 and 130 split into 2, 3, 3 and 6 passes of at most six vectors, with tails.
/** The default spmm/sddmm batches. */
export const BATCHES = [0, 1, 3, 5, 17, 29, 60, 67, 130];
/** The default transpose / row-op sizes. */
export const ROWS = [0, 1, 3, 5, 17, 61];
export const COLS = [0, 1, 3, 5, 17, 784];
const SHAPES: [number, number][] = [[0, 0], [1, 1], [3, 5], [5, 3], [17, 17], [300, 784]];
/** The default densities of the spmm grid and of gather/scatter. */
export const DENSITIES = [0, 0.02, 0.3, 1];

function close(got: ArrayLike<number>, want: ArrayLike<number>, what: string, rtol = 1e-5, atol = 1e-5): void {
  assert.is(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++) {
    if (!(got[i] === want[i] || Math.abs(got[i] - want[i]) <= atol + rtol * Math.abs(want[i]))) {
      assert.unreachable(`${what}: [${i}] got ${got[i]}, want ${want[i]}`);
    }
  }
}

/** A random mask of about `density`, as a pattern. */
function pattern(rng: Rng, rows: number, cols: number, density: number): CsrPattern {
  return csrFromMask(Uint8Array.from({ length: rows * cols }, () => (rng.next() < density ? 1 : 0)), rows, cols);
}

/** An op over an uploaded CSR and float buffers (see sameOverCsr). */
export type CsrOp = (be: Backend, d: ReturnType<typeof uploadCsr>, bufs: Buf[]) => void;

/**
 * Runs `op` on the reference and on `b` over the same pattern and float inputs and compares
 * every float argument afterwards (shared with sparse-conv-checks.ts).
 */
export function sameOverCsr(ref: Backend, b: Backend, pat: CsrPattern, inputs: Float32Array[], op: CsrOp, what: string, rtol: number, atol: number): void {
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
  want.forEach((w, i) => close(got[i], w, `${what} (arg ${i})`, rtol, atol));
}

/** The sparse checks of backend `b` against the reference `ref`, in a fixed order with fixed names. */
export function sparseChecks(ref: Backend, b: Backend, opts: SparseCheckOptions = {}): Check[] {
  const same = (pat: CsrPattern, inputs: Float32Array[], op: CsrOp, what: string, atol = 1e-5): void => sameOverCsr(ref, b, pat, inputs, op, what, 1e-5, atol);
  const checks: Check[] = [];
  // each check draws from its own stream, so one can run alone (a browser runs them one by one)
  const check = (name: string, body: (rng: Rng) => void): void => {
    checks.push({ name, run: () => body(new Rng(7, `sparse/${b.name}/${name}`)) });
  };

  check('spmm (CSR and transposed via perm) at odd batches, shapes and densities, acc on/off', (rng) => {
    for (const [rows, cols] of SHAPES) for (const density of opts.densities ?? DENSITIES) for (const m of opts.batches ?? BATCHES) {
      if (rows * cols > 1000 && m !== 60 && m !== 67 && m !== 1) continue; // the big shape at the batches that matter
      const p = pattern(rng, rows, cols, density);
      const vals = rand(rng, p.nnz);
      const atol = rows * cols > 1000 ? 1e-4 : 1e-5; // f32 sums of 784 terms, as in the dense suite
      for (const acc of [false, true]) {
        const tag = `${rows}x${cols} d=${density} m=${m} acc=${acc}`;
        same(p, [vals, rand(rng, cols * m), rand(rng, rows * m)], (be, d, [v, x, y]) => be.spmm(d.csr, v, m, x, y, acc), `spmm ${tag}`, atol);
        same(p, [vals, rand(rng, rows * m), rand(rng, cols * m)], (be, d, [v, dy, dx]) => be.spmm(d.csc, v, m, dy, dx, acc), `spmm csc ${tag}`, atol);
        for (const relu of [false, true]) {
          same(p, [vals, rand(rng, cols * m), rand(rng, rows * m), rand(rng, rows)],
            (be, d, [v, x, y, bias]) => be.spmm(d.csr, v, m, x, y, acc, bias, relu), `spmm bias relu=${relu} ${tag}`, atol);
        }
        same(p, [vals, rand(rng, cols * m), rand(rng, rows * m)], (be, d, [v, x, y]) => be.spmm(d.csr, v, m, x, y, acc, null, true), `spmm relu only ${tag}`, atol);
        same(p, [rand(rng, rows * m), rand(rng, cols * m), rand(rng, p.nnz)], (be, d, [dy, x, dv]) => be.sddmm(d.csr, m, dy, x, dv, acc), `sddmm ${tag}`, atol);
      }
    }
  });

  check('the transposed spmm equals spmm with the transposed matrix', (rng) => {
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
    [v, y, out].forEach((x) => b.free(x));
    freeCsr(b, d);
  });

  check('one uploaded CSR at alternating batches, then its columns rewritten in place', (rng) => {
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

  check('transpose, biasRowsAct, rowSum at odd sizes', (rng) => {
    const empty = csrFromMask([], 0, 0);
    for (const rows of opts.rows ?? ROWS) for (const cols of opts.cols ?? COLS) {
      same(empty, [rand(rng, rows * cols), rand(rng, rows * cols)], (be, _d, [x, y]) => be.transpose(x, y, rows, cols), `transpose ${rows}x${cols}`);
      for (const relu of [false, true]) {
        same(empty, [rand(rng, rows * cols), rand(rng, rows), rand(rng, rows * cols)], (be, _d, [x, bias, y]) => be.biasRowsAct(x, bias, y, rows, cols, relu), `biasRowsAct ${rows}x${cols}`);
        same(empty, [rand(rng, rows * cols), rand(rng, rows)], (be, _d, [x, bias]) => be.biasRowsAct(x, bias, x, rows, cols, relu), `biasRowsAct in place ${rows}x${cols}`);
      }
      for (const acc of [false, true]) {
        same(empty, [rand(rng, rows * cols), rand(rng, rows)], (be, _d, [x, db]) => be.rowSum(x, db, rows, cols, acc), `rowSum ${rows}x${cols} acc=${acc}`);
      }
    }
  });

  check('gather and scatter through the dense positions; int buffers round-trip', (rng) => {
    for (const [rows, cols] of SHAPES) for (const density of DENSITIES) {
      const p = pattern(rng, rows, cols, density);
      same(p, [rand(rng, rows * cols), rand(rng, p.nnz)], (be, d, [w, v]) => be.gather(w, d.index, v, p.nnz), `gather ${rows}x${cols} d=${density}`);
      same(p, [rand(rng, p.nnz), rand(rng, rows * cols)], (be, d, [v, w]) => be.scatter(v, d.index, w, p.nnz), `scatter ${rows}x${cols} d=${density}`);
    }
    const ib = b.allocInt(5);
    b.writeInt(ib, [3, -1, 7], 2);
    assert.equal(Array.from(b.readInt(ib)), [0, 0, 3, -1, 7]);
    assert.throws(() => b.writeInt(ib, [1, 2], 4), RangeError);
    b.freeInt(ib);
    assert.throws(() => b.readInt(ib), /after freeInt/);
  });

  check('scratchUninit gives arena buffers that ops overwrite and resetScratch retires', () => {
    const x = b.scratchUninit(17);
    assert.is(x.length, 17);
    b.fill(x, 2.5, 17);
    assert.ok(b.read(x).every((v) => v === 2.5));
    b.resetScratch();
    assert.throws(() => b.read(x), /resetScratch|after/);
  });

  check('sparse ops reject short, foreign and out-of-range buffers', (rng) => {
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

  return checks;
}
