/**
 * The kernel thread pool: threads that each instantiate the threads build of the kernel module
 * (build/lth-threads.wasm) on one shared WebAssembly.Memory, so a kernel call on a thread reads
 * and writes the same buffers as the main thread. run() hands each thread one kernel call (its
 * share of an op, split by split.ts over outputs only), runs share 0 on the calling thread, and
 * returns when all are done. Synchronisation is a control block in a SharedArrayBuffer: the
 * caller writes each thread's slot, bumps a sequence number and notifies; threads spin a little
 * and then Atomics.wait on it, and count themselves off a pending counter (no postMessage per
 * op). The caller blocks in Atomics.wait too, so it must be a thread that may block: Node's main
 * thread or a worker, never a browser page's main thread (wasm.ts checks, and stays single-threaded).
 */
import { platform } from '#platform';
import { FAILED, PENDING, SEQ, SPIN, STOP, type KernelWorkerInit, controlBytes, slotArgs, slotInt } from './worker-source.ts';

/** A started thread, as the host gives it (platform.startKernelWorker). */
export interface KernelWorker {
  /** Resolves once the thread has instantiated the module and waits for work. */
  ready: Promise<void>;
  terminate(): void;
}

/** A kernel export of the threads build callable on any thread. */
type Kernel = (...args: number[]) => unknown;

/** The pool: `threads` threads in all, the calling thread included. */
export class KernelPool {
  private readonly ctl: Int32Array;
  private readonly args: Float64Array;
  private readonly index = new Map<string, number>();
  private disposed = false;

  private constructor(readonly threads: number, private readonly workers: KernelWorker[], control: SharedArrayBuffer,
    names: string[], private readonly local: Record<string, Kernel>) {
    this.ctl = new Int32Array(control);
    this.args = new Float64Array(control);
    names.forEach((n, i) => this.index.set(n, i));
  }

  /**
   * Starts threads - 1 threads on `memory` (shared) running `module` (the threads build); each
   * moves its pack areas to its block of `areas` (areaBytes each, from the host's heap).
   * `local` are the calling thread's instance exports; `names` the kernels threads may run.
   */
  static async start(threads: number, module: WebAssembly.Module, memory: WebAssembly.Memory, local: Record<string, Kernel>,
    names: string[], areas: (t: number) => number): Promise<KernelPool> {
    const control = new SharedArrayBuffer(controlBytes(threads));
    const workers: KernelWorker[] = [];
    try {
      for (let t = 1; t < threads; t++) {
        const init: KernelWorkerInit = { module, memory, control, index: t, maxThreads: threads, names, areas: areas(t) };
        workers.push(platform.startKernelWorker(init));
      }
      await Promise.all(workers.map((w) => w.ready));
    } catch (err) {
      for (const w of workers) w.terminate();
      throw err;
    }
    return new KernelPool(threads, workers, control, names, local);
  }

  /**
   * Runs kernel `name` once per share: shares[0] on this thread, shares[t] on thread t, all at
   * once; returns when every share is done. At most `threads` shares; an empty share list does
   * nothing. A kernel that traps on a thread throws here after the others finish.
   */
  run(name: string, shares: number[][]): void {
    if (shares.length === 0) return;
    const fn = this.local[name];
    if (shares.length === 1 || this.disposed) {
      for (const s of shares) fn(...s);
      return;
    }
    const id = this.index.get(name);
    if (id === undefined) throw new Error(`kernel pool: ${name} is not a pool kernel`);
    if (shares.length > this.threads) throw new Error(`kernel pool: ${shares.length} shares for ${this.threads} threads`);
    const ctl = this.ctl;
    for (let t = 1; t < this.threads; t++) {
      const s = shares[t];
      const at = slotInt(t);
      if (s === undefined) {
        ctl[at] = -1;
        continue;
      }
      ctl[at] = id;
      ctl[at + 1] = s.length;
      this.args.set(s, slotArgs(t, this.threads));
    }
    Atomics.store(ctl, FAILED, 0);
    Atomics.store(ctl, PENDING, this.threads - 1);
    Atomics.add(ctl, SEQ, 1);
    Atomics.notify(ctl, SEQ);
    let err: unknown;
    try {
      fn(...shares[0]);
    } catch (e) {
      err = e;
    }
    this.join();
    if (err !== undefined) throw err;
    const failed = Atomics.load(ctl, FAILED);
    if (failed !== 0) throw new Error(`kernel pool: ${name} failed on thread ${failed - 1}`);
  }

  // Waits until every thread has counted itself off: a short spin, then Atomics.wait.
  private join(): void {
    const ctl = this.ctl;
    let v = Atomics.load(ctl, PENDING);
    for (let spins = SPIN; v !== 0 && spins > 0; spins--) v = Atomics.load(ctl, PENDING);
    while (v !== 0) {
      Atomics.wait(ctl, PENDING, v);
      v = Atomics.load(ctl, PENDING);
    }
  }

  /** Stops and terminates the threads; later run() calls run every share on this thread. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    Atomics.store(this.ctl, STOP, 1);
    Atomics.add(this.ctl, SEQ, 1);
    Atomics.notify(this.ctl, SEQ);
    for (const w of this.workers) w.terminate();
  }
}
