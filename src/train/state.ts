import type { Backend } from '../backend/backend.ts';
import type { Parameter } from '../nn/module.ts';
import { refreshSparse, syncDense } from '../nn/sparse-linear.ts';

/** Named copies of parameter values, detached from any backend (for rewinding and saving). */
export type Weights = Record<string, Float32Array>;

/** Copies every parameter out of the backend. */
export function snapshotWeights(b: Backend, params: Parameter[]): Weights {
  const out: Weights = {};
  for (const p of params) syncDense(b, p); // a weight training in CSR form holds its latest values there
  for (const p of params) out[p.name] = b.read(p.tensor.buf);
  return out;
}

/**
 * Writes saved values back into the parameters (all of them must be present with the right
 * sizes). Masks are not applied here: the caller installs the masks it wants next.
 */
export function restoreWeights(b: Backend, params: Parameter[], w: Weights): void {
  for (const p of params) {
    const src = w[p.name];
    if (src === undefined) throw new Error(`restoreWeights: no saved values for '${p.name}'`);
    if (src.length !== p.size) throw new Error(`restoreWeights: '${p.name}' has ${src.length} values, expected ${p.size}`);
    b.write(p.tensor.buf, src);
    refreshSparse(b, p);
  }
}
