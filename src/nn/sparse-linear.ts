/**
 * Switching a masked Linear or Conv2d weight between its dense form and CSR training form. The dense
 * weight stays the source of truth: attaching gathers the nonzero values out of it, syncing
 * scatters them back (before anything reads the weights), detaching does both and frees.
 * Linear.forward and Conv2d.forward run the sparse ops whenever their weight has a SparseWeight
 * attached (a conv weight [cout, cin, kh, kw] as its flattened [cout, cin·kh·kw] matrix).
 */
import type { Backend, Buf } from '../backend/backend.ts';
import type { SparseWeight } from '../autograd/ops/sparse-linear.ts';
import { Tensor } from '../autograd/tensor.ts';
import { type CsrPattern, csrFromMask, freeCsr, uploadCsr } from '../prune/csr.ts';
import type { Parameter } from './module.ts';

/**
 * The CSR pattern of a parameter's mask (all ones when it has no mask): a Linear weight as
 * [out, in], a conv weight [cout, cin, kh, kw] flattened to [cout, cin·kh·kw].
 */
export function maskPattern(b: Backend, p: Parameter): CsrPattern {
  const shape = p.tensor.shape;
  if (shape.length !== 2 && shape.length !== 4) throw new Error(`maskPattern: '${p.name}' is [${shape}], not a matrix or a conv weight`);
  const rows = shape[0];
  const cols = rows > 0 ? p.size / rows : 0;
  const mask = p.mask === null ? new Uint8Array(p.size).fill(1) : b.read(p.mask);
  return csrFromMask(mask, rows, cols);
}

/** Builds a SparseWeight for a pattern on `b`, its values gathered from the dense buffer of `p`. */
export function makeSparseWeight(b: Backend, dense: Buf, pat: CsrPattern): SparseWeight {
  const d = uploadCsr(b, pat);
  const values = new Tensor([pat.nnz], b.alloc(pat.nnz), true);
  values.grad = b.alloc(pat.nnz); // persistent, like a dense parameter's: the optimizer reads it after the step
  b.gather(dense, d.index, values.buf, pat.nnz);
  return { rows: pat.rows, cols: pat.cols, nnz: pat.nnz, csr: d.csr, csc: d.csc, index: d.index, values };
}

/** Frees a SparseWeight's buffers (its values must have been synced first if they matter). */
export function freeSparseWeight(b: Backend, s: SparseWeight): void {
  freeCsr(b, { csr: s.csr, csc: s.csc, index: s.index });
  b.free(s.values.buf);
  if (s.values.grad !== null) b.free(s.values.grad);
}

/** Trains `p` in CSR form from now on (its pattern is its mask's ones). */
export function attachSparse(b: Backend, p: Parameter, pat: CsrPattern = maskPattern(b, p)): SparseWeight {
  if (p.sparse !== null) throw new Error(`attachSparse: '${p.name}' is already sparse`);
  p.sparse = makeSparseWeight(b, p.tensor.buf, pat);
  // Pruned entries become exactly +0 (masking left -0 where a weight was negative), as the
  // masked dense optimizers write them; the sparse path never touches them again.
  b.fill(p.tensor.buf, 0, p.size);
  syncDense(b, p);
  return p.sparse;
}

/** Writes the sparse values back into the dense weight (pruned entries are untouched: zero). */
export function syncDense(b: Backend, p: Parameter): void {
  if (p.sparse !== null) b.scatter(p.sparse.values.buf, p.sparse.index, p.tensor.buf, p.sparse.nnz);
}

/** Re-reads the sparse values from the dense weight (after something wrote the dense weight). */
export function refreshSparse(b: Backend, p: Parameter): void {
  if (p.sparse !== null) b.gather(p.tensor.buf, p.sparse.index, p.sparse.values.buf, p.sparse.nnz);
}

/**
 * Returns `p` to dense training: syncs the values into the dense weight and unhooks the
 * SparseWeight, which the caller frees (after moving optimizer state out of it, if any).
 */
export function detachSparse(b: Backend, p: Parameter): SparseWeight | null {
  const s = p.sparse;
  if (s === null) return null;
  syncDense(b, p);
  p.sparse = null;
  return s;
}
