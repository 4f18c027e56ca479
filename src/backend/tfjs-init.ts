/**
 * Sets up TensorFlow.js on @tensorflow/tfjs-backend-wasm in Node, offline, once per process
 * (shared by the `tfjs-wasm` backend and the peer benchmarks in bench/peers).
 *
 * The wasm backend picks one of three binaries from two flags: SIMD (WebAssembly.validate on a
 * tiny SIMD program) and multithreading (always false in Node, tfjs issue #3830). So in Node 20
 * it loads `tfjs-backend-wasm-simd.wasm`, single-threaded; `tfjsWasmInfo` reports the flags
 * it actually used.
 */
import * as tfjs from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

/** The tfjs namespace, as `initTfjsWasm` resolves it. */
export type Tf = typeof tfjs;

/** What the running tfjs backend is and which wasm binary it chose. */
export interface TfjsWasmInfo {
  /** `tf.getBackend()`: 'wasm' after `initTfjsWasm`. */
  backend: string;
  /** True when the SIMD binary was loaded (the default in Node 20). */
  simd: boolean;
  /** True when the threaded binary was loaded (never in Node: tfjs disables it there). */
  threads: boolean;
}

/** Options for `initTfjsWasm`. */
export interface TfjsWasmInitOptions {
  /** false forces the scalar binary, to measure what SIMD buys; default: SIMD when supported. */
  simd?: boolean;
}

let ready: Promise<Tf> | null = null;
let requestedSimd = true;

/**
 * Makes 'wasm' the tfjs backend, loading the binaries from the local
 * `node_modules/@tensorflow/tfjs-backend-wasm/dist/` (no network), and returns `tf`.
 * Idempotent: later calls return the same promise; asking for the other `simd` setting
 * after the first call throws, since the wasm module can be instantiated only once.
 * Side effects: tfjs prod mode (silences its console warnings, skips debug checks).
 */
export function initTfjsWasm(opts: TfjsWasmInitOptions = {}): Promise<Tf> {
  if (ready !== null) {
    if (opts.simd !== undefined && opts.simd !== requestedSimd) {
      throw new Error(
        `initTfjsWasm: already initialised with simd=${String(requestedSimd)}, ` +
          `cannot switch to simd=${String(opts.simd)} in the same process`,
      );
    }
    return ready;
  }
  requestedSimd = opts.simd ?? true;
  ready = setUp(opts);
  return ready;
}

async function setUp(opts: TfjsWasmInitOptions): Promise<Tf> {
  const tf = tfjs;
  // the package has no exports map, so its main entry resolves to dist/, where the .wasm files are
  // loaded here, not at the top, so that importing this module needs no Node built-ins
  const { createRequire } = await import('node:module');
  const { dirname, sep } = await import('node:path');
  const dist = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'));
  // a plain directory path: emscripten in Node reads it with fs.readFileSync, no fetch
  setWasmPaths(dist + sep);
  if (opts.simd === false) tf.env().set('WASM_HAS_SIMD_SUPPORT', false);
  const before = processListeners();
  const ok = await tf.setBackend('wasm');
  await tf.ready();
  removeNewListeners(before);
  if (!ok || tf.getBackend() !== 'wasm') {
    throw new Error(
      `initTfjsWasm: expected the tfjs backend to be 'wasm', got '${tf.getBackend()}' ` +
        `(setBackend returned ${String(ok)}; .wasm files looked up in ${dist})`,
    );
  }
  // prod mode turns off backend_util.warn/log (the "install tfjs-node" banner and friends);
  // only now, so that a failed backend init above still prints tfjs's reason
  tf.enableProdMode();
  return tf;
}

/** The backend name and the wasm binary flavour tfjs chose; call after `initTfjsWasm`. */
export async function tfjsWasmInfo(tf: Tf): Promise<TfjsWasmInfo> {
  // these two flags are exactly what tfjs's getPathToWasmBinary used to pick the binary
  const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  const threads = Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
  return { backend: tf.getBackend(), simd, threads };
}

interface ProcessHandlers {
  exceptions: Function[];
  rejections: Function[];
}

function processListeners(): ProcessHandlers {
  return {
    exceptions: process.listeners('uncaughtException'),
    rejections: process.listeners('unhandledRejection'),
  };
}

// Emscripten's Node glue installs handlers that rethrow every uncaught error (and its own
// clean-up for them is buggy); they would change how unrelated failures in this process end.
function removeNewListeners(before: ProcessHandlers): void {
  for (const l of process.listeners('uncaughtException')) {
    if (!before.exceptions.includes(l)) process.removeListener('uncaughtException', l);
  }
  for (const l of process.listeners('unhandledRejection')) {
    if (!before.rejections.includes(l)) process.removeListener('unhandledRejection', l);
  }
}
