// Where the host may start allocating: everything below is static data (GEMM pack areas), and
// the per-thread pack areas of the threads build (src/backend/threads/).
import { THREAD_AREA_BYTES, setThreadAreas } from './gemm_kernel';

/** First free byte of linear memory after static data; the host allocator starts here. */
export function heapBase(): usize {
  return __heap_base;
}

/** Bytes of one thread's pack areas (a pool thread's block, allocated by the host). */
export function threadAreaBytes(): i32 {
  return THREAD_AREA_BYTES;
}

/** Moves this instance's pack areas to `base` (64-byte aligned, threadAreaBytes() long). */
export function threadAreas(base: usize): void {
  setThreadAreas(base);
}
