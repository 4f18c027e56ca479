/**
 * A Conv2d whose weight W[cout, cin, kh, kw] is trained in CSR form over its flattened
 * [cout, K = cin·kh·kw] matrix. im2col of the batch gives cols[K, N·P] (P = outH·outW output
 * pixels, column n·P + p), exactly the feature-major operand of the CSR SpMM, so
 *   forward:  yT[cout, N·P] = act(W · cols + b)   (one SpMM with a fused bias/ReLU epilogue)
 *   dW:       SDDMM of dyT and cols at W's nonzeros
 *   dx:       dcols = Wᵀ · dyT (SpMM over the CSC), then col2im.
 * im2col, col2im and the NCHW <-> [cout, N·P] reorders are built from the contract's gather
 * with int32 index maps computed once per geometry and cached per backend; padding reads a
 * zero slot appended after the source buffer.
 */
import type { Backend, Buf, ConvGeom, IntBuf } from '../../backend/backend.ts';
import { checkConvGeom, convGeom } from '../../backend/conv-geom.ts';
import type { Conv2dOptions } from './conv.ts';
import type { SparseWeight } from './sparse-linear.ts';
import type { Ctx } from '../tape.ts';
import { Tensor, gradTarget } from '../tensor.ts';

/** The gather maps of one geometry (see sparseConvMaps). */
export interface SparseConvMaps {
  /** cols[k, n·P + p] = xz[im2col[...]], xz = x followed by one zero (index x.length). */
  im2col: IntBuf;
  /** y[n, co, p] = yT[toNchw[...]] for yT [cout, N·P]. */
  toNchw: IntBuf;
  /** dyT[co, n·P + p] = dy[fromNchw[...]]. */
  fromNchw: IntBuf;
  /** One map per kernel offset: dx[i] += dcolsz[col2im[o][i]], dcolsz = dcols then one zero. */
  col2im: IntBuf[];
}

/** Host-side index maps of a geometry (exported for tests; sparseConvMaps uploads them). */
export function convIndexMaps(g: ConvGeom): { im2col: Int32Array; toNchw: Int32Array; fromNchw: Int32Array; col2im: Int32Array[] } {
  const P = g.outH * g.outW;
  const NP = g.n * P;
  const K = g.c * g.kh * g.kw;
  const xSize = g.n * g.c * g.h * g.w;
  const im2col = new Int32Array(K * NP);
  for (let c = 0; c < g.c; c++) {
    for (let ki = 0; ki < g.kh; ki++) {
      for (let kj = 0; kj < g.kw; kj++) {
        const row = ((c * g.kh + ki) * g.kw + kj) * NP;
        for (let n = 0; n < g.n; n++) {
          const base = (n * g.c + c) * g.h * g.w;
          for (let oy = 0; oy < g.outH; oy++) {
            const iy = oy * g.strideH - g.padH + ki;
            for (let ox = 0; ox < g.outW; ox++) {
              const ix = ox * g.strideW - g.padW + kj;
              const inside = iy >= 0 && iy < g.h && ix >= 0 && ix < g.w;
              im2col[row + n * P + oy * g.outW + ox] = inside ? base + iy * g.w + ix : xSize;
            }
          }
        }
      }
    }
  }
  const toNchw = new Int32Array(g.cout * NP);
  const fromNchw = new Int32Array(g.cout * NP);
  for (let n = 0; n < g.n; n++) {
    for (let co = 0; co < g.cout; co++) {
      for (let p = 0; p < P; p++) {
        const nchw = (n * g.cout + co) * P + p;
        const fm = co * NP + n * P + p;
        toNchw[nchw] = fm;
        fromNchw[fm] = nchw;
      }
    }
  }
  // col2im as kh·kw gathers: input pixel (iy, ix) meets offset (ki, kj) at output pixel
  // ((iy + padH - ki) / strideH, (ix + padW - kj) / strideW) when that is whole and in range.
  const zero = K * NP;
  const col2im: Int32Array[] = [];
  for (let ki = 0; ki < g.kh; ki++) {
    for (let kj = 0; kj < g.kw; kj++) {
      const map = new Int32Array(xSize);
      for (let n = 0; n < g.n; n++) {
        for (let c = 0; c < g.c; c++) {
          const row = ((c * g.kh + ki) * g.kw + kj) * NP + n * P;
          const base = (n * g.c + c) * g.h * g.w;
          for (let iy = 0; iy < g.h; iy++) {
            const ty = iy + g.padH - ki;
            const oy = ty / g.strideH;
            const rowOk = ty >= 0 && Number.isInteger(oy) && oy < g.outH;
            for (let ix = 0; ix < g.w; ix++) {
              const tx = ix + g.padW - kj;
              const ox = tx / g.strideW;
              const ok = rowOk && tx >= 0 && Number.isInteger(ox) && ox < g.outW;
              map[base + iy * g.w + ix] = ok ? row + oy * g.outW + ox : zero;
            }
          }
        }
      }
      col2im.push(map);
    }
  }
  return { im2col, toNchw, fromNchw, col2im };
}

const cache = new WeakMap<Backend, Map<string, SparseConvMaps>>();

/** The index maps of g on `b`, built on first use and kept (persistent int buffers) per backend. */
export function sparseConvMaps(b: Backend, g: ConvGeom): SparseConvMaps {
  let perBackend = cache.get(b);
  if (perBackend === undefined) cache.set(b, (perBackend = new Map()));
  const key = [g.n, g.c, g.h, g.w, g.cout, g.kh, g.kw, g.strideH, g.strideW, g.padH, g.padW, g.outH, g.outW].join(',');
  const hit = perBackend.get(key);
  if (hit !== undefined) return hit;
  const host = convIndexMaps(g);
  const up = (a: Int32Array): IntBuf => {
    const buf = b.allocInt(a.length);
    b.writeInt(buf, a);
    return buf;
  };
  const maps = { im2col: up(host.im2col), toNchw: up(host.toNchw), fromNchw: up(host.fromNchw), col2im: host.col2im.map(up) };
  perBackend.set(key, maps);
  return maps;
}

/** Frees every cached index map of `b` (e.g. between benchmark geometries). */
export function freeSparseConvMaps(b: Backend): void {
  const perBackend = cache.get(b);
  if (perBackend === undefined) return;
  for (const m of perBackend.values()) for (const buf of [m.im2col, m.toNchw, m.fromNchw, ...m.col2im]) b.freeInt(buf);
  cache.delete(b);
}

/**
 * y = act(conv(x, W) + bias) for x [n, cin, h, w] and a sparse W over [cout, cin·kh·kw] (kernel
 * [kh, kw] given, since the SparseWeight only knows the flattened shape): the same function as
 * ops/conv.ts's conv2d, at a cost proportional to W's nonzeros plus the im2col/col2im traffic.
 */
export function sparseConv2d(ctx: Ctx, x: Tensor, w: SparseWeight, kernel: readonly [number, number], bias: Tensor | null, opts: Conv2dOptions = {}): Tensor {
  const b = ctx.backend;
  const [kh, kw] = kernel;
  if (x.shape.length !== 4 || w.cols !== x.shape[1] * kh * kw) {
    throw new Error(`sparseConv2d: input [${x.shape}] (NCHW) does not fit a ${kh}x${kw} weight [${w.rows}, ${w.cols}]`);
  }
  const [n, c, h, wd] = x.shape;
  const g = convGeom(n, c, h, wd, w.rows, [kh, kw], opts.stride ?? 1, opts.padding ?? 'same');
  checkConvGeom(g, 'sparseConv2d');
  const relu = opts.relu ?? false;
  const maps = sparseConvMaps(b, g);
  const NP = g.n * g.outH * g.outW;
  const K = w.cols;
  const xSize = x.size;
  // im2col: x plus a zero slot for the padding, gathered into cols [K, N·P].
  const xz = b.scratch(xSize + 1);
  b.copy(x.buf, xz, xSize);
  const cols = b.scratchUninit(K * NP);
  b.gather(xz, maps.im2col, cols, K * NP);
  const yT = b.scratchUninit(g.cout * NP);
  b.spmm(w.csr, w.values.buf, NP, cols, yT, false, bias?.buf ?? null, relu);
  const y = new Tensor([g.n, g.cout, g.outH, g.outW], b.scratchUninit(g.cout * NP), x.requiresGrad || w.values.requiresGrad);
  b.gather(yT, maps.toNchw, y.buf, g.cout * NP);
  if (ctx.tape !== null && y.requiresGrad) {
    ctx.tape.record(() => {
      if (y.grad === null) return;
      let dyT = b.scratchUninit(g.cout * NP);
      b.gather(y.grad, maps.fromNchw, dyT, g.cout * NP);
      if (relu) {
        const masked = b.scratchUninit(g.cout * NP);
        b.reluBackward(yT, dyT, masked, g.cout * NP, false);
        dyT = masked;
      }
      if (w.values.requiresGrad) {
        const t = gradTarget(b, w.values);
        b.sddmm(w.csr, NP, dyT, cols, t.g, t.acc);
      }
      if (bias !== null && bias.requiresGrad) {
        const t = gradTarget(b, bias);
        b.rowSum(dyT, t.g, g.cout, NP, t.acc);
      }
      if (x.requiresGrad) inputGrad(b, x, w, maps, dyT, K * NP, xSize);
    });
  }
  return y;
}

// dx (+)= col2im(Wᵀ · dyT).
function inputGrad(b: Backend, x: Tensor, w: SparseWeight, maps: SparseConvMaps, dyT: Buf, colSize: number, xSize: number): void {
  const t = gradTarget(b, x);
  const dcols = b.scratch(colSize + 1); // the last element stays zero: the target of padding
  b.spmm(w.csc, w.values.buf, colSize / w.cols, dyT, dcols, false);
  const part = b.scratchUninit(xSize);
  maps.col2im.forEach((map, o) => {
    if (o === 0 && !t.acc) {
      b.gather(dcols, map, t.g, xSize);
      return;
    }
    b.gather(dcols, map, part, xSize);
    b.add(t.g, part, t.g, xSize);
  });
}
