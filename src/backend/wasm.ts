/**
 * The default backend: the AssemblyScript SIMD kernels of assembly/ (build/lth.wasm). Buffers
 * live in the module's linear memory, so a kernel call passes pointers and copies nothing.
 * Composed from its family objects, one file each (wasm-<family>.ts), which share the memory
 * family's checked pointer lookups.
 */
import { ComposedBackend } from './compose.ts';
import { type ConvKernels, WasmConvOps } from './wasm-conv.ts';
import { type CoreKernels, WasmCore } from './wasm-core.ts';
import { MAX_WASM_BYTES } from './wasm-heap.ts';
import { type MemoryKernels, WasmMemory } from './wasm-memory.ts';
import { type SparseKernels, WasmSparse } from './wasm-sparse.ts';
import { type SparseConvKernels, WasmSparseConv } from './wasm-sparse-conv.ts';
import { type WasmModuleInput, readWasmFile } from './wasm-source.ts';

export { WasmBuf } from './wasm-memory.ts';

/** The exports of build/lth.wasm, by family (pointers are byte offsets; bools are 0/1). */
type Kernels = MemoryKernels & CoreKernels & ConvKernels & SparseKernels & SparseConvKernels;

/** Options of createWasmBackend. */
export interface WasmBackendOptions {
  /** Most bytes of linear memory the heap may grow to (default and ceiling: wasm32's 4 GiB). */
  maxMemoryBytes?: number;
}

/**
 * Instantiates the kernel module from `source` (its bytes or a compiled module; wasm-source.ts
 * turns a URL or path into bytes), or from the package's build/lth.wasm when omitted.
 */
export async function createWasmBackend(source?: WasmModuleInput, opts: WasmBackendOptions = {}): Promise<WasmBackend> {
  const input = source ?? (await readWasmFile());
  const module = input instanceof WebAssembly.Module ? input : await WebAssembly.compile(input);
  const instance = await WebAssembly.instantiate(module, {});
  return new WasmBackend(instance.exports as unknown as Kernels, opts);
}

/** The wasm SIMD backend; construct it with createWasmBackend(). */
export class WasmBackend extends ComposedBackend {
  constructor(k: Kernels, opts: WasmBackendOptions = {}) {
    const mem = new WasmMemory(k, Math.min(opts.maxMemoryBytes ?? MAX_WASM_BYTES, MAX_WASM_BYTES));
    const nchw = new WasmConvOps(k, mem); // convolution and pooling share one object
    super('wasm', { memory: mem, core: new WasmCore(k, mem), conv: nchw, pool: nchw, sparse: new WasmSparse(k, mem), sparseConv: new WasmSparseConv(k, mem) });
  }
}
