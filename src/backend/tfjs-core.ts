/**
 * The tfjs backend's core family: elementwise ops, reductions, GEMM, loss and optimizer steps as
 * tf ops. Reductions that return a JS number are read back and summed in float64, as the
 * contract asks.
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { AdamArgs, Buf, CoreOps, GemmLayout, SgdArgs } from './backend.ts';
import { GEMV_PANEL, gemvPackedSize } from './gemv-layout.ts';
import type { TfStore } from './tfjs-memory.ts';
import type { Tf } from './tfjs-init.ts';

/** Dense math on tfjs, over the store's buffers. */
export class TfCoreOps implements CoreOps {
  private readonly tf: Tf;

  constructor(private readonly s: TfStore) {
    this.tf = s.tf;
  }

  fill(y: Buf, value: number, n: number): void {
    this.s.buf(y, n, 'fill y');
    this.s.set(y, n, () => this.tf.fill([n], value));
  }
  copy(x: Buf, y: Buf, n: number): void {
    this.s.buf(x, n, 'copy x');
    this.s.buf(y, n, 'copy y');
    this.s.set(y, n, () => this.tf.clone(this.s.in(x, n, 'copy x'))); // a new tensor: y must not share x's
  }
  axpy(a: number, x: Buf, y: Buf, n: number): void {
    this.binary(x, y, y, n, 'axpy', ['x', 'y', 'y'], (p, q) => this.tf.add(this.tf.mul(p, a), q));
  }
  scale(x: Buf, s: number, y: Buf, n: number): void {
    this.s.buf(x, n, 'scale x');
    this.s.buf(y, n, 'scale y');
    this.s.set(y, n, () => this.tf.mul(this.s.in(x, n, 'scale x'), s));
  }
  mul(x: Buf, y: Buf, z: Buf, n: number): void {
    this.binary(x, y, z, n, 'mul', ['x', 'y', 'z'], (p, q) => this.tf.mul(p, q));
  }
  add(x: Buf, y: Buf, z: Buf, n: number): void {
    this.binary(x, y, z, n, 'add', ['x', 'y', 'z'], (p, q) => this.tf.add(p, q));
  }
  relu(x: Buf, y: Buf, n: number): void {
    this.s.buf(x, n, 'relu x');
    this.s.buf(y, n, 'relu y');
    this.s.set(y, n, () => this.reluOf(this.s.in(x, n, 'relu x')));
  }
  reluBackward(y: Buf, dy: Buf, dx: Buf, n: number, accumulate: boolean): void {
    const tf = this.tf;
    for (const [b, w] of [[y, 'y'], [dy, 'dy'], [dx, 'dx']] as const) this.s.buf(b, n, `reluBackward ${w}`);
    this.s.set(dx, n, () => {
      const g = tf.where(tf.greater(this.s.in(y, n, ''), 0), this.s.in(dy, n, ''), tf.zeros([n]));
      return accumulate ? tf.add(this.s.in(dx, n, ''), g) : g;
    });
  }
  sum(x: Buf, n: number): number {
    const xs = this.s.read(this.s.buf(x, n, 'sum x'));
    let s = 0;
    for (let i = 0; i < n; i++) s += xs[i];
    return s;
  }
  sumSquares(x: Buf, n: number): number {
    const xs = this.s.read(this.s.buf(x, n, 'sumSquares x'));
    let s = 0;
    for (let i = 0; i < n; i++) s += xs[i] * xs[i];
    return s;
  }

  gemm(layout: GemmLayout, m: number, n: number, k: number, a: Buf, b: Buf, c: Buf, accumulate: boolean): void {
    const tf = this.tf;
    this.s.buf(a, m * k, `gemm ${layout} a`);
    this.s.buf(b, k * n, `gemm ${layout} b`);
    this.s.buf(c, m * n, `gemm ${layout} c`);
    if (m * n === 0) return;
    if (k === 0) return this.s.zero(c, m * n, accumulate); // an empty sum; tfjs rejects zero-size operands
    this.s.set(c, m * n, () => {
      const A = tf.reshape(this.s.in(a, m * k, ''), layout === 'tn' ? [k, m] : [m, k]) as tfjs.Tensor2D;
      const B = tf.reshape(this.s.in(b, k * n, ''), layout === 'nt' ? [n, k] : [k, n]) as tfjs.Tensor2D;
      // tfjs-wasm 4.22 runs transposed matMuls as a plain loop (7x slower here): transpose first
      const prod = tf.matMul(layout === 'tn' ? tf.transpose(A) : A, layout === 'nt' ? tf.transpose(B) : B);
      return accumulate ? tf.add(tf.reshape(this.s.in(c, m * n, ''), [m, n]), prod) : prod;
    });
  }
  gemvPack(w: Buf, rows: number, cols: number, packed: Buf): void {
    const tf = this.tf;
    const size = gemvPackedSize(rows, cols);
    this.s.buf(w, rows * cols, 'gemvPack w');
    this.s.buf(packed, size, 'gemvPack packed');
    if (size === 0) return;
    this.s.set(packed, size, () => {
      const padded = tf.pad(tf.reshape(this.s.in(w, rows * cols, ''), [rows, cols]), [[0, size / cols - rows], [0, 0]]);
      return tf.transpose(tf.reshape(padded, [size / cols / GEMV_PANEL, GEMV_PANEL, cols]), [0, 2, 1]);
    });
  }
  gemv(packed: Buf, rows: number, cols: number, x: Buf, bias: Buf, relu: boolean, y: Buf): void {
    const tf = this.tf;
    const size = gemvPackedSize(rows, cols);
    this.s.buf(packed, size, 'gemv packed');
    this.s.buf(x, cols, 'gemv x');
    this.s.buf(bias, rows, 'gemv bias');
    this.s.buf(y, rows, 'gemv y');
    if (rows === 0) return;
    this.s.set(y, rows, () => {
      if (cols === 0) return relu ? this.reluOf(this.s.in(bias, rows, '')) : tf.clone(this.s.in(bias, rows, '')); // an empty sum
      const panels = tf.transpose(tf.reshape(this.s.in(packed, size, ''), [size / cols / GEMV_PANEL, cols, GEMV_PANEL]), [0, 2, 1]);
      const w = tf.slice(tf.reshape(panels, [size / cols, cols]), [0, 0], [rows, cols]) as tfjs.Tensor2D;
      const v = tf.add(tf.reshape(tf.matMul(w, tf.reshape(this.s.in(x, cols, ''), [cols, 1])), [rows]), this.s.in(bias, rows, ''));
      return relu ? this.reluOf(v) : v;
    });
  }
  biasAct(x: Buf, bias: Buf, y: Buf, m: number, n: number, relu: boolean): void {
    const tf = this.tf;
    this.s.buf(x, m * n, 'biasAct x');
    this.s.buf(bias, n, 'biasAct bias');
    this.s.buf(y, m * n, 'biasAct y');
    if (m * n === 0) return;
    this.s.set(y, m * n, () => {
      const v = tf.add(tf.reshape(this.s.in(x, m * n, ''), [m, n]), this.s.in(bias, n, ''));
      return relu ? this.reluOf(v) : v;
    });
  }
  colSum(dy: Buf, db: Buf, m: number, n: number, accumulate: boolean): void {
    const tf = this.tf;
    this.s.buf(dy, m * n, 'colSum dy');
    this.s.buf(db, n, 'colSum db');
    if (n === 0) return;
    if (m === 0) return this.s.zero(db, n, accumulate);
    this.s.set(db, n, () => {
      const s = tf.sum(tf.reshape(this.s.in(dy, m * n, ''), [m, n]), 0);
      return accumulate ? tf.add(this.s.in(db, n, ''), s) : s;
    });
  }

  softmaxXent(logits: Buf, labels: Buf, m: number, c: number, dlogits: Buf | null): number {
    const tf = this.tf;
    this.s.buf(logits, m * c, 'softmaxXent logits');
    const lab = this.s.read(this.s.buf(labels, m, 'softmaxXent labels'));
    if (dlogits) this.s.buf(dlogits, m * c, 'softmaxXent dlogits');
    if (m <= 0) return 0;
    let counted = 0; // rows with label >= 0
    for (let i = 0; i < m; i++) if (!(lab[i] < 0)) counted++;
    const [rows, grad] = tf.tidy((): tfjs.Tensor[] => {
      const X = tf.reshape(this.s.in(logits, m * c, ''), [m, c]);
      const mx = tf.max(X, 1, true);
      const e = tf.exp(tf.sub(X, mx));
      const s = tf.sum(e, 1, true);
      // compares floats like the reference's `j === label`: a non-integer label matches no class
      const onehot = tf.cast(tf.equal(tf.range(0, c).reshape([1, c]), tf.tensor2d(lab.subarray(0, m), [m, 1])), 'float32');
      const rows = tf.sub(tf.add(mx, tf.log(s)), tf.sum(tf.mul(X, onehot), 1, true));
      if (!dlogits) return [rows];
      if (counted === 0) return [rows, tf.zerosLike(e)];
      const g = tf.div(tf.sub(tf.div(e, s), onehot), counted);
      // rows with a negative label are ignored: their gradient is 0
      return [rows, counted === m ? g : tf.mul(g, tf.tensor2d(Float32Array.from(lab.subarray(0, m), (l) => (l < 0 ? 0 : 1)), [m, 1]))];
    });
    if (dlogits) this.s.put(dlogits, m * c, grad);
    const per = rows.dataSync();
    rows.dispose();
    if (counted === 0) return 0;
    let total = 0;
    for (let i = 0; i < m; i++) {
      if (lab[i] < 0) continue;
      const valid = Number.isInteger(lab[i]) && lab[i] < c;
      total += valid ? per[i] : NaN; // a bad label poisons the loss instead of reading another row
    }
    return total / counted;
  }
  countCorrect(logits: Buf, labels: Buf, m: number, c: number): number {
    const tf = this.tf;
    this.s.buf(logits, m * c, 'countCorrect logits');
    this.s.buf(labels, m, 'countCorrect labels');
    if (c <= 0 || m <= 0) return 0;
    const hits = tf.tidy(() => {
      // ArgMax keeps the first maximum, as the reference's scan does
      const arg = tf.cast(tf.argMax(tf.reshape(this.s.in(logits, m * c, ''), [m, c]), 1), 'float32');
      return tf.sum(tf.cast(tf.equal(arg, this.s.in(labels, m, '')), 'float32'));
    });
    const count = hits.dataSync()[0];
    hits.dispose();
    return count;
  }

  adam(w: Buf, g: Buf, m1: Buf, m2: Buf, mask: Buf | null, n: number, o: AdamArgs): void {
    const tf = this.tf;
    for (const [b, what] of [[w, 'w'], [g, 'g'], [m1, 'm1'], [m2, 'm2']] as const) this.s.buf(b, n, `adam ${what}`);
    if (mask) this.s.buf(mask, n, 'adam mask');
    if (n === 0) return;
    const [W, A, B] = tf.tidy(() => {
      const W0 = this.s.in(w, n, '');
      const gi = tf.add(this.s.in(g, n, ''), tf.mul(W0, o.weightDecay));
      const A1 = tf.add(tf.mul(this.s.in(m1, n, ''), o.beta1), tf.mul(gi, 1 - o.beta1));
      const B1 = tf.add(tf.mul(this.s.in(m2, n, ''), o.beta2), tf.mul(tf.square(gi), 1 - o.beta2));
      const step = tf.div(tf.mul(tf.div(A1, o.bc1), o.lr), tf.add(tf.sqrt(tf.div(B1, o.bc2)), o.eps));
      return this.masked(mask, n, [tf.sub(W0, step), A1, B1]);
    });
    this.s.put(w, n, W);
    this.s.put(m1, n, A);
    this.s.put(m2, n, B);
  }
  sgd(w: Buf, g: Buf, vel: Buf, mask: Buf | null, n: number, o: SgdArgs): void {
    const tf = this.tf;
    for (const [b, what] of [[w, 'w'], [g, 'g'], [vel, 'vel']] as const) this.s.buf(b, n, `sgd ${what}`);
    if (mask) this.s.buf(mask, n, 'sgd mask');
    if (n === 0) return;
    const [W, V] = tf.tidy(() => {
      const W0 = this.s.in(w, n, '');
      const gi = tf.add(this.s.in(g, n, ''), tf.mul(W0, o.weightDecay));
      const V1 = tf.add(tf.mul(this.s.in(vel, n, ''), o.momentum), gi);
      const dir = o.nesterov ? tf.add(gi, tf.mul(V1, o.momentum)) : V1;
      return this.masked(mask, n, [tf.sub(W0, tf.mul(dir, o.lr)), V1]);
    });
    this.s.put(w, n, W);
    this.s.put(vel, n, V);
  }

  // z = f(x, y) over n elements, after checking all three (names in `args`) like the reference.
  private binary(x: Buf, y: Buf, z: Buf, n: number, op: string, args: [string, string, string], f: (p: tfjs.Tensor, q: tfjs.Tensor) => tfjs.Tensor): void {
    [x, y, z].forEach((b, i) => this.s.buf(b, n, `${op} ${args[i]}`));
    this.s.set(z, n, () => f(this.s.in(x, n, ''), this.s.in(y, n, '')));
  }

  // ReLU as the reference writes it: `v > 0 ? v : +0`, so -0 and NaN become +0 (tf.relu keeps NaN).
  private reluOf(v: tfjs.Tensor): tfjs.Tensor {
    return this.tf.where(this.tf.greater(v, 0), v, this.tf.zerosLike(v));
  }

  // Pruned entries (mask 0) of every tensor in `ts` become exactly +0; call inside tf.tidy.
  private masked(mask: Buf | null, n: number, ts: tfjs.Tensor[]): tfjs.Tensor[] {
    if (!mask) return ts;
    const keep = this.tf.notEqual(this.s.in(mask, n, ''), 0);
    const zeros = this.tf.zeros([n]);
    return ts.map((t) => this.tf.where(keep, t, zeros));
  }
}
