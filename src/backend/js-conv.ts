/**
 * The conv and pool families of the js backend: convolution, pooling, batch norm, each written
 * as the textbook definition with float64 accumulation. Slow on purpose: they are the oracle
 * the wasm kernels are tested against. The loops trust their arrays; JsConvOps (at the end)
 * checks sizes and geometry first.
 */
import type { Buf, ConvGeom, ConvOps, PoolGeom, PoolOps } from './backend.ts';
import { checkConvGeom, checkPoolGeom, convSizes, poolSizes } from './conv-geom.ts';
import { arr } from './js-memory.ts';

// Index of x[i, ch, r, s] in an [n, c, h, w] array.
const at = (c: number, h: number, w: number, i: number, ch: number, r: number, s: number): number => ((i * c + ch) * h + r) * w + s;

/** Writes acc (float64) into out, adding to what is there when accumulate. */
function store(out: Float32Array, acc: Float64Array, accumulate: boolean): void {
  for (let i = 0; i < acc.length; i++) out[i] = accumulate ? out[i] + acc[i] : acc[i];
}

/**
 * Calls f(yIndex, xIndex, wIndex) for every (output pixel, weight) pair whose input
 * pixel (r, s) lies inside the image: the sum every convolution formula runs over.
 */
function eachTap(g: ConvGeom, f: (yi: number, xi: number, wi: number) => void): void {
  for (let i = 0; i < g.n; i++) for (let co = 0; co < g.cout; co++) {
    for (let oy = 0; oy < g.outH; oy++) for (let ox = 0; ox < g.outW; ox++) {
      const yi = at(g.cout, g.outH, g.outW, i, co, oy, ox);
      for (let ci = 0; ci < g.c; ci++) for (let a = 0; a < g.kh; a++) for (let b = 0; b < g.kw; b++) {
        const r = oy * g.strideH - g.padH + a;
        const s = ox * g.strideW - g.padW + b;
        if (r < 0 || r >= g.h || s < 0 || s >= g.w) continue;
        f(yi, at(g.c, g.h, g.w, i, ci, r, s), ((co * g.c + ci) * g.kh + a) * g.kw + b);
      }
    }
  }
}

/** y = x ⋆ w. */
export function conv2dRef(x: Float32Array, w: Float32Array, y: Float32Array, g: ConvGeom): void {
  const acc = new Float64Array(g.n * g.cout * g.outH * g.outW);
  eachTap(g, (yi, xi, wi) => (acc[yi] += x[xi] * w[wi]));
  store(y, acc, false);
}

/** dx (+)= dL/dx: each tap's dy * w lands on the input pixel it read. */
export function conv2dBackwardDataRef(dy: Float32Array, w: Float32Array, dx: Float32Array, g: ConvGeom, accumulate: boolean): void {
  const acc = new Float64Array(g.n * g.c * g.h * g.w);
  eachTap(g, (yi, xi, wi) => (acc[xi] += dy[yi] * w[wi]));
  store(dx, acc, accumulate);
}

/** dw (+)= dL/dw: each tap's dy * x lands on its weight. */
export function conv2dBackwardWeightsRef(x: Float32Array, dy: Float32Array, dw: Float32Array, g: ConvGeom, accumulate: boolean): void {
  const acc = new Float64Array(g.cout * g.c * g.kh * g.kw);
  eachTap(g, (yi, xi, wi) => (acc[wi] += dy[yi] * x[xi]));
  store(dw, acc, accumulate);
}

/** y = x + bias per channel, then ReLU when relu. */
export function channelBiasActRef(x: Float32Array, bias: Float32Array, y: Float32Array, n: number, c: number, plane: number, relu: boolean): void {
  for (let i = 0; i < n * c * plane; i++) {
    const v = Math.fround(x[i] + bias[Math.floor(i / plane) % c]);
    y[i] = relu && !(v > 0) ? 0 : v;
  }
}

/** db (+)= per-channel sum of dy. */
export function channelSumRef(dy: Float32Array, db: Float32Array, n: number, c: number, plane: number, accumulate: boolean): void {
  const acc = new Float64Array(c);
  for (let i = 0; i < n * c * plane; i++) acc[Math.floor(i / plane) % c] += dy[i];
  store(db, acc, accumulate);
}

/** Index of the first maximum (scan keeping v > best) of window (oy, ox) of plane pl. */
function argmaxWindow(x: Float32Array, g: PoolGeom, pl: number, oy: number, ox: number): number {
  let best = -1;
  for (let a = 0; a < g.kh; a++) for (let b = 0; b < g.kw; b++) {
    const r = oy * g.strideH - g.padH + a;
    const s = ox * g.strideW - g.padW + b;
    if (r < 0 || r >= g.h || s < 0 || s >= g.w) continue;
    const xi = (pl * g.h + r) * g.w + s;
    if (best < 0 || x[xi] > x[best]) best = xi;
  }
  return best;
}

/** Max pooling. */
export function maxPool2dRef(x: Float32Array, y: Float32Array, g: PoolGeom): void {
  for (let pl = 0; pl < g.n * g.c; pl++) for (let oy = 0; oy < g.outH; oy++) for (let ox = 0; ox < g.outW; ox++) {
    y[(pl * g.outH + oy) * g.outW + ox] = x[argmaxWindow(x, g, pl, oy, ox)];
  }
}

/** dx (+)= dy routed to each window's maximum. */
export function maxPool2dBackwardRef(x: Float32Array, dy: Float32Array, dx: Float32Array, g: PoolGeom, accumulate: boolean): void {
  const acc = new Float64Array(g.n * g.c * g.h * g.w);
  for (let pl = 0; pl < g.n * g.c; pl++) for (let oy = 0; oy < g.outH; oy++) for (let ox = 0; ox < g.outW; ox++) {
    acc[argmaxWindow(x, g, pl, oy, ox)] += dy[(pl * g.outH + oy) * g.outW + ox];
  }
  store(dx, acc, accumulate);
}

/** Mean of each plane. */
export function globalAvgPoolRef(x: Float32Array, y: Float32Array, nc: number, plane: number): void {
  for (let i = 0; i < nc; i++) {
    let s = 0;
    for (let p = 0; p < plane; p++) s += x[i * plane + p];
    y[i] = plane > 0 ? s / plane : 0;
  }
}

/** dx (+)= dy / plane broadcast over each plane. */
export function globalAvgPoolBackwardRef(dy: Float32Array, dx: Float32Array, nc: number, plane: number, accumulate: boolean): void {
  for (let i = 0; i < nc * plane; i++) {
    const g = dy[Math.floor(i / plane)] / plane;
    dx[i] = accumulate ? dx[i] + g : g;
  }
}

/** Calls f(index) for every element of channel ch of an [n, c, plane] array. */
function eachInChannel(n: number, c: number, plane: number, ch: number, f: (i: number) => void): void {
  for (let i = 0; i < n; i++) for (let p = 0; p < plane; p++) f((i * c + ch) * plane + p);
}

/** Batch mean and biased variance per channel (two passes). */
export function batchNormStatsRef(x: Float32Array, mean: Float32Array, variance: Float32Array, n: number, c: number, plane: number): void {
  const count = n * plane;
  for (let ch = 0; ch < c; ch++) {
    let s = 0;
    eachInChannel(n, c, plane, ch, (i) => (s += x[i]));
    const m = count > 0 ? s / count : 0;
    let s2 = 0;
    eachInChannel(n, c, plane, ch, (i) => (s2 += (x[i] - m) ** 2));
    mean[ch] = m;
    variance[ch] = count > 0 ? s2 / count : 0;
  }
}

/** y = gamma * (x - mean) / sqrt(var + eps) + beta. */
export function batchNormForwardRef(x: Float32Array, mean: Float32Array, variance: Float32Array, gamma: Float32Array, beta: Float32Array, y: Float32Array, n: number, c: number, plane: number, eps: number): void {
  for (let ch = 0; ch < c; ch++) {
    const inv = 1 / Math.sqrt(variance[ch] + eps);
    eachInChannel(n, c, plane, ch, (i) => (y[i] = gamma[ch] * (x[i] - mean[ch]) * inv + beta[ch]));
  }
}

/** The batch-norm gradients in their textbook form (see Backend.batchNormBackward). */
export function batchNormBackwardRef(x: Float32Array, dy: Float32Array, mean: Float32Array, variance: Float32Array, gamma: Float32Array,
  dx: Float32Array, dgamma: Float32Array, dbeta: Float32Array, n: number, c: number, plane: number, eps: number, batchStats: boolean, accumulate: boolean): void {
  const count = n * plane;
  for (let ch = 0; ch < c; ch++) {
    const inv = 1 / Math.sqrt(variance[ch] + eps);
    const xhat = (i: number): number => (x[i] - mean[ch]) * inv;
    let sdy = 0;
    let sdyx = 0;
    eachInChannel(n, c, plane, ch, (i) => {
      sdy += dy[i];
      sdyx += dy[i] * xhat(i);
    });
    dgamma[ch] = sdyx;
    dbeta[ch] = sdy;
    eachInChannel(n, c, plane, ch, (i) => {
      const g = batchStats ? (gamma[ch] * inv * (count * dy[i] - sdy - xhat(i) * sdyx)) / count : gamma[ch] * inv * dy[i];
      dx[i] = accumulate ? dx[i] + g : g;
    });
  }
}

/** The conv and pool families of the js backend: size and geometry checks around the loops above. */
export class JsConvOps implements ConvOps, PoolOps {
  conv2d(x: Buf, w: Buf, y: Buf, g: ConvGeom): void {
    checkConvGeom(g, 'conv2d');
    const z = convSizes(g);
    conv2dRef(arr(x, z.x, 'conv2d x'), arr(w, z.w, 'conv2d w'), arr(y, z.y, 'conv2d y'), g);
  }
  conv2dBackwardData(dy: Buf, w: Buf, dx: Buf, g: ConvGeom, accumulate: boolean): void {
    checkConvGeom(g, 'conv2dBackwardData');
    const z = convSizes(g);
    conv2dBackwardDataRef(arr(dy, z.y, 'conv2dBackwardData dy'), arr(w, z.w, 'conv2dBackwardData w'), arr(dx, z.x, 'conv2dBackwardData dx'), g, accumulate);
  }
  conv2dBackwardWeights(x: Buf, dy: Buf, dw: Buf, g: ConvGeom, accumulate: boolean): void {
    checkConvGeom(g, 'conv2dBackwardWeights');
    const z = convSizes(g);
    conv2dBackwardWeightsRef(arr(x, z.x, 'conv2dBackwardWeights x'), arr(dy, z.y, 'conv2dBackwardWeights dy'), arr(dw, z.w, 'conv2dBackwardWeights dw'), g, accumulate);
  }
  channelBiasAct(x: Buf, bias: Buf, y: Buf, n: number, c: number, plane: number, relu: boolean): void {
    const size = n * c * plane;
    channelBiasActRef(arr(x, size, 'channelBiasAct x'), arr(bias, c, 'channelBiasAct bias'), arr(y, size, 'channelBiasAct y'), n, c, plane, relu);
  }
  channelSum(dy: Buf, db: Buf, n: number, c: number, plane: number, accumulate: boolean): void {
    channelSumRef(arr(dy, n * c * plane, 'channelSum dy'), arr(db, c, 'channelSum db'), n, c, plane, accumulate);
  }
  maxPool2d(x: Buf, y: Buf, g: PoolGeom): void {
    checkPoolGeom(g, 'maxPool2d');
    const z = poolSizes(g);
    maxPool2dRef(arr(x, z.x, 'maxPool2d x'), arr(y, z.y, 'maxPool2d y'), g);
  }
  maxPool2dBackward(x: Buf, dy: Buf, dx: Buf, g: PoolGeom, accumulate: boolean): void {
    checkPoolGeom(g, 'maxPool2dBackward');
    const z = poolSizes(g);
    maxPool2dBackwardRef(arr(x, z.x, 'maxPool2dBackward x'), arr(dy, z.y, 'maxPool2dBackward dy'), arr(dx, z.x, 'maxPool2dBackward dx'), g, accumulate);
  }
  globalAvgPool(x: Buf, y: Buf, nc: number, plane: number): void {
    globalAvgPoolRef(arr(x, nc * plane, 'globalAvgPool x'), arr(y, nc, 'globalAvgPool y'), nc, plane);
  }
  globalAvgPoolBackward(dy: Buf, dx: Buf, nc: number, plane: number, accumulate: boolean): void {
    globalAvgPoolBackwardRef(arr(dy, nc, 'globalAvgPoolBackward dy'), arr(dx, nc * plane, 'globalAvgPoolBackward dx'), nc, plane, accumulate);
  }
  batchNormStats(x: Buf, mean: Buf, variance: Buf, n: number, c: number, plane: number): void {
    batchNormStatsRef(arr(x, n * c * plane, 'batchNormStats x'), arr(mean, c, 'batchNormStats mean'), arr(variance, c, 'batchNormStats variance'), n, c, plane);
  }
  batchNormForward(x: Buf, mean: Buf, variance: Buf, gamma: Buf, beta: Buf, y: Buf, n: number, c: number, plane: number, eps: number): void {
    const size = n * c * plane;
    const [m, v, ga, be] = [mean, variance, gamma, beta].map((b, i) => arr(b, c, `batchNormForward ${['mean', 'variance', 'gamma', 'beta'][i]}`));
    batchNormForwardRef(arr(x, size, 'batchNormForward x'), m, v, ga, be, arr(y, size, 'batchNormForward y'), n, c, plane, eps);
  }
  batchNormBackward(x: Buf, dy: Buf, mean: Buf, variance: Buf, gamma: Buf, dx: Buf, dgamma: Buf, dbeta: Buf,
    n: number, c: number, plane: number, eps: number, batchStats: boolean, accumulate: boolean): void {
    const size = n * c * plane;
    const [m, v, ga, dg, db] = [mean, variance, gamma, dgamma, dbeta].map((b, i) => arr(b, c, `batchNormBackward ${['mean', 'variance', 'gamma', 'dgamma', 'dbeta'][i]}`));
    batchNormBackwardRef(arr(x, size, 'batchNormBackward x'), arr(dy, size, 'batchNormBackward dy'), m, v, ga,
      arr(dx, size, 'batchNormBackward dx'), dg, db, n, c, plane, eps, batchStats, accumulate);
  }
}
