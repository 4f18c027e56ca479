// The conformance suite in Node: every check of conformance-checks.ts for every candidate
// backend against the js reference. A new backend joins by adding one entry to `candidates`
// (tfjs-wasm did); the browser runs the same checks on tfjs's WebGL backend.
import { test } from 'uvu';
import type { Backend } from '../../src/backend/backend.ts';
import { JsBackend } from '../../src/backend/js.ts';
import { createTfjsBackend } from '../../src/backend/tfjs.ts';
import { createWasmBackend } from '../../src/backend/wasm.ts';
import { conformanceChecks } from './conformance-checks.ts';

const ref = new JsBackend();
const candidates: Backend[] = [await createWasmBackend(), await createTfjsBackend()];

for (const b of candidates) {
  for (const c of conformanceChecks(ref, b)) test(`${b.name}: ${c.name}`, c.run);
}

test.run();
