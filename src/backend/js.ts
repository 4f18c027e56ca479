/**
 * The reference backend: every op written in the most obviously-correct way, with float64
 * accumulation. It is the oracle the other backends are tested against, not a fast path.
 */
import type { AdamArgs, Backend, Buf, ConvGeom, GemmLayout, PoolGeom, SgdArgs } from './backend.ts';
import { need } from './check.ts';
import { checkConvGeom, checkPoolGeom, convSizes, poolSizes } from './conv-geom.ts';
import * as ref from './js-conv.ts';
import type { CsrIndex, IntBuf } from './backend.ts';
import * as sp from './js-sparse.ts';
import * as sc from './js-sparse-conv.ts';
import { checkSparseConv } from './sparse-conv-geom.ts';
import { ScratchRegions } from './scratch-regions.ts';

/** A js-backend buffer: a Float32Array plus a liveness flag that catches use after free/reset. */
export class JsBuf implements Buf {
  live = true;
  constructor(readonly data: Float32Array) {}
  get length(): number {
    return this.data.length;
  }
}

// Unwraps a buffer, rejecting foreign, freed, reset or too-short ones (the oracle is strict).
function arr(b: Buf, n = 0, what = ''): Float32Array {
  if (!(b instanceof JsBuf)) throw new Error('js backend: buffer belongs to another backend');
  if (!b.live) throw new Error('js backend: buffer used after free() or resetScratch()');
  need(b, n, what);
  return b.data;
}

/** The plain-TypeScript backend. */
export class JsBackend implements Backend {
  readonly name = 'js';
  private liveBytes = 0;
  private readonly scratchBufs = new ScratchRegions<JsBuf>((b) => {
    b.live = false;
    this.liveBytes -= b.length * 4;
  });

  alloc(n: number): Buf {
    this.liveBytes += n * 4;
    return new JsBuf(new Float32Array(n));
  }
  free(b: Buf): void {
    arr(b);
    (b as JsBuf).live = false;
    this.liveBytes -= b.length * 4;
  }
  scratch(n: number): Buf {
    this.liveBytes += n * 4;
    return this.scratchBufs.add(new JsBuf(new Float32Array(n)));
  }
  resetScratch(): void {
    this.scratchBufs.resetAll();
  }
  scratchRegion(r: 0 | 1, reset: boolean): void {
    this.scratchBufs.select(r, reset);
  }
  scratchPeak(): number {
    return this.scratchBufs.peak;
  }
  read(b: Buf, out?: Float32Array): Float32Array {
    const src = arr(b);
    const dst = out ?? new Float32Array(src.length);
    if (dst.length !== src.length) throw new Error(`read: out has ${dst.length} elements, buffer ${src.length}`);
    dst.set(src);
    return dst;
  }
  write(b: Buf, src: ArrayLike<number>, offset = 0): void {
    arr(b).set(src, offset);
  }
  memoryBytes(): number {
    return this.liveBytes;
  }

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

  conv2d(x: Buf, w: Buf, y: Buf, g: ConvGeom): void {
    checkConvGeom(g, 'conv2d');
    const z = convSizes(g);
    ref.conv2dRef(arr(x, z.x, 'conv2d x'), arr(w, z.w, 'conv2d w'), arr(y, z.y, 'conv2d y'), g);
  }
  conv2dBackwardData(dy: Buf, w: Buf, dx: Buf, g: ConvGeom, accumulate: boolean): void {
    checkConvGeom(g, 'conv2dBackwardData');
    const z = convSizes(g);
    ref.conv2dBackwardDataRef(arr(dy, z.y, 'conv2dBackwardData dy'), arr(w, z.w, 'conv2dBackwardData w'), arr(dx, z.x, 'conv2dBackwardData dx'), g, accumulate);
  }
  conv2dBackwardWeights(x: Buf, dy: Buf, dw: Buf, g: ConvGeom, accumulate: boolean): void {
    checkConvGeom(g, 'conv2dBackwardWeights');
    const z = convSizes(g);
    ref.conv2dBackwardWeightsRef(arr(x, z.x, 'conv2dBackwardWeights x'), arr(dy, z.y, 'conv2dBackwardWeights dy'), arr(dw, z.w, 'conv2dBackwardWeights dw'), g, accumulate);
  }
  channelBiasAct(x: Buf, bias: Buf, y: Buf, n: number, c: number, plane: number, relu: boolean): void {
    const size = n * c * plane;
    ref.channelBiasActRef(arr(x, size, 'channelBiasAct x'), arr(bias, c, 'channelBiasAct bias'), arr(y, size, 'channelBiasAct y'), n, c, plane, relu);
  }
  channelSum(dy: Buf, db: Buf, n: number, c: number, plane: number, accumulate: boolean): void {
    ref.channelSumRef(arr(dy, n * c * plane, 'channelSum dy'), arr(db, c, 'channelSum db'), n, c, plane, accumulate);
  }
  maxPool2d(x: Buf, y: Buf, g: PoolGeom): void {
    checkPoolGeom(g, 'maxPool2d');
    const z = poolSizes(g);
    ref.maxPool2dRef(arr(x, z.x, 'maxPool2d x'), arr(y, z.y, 'maxPool2d y'), g);
  }
  maxPool2dBackward(x: Buf, dy: Buf, dx: Buf, g: PoolGeom, accumulate: boolean): void {
    checkPoolGeom(g, 'maxPool2dBackward');
    const z = poolSizes(g);
    ref.maxPool2dBackwardRef(arr(x, z.x, 'maxPool2dBackward x'), arr(dy, z.y, 'maxPool2dBackward dy'), arr(dx, z.x, 'maxPool2dBackward dx'), g, accumulate);
  }
  globalAvgPool(x: Buf, y: Buf, nc: number, plane: number): void {
    ref.globalAvgPoolRef(arr(x, nc * plane, 'globalAvgPool x'), arr(y, nc, 'globalAvgPool y'), nc, plane);
  }
  globalAvgPoolBackward(dy: Buf, dx: Buf, nc: number, plane: number, accumulate: boolean): void {
    ref.globalAvgPoolBackwardRef(arr(dy, nc, 'globalAvgPoolBackward dy'), arr(dx, nc * plane, 'globalAvgPoolBackward dx'), nc, plane, accumulate);
  }
  batchNormStats(x: Buf, mean: Buf, variance: Buf, n: number, c: number, plane: number): void {
    ref.batchNormStatsRef(arr(x, n * c * plane, 'batchNormStats x'), arr(mean, c, 'batchNormStats mean'), arr(variance, c, 'batchNormStats variance'), n, c, plane);
  }
  batchNormForward(x: Buf, mean: Buf, variance: Buf, gamma: Buf, beta: Buf, y: Buf, n: number, c: number, plane: number, eps: number): void {
    const size = n * c * plane;
    const [m, v, ga, be] = [mean, variance, gamma, beta].map((b, i) => arr(b, c, `batchNormForward ${['mean', 'variance', 'gamma', 'beta'][i]}`));
    ref.batchNormForwardRef(arr(x, size, 'batchNormForward x'), m, v, ga, be, arr(y, size, 'batchNormForward y'), n, c, plane, eps);
  }
  batchNormBackward(x: Buf, dy: Buf, mean: Buf, variance: Buf, gamma: Buf, dx: Buf, dgamma: Buf, dbeta: Buf,
    n: number, c: number, plane: number, eps: number, batchStats: boolean, accumulate: boolean): void {
    const size = n * c * plane;
    const [m, v, ga, dg, db] = [mean, variance, gamma, dgamma, dbeta].map((b, i) => arr(b, c, `batchNormBackward ${['mean', 'variance', 'gamma', 'dgamma', 'dbeta'][i]}`));
    ref.batchNormBackwardRef(arr(x, size, 'batchNormBackward x'), arr(dy, size, 'batchNormBackward dy'), m, v, ga,
      arr(dx, size, 'batchNormBackward dx'), dg, db, n, c, plane, eps, batchStats, accumulate);
  }

  softmaxXent(logits: Buf, labels: Buf, m: number, c: number, dlogits: Buf | null): number {
    const xs = arr(logits, m * c, 'softmaxXent logits'), ls = arr(labels, m, 'softmaxXent labels');
    const ds = dlogits ? arr(dlogits, m * c, 'softmaxXent dlogits') : null;
    if (m <= 0) return 0;
    let total = 0;
    for (let i = 0; i < m; i++) {
      const row = xs.subarray(i * c, i * c + c);
      let mx = row[0];
      for (let j = 1; j < c; j++) mx = Math.max(mx, row[j]);
      let s = 0;
      for (let j = 0; j < c; j++) s += Math.exp(row[j] - mx);
      const label = ls[i];
      const valid = Number.isInteger(label) && label >= 0 && label < c;
      total += valid ? mx + Math.log(s) - row[label] : NaN;
      if (ds) for (let j = 0; j < c; j++) ds[i * c + j] = (Math.exp(row[j] - mx) / s - (j === label ? 1 : 0)) / m;
    }
    return total / m;
  }
  countCorrect(logits: Buf, labels: Buf, m: number, c: number): number {
    const xs = arr(logits, m * c, 'countCorrect logits'), ls = arr(labels, m, 'countCorrect labels');
    if (c <= 0) return 0;
    let correct = 0;
    for (let i = 0; i < m; i++) {
      let arg = 0;
      for (let j = 1; j < c; j++) if (xs[i * c + j] > xs[i * c + arg]) arg = j;
      if (arg === ls[i]) correct++;
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

  scratchUninit(n: number): Buf {
    const b = this.scratch(n);
    (b as JsBuf).data.fill(NaN); // a read of never-written memory shows up as NaN in every test
    return b;
  }
  allocInt(n: number): IntBuf {
    this.liveBytes += n * 4;
    return new sp.JsIntBuf(new Int32Array(n));
  }
  freeInt(b: IntBuf): void {
    sp.ints(b, 0, 'freeInt');
    (b as sp.JsIntBuf).live = false;
    this.liveBytes -= b.length * 4;
  }
  writeInt(b: IntBuf, src: ArrayLike<number>, offset = 0): void {
    sp.ints(b, 0, 'writeInt').set(src, offset);
  }
  readInt(b: IntBuf): Int32Array {
    return sp.ints(b, 0, 'readInt').slice();
  }
  transpose(x: Buf, y: Buf, rows: number, cols: number): void {
    sp.transposeRef(arr(x, rows * cols, 'transpose x'), arr(y, rows * cols, 'transpose y'), rows, cols);
  }
  spmm(a: CsrIndex, vals: Buf, m: number, xT: Buf, yT: Buf, accumulate: boolean, bias: Buf | null = null, relu = false): void {
    const ys = arr(yT, a.rows * m, 'spmm yT');
    sp.spmmRef(a, arr(vals, 0, 'spmm vals'), m, arr(xT, a.cols * m, 'spmm xT'), ys, accumulate);
    if (bias !== null || relu) sp.biasRowsActRef(ys, bias ? arr(bias, a.rows, 'spmm bias') : new Float32Array(a.rows), ys, a.rows, m, relu);
  }
  sddmm(a: CsrIndex, m: number, dyT: Buf, xT: Buf, dv: Buf, accumulate: boolean): void {
    sp.sddmmRef(a, m, arr(dyT, a.rows * m, 'sddmm dyT'), arr(xT, a.cols * m, 'sddmm xT'), arr(dv, a.nnz, 'sddmm dv'), accumulate);
  }
  biasRowsAct(x: Buf, bias: Buf, y: Buf, rows: number, m: number, relu: boolean): void {
    sp.biasRowsActRef(arr(x, rows * m, 'biasRowsAct x'), arr(bias, rows, 'biasRowsAct bias'), arr(y, rows * m, 'biasRowsAct y'), rows, m, relu);
  }
  rowSum(x: Buf, db: Buf, rows: number, m: number, accumulate: boolean): void {
    sp.rowSumRef(arr(x, rows * m, 'rowSum x'), arr(db, rows, 'rowSum db'), rows, m, accumulate);
  }
  gather(x: Buf, idx: IntBuf, y: Buf, n: number): void {
    sp.gatherRef(arr(x, 0, 'gather x'), sp.ints(idx, n, 'gather idx'), arr(y, n, 'gather y'), n);
  }
  scatter(y: Buf, idx: IntBuf, x: Buf, n: number): void {
    sp.scatterRef(arr(y, n, 'scatter y'), sp.ints(idx, n, 'scatter idx'), arr(x, 0, 'scatter x'), n);
  }

  sparseConv2d(a: CsrIndex, vals: Buf, x: Buf, y: Buf, g: ConvGeom, accumulate: boolean, bias: Buf | null = null, relu = false): void {
    checkSparseConv(a, g, 'sparseConv2d');
    const z = convSizes(g);
    const ys = arr(y, z.y, 'sparseConv2d y');
    const bs = bias ? arr(bias, g.cout, 'sparseConv2d bias') : null;
    sc.sparseConv2dRef(a, arr(vals, 0, 'sparseConv2d vals'), arr(x, z.x, 'sparseConv2d x'), ys, g, accumulate);
    if (bs !== null || relu) ref.channelBiasActRef(ys, bs ?? new Float32Array(g.cout), ys, g.n, g.cout, g.outH * g.outW, relu);
  }
  sparseConv2dBackwardData(a: CsrIndex, vals: Buf, dy: Buf, dx: Buf, g: ConvGeom, accumulate: boolean): void {
    checkSparseConv(a, g, 'sparseConv2dBackwardData');
    const z = convSizes(g);
    sc.sparseConv2dBackwardDataRef(a, arr(vals, 0, 'sparseConv2dBackwardData vals'), arr(dy, z.y, 'sparseConv2dBackwardData dy'),
      arr(dx, z.x, 'sparseConv2dBackwardData dx'), g, accumulate);
  }
  sparseConv2dBackwardWeights(a: CsrIndex, x: Buf, dy: Buf, dv: Buf, g: ConvGeom, accumulate: boolean): void {
    checkSparseConv(a, g, 'sparseConv2dBackwardWeights');
    const z = convSizes(g);
    sc.sparseConv2dBackwardWeightsRef(a, arr(x, z.x, 'sparseConv2dBackwardWeights x'), arr(dy, z.y, 'sparseConv2dBackwardWeights dy'),
      arr(dv, a.nnz, 'sparseConv2dBackwardWeights dv'), g, accumulate);
  }
}
