/**
 * The sparse family of the tfjs backend. tfjs has no sparse-times-dense primitive, so the index arrays
 * are read on the CPU side (TfIntBuf keeps a host copy) and turned into gathers: spmm densifies
 * the weight with one gather of its values and runs a dense matMul, sddmm samples the dense
 * product dy·xᵀ at the nonzeros. Correct, not fast: the sparse speed-up is the wasm backend's.
 * Unlike the wasm kernels these check every index, since a bad one would gather garbage.
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { Buf, CsrIndex, IntBuf, SparseOps } from './backend.ts';
import type { TfStore } from './tfjs-memory.ts';
import { blockedRowSum } from './tfjs-conv.ts';

/** The checked index arrays of a CSR (as in js-sparse.ts) and the row of each nonzero. */
export function unpack(s: TfStore, a: CsrIndex, what: string, vals: number): { ptr: Int32Array; col: Int32Array; perm: Int32Array | null; row: Int32Array } {
  const ptr = s.int(a.rowPtr, a.rows + 1, `${what} rowPtr`).host;
  const col = s.int(a.colIdx, a.nnz, `${what} colIdx`).host;
  const perm = a.perm ? s.int(a.perm, a.nnz, `${what} perm`).host : null;
  if (ptr[0] !== 0 || ptr[a.rows] !== a.nnz) throw new RangeError(`${what}: rowPtr must run from 0 to nnz ${a.nnz}`);
  const row = new Int32Array(a.nnz);
  for (let r = 0; r < a.rows; r++) {
    if (ptr[r + 1] < ptr[r]) throw new RangeError(`${what}: rowPtr decreases at row ${r}`);
    row.fill(r, ptr[r], ptr[r + 1]);
  }
  for (let j = 0; j < a.nnz; j++) {
    if (col[j] < 0 || col[j] >= a.cols) throw new RangeError(`${what}: colIdx[${j}] = ${col[j]} outside [0, ${a.cols})`);
    if (perm && (perm[j] < 0 || perm[j] >= vals)) throw new RangeError(`${what}: perm[${j}] = ${perm[j]} outside [0, ${vals})`);
  }
  if (!perm && vals < a.nnz) throw new RangeError(`${what}: ${vals} values for ${a.nnz} nonzeros`);
  return { ptr, col, perm, row };
}

/** Throws unless every idx[j], j < n, lies in [0, size). */
function checkIndices(idx: Int32Array, n: number, size: number, what: string): void {
  for (let j = 0; j < n; j++) {
    if (idx[j] < 0 || idx[j] >= size) throw new RangeError(`${what}: idx[${j}] = ${idx[j]} outside [0, ${size})`);
  }
}

/** The sparse family on tfjs: CSR and feature-major ops. */
export class TfSparseOps implements SparseOps {
  private readonly tf;

  constructor(private readonly s: TfStore) {
    this.tf = s.tf;
  }

  transpose(x: Buf, y: Buf, rows: number, cols: number): void {
    this.s.buf(x, rows * cols, 'transpose x');
    this.s.buf(y, rows * cols, 'transpose y');
    if (rows * cols === 0) return;
    this.s.set(y, rows * cols, () => this.tf.transpose(this.tf.reshape(this.s.in(x, rows * cols, ''), [rows, cols])));
  }

  spmm(a: CsrIndex, vals: Buf, m: number, xT: Buf, yT: Buf, accumulate: boolean, bias: Buf | null = null, relu = false): void {
    const tf = this.tf;
    this.s.buf(yT, a.rows * m, 'spmm yT');
    const nv = this.s.buf(vals, 0, 'spmm vals').length;
    this.s.buf(xT, a.cols * m, 'spmm xT');
    if (bias) this.s.buf(bias, a.rows, 'spmm bias');
    const { col, perm, row } = unpack(this.s, a, 'spmm', nv);
    if (a.rows * m === 0) return;
    // dense position -> index into [values..., 0]: one gather densifies the weight
    const where = new Int32Array(a.rows * a.cols).fill(nv);
    for (let j = 0; j < a.nnz; j++) where[row[j] * a.cols + col[j]] = perm ? perm[j] : j;
    this.s.set(yT, a.rows * m, () => {
      let y: tfjs.Tensor = a.cols === 0 ? tf.zeros([a.rows, m]) : tf.matMul(
        tf.reshape(tf.gather(tf.concat([this.s.in(vals, nv, ''), tf.zeros([1])]), tf.tensor1d(where, 'int32')), [a.rows, a.cols]) as tfjs.Tensor2D,
        tf.reshape(this.s.in(xT, a.cols * m, ''), [a.cols, m]) as tfjs.Tensor2D);
      if (accumulate) y = tf.add(tf.reshape(this.s.in(yT, a.rows * m, ''), [a.rows, m]), y);
      if (bias) y = tf.add(y, tf.reshape(this.s.in(bias, a.rows, ''), [a.rows, 1]));
      return relu ? tf.where(tf.greater(y, 0), y, tf.zerosLike(y)) : y;
    });
  }

  sddmm(a: CsrIndex, m: number, dyT: Buf, xT: Buf, dv: Buf, accumulate: boolean): void {
    if (a.perm) throw new Error('sddmm: the CSR must own its values (perm must be null)');
    const tf = this.tf;
    this.s.buf(dyT, a.rows * m, 'sddmm dyT');
    this.s.buf(xT, a.cols * m, 'sddmm xT');
    this.s.buf(dv, a.nnz, 'sddmm dv');
    const { col, row } = unpack(this.s, a, 'sddmm', dv.length);
    if (a.nnz === 0) return;
    if (m === 0) return this.s.zero(dv, a.nnz, accumulate);
    // the dense product dy·xᵀ sampled at the nonzeros: one matMul and one gather beat gathering
    // nnz rows of each operand (tfjs-wasm's GatherV2 is slow at that size, ~20x here); the
    // transpose is explicit because tfjs-wasm runs transposed matMuls as a plain loop
    const at = new Int32Array(a.nnz);
    for (let j = 0; j < a.nnz; j++) at[j] = row[j] * a.cols + col[j];
    this.s.set(dv, a.nnz, () => {
      const dy2 = tf.reshape(this.s.in(dyT, a.rows * m, ''), [a.rows, m]) as tfjs.Tensor2D;
      const x2 = tf.reshape(this.s.in(xT, a.cols * m, ''), [a.cols, m]) as tfjs.Tensor2D;
      const d = tf.gather(tf.reshape(tf.matMul(dy2, tf.transpose(x2)), [a.rows * a.cols]), tf.tensor1d(at, 'int32'));
      return accumulate ? tf.add(this.s.in(dv, a.nnz, ''), d) : d;
    });
  }

  biasRowsAct(x: Buf, bias: Buf, y: Buf, rows: number, m: number, relu: boolean): void {
    const tf = this.tf;
    this.s.buf(x, rows * m, 'biasRowsAct x');
    this.s.buf(bias, rows, 'biasRowsAct bias');
    this.s.buf(y, rows * m, 'biasRowsAct y');
    if (rows * m === 0) return;
    this.s.set(y, rows * m, () => {
      const v = tf.add(tf.reshape(this.s.in(x, rows * m, ''), [rows, m]), tf.reshape(this.s.in(bias, rows, ''), [rows, 1]));
      return relu ? tf.where(tf.greater(v, 0), v, tf.zerosLike(v)) : v;
    });
  }

  rowSum(x: Buf, db: Buf, rows: number, m: number, accumulate: boolean): void {
    const tf = this.tf;
    this.s.buf(x, rows * m, 'rowSum x');
    this.s.buf(db, rows, 'rowSum db');
    if (rows === 0) return;
    if (m === 0) return this.s.zero(db, rows, accumulate);
    this.s.set(db, rows, () => {
      const s = blockedRowSum(tf, tf.reshape(this.s.in(x, rows * m, ''), [rows, m]) as tfjs.Tensor2D);
      return accumulate ? tf.add(this.s.in(db, rows, ''), s) : s;
    });
  }

  gather(x: Buf, idx: IntBuf, y: Buf, n: number): void {
    const size = this.s.buf(x, 0, 'gather x').length;
    const ix = this.s.int(idx, n, 'gather idx');
    this.s.buf(y, n, 'gather y');
    checkIndices(ix.host, n, size, 'gather');
    if (n === 0) return;
    this.s.set(y, n, () => this.tf.gather(this.s.in(x, size, ''), this.tf.slice(ix.t, 0, n)));
  }

  scatter(y: Buf, idx: IntBuf, x: Buf, n: number): void {
    this.s.buf(y, n, 'scatter y');
    const ix = this.s.int(idx, n, 'scatter idx');
    const size = this.s.buf(x, 0, 'scatter x').length;
    checkIndices(ix.host, n, size, 'scatter');
    if (n === 0) return;
    // which y lands on each element of x (the last write wins, as in the reference loop), or -1
    const from = new Int32Array(size).fill(-1);
    for (let j = 0; j < n; j++) from[ix.host[j]] = j;
    const tf = this.tf;
    this.s.set(x, size, () => {
      const src = tf.tensor1d(from, 'int32');
      const moved = tf.gather(this.s.in(y, n, ''), tf.maximum(src, tf.scalar(0, 'int32')));
      return tf.where(tf.greaterEqual(src, 0), moved, this.s.in(x, size, ''));
    });
  }
}
