/**
 * Backends in a browser: our wasm kernels from fetched bytes, or TensorFlow.js on its wasm
 * (XNNPACK) or WebGL backend. tfjs is loaded by a dynamic import, so the wasm path never
 * downloads it; its Node set-up (src/backend/tfjs-init.ts) is replaced by a fetch of the
 * .wasm files served next to the bundle.
 */
import type { Backend } from '../backend/backend.ts';
import { createBackend } from '../backend/index.ts';
import type { WebBackendName } from './protocol.ts';

/** A backend and, in words, what it runs on. */
export interface WebBackend {
  backend: Backend;
  device: string;
}

/** Creates a backend by name; `base` is the URL the bundle (and its .wasm files) is served from. */
export async function createWebBackend(name: WebBackendName, base: string): Promise<WebBackend> {
  if (name === 'wasm') {
    const res = await fetch(new URL('lth.wasm', base));
    if (!res.ok) throw new Error(`cannot fetch lth.wasm: HTTP ${res.status}`);
    return { backend: await createBackend('wasm', { wasmBytes: await res.arrayBuffer() }), device: 'WebAssembly SIMD (lth kernels, one thread)' };
  }
  const tfjs = await import('./tfjs-browser.ts');
  return tfjs.createTfjsBrowserBackend(name === 'tfjs-webgl' ? 'webgl' : 'wasm', base);
}
