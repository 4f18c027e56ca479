/**
 * The `tfjs-wasm` backend: every Backend op as TensorFlow.js ops on @tensorflow/tfjs-backend-wasm
 * (XNNPACK underneath), or on WebGL in a browser. It is the fallback where our own wasm module
 * cannot load, and the peer the engine is checked against: correctness first, speed comes from
 * the `wasm` backend. Buffers wrap immutable tensors (tfjs-memory.ts); every op runs in tf.tidy
 * and swaps its result in, so the tensor count stays flat across steps. Composed from its
 * family objects, one file each (tfjs-<family>.ts).
 */
import { ComposedBackend } from './compose.ts';
import { TfConvOps } from './tfjs-conv.ts';
import { TfCoreOps } from './tfjs-core.ts';
import { initTfjsWasm, type Tf } from './tfjs-init.ts';
import { TfStore } from './tfjs-memory.ts';
import { TfPoolOps } from './tfjs-pool.ts';
import { TfSeqOps } from './tfjs-seq.ts';
import { TfSparseOps } from './tfjs-sparse.ts';
import { TfSparseConvOps } from './tfjs-sparse-conv.ts';

/** Initialises tfjs on its wasm backend (offline, once per process) and returns a backend on it. */
export async function createTfjsBackend(): Promise<TfjsBackend> {
  return new TfjsBackend(await initTfjsWasm());
}

/**
 * The tfjs backend, named `tfjs-` and the tf backend it runs on ('tfjs-wasm', or 'tfjs-webgl'
 * in a browser); construct it with createTfjsBackend() (a browser: src/web/tfjs-browser.ts).
 */
export class TfjsBackend extends ComposedBackend {
  constructor(tf: Tf) {
    const s = new TfStore(tf);
    const conv = new TfConvOps(s);
    super(`tfjs-${tf.getBackend()}`, {
      memory: s, core: new TfCoreOps(s), conv, pool: new TfPoolOps(s), sparse: new TfSparseOps(s), sparseConv: new TfSparseConvOps(s, conv),
      seq: new TfSeqOps(s),
    });
  }
}
