// The seq (transformer) half of the conformance suite (issue 16): the checks of seq-checks.ts
// for every candidate backend against the js reference.
import { test } from 'uvu';
import type { Backend } from '../../src/backend/backend.ts';
import { JsBackend } from '../../src/backend/js.ts';
import { createTfjsBackend } from '../../src/backend/tfjs.ts';
import { createWasmBackend } from '../../src/backend/wasm.ts';
import { seqChecks } from './seq-checks.ts';

const ref = new JsBackend();
const candidates: Backend[] = [await createWasmBackend(), await createTfjsBackend()];

for (const b of candidates) {
  for (const c of seqChecks(ref, b)) test(`${b.name}: ${c.name}`, c.run);
}

test.run();
