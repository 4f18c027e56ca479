/**
 * The body of a kernel-pool thread, as source text: one script serves Node's worker_threads
 * (run with `eval`) and a browser's Web Worker (a Blob URL), so no bundle needs a worker entry.
 * It instantiates the threads build of the kernel module on the pool's shared memory, moves its
 * GEMM pack areas to its own block (threadAreas), says 'ready', then loops: wait for the
 * control block's sequence number to change (spinning a while first, then Atomics.wait), run
 * its slot's kernel call, count itself done (Atomics.sub + notify). Layout: pool.ts.
 */

/** Int32 indices of the control block (pool.ts). */
export const SEQ = 0;
export const PENDING = 1;
export const FAILED = 2;
export const STOP = 3;
/** First int32 of thread t's slot: [kernel index (-1: none), argument count]. */
export const slotInt = (t: number): number => 16 + 2 * t;
/** Most arguments of one kernel call. */
export const MAX_ARGS = 32;
/** First float64 of thread t's arguments. */
export const slotArgs = (t: number, maxThreads: number): number => Math.ceil((16 + 2 * maxThreads) / 2) + t * MAX_ARGS;
/** Bytes of the control block for `maxThreads` threads. */
export const controlBytes = (maxThreads: number): number => 8 * (slotArgs(maxThreads, maxThreads) + 1);
/** Polls of the sequence number before a thread sleeps (a few tens of microseconds). */
export const SPIN = 20000;

/** What a thread is started with (structured-cloneable: the module, memory and control are shared). */
export interface KernelWorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  index: number;
  maxThreads: number;
  names: string[];
  areas: number;
}

// The loop, as a function so it is type-checked and testable in-process; its source is what
// the threads run. It must not close over anything: the constants arrive as `k`.
function kernelThread(init: KernelWorkerInit, k: { slotInt: number; slotArgs: number; spin: number }, post: (m: string) => void): void {
  const exports = new WebAssembly.Instance(init.module, { env: { memory: init.memory } }).exports as Record<string, (...a: number[]) => unknown>;
  exports.threadAreas(init.areas);
  const fns = init.names.map((n) => exports[n]);
  const ctl = new Int32Array(init.control);
  const args = new Float64Array(init.control);
  let seen = Atomics.load(ctl, 0);
  post('ready');
  for (;;) {
    let s = Atomics.load(ctl, 0);
    for (let spins = k.spin; s === seen && spins > 0; spins--) s = Atomics.load(ctl, 0);
    while (s === seen) {
      Atomics.wait(ctl, 0, seen);
      s = Atomics.load(ctl, 0);
    }
    seen = s;
    if (Atomics.load(ctl, 3) !== 0) return;
    const fn = ctl[k.slotInt];
    if (fn >= 0) {
      const n = ctl[k.slotInt + 1];
      const a = new Array<number>(n);
      for (let i = 0; i < n; i++) a[i] = args[k.slotArgs + i];
      try {
        fns[fn](...a);
      } catch {
        Atomics.store(ctl, 2, init.index + 1);
      }
    }
    if (Atomics.sub(ctl, 1, 1) === 1) Atomics.notify(ctl, 1);
  }
}

/**
 * Source of a Node worker (`new Worker(src, { eval: true, workerData: init })`): it runs the
 * loop with the worker's data and reports 'ready' to its parent.
 */
export function nodeWorkerSource(): string {
  return `const { workerData: init, parentPort } = require('node:worker_threads');
const kernelThread = ${kernelThread.toString()};
kernelThread(init, ${constantsFor('init')}, (m) => parentPort.postMessage(m));`;
}

/** Source of a browser worker: it waits for its init message, then runs the loop. */
export function webWorkerSource(): string {
  return `const kernelThread = ${kernelThread.toString()};
self.onmessage = (e) => { const init = e.data; self.onmessage = null; kernelThread(init, ${constantsFor('init')}, (m) => self.postMessage(m)); };`;
}

// The constants object as an expression of the init variable's name.
function constantsFor(v: string): string {
  return `{ slotInt: 16 + 2 * ${v}.index, slotArgs: Math.ceil((16 + 2 * ${v}.maxThreads) / 2) + ${v}.index * ${MAX_ARGS}, spin: ${SPIN} }`;
}
