/**
 * TensorFlow.js in a browser (or worker): the tfjs backend class on tf's 'wasm' backend
 * (binaries fetched from `base`) or on 'webgl' (the GPU path; needs WebGL2 or WebGL in the
 * worker, via OffscreenCanvas). Loaded only when asked for: it is most of the bundle.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { TfjsBackend } from '../backend/tfjs.ts';

let ready: Promise<void> | null = null;

/**
 * Switches tf to `which` once per realm (tf cannot switch back cleanly, so a worker runs one
 * experiment) and wraps it as a Backend, with a description of the device it runs on.
 */
export async function createTfjsBrowserBackend(which: 'wasm' | 'webgl', base: string): Promise<{ backend: TfjsBackend; device: string }> {
  ready ??= (async () => {
    if (which === 'wasm') setWasmPaths(new URL('./', base).href);
    const ok = await tf.setBackend(which);
    await tf.ready();
    if (!ok || tf.getBackend() !== which) throw new Error(`tfjs: cannot start the ${which} backend (got '${tf.getBackend()}')`);
    tf.enableProdMode();
  })();
  await ready;
  if (tf.getBackend() !== which) throw new Error(`tfjs already runs on '${tf.getBackend()}' in this realm, not '${which}'`);
  return { backend: new TfjsBackend(tf), device: await describeDevice() };
}

/** The tf backend in words: the WebGL version and renderer, or the wasm flavour. */
async function describeDevice(): Promise<string> {
  const name = tf.getBackend();
  if (name === 'webgl') {
    // MathBackendWebGL keeps its context in `gpgpu.gl`; the renderer names the GPU (or SwiftShader)
    const gl = (tf.backend() as unknown as { gpgpu: { gl: WebGLRenderingContext } }).gpgpu.gl;
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
    return `WebGL ${tf.env().getNumber('WEBGL_VERSION')} on ${renderer}`;
  }
  const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  const threads = Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
  return `tfjs ${name}${simd ? ' SIMD' : ''}${threads ? ', multithreaded' : ', one thread'}`;
}
