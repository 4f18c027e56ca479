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
import { MIN_ELEMS_PER_THREAD, MIN_FLOPS_PER_THREAD, type Par, ranges } from './threads/split.ts';
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
  conv2d_backward_weights_part_f32(...args: [...ConvArgs, acc: I, transposed: I, ci0: I, ci1: I, co0: I, co1: I]): void;
  channel_bias_act_f32(x: I, bias: I, y: I, n: I, c: I, plane: I, relu: I): void;
  channel_sum_f32(dy: I, db: I, n: I, c: I, plane: I, acc: I): void;
  channel_sum_part_f32(dy: I, db: I, n: I, c: I, plane: I, acc: I, c0: I, c1: I): void;
  maxpool2d_f32: PoolFn;
  maxpool2d_backward_f32(x: I, dy: I, dx: I, nc: I, h: I, w: I, kh: I, kw: I, sh: I, sw: I, ph: I, pw: I, oh: I, ow: I, acc: I): void;
  global_avg_pool_f32(x: I, y: I, nc: I, plane: I): void;
  global_avg_pool_backward_f32(dy: I, dx: I, nc: I, plane: I, acc: I): void;
  batchnorm_stats_f32(x: I, mean: I, variance: I, n: I, c: I, plane: I): void;
  batchnorm_forward_f32(x: I, mean: I, variance: I, gamma: I, beta: I, y: I, n: I, c: I, plane: I, eps: number): void;
  batchnorm_backward_f32(x: I, dy: I, mean: I, variance: I, gamma: I, dx: I, dgamma: I, dbeta: I,
    n: I, c: I, plane: I, eps: number, batchStats: I, acc: I): void;
  batchnorm_stats_part_f32(x: I, mean: I, variance: I, n: I, c: I, plane: I, c0: I, c1: I): void;
  batchnorm_forward_part_f32(x: I, mean: I, variance: I, gamma: I, beta: I, y: I, n: I, c: I, plane: I, eps: number, c0: I, c1: I): void;
  batchnorm_backward_part_f32(x: I, dy: I, mean: I, variance: I, gamma: I, dx: I, dgamma: I, dbeta: I,
    n: I, c: I, plane: I, eps: number, batchStats: I, acc: I, c0: I, c1: I): void;
}

// Image shares per thread of the forward and input-gradient convolutions: images cost the same,
// so more, smaller shares only balance a thread that starts late (the weights are shared).
const SHARES_PER_THREAD = 3;

/** Window fields of a geometry in kernel argument order. */
function win(g: PoolGeom): [I, I, I, I, I, I, I, I] {
  return [g.kh, g.kw, g.strideH, g.strideW, g.padH, g.padW, g.outH, g.outW];
}

/**
 * The conv and pool families of the wasm backend (one object serves both). On the kernel pool
 * (threads/split.ts), the forward and input-gradient convolutions split over images, the weight
 * gradient over input channels (or output channels, on the transposed route and when there are
 * fewer input channels than shares), bias and pooling over images or planes; each share gets its
 * own workspace; bias gradients and batch norm (statistics, forward, backward) over channels;
 * global average pooling over planes.
 */
export class WasmConvOps implements ConvOps, PoolOps {
  constructor(private readonly k: ConvKernels, private readonly mem: WasmMemory, private readonly par: Par) {}

  // Runs one convolution pass after checking the geometry and the three buffers' sizes. The
  // trailing flags: forward (fused), backward-data (acc, fused), backward-weights (acc, fused).
  private conv(pass: ConvPass, g: ConvGeom, bufs: [Buf, string, number][], acc: boolean): void {
    const what = pass === 'forward' ? 'conv2d' : `conv2d${pass[0].toUpperCase()}${pass.slice(1)}`;
    checkConvGeom(g, what);
    for (const [b, name, n] of bufs) need(b, n, `${what} ${name}`);
    const [a, b, c] = bufs.map(([buf]) => this.mem.p(buf));
    const plan = convPlan(g, pass);
    const [accFlag, fused] = [acc ? 1 : 0, plan.fused ? 1 : 0];
    const flops = 2 * g.n * g.cout * g.c * g.kh * g.kw * g.outH * g.outW;
    const want = this.par.parts(flops, MIN_FLOPS_PER_THREAD, pass === 'backwardWeights' ? 1 : SHARES_PER_THREAD);
    const wsBytes = Math.ceil(plan.bytes / 64) * 64;
    if (want <= 1) {
      const args: ConvArgs = [a, b, c, this.mem.workspace(plan.bytes), plan.group, g.n, g.c, g.h, g.w, g.cout, ...win(g)];
      if (pass === 'forward') this.k.conv2d_f32(...args, fused);
      else if (pass === 'backwardData') this.k.conv2d_backward_data_f32(...args, accFlag, fused);
      else this.k.conv2d_backward_weights_f32(...args, accFlag, fused);
      return;
    }
    const rest = win(g);
    if (pass !== 'backwardWeights') {
      // Images: x and y (or dy and dx) move by one image per image; the weights are shared.
      const xImg = g.c * g.h * g.w * 4;
      const yImg = g.cout * g.outH * g.outW * 4;
      const [inImg, outImg] = pass === 'forward' ? [xImg, yImg] : [yImg, xImg];
      const parts = ranges(g.n, want);
      const ws = this.mem.workspace(wsBytes * parts.length);
      const flags = pass === 'forward' ? [fused] : [accFlag, fused];
      const name = pass === 'forward' ? 'conv2d_f32' : 'conv2d_backward_data_f32';
      this.par.run(name, parts.map(([i0, i1], t) => [a + i0 * inImg, b, c + i0 * outImg, ws + t * wsBytes, plan.group,
        i1 - i0, g.c, g.h, g.w, g.cout, ...rest, ...flags]));
      return;
    }
    // The weight gradient sums over images: split its outputs, dw's input or output channels.
    const byInput = !plan.fused && g.c >= want;
    const parts = byInput ? ranges(g.c, want) : ranges(g.cout, want, plan.fused ? 8 : 4);
    const ws = this.mem.workspace(wsBytes * parts.length);
    this.par.run('conv2d_backward_weights_part_f32', parts.map(([p0, p1], t) => [a, b, c, ws + t * wsBytes, plan.group,
      g.n, g.c, g.h, g.w, g.cout, ...rest, accFlag, fused, ...(byInput ? [p0, p1, 0, g.cout] : [0, g.c, p0, p1])]));
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
    const [xp, bp, yp, r] = [this.mem.p(x), this.mem.p(bias), this.mem.p(y), relu ? 1 : 0];
    const img = c * plane * 4;
    this.par.run('channel_bias_act_f32', ranges(n, this.par.parts(n * c * plane, MIN_ELEMS_PER_THREAD))
      .map(([i0, i1]) => [xp + i0 * img, bp, yp + i0 * img, i1 - i0, c, plane, r]));
  }
  channelSum(dy: Buf, db: Buf, n: number, c: number, plane: number, accumulate: boolean): void {
    need(dy, n * c * plane, 'channelSum dy');
    need(db, c, 'channelSum db');
    const [dyp, dbp, acc] = [this.mem.p(dy), this.mem.p(db), accumulate ? 1 : 0];
    // over channels: each channel's sum over images and pixels is not split
    this.par.run('channel_sum_part_f32', ranges(c, this.par.parts(n * c * plane, MIN_ELEMS_PER_THREAD))
      .map(([c0, c1]) => [dyp, dbp, n, c, plane, acc, c0, c1]));
  }
  maxPool2d(x: Buf, y: Buf, g: PoolGeom): void {
    checkPoolGeom(g, 'maxPool2d');
    const z = poolSizes(g);
    need(x, z.x, 'maxPool2d x');
    need(y, z.y, 'maxPool2d y');
    const [xp, yp, nc] = [this.mem.p(x), this.mem.p(y), g.n * g.c];
    const [xPlane, yPlane] = [g.h * g.w * 4, g.outH * g.outW * 4];
    this.par.run('maxpool2d_f32', ranges(nc, this.par.parts(z.x, MIN_ELEMS_PER_THREAD))
      .map(([p0, p1]) => [xp + p0 * xPlane, yp + p0 * yPlane, p1 - p0, g.h, g.w, ...win(g)]));
  }
  maxPool2dBackward(x: Buf, dy: Buf, dx: Buf, g: PoolGeom, accumulate: boolean): void {
    checkPoolGeom(g, 'maxPool2dBackward');
    const z = poolSizes(g);
    need(x, z.x, 'maxPool2dBackward x');
    need(dy, z.y, 'maxPool2dBackward dy');
    need(dx, z.x, 'maxPool2dBackward dx');
    const [xp, dyp, dxp, nc] = [this.mem.p(x), this.mem.p(dy), this.mem.p(dx), g.n * g.c];
    const [xPlane, yPlane] = [g.h * g.w * 4, g.outH * g.outW * 4];
    this.par.run('maxpool2d_backward_f32', ranges(nc, this.par.parts(z.x, MIN_ELEMS_PER_THREAD))
      .map(([p0, p1]) => [xp + p0 * xPlane, dyp + p0 * yPlane, dxp + p0 * xPlane, p1 - p0, g.h, g.w, ...win(g), accumulate ? 1 : 0]));
  }
  globalAvgPool(x: Buf, y: Buf, nc: number, plane: number): void {
    need(x, nc * plane, 'globalAvgPool x');
    need(y, nc, 'globalAvgPool y');
    const [xp, yp] = [this.mem.p(x), this.mem.p(y)];
    this.par.run('global_avg_pool_f32', ranges(nc, this.par.parts(nc * plane, MIN_ELEMS_PER_THREAD))
      .map(([p0, p1]) => [xp + p0 * plane * 4, yp + p0 * 4, p1 - p0, plane]));
  }
  globalAvgPoolBackward(dy: Buf, dx: Buf, nc: number, plane: number, accumulate: boolean): void {
    need(dy, nc, 'globalAvgPoolBackward dy');
    need(dx, nc * plane, 'globalAvgPoolBackward dx');
    const [dyp, dxp, acc] = [this.mem.p(dy), this.mem.p(dx), accumulate ? 1 : 0];
    this.par.run('global_avg_pool_backward_f32', ranges(nc, this.par.parts(nc * plane, MIN_ELEMS_PER_THREAD))
      .map(([p0, p1]) => [dyp + p0 * 4, dxp + p0 * plane * 4, p1 - p0, plane, acc]));
  }
  batchNormStats(x: Buf, mean: Buf, variance: Buf, n: number, c: number, plane: number): void {
    need(x, n * c * plane, 'batchNormStats x');
    need(mean, c, 'batchNormStats mean');
    need(variance, c, 'batchNormStats variance');
    const [xp, mp, vp] = [this.mem.p(x), this.mem.p(mean), this.mem.p(variance)];
    this.par.run('batchnorm_stats_part_f32', this.channels(n, c, plane).map(([c0, c1]) => [xp, mp, vp, n, c, plane, c0, c1]));
  }
  batchNormForward(x: Buf, mean: Buf, variance: Buf, gamma: Buf, beta: Buf, y: Buf, n: number, c: number, plane: number, eps: number): void {
    for (const [b, s] of [[x, 'x'], [y, 'y']] as const) need(b, n * c * plane, `batchNormForward ${s}`);
    for (const [b, s] of [[mean, 'mean'], [variance, 'variance'], [gamma, 'gamma'], [beta, 'beta']] as const) need(b, c, `batchNormForward ${s}`);
    const ptrs = [x, mean, variance, gamma, beta, y].map((b) => this.mem.p(b));
    this.par.run('batchnorm_forward_part_f32', this.channels(n, c, plane).map(([c0, c1]) => [...ptrs, n, c, plane, eps, c0, c1]));
  }
  batchNormBackward(x: Buf, dy: Buf, mean: Buf, variance: Buf, gamma: Buf, dx: Buf, dgamma: Buf, dbeta: Buf,
    n: number, c: number, plane: number, eps: number, batchStats: boolean, accumulate: boolean): void {
    for (const [b, s] of [[x, 'x'], [dy, 'dy'], [dx, 'dx']] as const) need(b, n * c * plane, `batchNormBackward ${s}`);
    for (const [b, s] of [[mean, 'mean'], [variance, 'variance'], [gamma, 'gamma'], [dgamma, 'dgamma'], [dbeta, 'dbeta']] as const) need(b, c, `batchNormBackward ${s}`);
    const ptrs = [x, dy, mean, variance, gamma, dx, dgamma, dbeta].map((b) => this.mem.p(b));
    const flags = [batchStats ? 1 : 0, accumulate ? 1 : 0];
    this.par.run('batchnorm_backward_part_f32', this.channels(n, c, plane).map(([c0, c1]) => [...ptrs, n, c, plane, eps, ...flags, c0, c1]));
  }

  // Channel ranges of a batch-norm op on [n, c, plane]: channels are independent (each one's
  // sums run over its own images and pixels in one order), so a split is bit-identical.
  private channels(n: number, c: number, plane: number): [number, number][] {
    return ranges(c, this.par.parts(n * c * plane, MIN_ELEMS_PER_THREAD));
  }
}
