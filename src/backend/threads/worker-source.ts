/**
 * The body of a kernel-pool thread, as source text: one script serves Node's worker_threads
 * (run with `eval`) and a browser's Web Worker (a Blob URL), so no bundle needs a worker entry.
 * It instantiates the threads build of the kernel module on the pool's shared memory, moves its
 * GEMM pack areas to its own block (threadAreas), says 'ready', then loops: wait for the
 * control block's sequence number to change (spinning a while first, then Atomics.wait), then
 * claim shares of the current op one at a time and run them, until none is left (pool.ts).
 */

/** Int32 indices of the control block (pool.ts). */
export const SEQ = 0;
/** The claim word: generation << 16 | next unclaimed share (claimed by compare-and-swap). */
export const NEXT = 1;
/** Shares of the current op, and how many are done. */
export const TOTAL = 2;
export const DONE = 3;
/** 0, or 1 + the index of a thread whose share threw. */
export const FAILED = 4;
export const STOP = 5;
/** Shares the pool threads (not the caller) have run since the pool started (wraps at 2^31). */
export const BY_THREADS = 6;
/** Int32 index of share s's [kernel index, argument count]. */
export const shareInt = (s: number): number => 8 + 2 * s;
/** Most arguments of one kernel call. */
export const MAX_ARGS = 32;
/** Float64 index of share s's first argument. */
export const shareArgs = (s: number, maxShares: number): number => Math.ceil((8 + 2 * maxShares) / 2) + s * MAX_ARGS;
/** Bytes of the control block for `maxShares` shares. */
export const controlBytes = (maxShares: number): number => 8 * shareArgs(maxShares, maxShares);
/** Polls of the sequence number before a thread sleeps (some microseconds). */
export const SPIN = 4000;

/** What a thread is started with (structured-cloneable: the module, memory and control are shared). */
export interface KernelWorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  index: number;
  maxShares: number;
  names: string[];
  areas: number;
  /** Polls of the sequence number before the thread sleeps (SPIN unless given). */
  spin?: number;
}

// The loop, as a function so that it is type-checked; its source is what the threads run, so it
// must not close over anything (the constants arrive as `k`). A share is claimed by a CAS on
// the claim word that carries the op's generation, so a thread that wakes late can never claim
// a share of a later op it has not seen published, nor one twice.
function kernelThread(init: KernelWorkerInit, k: { spin: number; argBase: number; maxArgs: number }, post: (m: string) => void): void {
  const exports = new WebAssembly.Instance(init.module, { env: { memory: init.memory } }).exports as Record<string, (...a: number[]) => unknown>;
  exports.threadAreas(init.areas);
  const fns = init.names.map((n) => exports[n]);
  const ctl = new Int32Array(init.control);
  const args = new Float64Array(init.control);
  let seen = Atomics.load(ctl, 0);
  post('ready');
  for (;;) {
    let s = Atomics.load(ctl, 0);
    for (let spins = init.spin ?? k.spin; s === seen && spins > 0; spins--) s = Atomics.load(ctl, 0);
    while (s === seen) {
      Atomics.wait(ctl, 0, seen);
      s = Atomics.load(ctl, 0);
    }
    seen = s;
    if (Atomics.load(ctl, 5) !== 0) return;
    for (;;) {
      const v = Atomics.load(ctl, 1);
      const share = v & 0xffff;
      if (share >= Atomics.load(ctl, 2)) break;
      if (Atomics.compareExchange(ctl, 1, v, v + 1) !== v) continue;
      const at = 8 + 2 * share;
      const n = ctl[at + 1];
      const a = new Array<number>(n);
      const base = k.argBase + share * k.maxArgs;
      for (let i = 0; i < n; i++) a[i] = args[base + i];
      try {
        fns[ctl[at]](...a);
      } catch {
        Atomics.store(ctl, 4, init.index + 1);
      }
      Atomics.add(ctl, 6, 1);
      if (Atomics.add(ctl, 3, 1) + 1 === Atomics.load(ctl, 2)) Atomics.notify(ctl, 3);
    }
  }
}

// The constants object as an expression of the init variable's name.
function constantsFor(v: string): string {
  return `{ spin: ${SPIN}, argBase: Math.ceil((8 + 2 * ${v}.maxShares) / 2), maxArgs: ${MAX_ARGS} }`;
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
