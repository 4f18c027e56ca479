/**
 * Memory management for the wasm backend, all bookkeeping on the JS side: a first-fit free list
 * with coalescing for persistent buffers, and a per-step bump arena for scratch buffers.
 */

const ALIGN = 16;
const PAGE = 65536;
// Grow at least this much at a time so a run of small allocations does not grow page by page.
const MIN_GROW_PAGES = 16;
// First scratch chunk; later chunks double, and resetScratch() merges them into one.
const MIN_CHUNK = 1 << 20;

const align = (bytes: number): number => Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);

interface Block {
  start: number;
  size: number;
}

/** First-fit allocator over [base, memory end) of a WebAssembly.Memory; grows it on demand. */
export class Heap {
  private free: Block[] = []; // sorted by start, never adjacent (always coalesced)
  private used = new Map<number, number>(); // ptr -> size in bytes

  constructor(private readonly memory: WebAssembly.Memory, base: number) {
    const start = Math.ceil(base / ALIGN) * ALIGN;
    const end = memory.buffer.byteLength;
    if (end > start) this.free.push({ start, size: end - start });
  }

  /** Reserves `bytes` (rounded up to 16) and returns a 16-byte aligned byte offset. */
  alloc(bytes: number): number {
    const size = align(bytes);
    let i = this.free.findIndex((b) => b.size >= size);
    if (i < 0) i = this.grow(size);
    const b = this.free[i];
    const ptr = b.start;
    if (b.size === size) this.free.splice(i, 1);
    else this.free[i] = { start: b.start + size, size: b.size - size };
    this.used.set(ptr, size);
    return ptr;
  }

  /** Returns a block to the free list, merging it with free neighbours. */
  release(ptr: number): void {
    const size = this.used.get(ptr);
    if (size === undefined) throw new Error(`wasm heap: free of unknown or already freed pointer ${ptr}`);
    this.used.delete(ptr);
    let lo = 0;
    let hi = this.free.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.free[mid].start < ptr) lo = mid + 1;
      else hi = mid;
    }
    this.free.splice(lo, 0, { start: ptr, size });
    this.coalesce(lo);
  }

  // Merges free[i] with its right then left neighbour when they touch.
  private coalesce(i: number): number {
    const f = this.free;
    if (i + 1 < f.length && f[i].start + f[i].size === f[i + 1].start) {
      f[i] = { start: f[i].start, size: f[i].size + f[i + 1].size };
      f.splice(i + 1, 1);
    }
    if (i > 0 && f[i - 1].start + f[i - 1].size === f[i].start) {
      f[i - 1] = { start: f[i - 1].start, size: f[i - 1].size + f[i].size };
      f.splice(i, 1);
      return i - 1;
    }
    return i;
  }

  // Grows memory so that a block of `size` fits at the end; returns that block's index.
  private grow(size: number): number {
    const end = this.memory.buffer.byteLength;
    const last = this.free[this.free.length - 1];
    const tail = last && last.start + last.size === end ? last.size : 0;
    const pages = Math.max(MIN_GROW_PAGES, Math.ceil((size - tail) / PAGE));
    this.memory.grow(pages);
    this.free.push({ start: end, size: pages * PAGE });
    return this.coalesce(this.free.length - 1);
  }
}

/**
 * Step arena: bump allocation inside chunks taken from the Heap. reset() rewinds it; if a step
 * spilled into several chunks they are merged into one of the total size, so from the second
 * step on a step of the same shape allocates nothing and memory stays flat.
 */
export class Arena {
  private chunks: Block[] = [];
  private cur = 0;
  private off = 0;
  /** Bumped on every reset so stale scratch buffers can be detected. */
  epoch = 0;

  constructor(private readonly heap: Heap) {}

  /** Reserves `bytes` (rounded up to 16) until the next reset(); returns the byte offset. */
  take(bytes: number): number {
    const size = align(bytes);
    while (this.cur < this.chunks.length) {
      const c = this.chunks[this.cur];
      if (this.off + size <= c.size) {
        const ptr = c.start + this.off;
        this.off += size;
        return ptr;
      }
      this.cur++;
      this.off = 0;
    }
    const total = this.chunks.reduce((s, c) => s + c.size, 0);
    const chunkSize = Math.max(size, MIN_CHUNK, total);
    this.chunks.push({ start: this.heap.alloc(chunkSize), size: chunkSize });
    this.cur = this.chunks.length - 1;
    this.off = size;
    return this.chunks[this.cur].start;
  }

  /** Rewinds the arena; merges multiple chunks into one. */
  reset(): void {
    if (this.chunks.length > 1) {
      const total = this.chunks.reduce((s, c) => s + c.size, 0);
      for (const c of this.chunks) this.heap.release(c.start);
      this.chunks = [{ start: this.heap.alloc(total), size: total }];
    }
    this.cur = 0;
    this.off = 0;
    this.epoch++;
  }
}

/**
 * One heap block reused by kernels that need temporary memory inside a single call (the GEMM
 * convolution's column matrix, the sparse convolution's padded image and offsets): grown, never
 * shrunk, shared by every op family of a backend since calls never overlap.
 */
export class Workspace {
  private ptr = 0;
  private bytes = 0;
  constructor(private readonly heap: Heap) {}
  /** The block's pointer, grown first to at least `bytes`. */
  at(bytes: number): number {
    if (bytes > this.bytes) {
      if (this.bytes > 0) this.heap.release(this.ptr);
      this.ptr = this.heap.alloc(bytes);
      this.bytes = bytes;
    }
    return this.ptr;
  }
}
