// Where the host may start allocating: everything below is static data (GEMM pack areas).

/** First free byte of linear memory after static data; the host allocator starts here. */
export function heapBase(): usize {
  return __heap_base;
}
