/**
 * Backends in a browser: our wasm kernels from fetched bytes, or TensorFlow.js on its wasm
 * (XNNPACK) or WebGL backend. tfjs is loaded by a dynamic import, so the wasm path never
 * downloads it; its Node set-up (src/backend/tfjs-init.ts) is replaced by a fetch of the
 * .wasm files served next to the bundle.
 */
import type { Backend } from '../backend/backend.ts';
import { createBackend } from '../backend/index.ts';
import { threadSupport } from '../backend/wasm.ts';
import type { WebBackendName } from './protocol.ts';

/** A backend and, in words, what it runs on. */
export interface WebBackend {
  backend: Backend;
  device: string;
}

/** Creates a backend by name; `base` is the URL the bundle (and its .wasm files) is served from. */
export async function createWebBackend(name: WebBackendName, base: string): Promise<WebBackend> {
  if (name === 'wasm') {
    // Cross-origin isolated (npm run web sends COOP/COEP) and in a worker: the threads build on
    // every core; otherwise the single-threaded build.
    const threads = threadSupport() === null ? (globalThis.navigator?.hardwareConcurrency ?? 1) : 1;
    const file = threads > 1 ? 'lth-threads.wasm' : 'lth.wasm';
    const res = await fetch(new URL(file, base));
    if (!res.ok) throw new Error(`cannot fetch ${file}: HTTP ${res.status}`);
    const backend = await createBackend('wasm', { wasm: await res.arrayBuffer(), threads });
    const n = (backend as { threads?: number }).threads ?? 1;
    return { backend, device: `WebAssembly SIMD (lth kernels, ${n === 1 ? 'one thread' : `${n} threads`})` };
  }
  const tfjs = await import('./tfjs-browser.ts');
  return tfjs.createTfjsBrowserBackend(name === 'tfjs-webgl' ? 'webgl' : 'wasm', base);
}
