// The small-batch path (CoreOps.gemvPack / gemv, assembly/gemv.ts): wasm and tfjs against the
// js reference at odd sizes (0, 1, 3, 5, 17 and large rows / columns, partial panels), the
// packed layout identical on every backend, and the js reference against a plain W·x; gemm at
// m = 1 (routed to the unpacked mat-vecs gemv_nt / gemv_nn on wasm) against js in every layout.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Backend } from '../../src/backend/backend.ts';
import { gemvPackedSize } from '../../src/backend/gemv-layout.ts';
import { JsBackend } from '../../src/backend/js.ts';
import { createTfjsBackend } from '../../src/backend/tfjs.ts';
import { createWasmBackend } from '../../src/backend/wasm.ts';
import { Rng } from '../../src/util/rng.ts';
import { buf, close, rand } from './compare.ts';

const ref = new JsBackend();
const candidates: Backend[] = [await createWasmBackend(), await createTfjsBackend()];
const SIZES = [0, 1, 3, 5, 17, 300, 784];

/** Packed weight and y = act(W·x + b) of one backend. */
function run(be: Backend, w: Float32Array, rows: number, cols: number, x: Float32Array, bias: Float32Array, relu: boolean) {
  const [wb, xb, bb] = [buf(be, w), buf(be, x), buf(be, bias)];
  const packed = be.alloc(gemvPackedSize(rows, cols));
  const y = buf(be, new Float32Array(rows).fill(NaN));
  be.gemvPack(wb, rows, cols, packed);
  be.gemv(packed, rows, cols, xb, bb, relu, y);
  const out = { packed: be.read(packed), y: be.read(y) };
  for (const b of [wb, xb, bb, packed, y]) be.free(b);
  return out;
}

test('js gemv is W·x + b (then ReLU), rows past the last panel ignored', () => {
  const rng = new Rng(2);
  for (const [rows, cols] of [[1, 1], [5, 3], [17, 5], [33, 17]]) {
    const w = rand(rng, rows * cols);
    const x = rand(rng, cols);
    const bias = rand(rng, rows);
    for (const relu of [false, true]) {
      const want = Float32Array.from({ length: rows }, (_, r) => {
        let s = bias[r];
        for (let k = 0; k < cols; k++) s += w[r * cols + k] * x[k];
        return relu ? Math.max(s, 0) : s;
      });
      close(run(ref, w, rows, cols, x, bias, relu).y, want, `js ${rows}x${cols} relu=${relu}`);
    }
  }
});

for (const be of candidates) {
  test(`${be.name}: gemvPack and gemv equal the js reference at odd sizes`, () => {
    const rng = new Rng(7);
    for (const rows of SIZES) {
      for (const cols of SIZES) {
        if (rows * cols > 300 * 784) continue;
        const w = rand(rng, rows * cols);
        const x = rand(rng, cols);
        const bias = rand(rng, rows);
        for (const relu of [false, true]) {
          const want = run(ref, w, rows, cols, x, bias, relu);
          const got = run(be, w, rows, cols, x, bias, relu);
          const what = `${be.name} ${rows}x${cols} relu=${relu}`;
          close(got.packed, want.packed, `${what} packed`, 0, 0);
          // f32 sums of up to 784 terms of magnitude <= 1
          close(got.y, want.y, `${what} y`, 1e-5, 2e-5 * Math.sqrt(cols + 1));
        }
      }
    }
  });
  test(`${be.name}: gemv checks its buffers`, () => {
    const small = be.alloc(3);
    assert.throws(() => be.gemv(small, 4, 4, small, small, false, small), /gemv/);
    be.free(small);
  });
}

for (const be of candidates) {
  test(`${be.name}: gemm at m = 1 (the trainer's batch-1 mat-vec) equals the js reference, every layout, accumulate or not`, () => {
    const rng = new Rng(11);
    for (const layout of ['nn', 'nt', 'tn'] as const) {
      for (const n of [1, 3, 5, 17, 300]) {
        for (const k of [0, 1, 3, 5, 17, 784]) {
          for (const accumulate of [false, true]) {
            const [a, bm, c0] = [rand(rng, k), rand(rng, k * n), rand(rng, n)];
            const out = (x: Backend) => {
              const [ab, bb, cb] = [buf(x, a), buf(x, bm), buf(x, c0)];
              x.gemm(layout, 1, n, k, ab, bb, cb, accumulate);
              const r = x.read(cb);
              for (const t of [ab, bb, cb]) x.free(t);
              return r;
            };
            close(out(be), out(ref), `${be.name} ${layout} 1x${n}x${k} acc=${accumulate}`, 1e-5, 2e-5 * Math.sqrt(k + 1));
          }
        }
      }
    }
  });
}

test.run();
