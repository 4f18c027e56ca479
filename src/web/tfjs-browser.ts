/**
 * TensorFlow.js in a browser (or worker): the `tfjs-wasm` backend class on tf's 'wasm' backend
 * (binaries fetched from `base`) or on 'webgl' (the GPU path; needs WebGL in the worker, via
 * OffscreenCanvas). Loaded only when asked for: it is most of the bundle.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import type { Backend } from '../backend/backend.ts';
import { TfjsBackend } from '../backend/tfjs.ts';

let ready: Promise<void> | null = null;

/** Switches tf to `which` once (a worker runs one experiment) and wraps it as a Backend. */
export async function createTfjsBrowserBackend(which: 'wasm' | 'webgl', base: string): Promise<Backend> {
  ready ??= (async () => {
    if (which === 'wasm') setWasmPaths(new URL('./', base).href);
    const ok = await tf.setBackend(which);
    await tf.ready();
    if (!ok || tf.getBackend() !== which) throw new Error(`tfjs: cannot start the ${which} backend (got '${tf.getBackend()}')`);
    tf.enableProdMode();
  })();
  await ready;
  return new TfjsBackend(tf);
}
