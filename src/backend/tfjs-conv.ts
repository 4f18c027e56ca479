/**
 * The conv family of the tfjs backend. tfjs convolves NHWC images with HWIO filters, so each
 * convolution transposes around tf.conv2d. tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter
 * kernel, so the weight gradient is itself a forward conv2d: the padded input with batch and
 * channels swapped, filtered by dy dilated by the stride. The data gradient is
 * tf.conv2dTranspose (the Conv2DBackpropInput kernel). Pooling is in tfjs-pool.ts.
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { Buf, ConvGeom, ConvOps, PoolGeom } from './backend.ts';
import { checkConvGeom, convSizes } from './conv-geom.ts';
import type { TfStore } from './tfjs-memory.ts';

type T4 = tfjs.Tensor4D;

/** Rows of an axis that windows read and the padding after them (see cropped()). */
interface AxisFit {
  /** Input rows (or columns) kept: those below the last window's end. */
  keep: number;
  /** Padding after the kept rows, >= 0. */
  after: number;
}

// The geometry gives outH and padH but not the padding after the input, which is whatever makes
// the last window end at (outH-1)*stride + k - pad; input rows past that are never read.
function fit(size: number, k: number, stride: number, pad: number, out: number): AxisFit {
  const end = (out - 1) * stride + k - pad; // one past the last input row a window reaches
  return end >= size ? { keep: size, after: end - size } : { keep: Math.max(end, 0), after: 0 };
}

/** The conv family on tfjs: NCHW convolution, channel ops and batch norm. */
export class TfConvOps implements ConvOps {
  private readonly tf;

  constructor(private readonly s: TfStore) {
    this.tf = s.tf;
  }

  conv2d(x: Buf, w: Buf, y: Buf, g: ConvGeom): void {
    checkConvGeom(g, 'conv2d');
    const z = convSizes(g);
    this.s.buf(x, z.x, 'conv2d x');
    this.s.buf(w, z.w, 'conv2d w');
    this.s.buf(y, z.y, 'conv2d y');
    if (z.y === 0) return;
    const [fh, fw] = [fit(g.h, g.kh, g.strideH, g.padH, g.outH), fit(g.w, g.kw, g.strideW, g.padW, g.outW)];
    if (z.x === 0 || z.w === 0 || fh.keep === 0 || fw.keep === 0) return this.s.zero(y, z.y, false);
    const tf = this.tf;
    this.s.set(y, z.y, () => {
      const out = tf.conv2d(this.nhwc(x, g, fh, fw), this.hwio(w, g), [g.strideH, g.strideW], this.pads(g, fh, fw));
      return tf.transpose(out, [0, 3, 1, 2]);
    });
  }

  conv2dBackwardData(dy: Buf, w: Buf, dx: Buf, g: ConvGeom, accumulate: boolean): void {
    checkConvGeom(g, 'conv2dBackwardData');
    const z = convSizes(g);
    this.s.buf(dy, z.y, 'conv2dBackwardData dy');
    this.s.buf(w, z.w, 'conv2dBackwardData w');
    this.s.buf(dx, z.x, 'conv2dBackwardData dx');
    if (z.x === 0) return;
    const [fh, fw] = [fit(g.h, g.kh, g.strideH, g.padH, g.outH), fit(g.w, g.kw, g.strideW, g.padW, g.outW)];
    if (z.y === 0 || z.w === 0 || fh.keep === 0 || fw.keep === 0) return this.s.zero(dx, z.x, accumulate);
    const tf = this.tf;
    this.s.set(dx, z.x, () => {
      const dyN = tf.transpose(tf.reshape(this.s.in(dy, z.y, ''), [g.n, g.cout, g.outH, g.outW]), [0, 2, 3, 1]) as T4;
      const shape: [number, number, number, number] = [g.n, fh.keep, fw.keep, g.c];
      const part = tf.conv2dTranspose(dyN, this.hwio(w, g), shape, [g.strideH, g.strideW], this.pads(g, fh, fw));
      // rows and columns that no window reads get no gradient
      const full = tf.pad(part, [[0, 0], [0, g.h - fh.keep], [0, g.w - fw.keep], [0, 0]]);
      const d = tf.transpose(full, [0, 3, 1, 2]);
      return accumulate ? tf.add(tf.reshape(this.s.in(dx, z.x, ''), d.shape), d) : d;
    });
  }

  conv2dBackwardWeights(x: Buf, dy: Buf, dw: Buf, g: ConvGeom, accumulate: boolean): void {
    checkConvGeom(g, 'conv2dBackwardWeights');
    const z = convSizes(g);
    this.s.buf(x, z.x, 'conv2dBackwardWeights x');
    this.s.buf(dy, z.y, 'conv2dBackwardWeights dy');
    this.s.buf(dw, z.w, 'conv2dBackwardWeights dw');
    if (z.w === 0) return;
    const [fh, fw] = [fit(g.h, g.kh, g.strideH, g.padH, g.outH), fit(g.w, g.kw, g.strideW, g.padW, g.outW)];
    if (z.x === 0 || z.y === 0 || fh.keep === 0 || fw.keep === 0) return this.s.zero(dw, z.w, accumulate);
    const tf = this.tf;
    this.s.set(dw, z.w, () => {
      // dw[co, ci, a, b] = sum over i, oy, ox of xPadded[i, oy*sh + a, ox*sw + b, ci] * dy[i, oy, ox, co]:
      // a 'valid' conv of xPadded (batch <-> channels) with dy as an [outH, outW, n, cout] filter
      // dilated by the stride; the padded input is exactly (out-1)*stride + k rows tall.
      const xp = tf.pad(this.nhwc(x, g, fh, fw), this.pads(g, fh, fw));
      const xByChannel = tf.transpose(xp, [3, 1, 2, 0]) as T4;
      const dyFilter = tf.transpose(tf.reshape(this.s.in(dy, z.y, ''), [g.n, g.cout, g.outH, g.outW]), [2, 3, 0, 1]) as T4;
      const out = tf.conv2d(xByChannel, dyFilter, 1, 'valid', 'NHWC', [g.strideH, g.strideW]); // [c, kh, kw, cout]
      const d = tf.transpose(out, [3, 0, 1, 2]);
      return accumulate ? tf.add(tf.reshape(this.s.in(dw, z.w, ''), d.shape), d) : d;
    });
  }

  channelBiasAct(x: Buf, bias: Buf, y: Buf, n: number, c: number, plane: number, relu: boolean): void {
    const size = n * c * plane;
    this.s.buf(x, size, 'channelBiasAct x');
    this.s.buf(bias, c, 'channelBiasAct bias');
    this.s.buf(y, size, 'channelBiasAct y');
    if (size === 0) return;
    const tf = this.tf;
    this.s.set(y, size, () => {
      const v = tf.add(tf.reshape(this.s.in(x, size, ''), [n, c, plane]), tf.reshape(this.s.in(bias, c, ''), [1, c, 1]));
      return relu ? tf.where(tf.greater(v, 0), v, tf.zerosLike(v)) : v;
    });
  }

  channelSum(dy: Buf, db: Buf, n: number, c: number, plane: number, accumulate: boolean): void {
    this.s.buf(dy, n * c * plane, 'channelSum dy');
    this.s.buf(db, c, 'channelSum db');
    if (c === 0) return;
    if (n * plane === 0) return this.s.zero(db, c, accumulate);
    this.s.set(db, c, () => this.perChannel(dy, n, c, plane, accumulate ? db : null));
  }

  batchNormStats(x: Buf, mean: Buf, variance: Buf, n: number, c: number, plane: number): void {
    this.s.buf(x, n * c * plane, 'batchNormStats x');
    this.s.buf(mean, c, 'batchNormStats mean');
    this.s.buf(variance, c, 'batchNormStats variance');
    if (c === 0) return;
    if (n * plane === 0) {
      this.s.zero(mean, c, false);
      return this.s.zero(variance, c, false);
    }
    const tf = this.tf;
    const [m, v] = tf.tidy(() => {
      const X = tf.reshape(this.s.in(x, n * c * plane, ''), [n, c, plane]);
      const mu = tf.mean(X, [0, 2], true);
      return [tf.reshape(mu, [c]), tf.mean(tf.square(tf.sub(X, mu)), [0, 2])]; // two passes, as the reference
    });
    this.s.put(mean, c, m);
    this.s.put(variance, c, v);
  }

  batchNormForward(x: Buf, mean: Buf, variance: Buf, gamma: Buf, beta: Buf, y: Buf, n: number, c: number, plane: number, eps: number): void {
    const size = n * c * plane;
    this.s.buf(x, size, 'batchNormForward x');
    [mean, variance, gamma, beta].forEach((b, i) => this.s.buf(b, c, `batchNormForward ${['mean', 'variance', 'gamma', 'beta'][i]}`));
    this.s.buf(y, size, 'batchNormForward y');
    if (size === 0) return;
    const tf = this.tf;
    this.s.set(y, size, () => {
      const ch = (b: Buf) => tf.reshape(this.s.in(b, c, ''), [1, c, 1]);
      const xhat = tf.mul(tf.sub(tf.reshape(this.s.in(x, size, ''), [n, c, plane]), ch(mean)), tf.rsqrt(tf.add(ch(variance), eps)));
      return tf.add(tf.mul(ch(gamma), xhat), ch(beta));
    });
  }

  batchNormBackward(x: Buf, dy: Buf, mean: Buf, variance: Buf, gamma: Buf, dx: Buf, dgamma: Buf, dbeta: Buf,
    n: number, c: number, plane: number, eps: number, batchStats: boolean, accumulate: boolean): void {
    const size = n * c * plane;
    this.s.buf(x, size, 'batchNormBackward x');
    this.s.buf(dy, size, 'batchNormBackward dy');
    [mean, variance, gamma, dgamma, dbeta].forEach((b, i) => this.s.buf(b, c, `batchNormBackward ${['mean', 'variance', 'gamma', 'dgamma', 'dbeta'][i]}`));
    this.s.buf(dx, size, 'batchNormBackward dx');
    if (c === 0) return;
    if (size === 0) {
      this.s.zero(dgamma, c, false);
      return this.s.zero(dbeta, c, false);
    }
    const tf = this.tf;
    const count = n * plane;
    const [dg, db, d] = tf.tidy(() => {
      const ch = (b: Buf) => tf.reshape(this.s.in(b, c, ''), [1, c, 1]);
      const DY = tf.reshape(this.s.in(dy, size, ''), [n, c, plane]);
      const inv = tf.rsqrt(tf.add(ch(variance), eps));
      const xhat = tf.mul(tf.sub(tf.reshape(this.s.in(x, size, ''), [n, c, plane]), ch(mean)), inv);
      const sdy = tf.sum(DY, [0, 2], true);
      const sdyx = tf.sum(tf.mul(DY, xhat), [0, 2], true);
      const scale = tf.mul(ch(gamma), inv);
      let g = batchStats ? tf.div(tf.mul(scale, tf.sub(tf.sub(tf.mul(DY, count), sdy), tf.mul(xhat, sdyx))), count) : tf.mul(scale, DY);
      if (accumulate) g = tf.add(tf.reshape(this.s.in(dx, size, ''), [n, c, plane]), g);
      return [tf.reshape(sdyx, [c]), tf.reshape(sdy, [c]), g];
    });
    this.s.put(dgamma, c, dg);
    this.s.put(dbeta, c, db);
    this.s.put(dx, size, d);
  }

  // x [n, c, h, w] as NHWC, cropped to the rows and columns windows read; call inside tf.tidy.
  private nhwc(x: Buf, g: ConvGeom | PoolGeom, fh: AxisFit, fw: AxisFit): T4 {
    const tf = this.tf;
    let t = tf.transpose(tf.reshape(this.s.in(x, g.n * g.c * g.h * g.w, ''), [g.n, g.c, g.h, g.w]), [0, 2, 3, 1]) as T4;
    if (fh.keep < g.h || fw.keep < g.w) t = tf.slice(t, [0, 0, 0, 0], [g.n, fh.keep, fw.keep, g.c]);
    return t;
  }

  // w [cout, c, kh, kw] as tfjs's HWIO filter.
  private hwio(w: Buf, g: ConvGeom): T4 {
    return this.tf.transpose(this.tf.reshape(this.s.in(w, convSizes(g).w, ''), [g.cout, g.c, g.kh, g.kw]), [2, 3, 1, 0]) as T4;
  }

  // Explicit NHWC padding: the geometry's leading padding and whatever the output size implies after.
  private pads(g: PoolGeom, fh: AxisFit, fw: AxisFit): [[number, number], [number, number], [number, number], [number, number]] {
    return [[0, 0], [g.padH, fh.after], [g.padW, fw.after], [0, 0]];
  }

  // Per-channel sums of an [n, c, plane] buffer (+ acc when given), as a [c] tensor.
  private perChannel(b: Buf, n: number, c: number, plane: number, acc: Buf | null): tfjs.Tensor {
    const byChannel = this.tf.transpose(this.tf.reshape(this.s.in(b, n * c * plane, ''), [n, c, plane]), [1, 0, 2]);
    const s = blockedRowSum(this.tf, this.tf.reshape(byChannel, [c, n * plane]) as tfjs.Tensor2D);
    return acc ? this.tf.add(this.s.in(acc, c, ''), s) : s;
  }

}

const BLOCK = 64;
/**
 * Row sums in blocks of 64: tfjs sums a row in one float32 loop, whose error grows with its
 * length (a 4096-pixel channel missed the 1e-5 tolerance, a 784-wide rowSum too); summing block
 * sums keeps every float32 running sum short. Call inside tf.tidy.
 */
export function blockedRowSum(tf: TfStore['tf'], x: tfjs.Tensor2D): tfjs.Tensor1D {
  let t = x;
  while (t.shape[1] > BLOCK) {
    const [rows, len] = t.shape;
    const blocks = Math.ceil(len / BLOCK);
    const padded = tf.pad(t, [[0, 0], [0, blocks * BLOCK - len]]);
    t = tf.sum(tf.reshape(padded, [rows, blocks, BLOCK]), 2);
  }
  return tf.sum(t, 1);
}
