// The wasm backend with every buffer above 2 GiB of linear memory: byte offsets past 2^31 must
// not turn into negative typed-array indices (`ptr >> 2`) on the JS side, nor into negative or
// wrapped addresses in the kernels. A 2 GiB ballast pushes the heap up (fresh memory is not
// zero-filled, so it is never touched or paged in); then the conformance checks of every op
// family run there against the js reference.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { JsBackend } from '../../src/backend/js.ts';
import { type WasmBuf, createWasmBackend } from '../../src/backend/wasm.ts';
import { convGeom } from '../../src/backend/conv-geom.ts';
import { conformanceChecks } from './conformance-checks.ts';
import { convChecks } from './conv-checks.ts';
import { sparseChecks } from './sparse-checks.ts';
import { seqChecks } from './seq-checks.ts';
import { sparseConvChecks } from './sparse-conv-checks.ts';

const TWO_GIB = 2 ** 31;
const ref = new JsBackend();
const b = await createWasmBackend();
const ballast = b.alloc((TWO_GIB + (16 << 20)) / 4);
const ptr = (x: unknown): number => (x as WasmBuf).ptr;

test('the heap is past 2 GiB and new buffers lie above it', () => {
  assert.ok(b.memoryBytes() > TWO_GIB, `memory ${b.memoryBytes()}`);
  const x = b.alloc(4);
  assert.ok(ptr(x) > TWO_GIB, `pointer ${ptr(x)}`);
  b.free(x);
});

test('write/read round trip, zero-filled reuse of freed memory and of reset scratch, above 2 GiB', () => {
  const x = b.alloc(1003);
  const data = Float32Array.from({ length: 1003 }, (_, i) => i - 500.25);
  b.write(x, data);
  assert.equal(Array.from(b.read(x)), Array.from(data));
  b.write(x, [7, 8], 1001);
  assert.equal(Array.from(b.read(x).subarray(1000)), [data[1000], 7, 8]);
  b.fill(x, 9, 1003);
  b.free(x);
  const y = b.alloc(1003);
  assert.is(ptr(y), ptr(x), 'first fit reuses the freed block');
  assert.ok(b.read(y).every((v) => v === 0), 'reused memory is zeroed');
  b.free(y);
  const s = b.scratch(777);
  assert.ok(ptr(s) > TWO_GIB);
  b.fill(s, 3, 777);
  b.resetScratch();
  const t = b.scratch(777);
  assert.is(ptr(t), ptr(s));
  assert.ok(b.read(t).every((v) => v === 0), 'reset scratch is zeroed');
  const ints = b.allocInt(5);
  b.writeInt(ints, [1, -2, 3, 2 ** 30, -(2 ** 31)]);
  assert.equal(Array.from(b.readInt(ints)), [1, -2, 3, 2 ** 30, -(2 ** 31)]);
  b.freeInt(ints);
  b.resetScratch();
});

// Small grids keep this file to a few seconds; the full grids run in the per-family suites.
const convs = [convGeom(2, 3, 9, 9, 8, 3), convGeom(2, 33, 5, 16, 5, 3), convGeom(5, 3, 10, 10, 40, 3, 1, 'valid'), convGeom(2, 32, 11, 16, 32, 3, 2, 1)];
const checks = [
  ...conformanceChecks(ref, b, { gemmDims: [1, 5, 17] }),
  ...convChecks(ref, b, { convs }),
  ...sparseChecks(ref, b, { batches: [1, 5, 29], densities: [0.3], rows: [5], cols: [17] }),
  ...sparseConvChecks(ref, b, { convs }),
  ...seqChecks(ref, b),
];
for (const c of checks) test(`above 2 GiB: ${c.name}`, c.run);

test('every check ran above 2 GiB; the ballast is freed', () => {
  const x = b.alloc(4);
  assert.ok(ptr(x) > TWO_GIB);
  b.free(x);
  b.free(ballast);
});

test.run();
