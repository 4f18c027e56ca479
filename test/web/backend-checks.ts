// Every runtime-neutral backend check suite in one list, for the browser: the dense conformance
// checks, the NCHW ops, the CSR ops and the sparse convolutions (test/backend/*-checks.ts).
// The WebGL conformance page runs them; its test takes their names from here.
import type { Backend } from '../../src/backend/backend.ts';
import { type Check, type ConformanceOptions, conformanceChecks } from '../backend/conformance-checks.ts';
import { type ConvCheckOptions, convChecks } from '../backend/conv-checks.ts';
import { type SparseCheckOptions, sparseChecks } from '../backend/sparse-checks.ts';
import { type SparseConvCheckOptions, sparseConvChecks } from '../backend/sparse-conv-checks.ts';

/** Per-suite settings (plain data: the test hands them to the page); the defaults are Node's. */
export interface BackendCheckOptions {
  dense?: ConformanceOptions;
  conv?: ConvCheckOptions;
  sparse?: SparseCheckOptions;
  sparseConv?: SparseConvCheckOptions;
}

/** The checks of every suite for backend `b` against `ref`, in a fixed order; names are unique. */
export function backendChecks(ref: Backend, b: Backend, opts: BackendCheckOptions = {}): Check[] {
  const checks = [
    ...conformanceChecks(ref, b, opts.dense),
    ...convChecks(ref, b, opts.conv),
    ...sparseChecks(ref, b, opts.sparse),
    ...sparseConvChecks(ref, b, opts.sparseConv),
  ];
  const seen = new Set<string>();
  for (const c of checks) {
    if (seen.has(c.name)) throw new Error(`two backend checks are named '${c.name}'`);
    seen.add(c.name);
  }
  return checks;
}
