/**
 * The wasm backend's core family: elementwise ops, reductions, GEMM, loss and optimizer steps as
 * calls of the kernels of assembly/{elementwise,reduce,gemm,bias,loss,optim}.ts, each after
 * checking its buffers' sizes (a kernel that read past a buffer would corrupt its neighbour).
 */
import type { AdamArgs, Buf, CoreOps, GemmLayout, SgdArgs } from './backend.ts';
import { need } from './check.ts';
import { gemvPackedSize } from './gemv-layout.ts';
import { MIN_ELEMS_PER_THREAD, MIN_FLOPS_PER_THREAD, type Par, ranges } from './threads/split.ts';
import type { WasmMemory } from './wasm-memory.ts';

// Byte strides (A rows, A k-step, B k-step, B columns) of each layout for gemm_f32_part.
function strides(layout: GemmLayout, m: number, n: number, k: number): [ars: number, aps: number, bps: number, bjs: number] {
  if (layout === 'nn') return [k * 4, 4, n * 4, 4];
  if (layout === 'nt') return [k * 4, 4, 4, k * 4];
  return [4, m * 4, n * 4, 4];
}

/** The core exports of build/lth.wasm (pointers are byte offsets; bools are 0/1). */
export interface CoreKernels {
  gemm_f32_nn(m: number, n: number, k: number, a: number, b: number, c: number, acc: number): void;
  gemm_f32_nt(m: number, n: number, k: number, a: number, b: number, c: number, acc: number): void;
  gemm_f32_tn(m: number, n: number, k: number, a: number, b: number, c: number, acc: number): void;
  gemm_f32_part(m: number, n: number, k: number, a: number, ars: number, aps: number, b: number, bps: number, bjs: number, c: number, ldc: number, acc: number): void;
  gemv_pack_f32(w: number, rows: number, cols: number, packed: number): void;
  gemv_f32(packed: number, rows: number, cols: number, x: number, bias: number, relu: number, y: number): void;
  gemv_nt_f32(n: number, k: number, a: number, b: number, c: number, acc: number): void;
  gemv_nn_f32(n: number, k: number, a: number, b: number, c: number, acc: number): void;
  fill_f32(y: number, value: number, n: number): void;
  copy_f32(x: number, y: number, n: number): void;
  axpy_f32(a: number, x: number, y: number, n: number): void;
  scale_f32(x: number, s: number, y: number, n: number): void;
  mul_f32(x: number, y: number, z: number, n: number): void;
  add_f32(x: number, y: number, z: number, n: number): void;
  relu_f32(x: number, y: number, n: number): void;
  relu_backward_f32(y: number, dy: number, dx: number, n: number, acc: number): void;
  sum_f32(x: number, n: number): number;
  sum_squares_f32(x: number, n: number): number;
  bias_act_f32(x: number, bias: number, y: number, m: number, n: number, relu: number): void;
  col_sum_f32(dy: number, db: number, m: number, n: number, acc: number): void;
  col_sum_part_f32(dy: number, db: number, m: number, n: number, acc: number, j0: number, j1: number): void;
  softmax_xent_f32(logits: number, labels: number, m: number, c: number, dlogits: number): number;
  count_correct_f32(logits: number, labels: number, m: number, c: number): number;
  adam_f32(w: number, g: number, m1: number, m2: number, mask: number, n: number,
    lr: number, b1: number, b2: number, eps: number, bc1: number, bc2: number, wd: number): void;
  sgd_f32(w: number, g: number, vel: number, mask: number, n: number,
    lr: number, mu: number, wd: number, nesterov: number): void;
}

/**
 * Dense math of the wasm backend. GEMMs and elementwise ops above the pool's thresholds are
 * split over the kernel pool (threads/split.ts): a GEMM over blocks of rows of C (or columns,
 * when C is wide: then each thread packs all of A instead of all of B), elementwise ops and
 * the optimizer steps over elements, column sums (the Linear bias gradient) over columns.
 * Reductions to a scalar (sum, softmax cross-entropy) stay on one thread.
 */
export class WasmCore implements CoreOps {
  constructor(private readonly k: CoreKernels, private readonly mem: WasmMemory, private readonly par: Par) {}

  fill(y: Buf, value: number, n: number): void {
    need(y, n, 'fill y');
    const yp = this.mem.p(y);
    this.par.elementwise('fill_f32', n, (a, b) => [yp + a * 4, value, b - a]);
  }
  copy(x: Buf, y: Buf, n: number): void {
    need(x, n, 'copy x');
    need(y, n, 'copy y');
    const [xp, yp] = [this.mem.p(x), this.mem.p(y)];
    this.par.elementwise('copy_f32', n, (a, b) => [xp + a * 4, yp + a * 4, b - a]);
  }
  axpy(a: number, x: Buf, y: Buf, n: number): void {
    need(x, n, 'axpy x');
    need(y, n, 'axpy y');
    const [xp, yp] = [this.mem.p(x), this.mem.p(y)];
    this.par.elementwise('axpy_f32', n, (i, j) => [a, xp + i * 4, yp + i * 4, j - i]);
  }
  scale(x: Buf, s: number, y: Buf, n: number): void {
    need(x, n, 'scale x');
    need(y, n, 'scale y');
    const [xp, yp] = [this.mem.p(x), this.mem.p(y)];
    this.par.elementwise('scale_f32', n, (a, b) => [xp + a * 4, s, yp + a * 4, b - a]);
  }
  mul(x: Buf, y: Buf, z: Buf, n: number): void {
    need(x, n, 'mul x');
    need(y, n, 'mul y');
    need(z, n, 'mul z');
    const [xp, yp, zp] = [this.mem.p(x), this.mem.p(y), this.mem.p(z)];
    this.par.elementwise('mul_f32', n, (a, b) => [xp + a * 4, yp + a * 4, zp + a * 4, b - a]);
  }
  add(x: Buf, y: Buf, z: Buf, n: number): void {
    need(x, n, 'add x');
    need(y, n, 'add y');
    need(z, n, 'add z');
    const [xp, yp, zp] = [this.mem.p(x), this.mem.p(y), this.mem.p(z)];
    this.par.elementwise('add_f32', n, (a, b) => [xp + a * 4, yp + a * 4, zp + a * 4, b - a]);
  }
  relu(x: Buf, y: Buf, n: number): void {
    need(x, n, 'relu x');
    need(y, n, 'relu y');
    const [xp, yp] = [this.mem.p(x), this.mem.p(y)];
    this.par.elementwise('relu_f32', n, (a, b) => [xp + a * 4, yp + a * 4, b - a]);
  }
  reluBackward(y: Buf, dy: Buf, dx: Buf, n: number, accumulate: boolean): void {
    need(y, n, 'reluBackward y');
    need(dy, n, 'reluBackward dy');
    need(dx, n, 'reluBackward dx');
    const [yp, dyp, dxp, acc] = [this.mem.p(y), this.mem.p(dy), this.mem.p(dx), accumulate ? 1 : 0];
    this.par.elementwise('relu_backward_f32', n, (a, b) => [yp + a * 4, dyp + a * 4, dxp + a * 4, b - a, acc]);
  }
  sum(x: Buf, n: number): number {
    need(x, n, 'sum x');
    return this.k.sum_f32(this.mem.p(x), n);
  }
  sumSquares(x: Buf, n: number): number {
    need(x, n, 'sumSquares x');
    return this.k.sum_squares_f32(this.mem.p(x), n);
  }

  gemm(layout: GemmLayout, m: number, n: number, k: number, a: Buf, b: Buf, c: Buf, accumulate: boolean): void {
    need(a, m * k, `gemm ${layout} a`);
    need(b, k * n, `gemm ${layout} b`);
    need(c, m * n, `gemm ${layout} c`);
    const [ap, bp, cp, acc] = [this.mem.p(a), this.mem.p(b), this.mem.p(c), accumulate ? 1 : 0];
    if (m === 1) {
      // one row (batch 1): a mat-vec on the unpacked weight (assembly/gemv.ts), not the 4x8 GEMM
      if (layout === 'nt') this.k.gemv_nt_f32(n, k, ap, bp, cp, acc);
      else this.k.gemv_nn_f32(n, k, ap, bp, cp, acc);
      return;
    }
    const parts = this.par.parts(2 * m * n * k, MIN_FLOPS_PER_THREAD);
    if (parts <= 1) {
      const f = layout === 'nn' ? this.k.gemm_f32_nn : layout === 'nt' ? this.k.gemm_f32_nt : this.k.gemm_f32_tn;
      f(m, n, k, ap, bp, cp, acc);
      return;
    }
    // Blocks of C rows (multiples of the 4-row micro-tile) or, when C is wide, of columns
    // (multiples of 8): each thread then packs all of B, or all of A (pre-broadcast, 4x its size).
    const [ars, aps, bps, bjs] = strides(layout, m, n, k);
    const ldc = n * 4;
    const shares = 4 * m <= n
      ? ranges(n, parts, 8).map(([j0, j1]) => [m, j1 - j0, k, ap, ars, aps, bp + j0 * bjs, bps, bjs, cp + j0 * 4, ldc, acc])
      : ranges(m, parts, 4).map(([i0, i1]) => [i1 - i0, n, k, ap + i0 * ars, ars, aps, bp, bps, bjs, cp + i0 * ldc, ldc, acc]);
    this.par.run('gemm_f32_part', shares);
  }
  gemvPack(w: Buf, rows: number, cols: number, packed: Buf): void {
    need(w, rows * cols, 'gemvPack w');
    need(packed, gemvPackedSize(rows, cols), 'gemvPack packed');
    this.k.gemv_pack_f32(this.mem.p(w), rows, cols, this.mem.p(packed));
  }
  gemv(packed: Buf, rows: number, cols: number, x: Buf, bias: Buf, relu: boolean, y: Buf): void {
    need(packed, gemvPackedSize(rows, cols), 'gemv packed');
    need(x, cols, 'gemv x');
    need(bias, rows, 'gemv bias');
    need(y, rows, 'gemv y');
    this.k.gemv_f32(this.mem.p(packed), rows, cols, this.mem.p(x), this.mem.p(bias), relu ? 1 : 0, this.mem.p(y));
  }
  biasAct(x: Buf, bias: Buf, y: Buf, m: number, n: number, relu: boolean): void {
    need(x, m * n, 'biasAct x');
    need(bias, n, 'biasAct bias');
    need(y, m * n, 'biasAct y');
    const [xp, bp, yp, r] = [this.mem.p(x), this.mem.p(bias), this.mem.p(y), relu ? 1 : 0];
    const parts = this.par.parts(m * n, MIN_ELEMS_PER_THREAD);
    this.par.run('bias_act_f32', ranges(m, parts).map(([a, b]) => [xp + a * n * 4, bp, yp + a * n * 4, b - a, n, r]));
  }
  colSum(dy: Buf, db: Buf, m: number, n: number, accumulate: boolean): void {
    need(dy, m * n, 'colSum dy');
    need(db, n, 'colSum db');
    const [dyp, dbp, acc] = [this.mem.p(dy), this.mem.p(db), accumulate ? 1 : 0];
    // over columns (4-aligned blocks): each column's sum over the rows is not split
    this.par.run('col_sum_part_f32', ranges(n, this.par.parts(m * n, MIN_ELEMS_PER_THREAD), 4).map(([j0, j1]) => [dyp, dbp, m, n, acc, j0, j1]));
  }

  softmaxXent(logits: Buf, labels: Buf, m: number, c: number, dlogits: Buf | null): number {
    need(logits, m * c, 'softmaxXent logits');
    need(labels, m, 'softmaxXent labels');
    if (dlogits) need(dlogits, m * c, 'softmaxXent dlogits');
    return this.k.softmax_xent_f32(this.mem.p(logits), this.mem.p(labels), m, c, dlogits ? this.mem.p(dlogits) : 0);
  }
  countCorrect(logits: Buf, labels: Buf, m: number, c: number): number {
    need(logits, m * c, 'countCorrect logits');
    need(labels, m, 'countCorrect labels');
    return this.k.count_correct_f32(this.mem.p(logits), this.mem.p(labels), m, c);
  }

  adam(w: Buf, g: Buf, m1: Buf, m2: Buf, mask: Buf | null, n: number, o: AdamArgs): void {
    for (const [b, s] of [[w, 'w'], [g, 'g'], [m1, 'm1'], [m2, 'm2']] as const) need(b, n, `adam ${s}`);
    if (mask) need(mask, n, 'adam mask');
    const [wp, gp, m1p, m2p, mp] = [this.mem.p(w), this.mem.p(g), this.mem.p(m1), this.mem.p(m2), mask ? this.mem.p(mask) : 0];
    this.par.elementwise('adam_f32', n, (a, b) => [wp + a * 4, gp + a * 4, m1p + a * 4, m2p + a * 4, mp === 0 ? 0 : mp + a * 4, b - a,
      o.lr, o.beta1, o.beta2, o.eps, o.bc1, o.bc2, o.weightDecay]);
  }
  sgd(w: Buf, g: Buf, vel: Buf, mask: Buf | null, n: number, o: SgdArgs): void {
    for (const [b, s] of [[w, 'w'], [g, 'g'], [vel, 'vel']] as const) need(b, n, `sgd ${s}`);
    if (mask) need(mask, n, 'sgd mask');
    const [wp, gp, vp, mp] = [this.mem.p(w), this.mem.p(g), this.mem.p(vel), mask ? this.mem.p(mask) : 0];
    this.par.elementwise('sgd_f32', n, (a, b) => [wp + a * 4, gp + a * 4, vp + a * 4, mp === 0 ? 0 : mp + a * 4, b - a,
      o.lr, o.momentum, o.weightDecay, o.nesterov ? 1 : 0]);
  }
}
