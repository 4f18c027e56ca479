/**
 * The wasm backend's sparse family (assembly/sparse*.ts): the length checks before each kernel
 * call; int32 index buffers live in wasm-memory.ts. Index values are not checked here (a kernel
 * reads wherever colIdx points): CSR indices come from prune/csr.ts, which validates them, and
 * the js oracle checks them again in every conformance test.
 */
import type { Buf, CsrIndex, IntBuf, SparseOps } from './backend.ts';
import { MIN_FLOPS_PER_THREAD, type Par, csrRanges } from './threads/split.ts';
import type { WasmIntBuf, WasmMemory } from './wasm-memory.ts';

/** The sparse exports of build/lth.wasm (pointers are byte offsets; bools are 0/1). */
export interface SparseKernels {
  spmm_csr_f32(rows: number, m: number, rowPtr: number, colIdx: number, off: number, vals: number, perm: number, xT: number, yT: number, acc: number, bias: number, relu: number): void;
  scale_index_i32(src: number, dst: number, n: number, factor: number): void;
  sddmm_csr_f32(rows: number, m: number, rowPtr: number, colIdx: number, dyT: number, xT: number, dv: number, acc: number): void;
  transpose_f32(x: number, y: number, rows: number, cols: number): void;
  bias_rows_act_f32(x: number, bias: number, y: number, rows: number, m: number, relu: number): void;
  row_sum_f32(x: number, db: number, rows: number, m: number, acc: number): void;
  gather_f32(x: number, idx: number, y: number, n: number): void;
  scatter_f32(y: number, idx: number, x: number, n: number): void;
}

/**
 * The sparse family of the wasm backend. On the kernel pool (threads/split.ts), SpMM and SDDMM
 * split over blocks of CSR rows with about equal nonzeros: a block's rowPtr slice still holds
 * absolute nonzero positions, so the kernels run unchanged on it.
 */
export class WasmSparse implements SparseOps {
  constructor(private readonly k: SparseKernels, private readonly mem: WasmMemory, private readonly par: Par) {}

  // Row blocks of a CSR for a product of 2 * nnz * m flops (one block when small).
  private rowBlocks(rowPtr: number, rows: number, nnz: number, m: number): [number, number][] {
    const parts = this.par.parts(2 * nnz * Math.max(m, 1), MIN_FLOPS_PER_THREAD);
    return parts <= 1 ? [[0, rows]] : csrRanges(this.mem.i32(), rowPtr >>> 2, rows, parts);
  }

  transpose(x: Buf, y: Buf, rows: number, cols: number): void {
    this.k.transpose_f32(this.mem.fp(x, rows * cols, 'transpose x'), this.mem.fp(y, rows * cols, 'transpose y'), rows, cols);
  }
  // Pointer of the byte offsets of colIdx (nnz elements) for batch m (0 when m <= 1: unused),
  // cached on the index buffer: remade when m changes (O(nnz), against the product's O(nnz * m)).
  private offsetsFor(colIdx: IntBuf, nnz: number, m: number): number {
    const src = this.mem.ip(colIdx, nnz, 'spmm colIdx');
    if (m <= 1 || nnz === 0) return 0;
    const b = colIdx as WasmIntBuf;
    const hit = b.spmmOffsets;
    if (hit !== null && hit.m === m && hit.off.length >= nnz) return hit.off.ptr;
    this.mem.dropOffsets(b);
    const off = this.mem.allocInt(nnz);
    this.k.scale_index_i32(src, off.ptr, nnz, m * 4);
    b.spmmOffsets = { m, off };
    return off.ptr;
  }
  spmm(a: CsrIndex, vals: Buf, m: number, xT: Buf, yT: Buf, acc: boolean, bias: Buf | null = null, relu = false): void {
    const perm = a.perm ? this.mem.ip(a.perm, a.nnz, 'spmm perm') : 0;
    const rowPtr = this.mem.ip(a.rowPtr, a.rows + 1, 'spmm rowPtr');
    const colIdx = this.mem.ip(a.colIdx, a.nnz, 'spmm colIdx');
    const off = this.offsetsFor(a.colIdx, a.nnz, m);
    const v = this.mem.fp(vals, a.perm ? 0 : a.nnz, 'spmm vals');
    const x = this.mem.fp(xT, a.cols * m, 'spmm xT');
    const y = this.mem.fp(yT, a.rows * m, 'spmm yT');
    const b = bias ? this.mem.fp(bias, a.rows, 'spmm bias') : 0;
    const [accF, reluF] = [acc ? 1 : 0, relu ? 1 : 0];
    if (a.rows <= 0) return;
    this.par.run('spmm_csr_f32', this.rowBlocks(rowPtr, a.rows, a.nnz, m).map(([r0, r1]) =>
      [r1 - r0, m, rowPtr + r0 * 4, colIdx, off, v, perm, x, y + r0 * m * 4, accF, b === 0 ? 0 : b + r0 * 4, reluF]));
  }
  sddmm(a: CsrIndex, m: number, dyT: Buf, xT: Buf, dv: Buf, acc: boolean): void {
    if (a.perm) throw new Error('sddmm: the CSR must own its values (perm must be null)');
    const rowPtr = this.mem.ip(a.rowPtr, a.rows + 1, 'sddmm rowPtr');
    const colIdx = this.mem.ip(a.colIdx, a.nnz, 'sddmm colIdx');
    const dy = this.mem.fp(dyT, a.rows * m, 'sddmm dyT');
    const x = this.mem.fp(xT, a.cols * m, 'sddmm xT');
    const d = this.mem.fp(dv, a.nnz, 'sddmm dv');
    if (a.rows <= 0) return;
    const ld = Math.max(m, 0) * 4;
    this.par.run('sddmm_csr_f32', this.rowBlocks(rowPtr, a.rows, a.nnz, m).map(([r0, r1]) =>
      [r1 - r0, m, rowPtr + r0 * 4, colIdx, dy + r0 * ld, x, d, acc ? 1 : 0]));
  }
  biasRowsAct(x: Buf, bias: Buf, y: Buf, rows: number, m: number, relu: boolean): void {
    this.k.bias_rows_act_f32(this.mem.fp(x, rows * m, 'biasRowsAct x'), this.mem.fp(bias, rows, 'biasRowsAct bias'),
      this.mem.fp(y, rows * m, 'biasRowsAct y'), rows, m, relu ? 1 : 0);
  }
  rowSum(x: Buf, db: Buf, rows: number, m: number, acc: boolean): void {
    this.k.row_sum_f32(this.mem.fp(x, rows * m, 'rowSum x'), this.mem.fp(db, rows, 'rowSum db'), rows, m, acc ? 1 : 0);
  }
  gather(x: Buf, idx: IntBuf, y: Buf, n: number): void {
    this.k.gather_f32(this.mem.fp(x, 0, 'gather x'), this.mem.ip(idx, n, 'gather idx'), this.mem.fp(y, n, 'gather y'), n);
  }
  scatter(y: Buf, idx: IntBuf, x: Buf, n: number): void {
    const ip = this.mem.ip(idx, n, 'scatter idx');
    // The one sparse kernel that writes through an index: check them all (it runs rarely).
    const v = this.mem.i32();
    for (let j = ip >>> 2, end = j + n; j < end; j++) {
      if (v[j] < 0 || v[j] >= x.length) throw new RangeError(`scatter: index ${v[j]} outside [0, ${x.length})`);
    }
    this.k.scatter_f32(this.mem.fp(y, n, 'scatter y'), ip, this.mem.fp(x, 0, 'scatter x'), n);
  }
}
