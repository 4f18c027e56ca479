/**
 * Memory management for the wasm backend, all bookkeeping on the JS side: a first-fit free list
 * with coalescing for persistent buffers, and bump arenas for scratch buffers and kernel
 * workspaces. Byte offsets run up to 4 GiB, so they are plain numbers, never int32s: a typed-array
 * index is `ptr >>> 2` or `ptr / 4`, never `ptr >> 2` (negative past 2 GiB).
 */
import { OutOfMemoryError } from './memory-error.ts';

const ALIGN = 16;
const PAGE = 65536;
/** wasm32's limit: 65536 pages of 64 KiB. */
export const MAX_WASM_BYTES = 2 ** 32;
// Grow at least this much at a time so a run of small allocations does not grow page by page.
const MIN_GROW_PAGES = 16;
// First scratch chunk, and the least a chunk grows by in place.
const MIN_CHUNK = 1 << 20;

const align = (bytes: number): number => Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);

interface Block {
  start: number;
  size: number;
}

/** First-fit allocator over [base, memory end) of a WebAssembly.Memory; grows it on demand up to `maxBytes`. */
export class Heap {
  private free: Block[] = []; // sorted by start, never adjacent (always coalesced)
  private used = new Map<number, number>(); // ptr -> size in bytes
  // End of the highest block ever handed out: memory above it is still zero from memory.grow.
  private touched: number;

  constructor(private readonly memory: WebAssembly.Memory, base: number, readonly maxBytes = MAX_WASM_BYTES) {
    const start = Math.ceil(base / ALIGN) * ALIGN;
    const end = memory.buffer.byteLength;
    if (end > start) this.free.push({ start, size: end - start });
    this.touched = start;
  }

  /** Reserves `bytes` (rounded up to 16) and returns a 16-byte aligned byte offset. */
  alloc(bytes: number): number {
    return this.allocDirty(bytes)[0];
  }

  /**
   * alloc(), plus where the part that may hold old data ends: bytes from there on were never
   * handed out and are still zero, so a zero-filling caller skips them (a fresh 2 GiB block
   * costs nothing and is not even paged in).
   */
  allocDirty(bytes: number): [ptr: number, dirtyEnd: number] {
    const size = align(bytes);
    let i = this.free.findIndex((b) => b.size >= size);
    if (i < 0) i = this.grow(size);
    const b = this.free[i];
    const ptr = b.start;
    if (b.size === size) this.free.splice(i, 1);
    else this.free[i] = { start: b.start + size, size: b.size - size };
    this.used.set(ptr, size);
    const dirtyEnd = Math.max(ptr, Math.min(ptr + size, this.touched));
    this.touched = Math.max(this.touched, ptr + size);
    return [ptr, dirtyEnd];
  }

  /** Returns a block to the free list, merging it with free neighbours. */
  release(ptr: number): void {
    const size = this.used.get(ptr);
    if (size === undefined) throw new Error(`wasm heap: free of unknown or already freed pointer ${ptr}`);
    this.used.delete(ptr);
    const lo = this.freeIndexAt(ptr);
    this.free.splice(lo, 0, { start: ptr, size });
    this.coalesce(lo);
  }

  /**
   * Grows the used block at `ptr` in place to `bytes` (rounded up to 16) when what follows it is
   * free space or the end of memory (which then grows); false, changing nothing, otherwise.
   */
  extend(ptr: number, bytes: number): boolean {
    const old = this.used.get(ptr);
    if (old === undefined) throw new Error(`wasm heap: extend of unknown pointer ${ptr}`);
    const size = align(bytes);
    if (size <= old) return true;
    const end = ptr + old;
    const extra = size - old;
    let i = this.freeIndexAt(end);
    const f = this.free[i];
    const memEnd = this.memory.buffer.byteLength;
    const followedByFree = f !== undefined && f.start === end;
    if (!(followedByFree && f.size >= extra)) {
      // Only a block that reaches the end of memory (directly or through one free block) can grow.
      if (end !== memEnd && !(followedByFree && f.start + f.size === memEnd)) return false;
      i = this.grow(extra);
    }
    const g = this.free[i];
    if (g.size === extra) this.free.splice(i, 1);
    else this.free[i] = { start: g.start + extra, size: g.size - extra };
    this.used.set(ptr, size);
    this.touched = Math.max(this.touched, ptr + size);
    return true;
  }

  // Index of the first free block starting at or after `ptr` (binary search).
  private freeIndexAt(ptr: number): number {
    let lo = 0;
    let hi = this.free.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.free[mid].start < ptr) lo = mid + 1;
      else hi = mid;
    }
    return lo;
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

  // Grows memory so that a free block of `size` ends at the end of memory; returns its index.
  // Throws OutOfMemoryError past maxBytes or when the engine refuses (no partial growth).
  private grow(size: number): number {
    const end = this.memory.buffer.byteLength;
    const last = this.free[this.free.length - 1];
    const tail = last && last.start + last.size === end ? last.size : 0;
    const need = Math.ceil((size - tail) / PAGE);
    let pages = Math.max(MIN_GROW_PAGES, need);
    if (end + pages * PAGE > this.maxBytes) pages = need; // near the limit: only what is needed
    if (end + pages * PAGE > this.maxBytes) throw new OutOfMemoryError(size, end, this.maxBytes);
    try {
      this.memory.grow(pages);
    } catch (err) {
      if (err instanceof RangeError) throw new OutOfMemoryError(size, end, this.maxBytes);
      throw err;
    }
    this.free.push({ start: end, size: pages * PAGE });
    return this.coalesce(this.free.length - 1);
  }
}

/**
 * A bump arena for scratch buffers, reset all at once. It takes one chunk from the Heap and
 * grows it in place while it is the last block; only when something else was allocated behind it
 * does it add a chunk, and reset() then merges the chunks into one block of the step's
 * high-water mark (not the sum of the chunks), so a step of the same shape allocates nothing
 * and memory stays flat. Kernel workspaces come from the free space above the last buffer
 * (top()), so they live inside the same block instead of fragmenting the heap around it.
 */
export class Arena {
  private chunks: Block[] = [];
  private cur = 0;
  private off = 0;
  private level = 0; // bytes taken since reset, as if in one chunk
  private peak = 0; // most bytes held at once since the last reset (workspaces included)
  private highest = 0; // the largest peak since restartPeak()
  /** Scratch buffers of this arena are valid while their epoch equals this (unique across arenas). */
  epoch: number;

  constructor(private readonly heap: Heap, private readonly nextEpoch: () => number) {
    this.epoch = nextEpoch();
  }

  /** Reserves `bytes` (rounded up to 16) until the next reset(); returns the byte offset. */
  take(bytes: number): number {
    const size = align(bytes);
    const ptr = this.room(size);
    this.off += size;
    this.level += size;
    this.peak = Math.max(this.peak, this.level);
    this.highest = Math.max(this.highest, this.peak);
    return ptr;
  }

  /**
   * `bytes` of free space above the last take(), valid until the next take() or reset(): the
   * workspace of one kernel call (the calls never overlap, and their outputs are taken before).
   */
  top(bytes: number): number {
    const size = align(bytes);
    const ptr = this.room(size);
    this.peak = Math.max(this.peak, this.level + size);
    this.highest = Math.max(this.highest, this.peak);
    return ptr;
  }

  // Pointer of `size` free bytes at the bump position: in the current chunk, in that chunk
  // grown in place, or in a new chunk.
  private room(size: number): number {
    for (let c = this.chunks[this.cur]; c !== undefined; c = this.chunks[this.cur]) {
      if (this.off + size <= c.size) return c.start + this.off;
      if (this.cur === this.chunks.length - 1) {
        const want = this.off + size;
        const grown = want + Math.max(MIN_CHUNK, Math.floor(want / 8)); // < 1/8 slack, few grow calls
        if (this.heap.extend(c.start, grown)) {
          c.size = align(grown);
          return c.start + this.off;
        }
        break;
      }
      this.cur++;
      this.off = 0;
    }
    const chunkSize = align(Math.max(size, MIN_CHUNK));
    this.chunks.push({ start: this.heap.alloc(chunkSize), size: chunkSize });
    this.cur = this.chunks.length - 1;
    this.off = 0;
    return this.chunks[this.cur].start;
  }

  /** The most bytes held at once (as if in one chunk, workspaces included) since restartPeak(), across resets. */
  highWater(): number {
    return this.highest;
  }

  /** Starts a new high-water measurement. */
  restartPeak(): void {
    this.highest = this.peak;
  }

  /** Rewinds the arena; merges several chunks into one of the high-water mark. */
  reset(): void {
    if (this.chunks.length > 1) {
      for (const c of this.chunks) this.heap.release(c.start);
      const size = align(Math.max(this.peak, MIN_CHUNK));
      this.chunks = [{ start: this.heap.alloc(size), size }];
    }
    this.cur = 0;
    this.off = 0;
    this.level = 0;
    this.peak = 0;
    this.epoch = this.nextEpoch();
  }
}
