// Conformance of the sparse convolution ops (CSR filter banks over NCHW tensors): the checks of
// sparse-conv-checks.ts for every candidate backend against the js reference (the browser runs
// them on tfjs's WebGL backend), tfjs-wasm's tensor count, and the reference against its own
// dense convolution.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Backend } from '../../src/backend/backend.ts';
import { convGeom, convSizes } from '../../src/backend/conv-geom.ts';
import { JsBackend } from '../../src/backend/js.ts';
import { createTfjsBackend } from '../../src/backend/tfjs.ts';
import { initTfjsWasm } from '../../src/backend/tfjs-init.ts';
import { createWasmBackend } from '../../src/backend/wasm.ts';
import { freeCsr, uploadCsr } from '../../src/prune/csr.ts';
import { Rng } from '../../src/util/rng.ts';
import { buf, close, rand } from './compare.ts';
import { convPattern as pattern, sparseConvChecks } from './sparse-conv-checks.ts';

const ref = new JsBackend();
const candidates: Backend[] = [await createWasmBackend(), await createTfjsBackend()];

for (const b of candidates) {
  for (const c of sparseConvChecks(ref, b)) test(`${b.name}: ${c.name}`, c.run);
}

test('tfjs-wasm: the sparse convolution ops leave no tensors behind', async () => {
  const tf = await initTfjsWasm();
  const b = candidates.find((c) => c.name === 'tfjs-wasm')!;
  const g = convGeom(3, 4, 6, 6, 5, 3, 2, 1);
  const z = convSizes(g);
  const p = pattern(new Rng(2), g, 0.4);
  const d = uploadCsr(b, p);
  const [v, x, y, dx, dv, bias] = [p.nnz, z.x, z.y, z.x, p.nnz, g.cout].map((n) => b.alloc(n));
  const step = () => {
    b.sparseConv2d(d.csr, v, x, y, g, false, bias, true);
    b.sparseConv2dBackwardData(d.csr, v, y, dx, g, true);
    b.sparseConv2dBackwardWeights(d.csr, x, y, dv, g, false);
  };
  step();
  const before = tf.memory().numTensors;
  for (let i = 0; i < 5; i++) step();
  assert.is(tf.memory().numTensors, before);
  freeCsr(b, d);
});

test('js: the sparse convolution equals the dense one with the densified weight', () => {
  const rng = new Rng(3);
  for (const g of [convGeom(2, 3, 7, 6, 4, 3, 2, 1), convGeom(1, 2, 5, 5, 3, [1, 3], 1, 'same')]) {
    const p = pattern(rng, g, 0.4);
    const z = convSizes(g);
    const vals = rand(rng, p.nnz);
    const dense = new Float32Array(z.w);
    p.index.forEach((pos, j) => (dense[pos] = vals[j]));
    const d = uploadCsr(ref, p);
    const [x, dy] = [rand(rng, z.x), rand(rng, z.y)];
    const [ys, yd, dxs, dxd, dvs, dwd] = [z.y, z.y, z.x, z.x, p.nnz, z.w].map((n) => ref.alloc(n));
    ref.sparseConv2d(d.csr, buf(ref, vals), buf(ref, x), ys, g, false);
    ref.conv2d(buf(ref, x), buf(ref, dense), yd, g);
    close(ref.read(ys), ref.read(yd), 'forward', 1e-6, 1e-6);
    ref.sparseConv2dBackwardData(d.csr, buf(ref, vals), buf(ref, dy), dxs, g, false);
    ref.conv2dBackwardData(buf(ref, dy), buf(ref, dense), dxd, g, false);
    close(ref.read(dxs), ref.read(dxd), 'dx', 1e-6, 1e-6);
    ref.sparseConv2dBackwardWeights(d.csr, buf(ref, x), buf(ref, dy), dvs, g, false);
    ref.conv2dBackwardWeights(buf(ref, x), buf(ref, dy), dwd, g, false);
    const dw = ref.read(dwd);
    close(ref.read(dvs), Array.from(p.index, (pos) => dw[pos]), 'dw at the nonzeros', 1e-6, 1e-6);
  }
});

test.run();
