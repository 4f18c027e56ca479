// Conformance of the NCHW ops (convolution, pooling, batch norm) of every candidate backend
// against the js reference loops: the checks of conv-checks.ts (the browser runs them on tfjs's
// WebGL backend), and the convolution geometry helpers. A new backend joins by adding one entry
// to `candidates`, as in conformance.test.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Backend, ConvGeom } from '../../src/backend/backend.ts';
import { convGeom, convPlan } from '../../src/backend/conv-geom.ts';
import { JsBackend } from '../../src/backend/js.ts';
import { createTfjsBackend } from '../../src/backend/tfjs.ts';
import { createWasmBackend } from '../../src/backend/wasm.ts';
import { convChecks } from './conv-checks.ts';

const ref = new JsBackend();
const candidates: Backend[] = [await createWasmBackend(), await createTfjsBackend()];

for (const b of candidates) {
  for (const c of convChecks(ref, b)) test(`${b.name}: ${c.name}`, c.run);
}

test('convPlan: the cases of conv-checks.ts reach every route of assembly/conv.ts', () => {
  const route = (g: ConvGeom) => (['forward', 'backwardData', 'backwardWeights'] as const).map((pass) => convPlan(g, pass).fused);
  assert.equal(route(convGeom(2, 33, 5, 16, 5, 3)), [false, true, false]);
  assert.equal(route(convGeom(5, 3, 10, 10, 40, 3, 1, 'valid')), [true, false, true]);
  assert.equal(route(convGeom(2, 32, 4, 16, 33, 1, 1, 2)), [false, true, true]);
  assert.equal(route(convGeom(2, 3, 6, 6, 32, 3)), [true, false, true]);
  assert.equal(route(convGeom(2, 32, 11, 16, 32, 3, 2, 1)), [true, false, false]);
  assert.is(convPlan(convGeom(5, 3, 10, 10, 40, 3, 1, 'valid'), 'forward').group, 4);
  assert.is(convPlan(convGeom(3, 5, 17, 17, 17, 3), 'backwardWeights').group, 1);
});

test('convGeom: same/valid/explicit padding give the TensorFlow / PyTorch output sizes', () => {
  const s = convGeom(1, 3, 32, 32, 64, 3);
  assert.equal([s.outH, s.outW, s.padH, s.padW], [32, 32, 1, 1]);
  const s2 = convGeom(1, 3, 32, 31, 8, 3, 2, 'same');
  assert.equal([s2.outH, s2.outW, s2.padH, s2.padW], [16, 16, 0, 1]);
  const v = convGeom(1, 3, 7, 7, 8, 3, 2, 'valid');
  assert.equal([v.outH, v.padH], [3, 0]);
  const e = convGeom(1, 3, 32, 32, 8, 3, 2, 1);
  assert.equal([e.outH, e.padH], [16, 1]);
  assert.throws(() => convGeom(1, 3, 8, 8, 8, 0), /kernel height/);
  assert.throws(() => convGeom(1, 3, 8, 8, 8, 3, 1, -1), /padding/);
});

test.run();
