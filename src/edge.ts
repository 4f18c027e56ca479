/**
 * The inference-only entry (`lth/edge`) for edge and serverless hosts: load a model.lth and
 * predict on the wasm kernels. Nothing here imports a Node built-in, TensorFlow.js or the
 * trainer, so it bundles small for browsers, workers and edge runtimes and runs in Node too.
 */
import type { Backend } from './backend/backend.ts';
import { type WasmSource, resolveWasmSource } from './backend/wasm-source.ts';
import { createWasmBackend } from './backend/wasm.ts';
import { decodeSparseModel } from './infer/format.ts';
import { SparseModel } from './infer/sparse-model.ts';

export type { Backend, Buf } from './backend/backend.ts';
export type { WasmSource } from './backend/wasm-source.ts';
export { type SparseLayerSpec, type SparseModelSpec, SPARSE_FORMAT, decodeSparseModel, specDensity } from './infer/format.ts';
export { SparseModel } from './infer/sparse-model.ts';
export { UserError } from './util/errors.ts';

/** Options of loadModel. */
export interface LoadModelOptions {
  /**
   * The kernel module lth.wasm: bytes, a compiled WebAssembly.Module (a Workers `.wasm`
   * import), or a URL or path. Default: build/lth.wasm two levels above this bundle.
   */
  wasm?: WasmSource;
  /** A backend to load onto instead (e.g. one shared by several models); `wasm` is then unused. */
  backend?: Backend;
  /** Names the model in error messages (e.g. its file name); default 'model.lth'. */
  source?: string;
}

/** Decodes model.lth bytes onto a wasm backend; `predict(x, n)` then gives the logits. */
export async function loadModel(bytes: Uint8Array | ArrayBuffer, opts: LoadModelOptions = {}): Promise<SparseModel> {
  const spec = decodeSparseModel(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes), opts.source);
  const backend = opts.backend ?? (await createWasmBackend(await resolveWasmSource(opts.wasm)));
  return new SparseModel(backend, spec);
}

/** Index of the largest logit of each of the n rows of `logits` [n, classes] (first on ties). */
export function argmax(logits: Float32Array, classes: number): Int32Array {
  const n = Math.floor(logits.length / classes);
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let j = 1; j < classes; j++) if (logits[i * classes + j] > logits[i * classes + best]) best = j;
    out[i] = best;
  }
  return out;
}
