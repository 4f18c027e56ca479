// The sparse half of the conformance suite: the checks of sparse-checks.ts (every sparse Backend
// method against the js reference; the browser runs them on tfjs's WebGL backend) for every
// candidate backend, and the host-side CSR builder.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Backend } from '../../src/backend/backend.ts';
import { JsBackend } from '../../src/backend/js.ts';
import { createTfjsBackend } from '../../src/backend/tfjs.ts';
import { createWasmBackend } from '../../src/backend/wasm.ts';
import { csrFromMask } from '../../src/prune/csr.ts';
import { sparseChecks } from './sparse-checks.ts';

const ref = new JsBackend();
const candidates: Backend[] = [await createWasmBackend(), await createTfjsBackend()];

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
  for (const c of sparseChecks(ref, b)) test(`${b.name}: ${c.name}`, c.run);
}

test.run();
