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
import { platform } from '#platform';

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
  // the package has no exports map, so its main entry resolves to dist/, where the .wasm files are;
  // a plain directory path: emscripten in Node reads it with fs.readFileSync, no fetch
  const dist = platform.packageDir('@tensorflow/tfjs-backend-wasm');
  setWasmPaths(dist);
  if (opts.simd === false) tf.env().set('WASM_HAS_SIMD_SUPPORT', false);
  // Emscripten's Node glue installs handlers that rethrow every uncaught error (and its own
  // clean-up for them is buggy); they would change how unrelated failures in this process end.
  const ok = await platform.keepProcessListeners(async () => {
    const set = await tf.setBackend('wasm');
    await tf.ready();
    return set;
  });
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
