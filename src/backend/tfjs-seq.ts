/**
 * The tfjs backend's seq family (transformer ops) as tf ops: gather and scatterND for the
 * embedding, a batched matMul, transpose for the axis swap, and the softmaxes, LayerNorm, GELU and
 * tanh written out in tensor ops. Ids are read on the host and checked (a bad one would gather garbage).
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { Buf, GemmLayout, SeqOps } from './backend.ts';
import { GELU_A, GELU_C, checkIds } from './seq-common.ts';
import type { TfStore } from './tfjs-memory.ts';
import type { Tf } from './tfjs-init.ts';

/** Transformer ops on tfjs, over the store's buffers. */
export class TfSeqOps implements SeqOps {
  private readonly tf: Tf;

  constructor(private readonly s: TfStore) {
    this.tf = s.tf;
  }

  // The first n ids as an int32 tensor (call inside tf.tidy), after checking they are rows of `rows`.
  private ids(ids: Buf, n: number, rows: number, what: string): Int32Array {
    const host = this.s.read(this.s.buf(ids, n, `${what} ids`)).subarray(0, n);
    checkIds(host, n, rows, what);
    return Int32Array.from(host);
  }

  embedGather(table: Buf, ids: Buf, out: Buf, n: number, dim: number): void {
    const tf = this.tf;
    this.s.buf(table, 0, 'embedGather table');
    this.s.buf(ids, n, 'embedGather ids');
    this.s.buf(out, n * dim, 'embedGather out');
    if (n * dim === 0) return;
    const V = Math.floor(table.length / dim);
    const idx = this.ids(ids, n, V, 'embedGather');
    this.s.set(out, n * dim, () => tf.gather(tf.reshape(this.s.in(table, V * dim, ''), [V, dim]), tf.tensor1d(idx, 'int32')));
  }
  embedScatterAdd(dOut: Buf, ids: Buf, dTable: Buf, n: number, dim: number): void {
    const tf = this.tf;
    this.s.buf(dOut, n * dim, 'embedScatterAdd dOut');
    this.s.buf(ids, n, 'embedScatterAdd ids');
    this.s.buf(dTable, 0, 'embedScatterAdd dTable');
    if (n * dim === 0) return;
    const V = Math.floor(dTable.length / dim);
    const idx = this.ids(ids, n, V, 'embedScatterAdd');
    this.s.set(dTable, V * dim, () => {
      // scatterND sums the updates of repeated ids (tfjs-wasm has no UnsortedSegmentSum)
      const sums = tf.scatterND(tf.tensor2d(idx, [n, 1], 'int32'), tf.reshape(this.s.in(dOut, n * dim, ''), [n, dim]), [V, dim]);
      return tf.add(tf.reshape(this.s.in(dTable, V * dim, ''), [V, dim]), sums);
    });
  }
  bmm(layout: GemmLayout, batch: number, m: number, n: number, k: number, a: Buf, b: Buf, c: Buf, accumulate: boolean): void {
    const tf = this.tf;
    this.s.buf(a, batch * m * k, `bmm ${layout} a`);
    this.s.buf(b, batch * k * n, `bmm ${layout} b`);
    this.s.buf(c, batch * m * n, `bmm ${layout} c`);
    const size = batch * m * n;
    if (size === 0) return;
    if (k === 0) return this.s.zero(c, size, accumulate); // an empty sum; tfjs rejects zero-size operands
    this.s.set(c, size, () => {
      const A = tf.reshape(this.s.in(a, batch * m * k, ''), layout === 'tn' ? [batch, k, m] : [batch, m, k]) as tfjs.Tensor3D;
      const B = tf.reshape(this.s.in(b, batch * k * n, ''), layout === 'nt' ? [batch, n, k] : [batch, k, n]) as tfjs.Tensor3D;
      // tfjs-wasm runs transposed matMuls as a plain loop (tfjs-core.ts): transpose first
      const prod = tf.matMul(layout === 'tn' ? tf.transpose(A, [0, 2, 1]) : A, layout === 'nt' ? tf.transpose(B, [0, 2, 1]) : B);
      return accumulate ? tf.add(tf.reshape(this.s.in(c, size, ''), [batch, m, n]), prod) : prod;
    });
  }
  swapAxes12(x: Buf, y: Buf, d0: number, d1: number, d2: number, d3: number): void {
    const size = d0 * d1 * d2 * d3;
    this.s.buf(x, size, 'swapAxes12 x');
    this.s.buf(y, size, 'swapAxes12 y');
    if (size === 0) return;
    this.s.set(y, size, () => this.tf.transpose(this.tf.reshape(this.s.in(x, size, ''), [d0, d1, d2, d3]), [0, 2, 1, 3]));
  }
  padMask(ids: Buf, mask: Buf, n: number): void {
    this.s.buf(ids, n, 'padMask ids');
    this.s.buf(mask, n, 'padMask mask');
    if (n === 0) return;
    this.s.set(mask, n, () => this.tf.cast(this.tf.notEqual(this.s.in(ids, n, ''), 0), 'float32'));
  }
  attnSoftmax(x: Buf, keyMask: Buf | null, y: Buf, batch: number, heads: number, sq: number, sk: number, scale: number): void {
    const tf = this.tf;
    const size = batch * heads * sq * sk;
    this.s.buf(x, size, 'attnSoftmax x');
    this.s.buf(y, size, 'attnSoftmax y');
    if (keyMask) this.s.buf(keyMask, batch * sk, 'attnSoftmax keyMask');
    if (size === 0) return;
    const shape = [batch, heads, sq, sk];
    this.s.set(y, size, () => {
      const X = tf.mul(tf.reshape(this.s.in(x, size, ''), shape), scale);
      // keep [batch, 1, 1, sk] is 1 or 0 per key, broadcast by add and mul (a broadcast tf.where
      // over the scores is ~30x slower on tfjs-wasm): excluded keys' scores drop by 1e30 so that
      // the row maximum is a kept key's, and their exponentials are multiplied by 0
      const keep = keyMask ? tf.cast(tf.notEqual(tf.reshape(this.s.in(keyMask, batch * sk, ''), [batch, 1, 1, sk]), 0), 'float32') : null;
      const Z = keep ? tf.add(X, tf.mul(tf.sub(keep, 1), 1e30)) : X;
      const mx = tf.max(Z, -1, true);
      const e0 = tf.exp(tf.sub(Z, mx));
      const e = keep ? tf.mul(e0, keep) : e0;
      const s = tf.sum(e, -1, true);
      return tf.div(e, tf.where(tf.equal(s, 0), tf.onesLike(s), s)); // a row with no key left: 0 / 1
    });
  }
  softmaxBackward(y: Buf, dy: Buf, dx: Buf, rows: number, cols: number, scale: number, accumulate: boolean): void {
    const tf = this.tf;
    const size = rows * cols;
    for (const [b, w] of [[y, 'y'], [dy, 'dy'], [dx, 'dx']] as const) this.s.buf(b, size, `softmaxBackward ${w}`);
    if (size === 0) return;
    this.s.set(dx, size, () => {
      const Y = tf.reshape(this.s.in(y, size, ''), [rows, cols]);
      const D = tf.reshape(this.s.in(dy, size, ''), [rows, cols]);
      const g = tf.mul(tf.mul(Y, scale), tf.sub(D, tf.sum(tf.mul(D, Y), 1, true)));
      return accumulate ? tf.add(tf.reshape(this.s.in(dx, size, ''), [rows, cols]), g) : g;
    });
  }
  layerNorm(x: Buf, gamma: Buf, beta: Buf, y: Buf, mean: Buf, rstd: Buf, rows: number, cols: number, eps: number): void {
    const tf = this.tf;
    const size = rows * cols;
    for (const [b, n, w] of [[x, size, 'x'], [gamma, cols, 'gamma'], [beta, cols, 'beta'], [y, size, 'y'], [mean, rows, 'mean'], [rstd, rows, 'rstd']] as const) {
      this.s.buf(b, n, `layerNorm ${w}`);
    }
    if (rows === 0) return;
    if (cols === 0) {
      // an empty row: mean 0, variance 0
      this.s.set(mean, rows, () => tf.zeros([rows]));
      this.s.set(rstd, rows, () => tf.fill([rows], 1 / Math.sqrt(eps)));
      return;
    }
    const [Y, M, R] = tf.tidy(() => {
      const X = tf.reshape(this.s.in(x, size, ''), [rows, cols]);
      const mu = tf.mean(X, 1, true);
      const d = tf.sub(X, mu);
      const rs = tf.rsqrt(tf.add(tf.mean(tf.square(d), 1, true), eps));
      return [tf.add(tf.mul(tf.mul(d, rs), this.s.in(gamma, cols, '')), this.s.in(beta, cols, '')), mu, rs];
    });
    this.s.put(y, size, Y);
    this.s.put(mean, rows, M);
    this.s.put(rstd, rows, R);
  }
  layerNormBackward(x: Buf, dy: Buf, mean: Buf, rstd: Buf, gamma: Buf, dx: Buf, dgamma: Buf, dbeta: Buf, rows: number, cols: number, accumulate: boolean): void {
    const tf = this.tf;
    const size = rows * cols;
    for (const [b, n, w] of [[x, size, 'x'], [dy, size, 'dy'], [mean, rows, 'mean'], [rstd, rows, 'rstd'], [gamma, cols, 'gamma'],
      [dx, size, 'dx'], [dgamma, cols, 'dgamma'], [dbeta, cols, 'dbeta']] as const) this.s.buf(b, n, `layerNormBackward ${w}`);
    if (cols === 0) return;
    if (rows === 0) {
      this.s.zero(dgamma, cols, accumulate);
      this.s.zero(dbeta, cols, accumulate);
      return;
    }
    const [DX, DG, DB] = tf.tidy(() => {
      const D = tf.reshape(this.s.in(dy, size, ''), [rows, cols]);
      const rs = tf.reshape(this.s.in(rstd, rows, ''), [rows, 1]);
      const xhat = tf.mul(tf.sub(tf.reshape(this.s.in(x, size, ''), [rows, cols]), tf.reshape(this.s.in(mean, rows, ''), [rows, 1])), rs);
      const G = tf.mul(D, this.s.in(gamma, cols, ''));
      const dxv = tf.mul(rs, tf.sub(tf.sub(G, tf.mean(G, 1, true)), tf.mul(xhat, tf.mean(tf.mul(G, xhat), 1, true))));
      const dg = tf.sum(tf.mul(D, xhat), 0);
      const db = tf.sum(D, 0);
      if (!accumulate) return [dxv, dg, db];
      return [tf.add(tf.reshape(this.s.in(dx, size, ''), [rows, cols]), dxv), tf.add(this.s.in(dgamma, cols, ''), dg), tf.add(this.s.in(dbeta, cols, ''), db)];
    });
    this.s.put(dx, size, DX);
    this.s.put(dgamma, cols, DG);
    this.s.put(dbeta, cols, DB);
  }
  gelu(x: Buf, y: Buf, n: number): void {
    this.s.buf(x, n, 'gelu x');
    this.s.buf(y, n, 'gelu y');
    if (n === 0) return;
    this.s.set(y, n, () => {
      const X = this.s.in(x, n, '');
      return this.tf.mul(this.tf.mul(X, 0.5), this.tf.add(this.geluTanh(X), 1));
    });
  }
  geluBackward(x: Buf, dy: Buf, dx: Buf, n: number, accumulate: boolean): void {
    const tf = this.tf;
    for (const [b, w] of [[x, 'x'], [dy, 'dy'], [dx, 'dx']] as const) this.s.buf(b, n, `geluBackward ${w}`);
    if (n === 0) return;
    this.s.set(dx, n, () => {
      // past |x| 20 the derivative is exactly 0 or 1 in float32; clamping keeps x^2 finite there
      const X = tf.clipByValue(this.s.in(x, n, ''), -20, 20);
      const t = this.geluTanh(X);
      const du = tf.mul(tf.add(tf.mul(tf.square(X), 3 * GELU_A), 1), GELU_C);
      const d = tf.add(tf.mul(tf.add(t, 1), 0.5), tf.mul(tf.mul(tf.mul(X, 0.5), tf.sub(1, tf.square(t))), du));
      const g = tf.mul(this.s.in(dy, n, ''), d);
      return accumulate ? tf.add(this.s.in(dx, n, ''), g) : g;
    });
  }
  tanh(x: Buf, y: Buf, n: number): void {
    this.s.buf(x, n, 'tanh x');
    this.s.buf(y, n, 'tanh y');
    if (n === 0) return;
    this.s.set(y, n, () => this.tf.tanh(this.s.in(x, n, '')));
  }
  tanhBackward(y: Buf, dy: Buf, dx: Buf, n: number, accumulate: boolean): void {
    const tf = this.tf;
    for (const [b, w] of [[y, 'y'], [dy, 'dy'], [dx, 'dx']] as const) this.s.buf(b, n, `tanhBackward ${w}`);
    if (n === 0) return;
    this.s.set(dx, n, () => {
      const g = tf.mul(this.s.in(dy, n, ''), tf.sub(1, tf.square(this.s.in(y, n, ''))));
      return accumulate ? tf.add(this.s.in(dx, n, ''), g) : g;
    });
  }

  // tanh(sqrt(2/pi)(x + 0.044715x^3)), the GELU approximation's inner term (inside tf.tidy).
  private geluTanh(X: tfjs.Tensor): tfjs.Tensor {
    const tf = this.tf;
    return tf.tanh(tf.mul(tf.mul(X, GELU_C), tf.add(tf.mul(tf.square(X), GELU_A), 1)));
  }
}
