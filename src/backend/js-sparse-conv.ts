/**
 * The sparse convolution family of the js backend: the textbook sums of a
 * convolution, taken over the nonzeros of the CSR filter bank only, with float64 accumulation
 * and every CSR index checked. The oracle the wasm and tfjs kernels are tested against.
 */
import type { Buf, ConvGeom, CsrIndex, SparseConvOps } from './backend.ts';
import { convSizes } from './conv-geom.ts';
import { channelBiasActRef } from './js-conv.ts';
import { arr } from './js-memory.ts';
import { unpack } from './js-sparse.ts';
import { checkSparseConv } from './sparse-conv-geom.ts';

/**
 * Calls f(yIndex, xIndex, j) for every (output pixel, nonzero j) pair whose input pixel lies
 * inside the image; column (ci·kh + ki)·kw + kj of row co is tap (ki, kj) of channel ci.
 */
function eachTap(a: CsrIndex, g: ConvGeom, nvals: number, what: string, f: (yi: number, xi: number, j: number) => void): void {
  const { ptr, col } = unpack(a, what, nvals);
  const taps = g.kh * g.kw;
  for (let i = 0; i < g.n; i++) for (let co = 0; co < g.cout; co++) {
    for (let j = ptr[co]; j < ptr[co + 1]; j++) {
      const ci = Math.floor(col[j] / taps);
      const ki = Math.floor((col[j] % taps) / g.kw);
      const kj = col[j] % g.kw;
      for (let oy = 0; oy < g.outH; oy++) {
        const r = oy * g.strideH - g.padH + ki;
        if (r < 0 || r >= g.h) continue;
        for (let ox = 0; ox < g.outW; ox++) {
          const s = ox * g.strideW - g.padW + kj;
          if (s < 0 || s >= g.w) continue;
          f(((i * g.cout + co) * g.outH + oy) * g.outW + ox, ((i * g.c + ci) * g.h + r) * g.w + s, j);
        }
      }
    }
  }
}

// Writes acc (float64) into out, adding to what is there when accumulate.
function store(out: Float32Array, acc: Float64Array, accumulate: boolean): void {
  for (let i = 0; i < acc.length; i++) out[i] = accumulate ? out[i] + acc[i] : acc[i];
}

/** y (+)= x ⋆ W (bias and ReLU are the caller's). */
export function sparseConv2dRef(a: CsrIndex, vals: Float32Array, x: Float32Array, y: Float32Array, g: ConvGeom, accumulate: boolean): void {
  const acc = new Float64Array(g.n * g.cout * g.outH * g.outW);
  eachTap(a, g, vals.length, 'sparseConv2d', (yi, xi, j) => (acc[yi] += vals[j] * x[xi]));
  store(y, acc, accumulate);
}

/** dx (+)= each tap's dy * v, landed on the input pixel it read. */
export function sparseConv2dBackwardDataRef(a: CsrIndex, vals: Float32Array, dy: Float32Array, dx: Float32Array, g: ConvGeom, accumulate: boolean): void {
  const acc = new Float64Array(g.n * g.c * g.h * g.w);
  eachTap(a, g, vals.length, 'sparseConv2dBackwardData', (yi, xi, j) => (acc[xi] += vals[j] * dy[yi]));
  store(dx, acc, accumulate);
}

/** dv[j] (+)= the sum of dy * x over the taps of nonzero j. */
export function sparseConv2dBackwardWeightsRef(a: CsrIndex, x: Float32Array, dy: Float32Array, dv: Float32Array, g: ConvGeom, accumulate: boolean): void {
  const acc = new Float64Array(a.nnz);
  eachTap(a, g, dv.length, 'sparseConv2dBackwardWeights', (yi, xi, j) => (acc[j] += dy[yi] * x[xi]));
  for (let j = 0; j < a.nnz; j++) dv[j] = accumulate ? dv[j] + acc[j] : acc[j];
}

/** The sparse convolution family of the js backend: size and geometry checks around the loops above. */
export class JsSparseConvOps implements SparseConvOps {
  sparseConv2d(a: CsrIndex, vals: Buf, x: Buf, y: Buf, g: ConvGeom, accumulate: boolean, bias: Buf | null = null, relu = false): void {
    checkSparseConv(a, g, 'sparseConv2d');
    const z = convSizes(g);
    const ys = arr(y, z.y, 'sparseConv2d y');
    const bs = bias ? arr(bias, g.cout, 'sparseConv2d bias') : null;
    sparseConv2dRef(a, arr(vals, 0, 'sparseConv2d vals'), arr(x, z.x, 'sparseConv2d x'), ys, g, accumulate);
    if (bs !== null || relu) channelBiasActRef(ys, bs ?? new Float32Array(g.cout), ys, g.n, g.cout, g.outH * g.outW, relu);
  }
  sparseConv2dBackwardData(a: CsrIndex, vals: Buf, dy: Buf, dx: Buf, g: ConvGeom, accumulate: boolean): void {
    checkSparseConv(a, g, 'sparseConv2dBackwardData');
    const z = convSizes(g);
    sparseConv2dBackwardDataRef(a, arr(vals, 0, 'sparseConv2dBackwardData vals'), arr(dy, z.y, 'sparseConv2dBackwardData dy'),
      arr(dx, z.x, 'sparseConv2dBackwardData dx'), g, accumulate);
  }
  sparseConv2dBackwardWeights(a: CsrIndex, x: Buf, dy: Buf, dv: Buf, g: ConvGeom, accumulate: boolean): void {
    checkSparseConv(a, g, 'sparseConv2dBackwardWeights');
    const z = convSizes(g);
    sparseConv2dBackwardWeightsRef(a, arr(x, z.x, 'sparseConv2dBackwardWeights x'), arr(dy, z.y, 'sparseConv2dBackwardWeights dy'),
      arr(dv, a.nnz, 'sparseConv2dBackwardWeights dv'), g, accumulate);
  }
}
