/**
 * The wasm backend's memory family: float and int32 buffers in the module's linear memory (a
 * first-fit heap for persistent ones, two bump arenas for scratch, wasm-heap.ts), the checked
 * pointer lookups the other wasm families call kernels with, and kernel workspaces (the free
 * space above the current arena's last buffer).
 */
import type { Buf, IntBuf, MemoryOps } from './backend.ts';
import { need } from './check.ts';
import { Arena, Heap } from './wasm-heap.ts';

/** The memory exports of build/lth.wasm. */
export interface MemoryKernels {
  memory: WebAssembly.Memory;
  heapBase(): number;
  fill_f32(y: number, value: number, n: number): void;
}

/**
 * A wasm-backend buffer: `length` f32 elements at byte offset `ptr` of linear memory. Offsets
 * reach 4 GiB: index a typed array with `ptr >>> 2`, never `ptr >> 2` (negative past 2 GiB).
 */
export class WasmBuf implements Buf {
  /** False once freed. */
  live = true;
  /** Arena epoch for scratch buffers (valid until that arena's next reset); -1 for persistent ones. */
  constructor(readonly ptr: number, readonly length: number, readonly epoch: number) {}
}

/** A wasm-backend int32 buffer: `length` elements at byte offset `ptr` of linear memory. */
export class WasmIntBuf implements IntBuf {
  readonly dtype = 'i32';
  /** False once freed. */
  live = true;
  /**
   * When this is a CSR's column index: the byte offsets colIdx[j] * m * 4 that spmm reads for
   * batch m > 1 (wasm-sparse.ts), made on first use; freed with this buffer, dropped when it is rewritten.
   */
  spmmOffsets: { m: number; off: WasmIntBuf } | null = null;
  constructor(readonly ptr: number, readonly length: number) {}
}

/** Allocation, scratch regions, host copies and pointer checks of the wasm backend. */
export class WasmMemory implements MemoryOps {
  private readonly heap: Heap;
  // Two scratch regions (scratchRegion()); `region` is the one scratch() draws from.
  private readonly arenas: [Arena, Arena];
  private region: 0 | 1 = 0;
  private epochs = 0;
  private f32view: Float32Array;
  private i32view: Int32Array;

  /** `maxBytes`: the most bytes of linear memory the heap may grow to. */
  constructor(private readonly k: MemoryKernels, maxBytes: number) {
    this.heap = new Heap(k.memory, k.heapBase(), maxBytes);
    const epoch = (): number => this.epochs++;
    this.arenas = [new Arena(this.heap, epoch), new Arena(this.heap, epoch)];
    this.f32view = new Float32Array(k.memory.buffer);
    this.i32view = new Int32Array(k.memory.buffer);
  }

  /** The Float32Array view over memory, re-made when memory.grow has replaced the buffer. */
  f32(): Float32Array {
    if (this.f32view.buffer !== this.k.memory.buffer) this.f32view = new Float32Array(this.k.memory.buffer);
    return this.f32view;
  }

  /** The Int32Array view over memory, re-made when memory.grow has replaced the buffer. */
  i32(): Int32Array {
    if (this.i32view.buffer !== this.k.memory.buffer) this.i32view = new Int32Array(this.k.memory.buffer);
    return this.i32view;
  }

  /** Pointer of a buffer this backend owns and that is still valid. */
  p(b: Buf): number {
    if (!(b instanceof WasmBuf)) throw new Error('wasm backend: buffer belongs to another backend');
    if (!b.live) throw new Error('wasm backend: buffer used after free()');
    if (b.epoch >= 0 && b.epoch !== this.arenas[0].epoch && b.epoch !== this.arenas[1].epoch) {
      throw new Error('wasm backend: scratch buffer used after resetScratch()');
    }
    return b.ptr;
  }

  /** Pointer of a valid buffer holding at least n elements (`what` names op and argument). */
  fp(b: Buf, n: number, what: string): number {
    need(b, n, what);
    return this.p(b);
  }

  /** Pointer of a live int buffer of this backend holding at least n elements. */
  ip(b: IntBuf, n: number, what: string): number {
    if (!(b instanceof WasmIntBuf)) throw new Error(`wasm backend: ${what}: int buffer belongs to another backend`);
    if (!b.live) throw new Error(`wasm backend: ${what}: int buffer used after freeInt()`);
    need(b, n, what);
    return b.ptr;
  }

  /**
   * A kernel call's temporary memory: `bytes` above the current region's last scratch buffer,
   * valid until the next scratch allocation (so it grows and is reused with the arena).
   */
  workspace(bytes: number): number {
    return this.arenas[this.region].top(bytes);
  }

  /** A raw block of `bytes` from the heap, never freed (a kernel-pool thread's pack areas). */
  allocBlock(bytes: number): number {
    return this.heap.alloc(bytes);
  }

  // Zeroes bytes [from, to) (4-byte aligned) in wasm: a typed array's fill() on a shared memory
  // (the threads build) is V8's relaxed element-by-element copy, ~6x slower than on a plain one.
  private zero(from: number, to: number): void {
    if (to > from) this.k.fill_f32(from, 0, (to - from) >>> 2);
  }

  alloc(n: number): Buf {
    const [ptr, dirtyEnd] = this.heap.allocDirty(n * 4);
    this.zero(ptr, dirtyEnd); // beyond dirtyEnd memory is still zero
    return new WasmBuf(ptr, n, -1);
  }
  free(b: Buf): void {
    const ptr = this.p(b);
    if ((b as WasmBuf).epoch >= 0) throw new Error('wasm backend: free() of a scratch buffer');
    this.heap.release(ptr);
    (b as WasmBuf).live = false;
  }
  scratch(n: number): Buf {
    const a = this.arenas[this.region];
    const ptr = a.take(n * 4);
    this.zero(ptr, ptr + n * 4);
    return new WasmBuf(ptr, n, a.epoch);
  }
  scratchUninit(n: number): Buf {
    const a = this.arenas[this.region];
    return new WasmBuf(a.take(n * 4), n, a.epoch); // no fill: the caller overwrites it
  }
  resetScratch(): void {
    for (const a of this.arenas) {
      a.reset();
      a.restartPeak();
    }
    this.region = 0;
  }
  scratchRegion(r: 0 | 1, reset: boolean): void {
    if (reset) this.arenas[r].reset();
    this.region = r;
  }
  scratchPeak(): number {
    return this.arenas[0].highWater() + this.arenas[1].highWater();
  }
  read(b: Buf, out?: Float32Array): Float32Array {
    const start = this.p(b) >>> 2;
    const dst = out ?? new Float32Array(b.length);
    if (dst.length !== b.length) throw new RangeError(`read: out has ${dst.length} elements, buffer ${b.length}`);
    dst.set(this.f32().subarray(start, start + b.length));
    return dst;
  }
  write(b: Buf, src: ArrayLike<number>, offset = 0): void {
    const start = this.p(b) >>> 2;
    if (offset < 0 || offset + src.length > b.length) {
      throw new RangeError(`write: ${src.length} elements at offset ${offset} overflow a buffer of ${b.length}`);
    }
    this.f32().set(src, start + offset);
  }
  memoryBytes(): number {
    return this.k.memory.buffer.byteLength;
  }

  allocInt(n: number): WasmIntBuf {
    const [ptr, dirtyEnd] = this.heap.allocDirty(n * 4);
    this.zero(ptr, dirtyEnd); // beyond dirtyEnd memory is still zero
    return new WasmIntBuf(ptr, n);
  }
  freeInt(b: IntBuf): void {
    const ptr = this.ip(b, 0, 'freeInt');
    this.dropOffsets(b as WasmIntBuf);
    this.heap.release(ptr);
    (b as WasmIntBuf).live = false;
  }
  writeInt(b: IntBuf, src: ArrayLike<number>, offset = 0): void {
    const start = this.ip(b, 0, 'writeInt') >>> 2;
    if (offset < 0 || offset + src.length > b.length) {
      throw new RangeError(`writeInt: ${src.length} elements at offset ${offset} overflow a buffer of ${b.length}`);
    }
    this.dropOffsets(b as WasmIntBuf);
    this.i32().set(src, start + offset);
  }
  readInt(b: IntBuf): Int32Array {
    const start = this.ip(b, 0, 'readInt') >>> 2;
    return this.i32().slice(start, start + b.length);
  }

  /** Frees the spmm offsets cached on `b`, if any. */
  dropOffsets(b: WasmIntBuf): void {
    const off = b.spmmOffsets?.off;
    if (off === undefined) return;
    b.spmmOffsets = null;
    this.heap.release(off.ptr);
    off.live = false;
  }
}
