/**
 * The js reference backend's core family: elementwise ops, reductions, GEMM, loss and optimizer
 * steps, each written in the most obviously-correct way with float64 accumulation.
 */
import type { AdamArgs, Buf, CoreOps, GemmLayout, SgdArgs } from './backend.ts';
import { gemvPackRef, gemvPackedSize, gemvRef } from './gemv-layout.ts';
import { arr } from './js-memory.ts';

/** Dense math of the js backend. */
export class JsCore implements CoreOps {
  fill(y: Buf, value: number, n: number): void {
    arr(y, n, 'fill y').fill(value, 0, n);
  }
  copy(x: Buf, y: Buf, n: number): void {
    const xs = arr(x, n, 'copy x'), ys = arr(y, n, 'copy y');
    for (let i = 0; i < n; i++) ys[i] = xs[i];
  }
  axpy(a: number, x: Buf, y: Buf, n: number): void {
    const xs = arr(x, n, 'axpy x'), ys = arr(y, n, 'axpy y');
    for (let i = 0; i < n; i++) ys[i] = a * xs[i] + ys[i];
  }
  scale(x: Buf, s: number, y: Buf, n: number): void {
    const xs = arr(x, n, 'scale x'), ys = arr(y, n, 'scale y');
    for (let i = 0; i < n; i++) ys[i] = xs[i] * s;
  }
  mul(x: Buf, y: Buf, z: Buf, n: number): void {
    const xs = arr(x, n, 'mul x'), ys = arr(y, n, 'mul y'), zs = arr(z, n, 'mul z');
    for (let i = 0; i < n; i++) zs[i] = xs[i] * ys[i];
  }
  add(x: Buf, y: Buf, z: Buf, n: number): void {
    const xs = arr(x, n, 'add x'), ys = arr(y, n, 'add y'), zs = arr(z, n, 'add z');
    for (let i = 0; i < n; i++) zs[i] = xs[i] + ys[i];
  }
  relu(x: Buf, y: Buf, n: number): void {
    const xs = arr(x, n, 'relu x'), ys = arr(y, n, 'relu y');
    for (let i = 0; i < n; i++) ys[i] = xs[i] > 0 ? xs[i] : 0;
  }
  reluBackward(y: Buf, dy: Buf, dx: Buf, n: number, accumulate: boolean): void {
    const ys = arr(y, n, 'reluBackward y'), dys = arr(dy, n, 'reluBackward dy'), dxs = arr(dx, n, 'reluBackward dx');
    for (let i = 0; i < n; i++) {
      const g = ys[i] > 0 ? dys[i] : 0;
      dxs[i] = accumulate ? dxs[i] + g : g;
    }
  }
  sum(x: Buf, n: number): number {
    const xs = arr(x, n, 'sum x');
    let s = 0;
    for (let i = 0; i < n; i++) s += xs[i];
    return s;
  }
  sumSquares(x: Buf, n: number): number {
    const xs = arr(x, n, 'sumSquares x');
    let s = 0;
    for (let i = 0; i < n; i++) s += xs[i] * xs[i];
    return s;
  }

  gemm(layout: GemmLayout, m: number, n: number, k: number, a: Buf, b: Buf, c: Buf, accumulate: boolean): void {
    const as = arr(a, m * k, `gemm ${layout} a`), bs = arr(b, k * n, `gemm ${layout} b`);
    const cs = arr(c, m * n, `gemm ${layout} c`);
    // Element strides spell out the three layouts of backend.ts: A(i,p) and B(p,j).
    const [ars, aps] = layout === 'tn' ? [1, m] : [k, 1];
    const [bps, bjs] = layout === 'nt' ? [1, k] : [n, 1];
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) s += as[i * ars + p * aps] * bs[p * bps + j * bjs];
        cs[i * n + j] = accumulate ? cs[i * n + j] + s : s;
      }
    }
  }
  gemvPack(w: Buf, rows: number, cols: number, packed: Buf): void {
    gemvPackRef(arr(w, rows * cols, 'gemvPack w'), rows, cols, arr(packed, gemvPackedSize(rows, cols), 'gemvPack packed'));
  }
  gemv(packed: Buf, rows: number, cols: number, x: Buf, bias: Buf, relu: boolean, y: Buf): void {
    gemvRef(arr(packed, gemvPackedSize(rows, cols), 'gemv packed'), rows, cols, arr(x, cols, 'gemv x'), arr(bias, rows, 'gemv bias'), relu, arr(y, rows, 'gemv y'));
  }
  biasAct(x: Buf, bias: Buf, y: Buf, m: number, n: number, relu: boolean): void {
    const xs = arr(x, m * n, 'biasAct x'), bs = arr(bias, n, 'biasAct bias'), ys = arr(y, m * n, 'biasAct y');
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        const v = Math.fround(xs[i * n + j] + bs[j]);
        ys[i * n + j] = relu && !(v > 0) ? 0 : v;
      }
    }
  }
  colSum(dy: Buf, db: Buf, m: number, n: number, accumulate: boolean): void {
    const ds = arr(dy, m * n, 'colSum dy'), bs = arr(db, n, 'colSum db');
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let i = 0; i < m; i++) s += ds[i * n + j];
      bs[j] = accumulate ? bs[j] + s : s;
    }
  }

  softmaxXent(logits: Buf, labels: Buf, m: number, c: number, dlogits: Buf | null): number {
    const xs = arr(logits, m * c, 'softmaxXent logits'), ls = arr(labels, m, 'softmaxXent labels');
    const ds = dlogits ? arr(dlogits, m * c, 'softmaxXent dlogits') : null;
    if (m <= 0) return 0;
    // rows with a negative label are ignored: the mean is over the rest
    let counted = 0;
    for (let i = 0; i < m; i++) if (!(ls[i] < 0)) counted++;
    let total = 0;
    for (let i = 0; i < m; i++) {
      if (ls[i] < 0) {
        if (ds) ds.fill(0, i * c, i * c + c);
        continue;
      }
      const row = xs.subarray(i * c, i * c + c);
      let mx = row[0];
      for (let j = 1; j < c; j++) mx = Math.max(mx, row[j]);
      let s = 0;
      for (let j = 0; j < c; j++) s += Math.exp(row[j] - mx);
      const label = ls[i];
      const valid = Number.isInteger(label) && label >= 0 && label < c;
      total += valid ? mx + Math.log(s) - row[label] : NaN;
      if (ds) for (let j = 0; j < c; j++) ds[i * c + j] = (Math.exp(row[j] - mx) / s - (j === label ? 1 : 0)) / counted;
    }
    return counted > 0 ? total / counted : 0;
  }
  countCorrect(logits: Buf, labels: Buf, m: number, c: number): number {
    const xs = arr(logits, m * c, 'countCorrect logits'), ls = arr(labels, m, 'countCorrect labels');
    if (c <= 0) return 0;
    let correct = 0;
    for (let i = 0; i < m; i++) {
      let arg = 0;
      for (let j = 1; j < c; j++) if (xs[i * c + j] > xs[i * c + arg]) arg = j;
      if (arg === ls[i]) correct++; // a negative label (ignored row) matches no argmax
    }
    return correct;
  }

  adam(w: Buf, g: Buf, m1: Buf, m2: Buf, mask: Buf | null, n: number, o: AdamArgs): void {
    const ws = arr(w, n, 'adam w'), gs = arr(g, n, 'adam g'), as = arr(m1, n, 'adam m1'), bs = arr(m2, n, 'adam m2');
    const ms = mask ? arr(mask, n, 'adam mask') : null;
    for (let i = 0; i < n; i++) {
      if (ms && ms[i] === 0) {
        ws[i] = as[i] = bs[i] = 0;
        continue;
      }
      const gi = gs[i] + o.weightDecay * ws[i];
      as[i] = o.beta1 * as[i] + (1 - o.beta1) * gi;
      bs[i] = o.beta2 * bs[i] + (1 - o.beta2) * gi * gi;
      ws[i] = ws[i] - (o.lr * (as[i] / o.bc1)) / (Math.sqrt(bs[i] / o.bc2) + o.eps);
    }
  }
  sgd(w: Buf, g: Buf, vel: Buf, mask: Buf | null, n: number, o: SgdArgs): void {
    const ws = arr(w, n, 'sgd w'), gs = arr(g, n, 'sgd g'), vs = arr(vel, n, 'sgd vel');
    const ms = mask ? arr(mask, n, 'sgd mask') : null;
    for (let i = 0; i < n; i++) {
      if (ms && ms[i] === 0) {
        ws[i] = vs[i] = 0;
        continue;
      }
      const gi = gs[i] + o.weightDecay * ws[i];
      vs[i] = o.momentum * vs[i] + gi;
      ws[i] = ws[i] - o.lr * (o.nesterov ? gi + o.momentum * vs[i] : vs[i]);
    }
  }
}
