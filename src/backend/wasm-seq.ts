/**
 * The wasm backend's seq family (transformer ops): the size checks, and the id checks of the
 * embedding ops (a kernel would read or write wherever an id points), before each call of the
 * kernels of assembly/seq.ts. On the kernel pool (threads/split.ts) every op splits over its
 * outputs: batches of a bmm, rows of the softmaxes, LayerNorm and gathers, columns of the
 * embedding scatter-add (so repeated ids still add up in order), elements of GELU and tanh, so
 * results are bit-identical for any thread count. The LayerNorm gradient splits twice: dx over
 * rows, dgamma and dbeta (sums over rows) over columns.
 */
import type { Buf, GemmLayout, SeqOps } from './backend.ts';
import { checkIds } from './seq-common.ts';
import { MIN_ELEMS_PER_THREAD, MIN_FLOPS_PER_THREAD, type Par, ranges } from './threads/split.ts';
import type { WasmMemory } from './wasm-memory.ts';

/** The seq exports of build/lth.wasm (pointers are byte offsets; bools are 0/1). */
export interface SeqKernels {
  embed_gather_f32(table: number, ids: number, out: number, n: number, dim: number): void;
  embed_scatter_add_f32(dOut: number, ids: number, dTable: number, n: number, dim: number, j0: number, j1: number): void;
  bmm_f32(batch: number, m: number, n: number, k: number, a: number, ars: number, aps: number, b: number, bps: number, bjs: number, c: number, acc: number): void;
  swap_axes12_f32(x: number, y: number, d0: number, d1: number, d2: number, d3: number): void;
  pad_mask_f32(ids: number, mask: number, n: number): void;
  attn_softmax_f32(x: number, mask: number, y: number, r0: number, r1: number, perSeq: number, sk: number, scale: number): void;
  softmax_backward_f32(y: number, dy: number, dx: number, rows: number, cols: number, scale: number, acc: number): void;
  layer_norm_f32(x: number, gamma: number, beta: number, y: number, mean: number, rstd: number, rows: number, cols: number, eps: number): void;
  layer_norm_backward_f32(x: number, dy: number, mean: number, rstd: number, gamma: number, dx: number, dgamma: number, dbeta: number,
    rows: number, cols: number, acc: number): void;
  layer_norm_backward_dx_f32(x: number, dy: number, mean: number, rstd: number, gamma: number, dx: number, rows: number, cols: number, acc: number): void;
  layer_norm_backward_params_f32(x: number, dy: number, mean: number, rstd: number, dgamma: number, dbeta: number,
    rows: number, cols: number, j0: number, j1: number, acc: number): void;
  gelu_f32(x: number, y: number, n: number): void;
  gelu_backward_f32(x: number, dy: number, dx: number, n: number, acc: number): void;
  tanh_f32(x: number, y: number, n: number): void;
  tanh_backward_f32(y: number, dy: number, dx: number, n: number, acc: number): void;
}

// Byte strides (A rows, A k-step, B k-step, B columns) of each layout, as gemm_f32_part takes them.
function strides(layout: GemmLayout, m: number, n: number, k: number): [number, number, number, number] {
  if (layout === 'nn') return [k * 4, 4, n * 4, 4];
  if (layout === 'nt') return [k * 4, 4, 4, k * 4];
  return [4, m * 4, n * 4, 4];
}

/** Transformer ops of the wasm backend. */
export class WasmSeq implements SeqOps {
  constructor(private readonly k: SeqKernels, private readonly mem: WasmMemory, private readonly par: Par) {}

  // Rejects ids that are not rows of a table of `length` floats (rows of dim).
  private checkIds(ids: number, n: number, length: number, dim: number, what: string): void {
    checkIds(this.mem.f32().subarray(ids >>> 2, (ids >>> 2) + n), n, Math.floor(length / dim), what);
  }

  // Row ranges for an op over `rows` rows of `cols` elements (one range when small).
  private rowRanges(rows: number, cols: number): [number, number][] {
    return ranges(rows, this.par.parts(rows * cols, MIN_ELEMS_PER_THREAD));
  }

  embedGather(table: Buf, ids: Buf, out: Buf, n: number, dim: number): void {
    const tp = this.mem.fp(table, 0, 'embedGather table'), ip = this.mem.fp(ids, n, 'embedGather ids'), op = this.mem.fp(out, n * dim, 'embedGather out');
    if (dim === 0 || n === 0) return;
    this.checkIds(ip, n, table.length, dim, 'embedGather');
    this.par.run('embed_gather_f32', this.rowRanges(n, dim).map(([a, b]) => [tp, ip + a * 4, op + a * dim * 4, b - a, dim]));
  }
  embedScatterAdd(dOut: Buf, ids: Buf, dTable: Buf, n: number, dim: number): void {
    const dp = this.mem.fp(dOut, n * dim, 'embedScatterAdd dOut'), ip = this.mem.fp(ids, n, 'embedScatterAdd ids'), tp = this.mem.fp(dTable, 0, 'embedScatterAdd dTable');
    if (dim === 0 || n === 0) return;
    this.checkIds(ip, n, dTable.length, dim, 'embedScatterAdd');
    const parts = this.par.parts(n * dim, MIN_ELEMS_PER_THREAD);
    this.par.run('embed_scatter_add_f32', ranges(dim, parts, 4).map(([a, b]) => [dp, ip, tp, n, dim, a, b]));
  }
  bmm(layout: GemmLayout, batch: number, m: number, n: number, k: number, a: Buf, b: Buf, c: Buf, accumulate: boolean): void {
    const ap = this.mem.fp(a, batch * m * k, `bmm ${layout} a`), bp = this.mem.fp(b, batch * k * n, `bmm ${layout} b`);
    const cp = this.mem.fp(c, batch * m * n, `bmm ${layout} c`);
    const [ars, aps, bps, bjs] = strides(layout, m, n, k);
    const acc = accumulate ? 1 : 0;
    const parts = this.par.parts(2 * batch * m * n * k, MIN_FLOPS_PER_THREAD);
    this.par.run('bmm_f32', ranges(batch, parts).map(([t0, t1]) =>
      [t1 - t0, m, n, k, ap + t0 * m * k * 4, ars, aps, bp + t0 * k * n * 4, bps, bjs, cp + t0 * m * n * 4, acc]));
  }
  swapAxes12(x: Buf, y: Buf, d0: number, d1: number, d2: number, d3: number): void {
    const size = d0 * d1 * d2 * d3;
    const xp = this.mem.fp(x, size, 'swapAxes12 x'), yp = this.mem.fp(y, size, 'swapAxes12 y');
    const block = d1 * d2 * d3 * 4;
    this.par.run('swap_axes12_f32', this.rowRanges(d0, d1 * d2 * d3).map(([a, b]) => [xp + a * block, yp + a * block, b - a, d1, d2, d3]));
  }
  padMask(ids: Buf, mask: Buf, n: number): void {
    const ip = this.mem.fp(ids, n, 'padMask ids'), mp = this.mem.fp(mask, n, 'padMask mask');
    this.par.elementwise('pad_mask_f32', n, (a, b) => [ip + a * 4, mp + a * 4, b - a]);
  }
  attnSoftmax(x: Buf, keyMask: Buf | null, y: Buf, batch: number, heads: number, sq: number, sk: number, scale: number): void {
    const rows = batch * heads * sq;
    const xp = this.mem.fp(x, rows * sk, 'attnSoftmax x'), yp = this.mem.fp(y, rows * sk, 'attnSoftmax y');
    const mp = keyMask ? this.mem.fp(keyMask, batch * sk, 'attnSoftmax keyMask') : 0;
    this.par.run('attn_softmax_f32', this.rowRanges(rows, sk).map(([a, b]) => [xp, mp, yp, a, b, heads * sq, sk, scale]));
  }
  softmaxBackward(y: Buf, dy: Buf, dx: Buf, rows: number, cols: number, scale: number, accumulate: boolean): void {
    const size = rows * cols;
    const yp = this.mem.fp(y, size, 'softmaxBackward y'), dp = this.mem.fp(dy, size, 'softmaxBackward dy'), xp = this.mem.fp(dx, size, 'softmaxBackward dx');
    const acc = accumulate ? 1 : 0;
    this.par.run('softmax_backward_f32', this.rowRanges(rows, cols).map(([a, b]) =>
      [yp + a * cols * 4, dp + a * cols * 4, xp + a * cols * 4, b - a, cols, scale, acc]));
  }
  layerNorm(x: Buf, gamma: Buf, beta: Buf, y: Buf, mean: Buf, rstd: Buf, rows: number, cols: number, eps: number): void {
    const size = rows * cols;
    const xp = this.mem.fp(x, size, 'layerNorm x'), gp = this.mem.fp(gamma, cols, 'layerNorm gamma'), bp = this.mem.fp(beta, cols, 'layerNorm beta');
    const yp = this.mem.fp(y, size, 'layerNorm y'), mp = this.mem.fp(mean, rows, 'layerNorm mean'), rp = this.mem.fp(rstd, rows, 'layerNorm rstd');
    this.par.run('layer_norm_f32', this.rowRanges(rows, cols).map(([a, b]) =>
      [xp + a * cols * 4, gp, bp, yp + a * cols * 4, mp + a * 4, rp + a * 4, b - a, cols, eps]));
  }
  layerNormBackward(x: Buf, dy: Buf, mean: Buf, rstd: Buf, gamma: Buf, dx: Buf, dgamma: Buf, dbeta: Buf, rows: number, cols: number, accumulate: boolean): void {
    const size = rows * cols;
    const f = (b: Buf, n: number, w: string): number => this.mem.fp(b, n, `layerNormBackward ${w}`);
    const [xp, dp, mp, rp, gp] = [f(x, size, 'x'), f(dy, size, 'dy'), f(mean, rows, 'mean'), f(rstd, rows, 'rstd'), f(gamma, cols, 'gamma')];
    const [dxp, dgp, dbp, acc] = [f(dx, size, 'dx'), f(dgamma, cols, 'dgamma'), f(dbeta, cols, 'dbeta'), accumulate ? 1 : 0];
    const parts = this.par.parts(size, MIN_ELEMS_PER_THREAD);
    if (parts <= 1) return this.k.layer_norm_backward_f32(xp, dp, mp, rp, gp, dxp, dgp, dbp, rows, cols, acc);
    // dx over rows, then dgamma and dbeta over columns (each column's sum over rows in row order)
    this.par.run('layer_norm_backward_dx_f32', ranges(rows, parts).map(([a, b]) =>
      [xp + a * cols * 4, dp + a * cols * 4, mp + a * 4, rp + a * 4, gp, dxp + a * cols * 4, b - a, cols, acc]));
    this.par.run('layer_norm_backward_params_f32', ranges(cols, parts, 4).map(([a, b]) => [xp, dp, mp, rp, dgp, dbp, rows, cols, a, b, acc]));
  }
  gelu(x: Buf, y: Buf, n: number): void {
    const xp = this.mem.fp(x, n, 'gelu x'), yp = this.mem.fp(y, n, 'gelu y');
    this.par.elementwise('gelu_f32', n, (a, b) => [xp + a * 4, yp + a * 4, b - a]);
  }
  geluBackward(x: Buf, dy: Buf, dx: Buf, n: number, accumulate: boolean): void {
    const xp = this.mem.fp(x, n, 'geluBackward x'), dp = this.mem.fp(dy, n, 'geluBackward dy'), gp = this.mem.fp(dx, n, 'geluBackward dx');
    const acc = accumulate ? 1 : 0;
    this.par.elementwise('gelu_backward_f32', n, (a, b) => [xp + a * 4, dp + a * 4, gp + a * 4, b - a, acc]);
  }
  tanh(x: Buf, y: Buf, n: number): void {
    const xp = this.mem.fp(x, n, 'tanh x'), yp = this.mem.fp(y, n, 'tanh y');
    this.par.elementwise('tanh_f32', n, (a, b) => [xp + a * 4, yp + a * 4, b - a]);
  }
  tanhBackward(y: Buf, dy: Buf, dx: Buf, n: number, accumulate: boolean): void {
    const yp = this.mem.fp(y, n, 'tanhBackward y'), dp = this.mem.fp(dy, n, 'tanhBackward dy'), gp = this.mem.fp(dx, n, 'tanhBackward dx');
    const acc = accumulate ? 1 : 0;
    this.par.elementwise('tanh_backward_f32', n, (a, b) => [yp + a * 4, dp + a * 4, gp + a * 4, b - a, acc]);
  }
}
