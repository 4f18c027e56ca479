/**
 * The sparse convolution family of the tfjs backend. tfjs has no sparse convolution, so each op
 * densifies the CSR filter bank with one gather of its values and runs the dense convolution of
 * tfjs-conv.ts; the weight gradient is the dense one sampled at the nonzeros. Correct, not fast:
 * the sparse speed-up is the wasm backend's. Every CSR index is checked (tfjs-sparse.ts unpack).
 */
import type { Buf, ConvGeom, CsrIndex, SparseConvOps } from './backend.ts';
import { convSizes } from './conv-geom.ts';
import { checkSparseConv } from './sparse-conv-geom.ts';
import type { TfBuf, TfStore } from './tfjs-memory.ts';
import type { TfConvOps } from './tfjs-conv.ts';
import { unpack } from './tfjs-sparse.ts';

/** The sparse convolution family on tfjs, over the store's buffers and the dense convolution ops. */
export class TfSparseConvOps implements SparseConvOps {
  private readonly tf;

  constructor(private readonly s: TfStore, private readonly conv: TfConvOps) {
    this.tf = s.tf;
  }

  // The dense position of every nonzero (row * cols + col), indices checked.
  private positions(a: CsrIndex, what: string, nvals: number): Int32Array {
    const { col, row } = unpack(this.s, a, what, nvals);
    return Int32Array.from(col, (c, j) => row[j] * a.cols + c);
  }

  // A temporary buffer holding W densified to [cout, c·kh·kw] (free it after use).
  private dense(a: CsrIndex, vals: Buf, what: string): TfBuf {
    const nv = this.s.buf(vals, a.nnz, `${what} vals`).length;
    const at = this.positions(a, what, nv);
    const size = a.rows * a.cols;
    const w = this.s.alloc(size);
    if (a.nnz === 0 || size === 0) return w;
    const where = new Int32Array(size).fill(a.nnz); // index into [values..., 0]
    at.forEach((p, j) => (where[p] = j));
    const tf = this.tf;
    this.s.set(w, size, () => tf.gather(tf.concat([this.s.in(vals, a.nnz, ''), tf.zeros([1])]), tf.tensor1d(where, 'int32')));
    return w;
  }

  sparseConv2d(a: CsrIndex, vals: Buf, x: Buf, y: Buf, g: ConvGeom, accumulate: boolean, bias: Buf | null = null, relu = false): void {
    checkSparseConv(a, g, 'sparseConv2d');
    const z = convSizes(g);
    this.s.buf(x, z.x, 'sparseConv2d x');
    this.s.buf(y, z.y, 'sparseConv2d y');
    if (bias) this.s.buf(bias, g.cout, 'sparseConv2d bias');
    const w = this.dense(a, vals, 'sparseConv2d');
    const out = this.s.alloc(z.y);
    try {
      this.conv.conv2d(x, w, out, g);
      if (z.y === 0) return;
      const tf = this.tf;
      const plane = g.outH * g.outW;
      this.s.set(y, z.y, () => {
        let v = tf.reshape(this.s.in(out, z.y, ''), [g.n, g.cout, plane]);
        if (accumulate) v = tf.add(tf.reshape(this.s.in(y, z.y, ''), [g.n, g.cout, plane]), v);
        if (bias) v = tf.add(v, tf.reshape(this.s.in(bias, g.cout, ''), [1, g.cout, 1]));
        return relu ? tf.where(tf.greater(v, 0), v, tf.zerosLike(v)) : v;
      });
    } finally {
      this.s.free(w);
      this.s.free(out);
    }
  }

  sparseConv2dBackwardData(a: CsrIndex, vals: Buf, dy: Buf, dx: Buf, g: ConvGeom, accumulate: boolean): void {
    checkSparseConv(a, g, 'sparseConv2dBackwardData');
    const w = this.dense(a, vals, 'sparseConv2dBackwardData');
    try {
      this.conv.conv2dBackwardData(dy, w, dx, g, accumulate);
    } finally {
      this.s.free(w);
    }
  }

  sparseConv2dBackwardWeights(a: CsrIndex, x: Buf, dy: Buf, dv: Buf, g: ConvGeom, accumulate: boolean): void {
    checkSparseConv(a, g, 'sparseConv2dBackwardWeights');
    this.s.buf(dv, a.nnz, 'sparseConv2dBackwardWeights dv');
    const at = this.positions(a, 'sparseConv2dBackwardWeights', dv.length);
    const dw = this.s.alloc(a.rows * a.cols);
    try {
      this.conv.conv2dBackwardWeights(x, dy, dw, g, false);
      if (a.nnz === 0) return;
      const tf = this.tf;
      this.s.set(dv, a.nnz, () => {
        const d = tf.gather(this.s.in(dw, a.rows * a.cols, ''), tf.tensor1d(at, 'int32'));
        return accumulate ? tf.add(this.s.in(dv, a.nnz, ''), d) : d;
      });
    } finally {
      this.s.free(dw);
    }
  }
}
