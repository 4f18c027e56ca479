/**
 * The wasm backend's sparse ops (assembly/sparse*.ts): int32 index buffers in linear memory and
 * the length checks before each kernel call. Index values are not checked here (a kernel reads
 * wherever colIdx points): CSR indices come from prune/csr.ts, which validates them, and the
 * js oracle checks them again in every conformance test.
 */
import type { Buf, CsrIndex, IntBuf } from './backend.ts';
import { need } from './check.ts';
import type { Heap } from './wasm-heap.ts';

/** The sparse exports of build/lth.wasm (pointers are byte offsets; bools are 0/1). */
export interface SparseKernels {
  memory: WebAssembly.Memory;
  spmm_csr_f32(rows: number, m: number, rowPtr: number, colIdx: number, off: number, vals: number, perm: number, xT: number, yT: number, acc: number, bias: number, relu: number): void;
  scale_index_i32(src: number, dst: number, n: number, factor: number): void;
  sddmm_csr_f32(rows: number, m: number, rowPtr: number, colIdx: number, dyT: number, xT: number, dv: number, acc: number): void;
  transpose_f32(x: number, y: number, rows: number, cols: number): void;
  bias_rows_act_f32(x: number, bias: number, y: number, rows: number, m: number, relu: number): void;
  row_sum_f32(x: number, db: number, rows: number, m: number, acc: number): void;
  gather_f32(x: number, idx: number, y: number, n: number): void;
  scatter_f32(y: number, idx: number, x: number, n: number): void;
}

/** A wasm-backend int32 buffer: `length` elements at byte offset `ptr` of linear memory. */
export class WasmIntBuf implements IntBuf {
  readonly dtype = 'i32';
  /** False once freed. */
  live = true;
  constructor(readonly ptr: number, readonly length: number) {}
}

/** Pointer of a live int buffer of the wasm backend holding at least n elements. */
export function intPtr(b: IntBuf, n: number, what: string): number {
  if (!(b instanceof WasmIntBuf)) throw new Error(`wasm backend: ${what}: int buffer belongs to another backend`);
  if (!b.live) throw new Error(`wasm backend: ${what}: int buffer used after freeInt()`);
  need(b, n, what);
  return b.ptr;
}

/** The sparse half of WasmBackend; `f32ptr` is the backend's own checked pointer lookup. */
export class WasmSparse {
  private view: Int32Array;
  // The byte offsets colIdx[j] * m * 4 that spmm reads for batch m > 1, per column-index buffer:
  // made on first use, remade when m changes (O(nnz), against the product's O(nnz * m)), freed
  // with the index buffer or dropped when it is rewritten.
  private readonly offsets = new Map<IntBuf, { m: number; off: WasmIntBuf }>();

  constructor(
    private readonly k: SparseKernels,
    private readonly heap: Heap,
    private readonly f32ptr: (b: Buf) => number,
  ) {
    this.view = new Int32Array(k.memory.buffer);
  }

  // The Int32Array view over memory, re-made when memory.grow has replaced the buffer.
  private i32(): Int32Array {
    if (this.view.buffer !== this.k.memory.buffer) this.view = new Int32Array(this.k.memory.buffer);
    return this.view;
  }

  private ip(b: IntBuf, n: number, what: string): number {
    return intPtr(b, n, what);
  }

  // Pointer of a float buffer holding at least n elements.
  private fp(b: Buf, n: number, what: string): number {
    need(b, n, what);
    return this.f32ptr(b);
  }

  allocInt(n: number): IntBuf {
    const [ptr, dirtyEnd] = this.heap.allocDirty(n * 4);
    this.i32().fill(0, ptr >>> 2, dirtyEnd >>> 2); // beyond dirtyEnd memory is still zero
    return new WasmIntBuf(ptr, n);
  }
  freeInt(b: IntBuf): void {
    this.dropOffsets(b);
    this.heap.release(this.ip(b, 0, 'freeInt'));
    (b as WasmIntBuf).live = false;
  }
  writeInt(b: IntBuf, src: ArrayLike<number>, offset = 0): void {
    const start = this.ip(b, 0, 'writeInt') >>> 2;
    if (offset < 0 || offset + src.length > b.length) {
      throw new RangeError(`writeInt: ${src.length} elements at offset ${offset} overflow a buffer of ${b.length}`);
    }
    this.dropOffsets(b);
    this.i32().set(src, start + offset);
  }
  readInt(b: IntBuf): Int32Array {
    const start = this.ip(b, 0, 'readInt') >>> 2;
    return this.i32().slice(start, start + b.length);
  }
  transpose(x: Buf, y: Buf, rows: number, cols: number): void {
    this.k.transpose_f32(this.fp(x, rows * cols, 'transpose x'), this.fp(y, rows * cols, 'transpose y'), rows, cols);
  }
  private dropOffsets(b: IntBuf): void {
    const hit = this.offsets.get(b);
    if (hit === undefined) return;
    this.offsets.delete(b);
    this.heap.release(hit.off.ptr);
    hit.off.live = false;
  }
  // Pointer of the byte offsets of colIdx (nnz elements) for batch m (0 when m <= 1: unused).
  private offsetsFor(colIdx: IntBuf, nnz: number, m: number): number {
    const src = this.ip(colIdx, nnz, 'spmm colIdx');
    if (m <= 1 || nnz === 0) return 0;
    const hit = this.offsets.get(colIdx);
    if (hit !== undefined && hit.m === m && hit.off.length >= nnz) return hit.off.ptr;
    this.dropOffsets(colIdx);
    const off = this.allocInt(nnz) as WasmIntBuf;
    this.k.scale_index_i32(src, off.ptr, nnz, m * 4);
    this.offsets.set(colIdx, { m, off });
    return off.ptr;
  }
  spmm(a: CsrIndex, vals: Buf, m: number, xT: Buf, yT: Buf, acc: boolean, bias: Buf | null, relu: boolean): void {
    const perm = a.perm ? this.ip(a.perm, a.nnz, 'spmm perm') : 0;
    this.k.spmm_csr_f32(a.rows, m, this.ip(a.rowPtr, a.rows + 1, 'spmm rowPtr'), this.ip(a.colIdx, a.nnz, 'spmm colIdx'),
      this.offsetsFor(a.colIdx, a.nnz, m), this.fp(vals, a.perm ? 0 : a.nnz, 'spmm vals'), perm, this.fp(xT, a.cols * m, 'spmm xT'), this.fp(yT, a.rows * m, 'spmm yT'),
      acc ? 1 : 0, bias ? this.fp(bias, a.rows, 'spmm bias') : 0, relu ? 1 : 0);
  }
  sddmm(a: CsrIndex, m: number, dyT: Buf, xT: Buf, dv: Buf, acc: boolean): void {
    if (a.perm) throw new Error('sddmm: the CSR must own its values (perm must be null)');
    this.k.sddmm_csr_f32(a.rows, m, this.ip(a.rowPtr, a.rows + 1, 'sddmm rowPtr'), this.ip(a.colIdx, a.nnz, 'sddmm colIdx'),
      this.fp(dyT, a.rows * m, 'sddmm dyT'), this.fp(xT, a.cols * m, 'sddmm xT'), this.fp(dv, a.nnz, 'sddmm dv'), acc ? 1 : 0);
  }
  biasRowsAct(x: Buf, bias: Buf, y: Buf, rows: number, m: number, relu: boolean): void {
    this.k.bias_rows_act_f32(this.fp(x, rows * m, 'biasRowsAct x'), this.fp(bias, rows, 'biasRowsAct bias'),
      this.fp(y, rows * m, 'biasRowsAct y'), rows, m, relu ? 1 : 0);
  }
  rowSum(x: Buf, db: Buf, rows: number, m: number, acc: boolean): void {
    this.k.row_sum_f32(this.fp(x, rows * m, 'rowSum x'), this.fp(db, rows, 'rowSum db'), rows, m, acc ? 1 : 0);
  }
  gather(x: Buf, idx: IntBuf, y: Buf, n: number): void {
    this.k.gather_f32(this.fp(x, 0, 'gather x'), this.ip(idx, n, 'gather idx'), this.fp(y, n, 'gather y'), n);
  }
  scatter(y: Buf, idx: IntBuf, x: Buf, n: number): void {
    const ip = this.ip(idx, n, 'scatter idx');
    // The one sparse kernel that writes through an index: check them all (it runs rarely).
    const v = this.i32();
    for (let j = ip >>> 2, end = j + n; j < end; j++) {
      if (v[j] < 0 || v[j] >= x.length) throw new RangeError(`scatter: index ${v[j]} outside [0, ${x.length})`);
    }
    this.k.scatter_f32(this.fp(y, n, 'scatter y'), ip, this.fp(x, 0, 'scatter x'), n);
  }
}
