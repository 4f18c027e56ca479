/**
 * The conv and pool families of the wasm backend (convolution, batch norm, pooling): size
 * checks, geometry checks and the kernel calls of assembly/{conv,conv_bias,batchnorm,pool}.ts.
 * The GEMM convolution needs a column-matrix workspace for the length of one call: the free
 * space above the scratch arena's last buffer (WasmMemory.workspace), so it grows and is reused
 * with the arena and a training step of fixed shapes allocates nothing after the first.
 */
import type { Buf, ConvGeom, ConvOps, PoolGeom, PoolOps } from './backend.ts';
import { need } from './check.ts';
import { type ConvPass, checkConvGeom, checkPoolGeom, convPlan, convSizes, poolSizes } from './conv-geom.ts';
import type { WasmMemory } from './wasm-memory.ts';

type I = number;
/** A convolution kernel's leading arguments (geometry flattened into i32s). */
type ConvArgs = [a: I, b: I, c: I, ws: I, g: I, n: I, ch: I, h: I, w: I, cout: I, kh: I, kw: I, sh: I, sw: I, ph: I, pw: I, oh: I, ow: I];
type PoolFn = (x: I, y: I, nc: I, h: I, w: I, kh: I, kw: I, sh: I, sw: I, ph: I, pw: I, oh: I, ow: I) => void;

/** The NCHW exports of build/lth.wasm (pointers are byte offsets; bools are 0/1). */
export interface ConvKernels {
  conv2d_f32(...args: [...ConvArgs, fused: I]): void;
  conv2d_backward_data_f32(...args: [...ConvArgs, acc: I, flip: I]): void;
  conv2d_backward_weights_f32(...args: [...ConvArgs, acc: I, transposed: I]): void;
  channel_bias_act_f32(x: I, bias: I, y: I, n: I, c: I, plane: I, relu: I): void;
  channel_sum_f32(dy: I, db: I, n: I, c: I, plane: I, acc: I): void;
  maxpool2d_f32: PoolFn;
  maxpool2d_backward_f32(x: I, dy: I, dx: I, nc: I, h: I, w: I, kh: I, kw: I, sh: I, sw: I, ph: I, pw: I, oh: I, ow: I, acc: I): void;
  global_avg_pool_f32(x: I, y: I, nc: I, plane: I): void;
  global_avg_pool_backward_f32(dy: I, dx: I, nc: I, plane: I, acc: I): void;
  batchnorm_stats_f32(x: I, mean: I, variance: I, n: I, c: I, plane: I): void;
  batchnorm_forward_f32(x: I, mean: I, variance: I, gamma: I, beta: I, y: I, n: I, c: I, plane: I, eps: number): void;
  batchnorm_backward_f32(x: I, dy: I, mean: I, variance: I, gamma: I, dx: I, dgamma: I, dbeta: I,
    n: I, c: I, plane: I, eps: number, batchStats: I, acc: I): void;
}

/** Window fields of a geometry in kernel argument order. */
function win(g: PoolGeom): [I, I, I, I, I, I, I, I] {
  return [g.kh, g.kw, g.strideH, g.strideW, g.padH, g.padW, g.outH, g.outW];
}

/** The conv and pool families of the wasm backend (one object serves both). */
export class WasmConvOps implements ConvOps, PoolOps {
  constructor(private readonly k: ConvKernels, private readonly mem: WasmMemory) {}

  // Runs one convolution pass after checking the geometry and the three buffers' sizes. The
  // trailing flags: forward (fused), backward-data (acc, fused), backward-weights (acc, fused).
  private conv(pass: ConvPass, g: ConvGeom, bufs: [Buf, string, number][], acc: boolean): void {
    const what = pass === 'forward' ? 'conv2d' : `conv2d${pass[0].toUpperCase()}${pass.slice(1)}`;
    checkConvGeom(g, what);
    for (const [b, name, n] of bufs) need(b, n, `${what} ${name}`);
    const [a, b, c] = bufs.map(([buf]) => this.mem.p(buf));
    const plan = convPlan(g, pass);
    const args: ConvArgs = [a, b, c, this.mem.workspace(plan.bytes), plan.group, g.n, g.c, g.h, g.w, g.cout, ...win(g)];
    const [accFlag, fused] = [acc ? 1 : 0, plan.fused ? 1 : 0];
    if (pass === 'forward') this.k.conv2d_f32(...args, fused);
    else if (pass === 'backwardData') this.k.conv2d_backward_data_f32(...args, accFlag, fused);
    else this.k.conv2d_backward_weights_f32(...args, accFlag, fused);
  }

  conv2d(x: Buf, w: Buf, y: Buf, g: ConvGeom): void {
    const z = convSizes(g);
    this.conv('forward', g, [[x, 'x', z.x], [w, 'w', z.w], [y, 'y', z.y]], false);
  }
  conv2dBackwardData(dy: Buf, w: Buf, dx: Buf, g: ConvGeom, accumulate: boolean): void {
    const z = convSizes(g);
    this.conv('backwardData', g, [[dy, 'dy', z.y], [w, 'w', z.w], [dx, 'dx', z.x]], accumulate);
  }
  conv2dBackwardWeights(x: Buf, dy: Buf, dw: Buf, g: ConvGeom, accumulate: boolean): void {
    const z = convSizes(g);
    this.conv('backwardWeights', g, [[x, 'x', z.x], [dy, 'dy', z.y], [dw, 'dw', z.w]], accumulate);
  }
  channelBiasAct(x: Buf, bias: Buf, y: Buf, n: number, c: number, plane: number, relu: boolean): void {
    need(x, n * c * plane, 'channelBiasAct x');
    need(bias, c, 'channelBiasAct bias');
    need(y, n * c * plane, 'channelBiasAct y');
    this.k.channel_bias_act_f32(this.mem.p(x), this.mem.p(bias), this.mem.p(y), n, c, plane, relu ? 1 : 0);
  }
  channelSum(dy: Buf, db: Buf, n: number, c: number, plane: number, accumulate: boolean): void {
    need(dy, n * c * plane, 'channelSum dy');
    need(db, c, 'channelSum db');
    this.k.channel_sum_f32(this.mem.p(dy), this.mem.p(db), n, c, plane, accumulate ? 1 : 0);
  }
  maxPool2d(x: Buf, y: Buf, g: PoolGeom): void {
    checkPoolGeom(g, 'maxPool2d');
    const z = poolSizes(g);
    need(x, z.x, 'maxPool2d x');
    need(y, z.y, 'maxPool2d y');
    this.k.maxpool2d_f32(this.mem.p(x), this.mem.p(y), g.n * g.c, g.h, g.w, ...win(g));
  }
  maxPool2dBackward(x: Buf, dy: Buf, dx: Buf, g: PoolGeom, accumulate: boolean): void {
    checkPoolGeom(g, 'maxPool2dBackward');
    const z = poolSizes(g);
    need(x, z.x, 'maxPool2dBackward x');
    need(dy, z.y, 'maxPool2dBackward dy');
    need(dx, z.x, 'maxPool2dBackward dx');
    this.k.maxpool2d_backward_f32(this.mem.p(x), this.mem.p(dy), this.mem.p(dx), g.n * g.c, g.h, g.w, ...win(g), accumulate ? 1 : 0);
  }
  globalAvgPool(x: Buf, y: Buf, nc: number, plane: number): void {
    need(x, nc * plane, 'globalAvgPool x');
    need(y, nc, 'globalAvgPool y');
    this.k.global_avg_pool_f32(this.mem.p(x), this.mem.p(y), nc, plane);
  }
  globalAvgPoolBackward(dy: Buf, dx: Buf, nc: number, plane: number, accumulate: boolean): void {
    need(dy, nc, 'globalAvgPoolBackward dy');
    need(dx, nc * plane, 'globalAvgPoolBackward dx');
    this.k.global_avg_pool_backward_f32(this.mem.p(dy), this.mem.p(dx), nc, plane, accumulate ? 1 : 0);
  }
  batchNormStats(x: Buf, mean: Buf, variance: Buf, n: number, c: number, plane: number): void {
    need(x, n * c * plane, 'batchNormStats x');
    need(mean, c, 'batchNormStats mean');
    need(variance, c, 'batchNormStats variance');
    this.k.batchnorm_stats_f32(this.mem.p(x), this.mem.p(mean), this.mem.p(variance), n, c, plane);
  }
  batchNormForward(x: Buf, mean: Buf, variance: Buf, gamma: Buf, beta: Buf, y: Buf, n: number, c: number, plane: number, eps: number): void {
    for (const [b, s] of [[x, 'x'], [y, 'y']] as const) need(b, n * c * plane, `batchNormForward ${s}`);
    for (const [b, s] of [[mean, 'mean'], [variance, 'variance'], [gamma, 'gamma'], [beta, 'beta']] as const) need(b, c, `batchNormForward ${s}`);
    this.k.batchnorm_forward_f32(this.mem.p(x), this.mem.p(mean), this.mem.p(variance), this.mem.p(gamma), this.mem.p(beta), this.mem.p(y), n, c, plane, eps);
  }
  batchNormBackward(x: Buf, dy: Buf, mean: Buf, variance: Buf, gamma: Buf, dx: Buf, dgamma: Buf, dbeta: Buf,
    n: number, c: number, plane: number, eps: number, batchStats: boolean, accumulate: boolean): void {
    for (const [b, s] of [[x, 'x'], [dy, 'dy'], [dx, 'dx']] as const) need(b, n * c * plane, `batchNormBackward ${s}`);
    for (const [b, s] of [[mean, 'mean'], [variance, 'variance'], [gamma, 'gamma'], [dgamma, 'dgamma'], [dbeta, 'dbeta']] as const) need(b, c, `batchNormBackward ${s}`);
    this.k.batchnorm_backward_f32(this.mem.p(x), this.mem.p(dy), this.mem.p(mean), this.mem.p(variance), this.mem.p(gamma), this.mem.p(dx), this.mem.p(dgamma), this.mem.p(dbeta),
      n, c, plane, eps, batchStats ? 1 : 0, accumulate ? 1 : 0);
  }
}
