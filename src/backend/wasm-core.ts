/**
 * The wasm backend's core family: elementwise ops, reductions, GEMM, loss and optimizer steps as
 * calls of the kernels of assembly/{elementwise,reduce,gemm,bias,loss,optim}.ts, each after
 * checking its buffers' sizes (a kernel that read past a buffer would corrupt its neighbour).
 */
import type { AdamArgs, Buf, CoreOps, GemmLayout, SgdArgs } from './backend.ts';
import { need } from './check.ts';
import type { WasmMemory } from './wasm-memory.ts';

/** The core exports of build/lth.wasm (pointers are byte offsets; bools are 0/1). */
export interface CoreKernels {
  gemm_f32_nn(m: number, n: number, k: number, a: number, b: number, c: number, acc: number): void;
  gemm_f32_nt(m: number, n: number, k: number, a: number, b: number, c: number, acc: number): void;
  gemm_f32_tn(m: number, n: number, k: number, a: number, b: number, c: number, acc: number): void;
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
  softmax_xent_f32(logits: number, labels: number, m: number, c: number, dlogits: number): number;
  count_correct_f32(logits: number, labels: number, m: number, c: number): number;
  adam_f32(w: number, g: number, m1: number, m2: number, mask: number, n: number,
    lr: number, b1: number, b2: number, eps: number, bc1: number, bc2: number, wd: number): void;
  sgd_f32(w: number, g: number, vel: number, mask: number, n: number,
    lr: number, mu: number, wd: number, nesterov: number): void;
}

/** Dense math of the wasm backend. */
export class WasmCore implements CoreOps {
  constructor(private readonly k: CoreKernels, private readonly mem: WasmMemory) {}

  fill(y: Buf, value: number, n: number): void {
    need(y, n, 'fill y');
    this.k.fill_f32(this.mem.p(y), value, n);
  }
  copy(x: Buf, y: Buf, n: number): void {
    need(x, n, 'copy x');
    need(y, n, 'copy y');
    this.k.copy_f32(this.mem.p(x), this.mem.p(y), n);
  }
  axpy(a: number, x: Buf, y: Buf, n: number): void {
    need(x, n, 'axpy x');
    need(y, n, 'axpy y');
    this.k.axpy_f32(a, this.mem.p(x), this.mem.p(y), n);
  }
  scale(x: Buf, s: number, y: Buf, n: number): void {
    need(x, n, 'scale x');
    need(y, n, 'scale y');
    this.k.scale_f32(this.mem.p(x), s, this.mem.p(y), n);
  }
  mul(x: Buf, y: Buf, z: Buf, n: number): void {
    need(x, n, 'mul x');
    need(y, n, 'mul y');
    need(z, n, 'mul z');
    this.k.mul_f32(this.mem.p(x), this.mem.p(y), this.mem.p(z), n);
  }
  add(x: Buf, y: Buf, z: Buf, n: number): void {
    need(x, n, 'add x');
    need(y, n, 'add y');
    need(z, n, 'add z');
    this.k.add_f32(this.mem.p(x), this.mem.p(y), this.mem.p(z), n);
  }
  relu(x: Buf, y: Buf, n: number): void {
    need(x, n, 'relu x');
    need(y, n, 'relu y');
    this.k.relu_f32(this.mem.p(x), this.mem.p(y), n);
  }
  reluBackward(y: Buf, dy: Buf, dx: Buf, n: number, accumulate: boolean): void {
    need(y, n, 'reluBackward y');
    need(dy, n, 'reluBackward dy');
    need(dx, n, 'reluBackward dx');
    this.k.relu_backward_f32(this.mem.p(y), this.mem.p(dy), this.mem.p(dx), n, accumulate ? 1 : 0);
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
    const f = layout === 'nn' ? this.k.gemm_f32_nn : layout === 'nt' ? this.k.gemm_f32_nt : this.k.gemm_f32_tn;
    f(m, n, k, this.mem.p(a), this.mem.p(b), this.mem.p(c), accumulate ? 1 : 0);
  }
  biasAct(x: Buf, bias: Buf, y: Buf, m: number, n: number, relu: boolean): void {
    need(x, m * n, 'biasAct x');
    need(bias, n, 'biasAct bias');
    need(y, m * n, 'biasAct y');
    this.k.bias_act_f32(this.mem.p(x), this.mem.p(bias), this.mem.p(y), m, n, relu ? 1 : 0);
  }
  colSum(dy: Buf, db: Buf, m: number, n: number, accumulate: boolean): void {
    need(dy, m * n, 'colSum dy');
    need(db, n, 'colSum db');
    this.k.col_sum_f32(this.mem.p(dy), this.mem.p(db), m, n, accumulate ? 1 : 0);
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
    this.k.adam_f32(this.mem.p(w), this.mem.p(g), this.mem.p(m1), this.mem.p(m2), mask ? this.mem.p(mask) : 0, n,
      o.lr, o.beta1, o.beta2, o.eps, o.bc1, o.bc2, o.weightDecay);
  }
  sgd(w: Buf, g: Buf, vel: Buf, mask: Buf | null, n: number, o: SgdArgs): void {
    for (const [b, s] of [[w, 'w'], [g, 'g'], [vel, 'vel']] as const) need(b, n, `sgd ${s}`);
    if (mask) need(mask, n, 'sgd mask');
    this.k.sgd_f32(this.mem.p(w), this.mem.p(g), this.mem.p(vel), mask ? this.mem.p(mask) : 0, n,
      o.lr, o.momentum, o.weightDecay, o.nesterov ? 1 : 0);
  }
}
