import type { Backend, Buf, CsrIndex, IntBuf } from '../../backend/backend.ts';
import type { Ctx } from '../tape.ts';
import { Tensor, gradTarget } from '../tensor.ts';

/**
 * A Linear weight W[rows, cols] (or a conv weight flattened to [cout, cin·kh·kw], see
 * sparse-conv.ts) trained in CSR form: only its nonzeros (the mask's ones) are stored and
 * trained. `values` is the trainable vector, in CSR order, with a persistent gradient buffer;
 * `index` holds each value's dense position, for gather/scatter with the dense weight (the
 * source of truth outside a training run, see nn/sparse-linear.ts).
 */
export interface SparseWeight {
  readonly rows: number;
  readonly cols: number;
  readonly nnz: number;
  /** CSR of W; owns the value order. */
  readonly csr: CsrIndex;
  /** CSR of Wᵀ (CSC of W), reading W's values through its perm: the input gradient's operand. */
  readonly csc: CsrIndex;
  /** Dense position r * cols + c of each value. */
  readonly index: IntBuf;
  readonly values: Tensor;
}

// Feature-major twins of activations made by sparse ops, so the next sparse layer reads y's
// transpose instead of transposing y back. Safe because an op never writes an activation after
// returning it, and the twin lives in the same step arena as the activation itself.
const featureMajor = new WeakMap<Tensor, Buf>();

// xᵀ for x [m, k]: the twin when a sparse op made x, else a fresh transpose.
function transposedInput(b: Backend, x: Tensor, m: number, k: number): Buf {
  const twin = featureMajor.get(x);
  if (twin !== undefined) return twin;
  const xT = b.scratchUninit(k * m);
  b.transpose(x.buf, xT, m, k);
  return xT;
}

/**
 * y = act(x·Wᵀ + b) for x[m,k] and a sparse W[n,k]: the same function as ops/linear.ts, at a
 * cost proportional to W's nonzeros. Internally feature-major (batch-vectorised kernels):
 * yᵀ = act(W·xᵀ + b) by one SpMM with a fused epilogue, then y = (yᵀ)ᵀ. Backward: dW only at the
 * nonzeros (SDDMM of dyᵀ and xᵀ), db as row sums of dyᵀ, dxᵀ = Wᵀ·dyᵀ by SpMM over the CSC.
 * Batch 1 needs no transposes ([1,k] and [k,1] are the same memory): a CSR mat-vec.
 */
export function sparseLinear(ctx: Ctx, x: Tensor, w: SparseWeight, bias: Tensor | null, relu: boolean): Tensor {
  const b = ctx.backend;
  const [m, k] = x.shape;
  const n = w.rows;
  if (x.shape.length !== 2 || k !== w.cols) throw new Error(`sparseLinear: x is [${x.shape}] but weight is [${n},${w.cols}]`);
  const xT = m === 1 ? x.buf : transposedInput(b, x, m, k);
  const yT = b.scratchUninit(n * m);
  b.spmm(w.csr, w.values.buf, m, xT, yT, false, bias?.buf ?? null, relu);
  let yBuf = yT;
  if (m !== 1) {
    yBuf = b.scratchUninit(m * n);
    b.transpose(yT, yBuf, n, m);
  }
  const y = new Tensor([m, n], yBuf, x.requiresGrad || w.values.requiresGrad);
  if (m !== 1) featureMajor.set(y, yT);
  if (ctx.tape !== null && y.requiresGrad) {
    ctx.tape.record(() => {
      if (y.grad === null) return;
      let dyT = y.grad;
      if (m !== 1) {
        dyT = b.scratchUninit(n * m);
        b.transpose(y.grad, dyT, m, n);
      }
      if (relu) {
        const masked = b.scratchUninit(n * m);
        b.reluBackward(yT, dyT, masked, n * m, false);
        dyT = masked;
      }
      if (w.values.requiresGrad) {
        const t = gradTarget(b, w.values);
        b.sddmm(w.csr, m, dyT, xT, t.g, t.acc);
      }
      if (bias !== null && bias.requiresGrad) {
        const t = gradTarget(b, bias);
        b.rowSum(dyT, t.g, n, m, t.acc);
      }
      if (x.requiresGrad) inputGrad(b, x, w, dyT, m, k);
    });
  }
  return y;
}

// dx (+)= (Wᵀ·dyᵀ)ᵀ.
function inputGrad(b: Backend, x: Tensor, w: SparseWeight, dyT: Buf, m: number, k: number): void {
  const t = gradTarget(b, x);
  if (m === 1) {
    b.spmm(w.csc, w.values.buf, 1, dyT, t.g, t.acc);
    return;
  }
  const dxT = b.scratchUninit(k * m);
  b.spmm(w.csc, w.values.buf, m, dyT, dxT, false);
  if (!t.acc) {
    b.transpose(dxT, t.g, k, m);
    return;
  }
  const dx = b.scratchUninit(m * k);
  b.transpose(dxT, dx, k, m);
  b.add(t.g, dx, t.g, m * k);
}
