/**
 * The js reference backend's sparse family: plain loops with float64 accumulation over typed
 * arrays, and strict checks of every CSR index (the wasm kernels trust their indices; the
 * oracle proves the indices the rest of the code builds are sound).
 */
import type { Buf, CsrIndex, IntBuf, SparseOps } from './backend.ts';
import { need } from './check.ts';
import { arr, ints } from './js-memory.ts';

/** The index arrays of a CSR, checked: row pointers monotone from 0 to nnz, columns (and perm) in range (shared with js-sparse-conv.ts). */
export function unpack(a: CsrIndex, what: string, vals: number): { ptr: Int32Array; col: Int32Array; perm: Int32Array | null } {
  const ptr = ints(a.rowPtr, a.rows + 1, `${what} rowPtr`);
  const col = ints(a.colIdx, a.nnz, `${what} colIdx`);
  const perm = a.perm ? ints(a.perm, a.nnz, `${what} perm`) : null;
  if (ptr[0] !== 0 || ptr[a.rows] !== a.nnz) throw new RangeError(`${what}: rowPtr must run from 0 to nnz ${a.nnz}`);
  for (let r = 0; r < a.rows; r++) {
    if (ptr[r + 1] < ptr[r]) throw new RangeError(`${what}: rowPtr decreases at row ${r}`);
  }
  for (let j = 0; j < a.nnz; j++) {
    if (col[j] < 0 || col[j] >= a.cols) throw new RangeError(`${what}: colIdx[${j}] = ${col[j]} outside [0, ${a.cols})`);
    if (perm && (perm[j] < 0 || perm[j] >= vals)) throw new RangeError(`${what}: perm[${j}] = ${perm[j]} outside [0, ${vals})`);
  }
  if (!perm && vals < a.nnz) throw new RangeError(`${what}: ${vals} values for ${a.nnz} nonzeros`);
  return { ptr, col, perm };
}

/** y[c, r] = x[r, c]. */
export function transposeRef(x: Float32Array, y: Float32Array, rows: number, cols: number): void {
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) y[c * rows + r] = x[r * cols + c];
}

/** yT[r, i] (+)= sum over nonzeros (r, c) of v * xT[c, i]. */
export function spmmRef(a: CsrIndex, vals: Float32Array, m: number, xT: Float32Array, yT: Float32Array, acc: boolean): void {
  const { ptr, col, perm } = unpack(a, 'spmm', vals.length);
  need(xT, a.cols * m, 'spmm xT');
  need(yT, a.rows * m, 'spmm yT');
  for (let r = 0; r < a.rows; r++) {
    for (let i = 0; i < m; i++) {
      let s = 0;
      for (let j = ptr[r]; j < ptr[r + 1]; j++) s += vals[perm ? perm[j] : j] * xT[col[j] * m + i];
      yT[r * m + i] = acc ? yT[r * m + i] + s : s;
    }
  }
}

/** dv[j] (+)= dyT[r, :] · xT[c, :] for nonzero j = (r, c). */
export function sddmmRef(a: CsrIndex, m: number, dyT: Float32Array, xT: Float32Array, dv: Float32Array, acc: boolean): void {
  if (a.perm) throw new Error('sddmm: the CSR must own its values (perm must be null)');
  const { ptr, col } = unpack(a, 'sddmm', dv.length);
  need(dyT, a.rows * m, 'sddmm dyT');
  need(xT, a.cols * m, 'sddmm xT');
  for (let r = 0; r < a.rows; r++) {
    for (let j = ptr[r]; j < ptr[r + 1]; j++) {
      let s = 0;
      for (let i = 0; i < m; i++) s += dyT[r * m + i] * xT[col[j] * m + i];
      dv[j] = acc ? dv[j] + s : s;
    }
  }
}

/** y[r, i] = act(x[r, i] + bias[r]). */
export function biasRowsActRef(x: Float32Array, bias: Float32Array, y: Float32Array, rows: number, m: number, relu: boolean): void {
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < m; i++) {
      const v = Math.fround(x[r * m + i] + bias[r]);
      y[r * m + i] = relu && !(v > 0) ? 0 : v;
    }
  }
}

/** db[r] (+)= sum of row r. */
export function rowSumRef(x: Float32Array, db: Float32Array, rows: number, m: number, acc: boolean): void {
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let i = 0; i < m; i++) s += x[r * m + i];
    db[r] = acc ? db[r] + s : s;
  }
}

/** y[j] = x[idx[j]], indices checked. */
export function gatherRef(x: Float32Array, idx: Int32Array, y: Float32Array, n: number): void {
  for (let j = 0; j < n; j++) {
    if (idx[j] < 0 || idx[j] >= x.length) throw new RangeError(`gather: idx[${j}] = ${idx[j]} outside [0, ${x.length})`);
    y[j] = x[idx[j]];
  }
}

/** x[idx[j]] = y[j], indices checked. */
export function scatterRef(y: Float32Array, idx: Int32Array, x: Float32Array, n: number): void {
  for (let j = 0; j < n; j++) {
    if (idx[j] < 0 || idx[j] >= x.length) throw new RangeError(`scatter: idx[${j}] = ${idx[j]} outside [0, ${x.length})`);
    x[idx[j]] = y[j];
  }
}

/** The sparse family of the js backend: buffer checks around the loops above. */
export class JsSparseOps implements SparseOps {
  transpose(x: Buf, y: Buf, rows: number, cols: number): void {
    transposeRef(arr(x, rows * cols, 'transpose x'), arr(y, rows * cols, 'transpose y'), rows, cols);
  }
  spmm(a: CsrIndex, vals: Buf, m: number, xT: Buf, yT: Buf, accumulate: boolean, bias: Buf | null = null, relu = false): void {
    const ys = arr(yT, a.rows * m, 'spmm yT');
    spmmRef(a, arr(vals, 0, 'spmm vals'), m, arr(xT, a.cols * m, 'spmm xT'), ys, accumulate);
    if (bias !== null || relu) biasRowsActRef(ys, bias ? arr(bias, a.rows, 'spmm bias') : new Float32Array(a.rows), ys, a.rows, m, relu);
  }
  sddmm(a: CsrIndex, m: number, dyT: Buf, xT: Buf, dv: Buf, accumulate: boolean): void {
    sddmmRef(a, m, arr(dyT, a.rows * m, 'sddmm dyT'), arr(xT, a.cols * m, 'sddmm xT'), arr(dv, a.nnz, 'sddmm dv'), accumulate);
  }
  biasRowsAct(x: Buf, bias: Buf, y: Buf, rows: number, m: number, relu: boolean): void {
    biasRowsActRef(arr(x, rows * m, 'biasRowsAct x'), arr(bias, rows, 'biasRowsAct bias'), arr(y, rows * m, 'biasRowsAct y'), rows, m, relu);
  }
  rowSum(x: Buf, db: Buf, rows: number, m: number, accumulate: boolean): void {
    rowSumRef(arr(x, rows * m, 'rowSum x'), arr(db, rows, 'rowSum db'), rows, m, accumulate);
  }
  gather(x: Buf, idx: IntBuf, y: Buf, n: number): void {
    gatherRef(arr(x, 0, 'gather x'), ints(idx, n, 'gather idx'), arr(y, n, 'gather y'), n);
  }
  scatter(y: Buf, idx: IntBuf, x: Buf, n: number): void {
    scatterRef(arr(y, n, 'scatter y'), ints(idx, n, 'scatter idx'), arr(x, 0, 'scatter x'), n);
  }
}
