/**
 * The default backend: the AssemblyScript SIMD kernels of assembly/ (build/lth.wasm). Buffers
 * live in the module's linear memory, so a kernel call passes pointers and copies nothing.
 * Composed from its family objects, one file each (wasm-<family>.ts), which share the memory
 * family's checked pointer lookups. With threads > 1 (and a host that has SharedArrayBuffer and
 * may block), it runs the threads build (build/lth-threads.wasm) on a shared memory with a
 * kernel pool (threads/): the families split big ops over the pool's threads (threads/split.ts).
 */
import { ComposedBackend } from './compose.ts';
import { KernelPool } from './threads/pool.ts';
import { Par } from './threads/split.ts';
import { type ConvKernels, WasmConvOps } from './wasm-conv.ts';
import { type CoreKernels, WasmCore } from './wasm-core.ts';
import { MAX_WASM_BYTES } from './wasm-heap.ts';
import { type SeqKernels, WasmSeq } from './wasm-seq.ts';
import { type MemoryKernels, WasmMemory } from './wasm-memory.ts';
import { type SparseKernels, WasmSparse } from './wasm-sparse.ts';
import { type SparseConvKernels, WasmSparseConv } from './wasm-sparse-conv.ts';
import { type WasmModuleInput, readWasmFile } from './wasm-source.ts';

export { WasmBuf } from './wasm-memory.ts';

/** The exports of build/lth.wasm, by family (pointers are byte offsets; bools are 0/1). */
type Kernels = MemoryKernels & CoreKernels & ConvKernels & SparseKernels & SparseConvKernels & SeqKernels & {
  threadAreaBytes(): number;
  threadAreas(base: number): void;
};

/** Options of createWasmBackend. */
export interface WasmBackendOptions {
  /** Most bytes of linear memory the heap may grow to (default and ceiling: wasm32's 4 GiB). */
  maxMemoryBytes?: number;
  /**
   * Threads for one op (default 1): above 1, the threads build runs on a shared memory with a
   * kernel pool of that many threads in all, the calling thread included. Where the host cannot
   * (threadSupport() says why) the backend runs on one thread, and `threads` reads 1.
   */
  threads?: number;
  /** The threads build (build/lth-threads.wasm): bytes or a compiled module; default: read from the package. */
  threadsWasm?: WasmModuleInput;
  /**
   * @internal Least work per share instead of the measured thresholds (threads/split.ts); tests
   * set 1 so that even the smallest op is split.
   */
  minWork?: { flops: number; elems: number };
  /** @internal Polls before a pool thread (or the caller, waiting for one) sleeps, instead of threads/worker-source.ts's SPIN; for measurements. */
  spin?: number;
}

/**
 * Why this host cannot run the kernel pool, or null when it can: it needs SharedArrayBuffer (a
 * browser page only has it when cross-origin isolated) and a thread that may block in
 * Atomics.wait (a browser page's main thread may not; its workers and Node may).
 */
export function threadSupport(): string | null {
  const g = globalThis as { SharedArrayBuffer?: unknown; crossOriginIsolated?: boolean; document?: unknown };
  if (typeof g.SharedArrayBuffer !== 'function') return 'no SharedArrayBuffer (a page must be cross-origin isolated: COOP/COEP headers)';
  if (g.crossOriginIsolated === false) return 'the page is not cross-origin isolated';
  if (g.document !== undefined) return "a page's main thread may not block in Atomics.wait (run the backend in a worker)";
  return null;
}

// Whether a compiled module is the threads build (it imports its memory).
const importsMemory = (m: WebAssembly.Module): boolean => WebAssembly.Module.imports(m).some((i) => i.kind === 'memory');

// A backend dropped without disposeThreads() stops its pool's threads when it is collected
// (they hold the shared memory, so they would keep it alive too).
const reaper = new FinalizationRegistry<KernelPool>((pool) => pool.dispose());

// Pages a threads-build memory starts with: at least the module's declared minimum (asconfig.json).
const SHARED_INITIAL_PAGES = 16;

/**
 * Instantiates the kernel module from `source` (its bytes or a compiled module; wasm-source.ts
 * turns a URL or path into bytes), or from the package's build/lth.wasm when omitted. With
 * opts.threads > 1 on a host that supports it, the threads build (opts.threadsWasm, or the
 * package's build/lth-threads.wasm; `source` itself when it is one) runs with a kernel pool.
 */
export async function createWasmBackend(source?: WasmModuleInput, opts: WasmBackendOptions = {}): Promise<WasmBackend> {
  const want = Math.max(1, Math.floor(opts.threads ?? 1));
  const compile = async (input: WasmModuleInput): Promise<WebAssembly.Module> => (input instanceof WebAssembly.Module ? input : WebAssembly.compile(input));
  let module = source === undefined ? undefined : await compile(source);
  if (want > 1 && threadSupport() === null && (module === undefined || !importsMemory(module))) {
    try {
      module = await compile(opts.threadsWasm ?? (await readWasmFile('threads')));
    } catch {
      // No threads build (an older package, a host that fetches only lth.wasm): one thread.
    }
  }
  module ??= await compile(await readWasmFile());
  if (!importsMemory(module)) {
    const instance = await WebAssembly.instantiate(module, {});
    return new WasmBackend(instance.exports as unknown as Kernels, opts);
  }
  if (threadSupport() !== null) throw new Error(`the threads build of lth.wasm cannot run here: ${threadSupport()}`);
  const memory = new WebAssembly.Memory({ initial: SHARED_INITIAL_PAGES, maximum: 65536, shared: true });
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  const k = instance.exports as unknown as Kernels;
  const mem = new WasmMemory(k, Math.min(opts.maxMemoryBytes ?? MAX_WASM_BYTES, MAX_WASM_BYTES));
  if (want <= 1) return new WasmBackend(k, opts, null, mem);
  const names = WebAssembly.Module.exports(module).filter((e) => e.kind === 'function').map((e) => e.name);
  const areaBytes = k.threadAreaBytes();
  const pool = await KernelPool.start(want, module, memory, instance.exports as unknown as Record<string, (...a: number[]) => unknown>,
    names, () => mem.allocBlock(areaBytes), opts.spin);
  const backend = new WasmBackend(k, opts, pool, mem);
  reaper.register(backend, pool);
  return backend;
}

/**
 * The wasm SIMD backend; construct it with createWasmBackend(). Its own enumerable keys are the
 * backend contract's (compose.ts), so the thread count is a getter and the pool a private field.
 */
export class WasmBackend extends ComposedBackend {
  readonly #par: Par;

  constructor(k: Kernels, opts: WasmBackendOptions = {}, pool: KernelPool | null = null, memory?: WasmMemory) {
    const mem = memory ?? new WasmMemory(k, Math.min(opts.maxMemoryBytes ?? MAX_WASM_BYTES, MAX_WASM_BYTES));
    const par = new Par(pool?.threads ?? 1, pool, k as unknown as Record<string, (...a: number[]) => number>, opts.minWork);
    const nchw = new WasmConvOps(k, mem, par); // convolution and pooling share one object
    super('wasm', { memory: mem, core: new WasmCore(k, mem, par), conv: nchw, pool: nchw, sparse: new WasmSparse(k, mem, par), sparseConv: new WasmSparseConv(k, mem, par),
      seq: new WasmSeq(k, mem, par) });
    this.#par = par;
  }

  /** Threads one op may use (1: no kernel pool). */
  get threads(): number {
    return this.#par.threads;
  }

  /**
   * Shares of split ops handed to the kernel pool so far, and how many of them its other threads
   * (not the caller) ran: evidence that the threads take part (benchmarks, tests). Zeros
   * without a pool.
   */
  threadShares(): { published: number; byThreads: number } {
    return this.#par.shareCounts();
  }

  /** Stops the kernel pool's threads, if any; the backend keeps working on one thread. */
  disposeThreads(): void {
    this.#par.dispose();
  }
}
