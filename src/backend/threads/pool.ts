/**
 * The kernel thread pool: threads that each instantiate the threads build of the kernel module
 * (build/lth-threads.wasm) on one shared WebAssembly.Memory, so a kernel call on a thread reads
 * and writes the same buffers as the main thread. run() publishes an op's shares (kernel
 * calls over disjoint outputs, split by split.ts), and every thread, the caller included, claims
 * shares until none is left; it returns when all are done. Synchronisation is a control block in
 * a SharedArrayBuffer: the caller writes the shares, bumps a sequence number and notifies;
 * threads spin a little and then Atomics.wait on it, claim shares by compare-and-swap and count
 * them done (no postMessage per op). The caller blocks in Atomics.wait too, so it must be a thread that may block: Node's main
 * thread or a worker, never a browser page's main thread (wasm.ts checks, and stays single-threaded).
 */
import { platform } from '#platform';
import { BY_THREADS, DONE, FAILED, NEXT, SEQ, SPIN, STOP, TOTAL, type KernelWorkerInit, MAX_ARGS, controlBytes, shareArgs, shareInt } from './worker-source.ts';

/** A started thread, as the host gives it (platform.startKernelWorker). */
export interface KernelWorker {
  /** Resolves once the thread has instantiated the module and waits for work. */
  ready: Promise<void>;
  terminate(): void;
}

/** A kernel export of the threads build callable on any thread. */
type Kernel = (...args: number[]) => unknown;

/** Most shares one op may have (a multiple of the thread count, so a busy thread's can be taken over). */
export const MAX_SHARES = 64;

/** The pool: `threads` threads in all, the calling thread included. */
export class KernelPool {
  private readonly ctl: Int32Array;
  private readonly args: Float64Array;
  private readonly index = new Map<string, number>();
  private gen = 0;
  private disposed = false;
  private published = 0;

  private constructor(readonly threads: number, private readonly workers: KernelWorker[], control: SharedArrayBuffer,
    names: string[], private readonly local: Record<string, Kernel>, private readonly spin: number) {
    this.ctl = new Int32Array(control);
    this.args = new Float64Array(control);
    names.forEach((n, i) => this.index.set(n, i));
  }

  /**
   * Starts threads - 1 threads on `memory` (shared) running `module` (the threads build); each
   * moves its pack areas to the block areas(t) (from the host's heap). `local` are the calling
   * thread's instance exports; `names` the kernels the threads may run.
   */
  static async start(threads: number, module: WebAssembly.Module, memory: WebAssembly.Memory, local: Record<string, Kernel>,
    names: string[], areas: (t: number) => number, spin = SPIN): Promise<KernelPool> {
    const control = new SharedArrayBuffer(controlBytes(MAX_SHARES));
    const workers: KernelWorker[] = [];
    try {
      for (let t = 1; t < threads; t++) {
        const init: KernelWorkerInit = { module, memory, control, index: t, maxShares: MAX_SHARES, names, areas: areas(t), spin };
        workers.push(platform.startKernelWorker(init));
      }
      await Promise.all(workers.map((w) => w.ready));
    } catch (err) {
      for (const w of workers) w.terminate();
      throw err;
    }
    return new KernelPool(threads, workers, control, names, local, spin);
  }

  /**
   * Runs kernel `name` once per share, the shares taken by whichever thread is free first, this
   * one included (so a thread the OS has not scheduled never holds the op up: this thread takes
   * its share over); returns when every share is done. Shares must write disjoint outputs. A
   * kernel that traps on a pool thread throws here after the rest finish.
   */
  run(name: string, shares: number[][]): void {
    const fn = this.local[name];
    if (shares.length <= 1 || this.disposed) {
      for (const s of shares) fn(...s);
      return;
    }
    const id = this.index.get(name);
    if (id === undefined) throw new Error(`kernel pool: ${name} is not a pool kernel`);
    if (shares.length > MAX_SHARES) throw new Error(`kernel pool: ${shares.length} shares, at most ${MAX_SHARES}`);
    const ctl = this.ctl;
    for (let s = 0; s < shares.length; s++) {
      const at = shareInt(s);
      if (shares[s].length > MAX_ARGS) throw new Error(`kernel pool: ${name} has more than ${MAX_ARGS} arguments`);
      ctl[at] = id;
      ctl[at + 1] = shares[s].length;
      this.args.set(shares[s], shareArgs(s, MAX_SHARES));
    }
    this.gen = (this.gen + 1) & 0x7fff;
    this.published += shares.length;
    Atomics.store(ctl, FAILED, 0);
    Atomics.store(ctl, DONE, 0);
    Atomics.store(ctl, TOTAL, shares.length);
    Atomics.store(ctl, NEXT, this.gen << 16); // publishes the op: shares are claimable from here
    Atomics.add(ctl, SEQ, 1);
    Atomics.notify(ctl, SEQ);
    let err: unknown;
    for (;;) {
      const v = Atomics.load(ctl, NEXT);
      const s = v & 0xffff;
      if (s >= shares.length) break;
      if (Atomics.compareExchange(ctl, NEXT, v, v + 1) !== v) continue;
      try {
        fn(...shares[s]);
      } catch (e) {
        err ??= e;
      }
      Atomics.add(ctl, DONE, 1);
    }
    this.join(shares.length);
    if (err !== undefined) throw err;
    const failed = Atomics.load(ctl, FAILED);
    if (failed !== 0) throw new Error(`kernel pool: ${name} failed on thread ${failed - 1}`);
  }

  /**
   * Shares of the ops published to the threads so far, and how many of them the pool threads
   * (not the caller) ran: a diagnostic (benchmarks, tests) that the threads take part. Ops of one
   * share, and ops run after dispose(), run on the caller and are not counted.
   */
  shareCounts(): { published: number; byThreads: number } {
    return { published: this.published, byThreads: Atomics.load(this.ctl, BY_THREADS) };
  }

  // Waits until `total` shares are done: a short spin, then Atomics.wait.
  private join(total: number): void {
    const ctl = this.ctl;
    let v = Atomics.load(ctl, DONE);
    for (let spins = this.spin; v !== total && spins > 0; spins--) v = Atomics.load(ctl, DONE);
    while (v !== total) {
      Atomics.wait(ctl, DONE, v);
      v = Atomics.load(ctl, DONE);
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
