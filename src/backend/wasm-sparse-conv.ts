/**
 * The sparse convolution family of the wasm backend (assembly/sparse_conv*.ts): direct convolution
 * over the CSR filter bank, one zero-padded image at a time, with no im2col. Why direct: the
 * column matrix of a whole batch is K x N·P floats (141 MB for Conv-2's 64 -> 64 layer at batch
 * 60), and the SpMM over it reads a whole row of it per nonzero from far out of cache; here each
 * nonzero reads its window of one padded image (296 KB, resident in L2) and the outputs are NCHW
 * directly, so there is neither a column matrix nor a reorder (measured in bench/sparse-conv.ts).
 * Each op needs a workspace (window offsets, the padded image, the transposed index of the input
 * gradient) for the length of one call; it is the free space above the scratch arena's last
 * buffer (WasmMemory.workspace), like the GEMM convolution's. Sizes and geometry are checked
 * here; CSR indices are trusted (prune/csr.ts builds them, the js oracle checks them in every
 * conformance test).
 */
import type { Buf, ConvGeom, CsrIndex, SparseConvOps } from './backend.ts';
import { convSizes } from './conv-geom.ts';
import { checkSparseConv } from './sparse-conv-geom.ts';
import { MIN_FLOPS_PER_THREAD, type Par, csrRanges, ranges } from './threads/split.ts';
import type { WasmMemory } from './wasm-memory.ts';

type I = number;
/** The geometry in kernel argument order: n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow. */
type GeomArgs = [I, I, I, I, I, I, I, I, I, I, I, I];

/** The sparse convolution exports of build/lth.wasm (pointers are byte offsets; bools are 0/1). */
export interface SparseConvKernels {
  spconv2d_f32(cout: I, rowPtr: I, colIdx: I, vals: I, x: I, y: I, ws: I, ...rest: [...GeomArgs, acc: I, bias: I, relu: I]): void;
  spconv2d_backward_data_f32(cout: I, rowPtr: I, colIdx: I, vals: I, dy: I, dx: I, ws: I, ...rest: [...GeomArgs, acc: I]): void;
  spconv2d_backward_weights_f32(cout: I, rowPtr: I, colIdx: I, x: I, dy: I, dv: I, ws: I, ...rest: [...GeomArgs, acc: I]): void;
  spconv2d_backward_weights_part_f32(cout: I, rowPtr: I, colIdx: I, x: I, dy: I, dv: I, ws: I, ...rest: [...GeomArgs, acc: I, r0: I, r1: I]): void;
}

// Bytes of `n` 4-byte values rounded up to 16, as the kernels lay workspace parts out.
const aligned = (n: number): number => Math.ceil((n * 4) / 16) * 16;

/** Workspace bytes of the forward and weight-gradient kernels: window offsets, one padded image. */
function paddedBytes(g: ConvGeom, nnz: number): number {
  const hp = Math.max(0, (g.outH - 1) * g.strideH + g.kh);
  const wph = Math.max(0, g.outW - 1 + Math.ceil(g.kw / g.strideW));
  return aligned(nnz) + aligned(g.c * hp * g.strideW * wph + 4);
}

/** Workspace bytes of the input-gradient kernel: the transposed index, one dilated dy image. */
function dataBytes(g: ConvGeom, nnz: number): number {
  return aligned(g.c + 1) + aligned(g.c) + 2 * aligned(nnz) + aligned(g.cout * (g.h + g.kh - 1) * (g.w + g.kw - 1) + 4);
}

/**
 * The sparse convolution family of the wasm backend. On the kernel pool (threads/split.ts), the
 * forward and input-gradient kernels split over images, the weight gradient (a sum over images
 * per nonzero) over blocks of output channels with about equal nonzeros; each share has its own
 * workspace.
 */
export class WasmSparseConv implements SparseConvOps {
  // Every kernel runs through par by its export name; `_kernels` types those exports.
  constructor(_kernels: SparseConvKernels, private readonly mem: WasmMemory, private readonly par: Par) {}

  // Image blocks for an op of 2 * nnz * n * oh * ow flops, and the 64-byte rounded workspace of each.
  private imageBlocks(g: ConvGeom, nnz: number): [number, number][] {
    const parts = this.par.parts(2 * nnz * g.n * g.outH * g.outW, MIN_FLOPS_PER_THREAD);
    return parts <= 1 ? [[0, g.n]] : ranges(g.n, parts);
  }

  // The checked CSR pointers and the geometry arguments of one call.
  private prep(a: CsrIndex, g: ConvGeom, what: string): { rowPtr: I; colIdx: I; geom: GeomArgs } {
    checkSparseConv(a, g, what);
    const rowPtr = this.mem.ip(a.rowPtr, a.rows + 1, `${what} rowPtr`);
    const colIdx = this.mem.ip(a.colIdx, a.nnz, `${what} colIdx`);
    return { rowPtr, colIdx, geom: [g.n, g.c, g.h, g.w, g.kh, g.kw, g.strideH, g.strideW, g.padH, g.padW, g.outH, g.outW] };
  }

  sparseConv2d(a: CsrIndex, vals: Buf, x: Buf, y: Buf, g: ConvGeom, acc: boolean, bias: Buf | null = null, relu = false): void {
    const { rowPtr, colIdx, geom } = this.prep(a, g, 'sparseConv2d');
    const z = convSizes(g);
    const [v, xp, yp] = [this.mem.fp(vals, a.nnz, 'sparseConv2d vals'), this.mem.fp(x, z.x, 'sparseConv2d x'), this.mem.fp(y, z.y, 'sparseConv2d y')];
    const bp = bias ? this.mem.fp(bias, g.cout, 'sparseConv2d bias') : 0;
    const blocks = this.imageBlocks(g, a.nnz);
    const wsBytes = Math.ceil(paddedBytes(g, a.nnz) / 64) * 64;
    const ws = this.mem.workspace(wsBytes * blocks.length);
    const [xImg, yImg] = [z.x / Math.max(g.n, 1) * 4, z.y / Math.max(g.n, 1) * 4];
    this.par.run('spconv2d_f32', blocks.map(([i0, i1], t) => [a.rows, rowPtr, colIdx, v, xp + i0 * xImg, yp + i0 * yImg, ws + t * wsBytes,
      i1 - i0, ...geom.slice(1), acc ? 1 : 0, bp, relu ? 1 : 0]));
  }

  sparseConv2dBackwardData(a: CsrIndex, vals: Buf, dy: Buf, dx: Buf, g: ConvGeom, acc: boolean): void {
    const { rowPtr, colIdx, geom } = this.prep(a, g, 'sparseConv2dBackwardData');
    const z = convSizes(g);
    const v = this.mem.fp(vals, a.nnz, 'sparseConv2dBackwardData vals');
    const [dyp, dxp] = [this.mem.fp(dy, z.y, 'sparseConv2dBackwardData dy'), this.mem.fp(dx, z.x, 'sparseConv2dBackwardData dx')];
    const blocks = this.imageBlocks(g, a.nnz);
    const wsBytes = Math.ceil(dataBytes(g, a.nnz) / 64) * 64;
    const ws = this.mem.workspace(wsBytes * blocks.length);
    const [xImg, yImg] = [z.x / Math.max(g.n, 1) * 4, z.y / Math.max(g.n, 1) * 4];
    this.par.run('spconv2d_backward_data_f32', blocks.map(([i0, i1], t) => [a.rows, rowPtr, colIdx, v, dyp + i0 * yImg, dxp + i0 * xImg, ws + t * wsBytes,
      i1 - i0, ...geom.slice(1), acc ? 1 : 0]));
  }

  sparseConv2dBackwardWeights(a: CsrIndex, x: Buf, dy: Buf, dv: Buf, g: ConvGeom, acc: boolean): void {
    const { rowPtr, colIdx, geom } = this.prep(a, g, 'sparseConv2dBackwardWeights');
    const z = convSizes(g);
    const [xp, dyp] = [this.mem.fp(x, z.x, 'sparseConv2dBackwardWeights x'), this.mem.fp(dy, z.y, 'sparseConv2dBackwardWeights dy')];
    const dvp = this.mem.fp(dv, a.nnz, 'sparseConv2dBackwardWeights dv');
    const parts = this.par.parts(2 * a.nnz * g.n * g.outH * g.outW, MIN_FLOPS_PER_THREAD);
    const blocks = parts <= 1 ? [[0, a.rows]] : csrRanges(this.mem.i32(), rowPtr >>> 2, a.rows, parts);
    const wsBytes = Math.ceil(paddedBytes(g, a.nnz) / 64) * 64;
    const ws = this.mem.workspace(wsBytes * blocks.length);
    this.par.run('spconv2d_backward_weights_part_f32', blocks.map(([r0, r1], t) => [a.rows, rowPtr, colIdx, xp, dyp, dvp, ws + t * wsBytes,
      ...geom, acc ? 1 : 0, r0, r1]));
  }
}
