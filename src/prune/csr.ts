/**
 * Sparse formats built from masks: the CSR pattern of a pruned weight [rows, cols] (row-major,
 * PyTorch's [out, in]), its transpose (CSC, with a permutation into the CSR value order so both
 * read one value vector), and the dense position of every nonzero (for gather/scatter between
 * the dense weight and its values). Host-side arrays here; uploadCsr puts them on a backend.
 */
import type { Backend, CsrIndex, IntBuf } from '../backend/backend.ts';

/** The nonzero pattern of a mask in CSR and CSC form (all int32, host memory). */
export interface CsrPattern {
  rows: number;
  cols: number;
  nnz: number;
  /** CSR row pointers [rows + 1] and column indices [nnz], ascending within a row. */
  rowPtr: Int32Array;
  colIdx: Int32Array;
  /** Dense position r * cols + c of CSR nonzero j (ascending). */
  index: Int32Array;
  /** CSC column pointers [cols + 1], row indices [nnz], and the CSR position of each CSC entry. */
  colPtr: Int32Array;
  rowIdx: Int32Array;
  perm: Int32Array;
}

/** Builds the pattern of the nonzeros (entries != 0) of a row-major [rows, cols] mask. */
export function csrFromMask(mask: ArrayLike<number>, rows: number, cols: number): CsrPattern {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
    throw new RangeError(`csrFromMask: bad shape [${rows}, ${cols}]`);
  }
  if (mask.length !== rows * cols) throw new RangeError(`csrFromMask: mask has ${mask.length} entries, shape [${rows}, ${cols}] needs ${rows * cols}`);
  let nnz = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] !== 0) nnz++;
  const rowPtr = new Int32Array(rows + 1);
  const colIdx = new Int32Array(nnz);
  let j = 0;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) if (mask[r * cols + c] !== 0) colIdx[j++] = c;
    rowPtr[r + 1] = j;
  }
  return csrPattern(rowPtr, colIdx, rows, cols);
}

/**
 * Completes CSR arrays (row pointers from 0 to nnz, columns in [0, cols) ascending within a
 * row; the caller has checked them) into a pattern: dense positions, CSC and its permutation.
 */
export function csrPattern(rowPtr: Int32Array, colIdx: Int32Array, rows: number, cols: number): CsrPattern {
  const nnz = colIdx.length;
  const index = new Int32Array(nnz);
  const colPtr = new Int32Array(cols + 1);
  for (let r = 0; r < rows; r++) {
    for (let j = rowPtr[r]; j < rowPtr[r + 1]; j++) {
      index[j] = r * cols + colIdx[j];
      colPtr[colIdx[j] + 1]++;
    }
  }
  for (let c = 0; c < cols; c++) colPtr[c + 1] += colPtr[c];
  // Walking the CSR in row order fills each CSC column in ascending row order.
  const rowIdx = new Int32Array(nnz);
  const perm = new Int32Array(nnz);
  const next = colPtr.slice(0, cols);
  for (let r = 0; r < rows; r++) {
    for (let j = rowPtr[r]; j < rowPtr[r + 1]; j++) {
      const t = next[colIdx[j]]++;
      rowIdx[t] = r;
      perm[t] = j;
    }
  }
  return { rows, cols, nnz, rowPtr, colIdx, index, colPtr, rowIdx, perm };
}

/** A pattern on a backend: the CSR of W, the CSC (CSR of Wᵀ) sharing W's values, the dense positions. */
export interface DeviceCsr {
  csr: CsrIndex;
  csc: CsrIndex;
  index: IntBuf;
}

// An int buffer holding `data`.
function upload(b: Backend, data: Int32Array): IntBuf {
  const buf = b.allocInt(data.length);
  b.writeInt(buf, data);
  return buf;
}

/** Copies a pattern's index arrays to the backend (persistent; release with freeCsr). */
export function uploadCsr(b: Backend, p: CsrPattern): DeviceCsr {
  return {
    csr: { rows: p.rows, cols: p.cols, nnz: p.nnz, rowPtr: upload(b, p.rowPtr), colIdx: upload(b, p.colIdx), perm: null },
    csc: { rows: p.cols, cols: p.rows, nnz: p.nnz, rowPtr: upload(b, p.colPtr), colIdx: upload(b, p.rowIdx), perm: upload(b, p.perm) },
    index: upload(b, p.index),
  };
}

/** Frees the index buffers of uploadCsr. */
export function freeCsr(b: Backend, d: DeviceCsr): void {
  for (const buf of [d.csr.rowPtr, d.csr.colIdx, d.csc.rowPtr, d.csc.colIdx, d.csc.perm!, d.index]) b.freeInt(buf);
}
