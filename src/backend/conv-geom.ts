/**
 * Geometry of 2-D convolution and pooling windows over NCHW tensors: building it from a layer's
 * settings ('same' / 'valid' / explicit padding), checking it before a kernel runs, and the
 * buffer sizes it implies. Shared by every backend so they agree on what a geometry means.
 */
import type { ConvGeom, PoolGeom } from './backend.ts';

/** Padding of a conv or pool layer: TensorFlow 'same' / 'valid', or zeros on every side. */
export type Padding = 'same' | 'valid' | number;

/** Output size and leading padding of one spatial axis. */
function axis(size: number, k: number, stride: number, padding: Padding): { out: number; pad: number } {
  if (padding === 'valid') return { out: size >= k ? Math.floor((size - k) / stride) + 1 : 0, pad: 0 };
  if (padding === 'same') {
    // TensorFlow: out = ceil(size / stride), the odd pixel of padding goes after (bottom/right).
    const out = Math.ceil(size / stride);
    const total = Math.max((out - 1) * stride + k - size, 0);
    return { out, pad: Math.floor(total / 2) };
  }
  const span = size + 2 * padding - k;
  return { out: span >= 0 ? Math.floor(span / stride) + 1 : 0, pad: padding };
}

/**
 * The window part of a geometry for an [h, w] input, square or [kh, kw] kernel and stride,
 * and `padding`. Throws a RangeError for non-positive kernels/strides or negative padding.
 */
export function windowGeom(h: number, w: number, kernel: number | readonly [number, number], stride: number | readonly [number, number], padding: Padding) {
  const [kh, kw] = typeof kernel === 'number' ? [kernel, kernel] : kernel;
  const [sh, sw] = typeof stride === 'number' ? [stride, stride] : stride;
  for (const [v, what] of [[kh, 'kernel height'], [kw, 'kernel width'], [sh, 'stride'], [sw, 'stride']] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`${what} must be an integer >= 1, got ${v}`);
  }
  if (typeof padding === 'number' && (!Number.isInteger(padding) || padding < 0)) {
    throw new RangeError(`padding must be 'same', 'valid' or an integer >= 0, got ${padding}`);
  }
  const y = axis(h, kh, sh, padding);
  const x = axis(w, kw, sw, padding);
  return { kh, kw, strideH: sh, strideW: sw, padH: y.pad, padW: x.pad, outH: y.out, outW: x.out };
}

/** The geometry of a convolution of an [n, c, h, w] input to `cout` channels. */
export function convGeom(n: number, c: number, h: number, w: number, cout: number, kernel: number | readonly [number, number], stride: number | readonly [number, number] = 1, padding: Padding = 'same'): ConvGeom {
  return { n, c, h, w, cout, ...windowGeom(h, w, kernel, stride, padding) };
}

/** The geometry of a pooling window over an [n, c, h, w] input. */
export function poolGeom(n: number, c: number, h: number, w: number, kernel: number | readonly [number, number], stride: number | readonly [number, number] = kernel, padding: Padding = 'valid'): PoolGeom {
  return { n, c, h, w, ...windowGeom(h, w, kernel, stride, padding) };
}

const FIELDS = ['n', 'c', 'h', 'w', 'kh', 'kw', 'strideH', 'strideW', 'padH', 'padW', 'outH', 'outW'] as const;

/** Throws a RangeError naming the op unless every field is a non-negative integer and kernel/stride >= 1. */
export function checkConvGeom(g: PoolGeom & { cout?: number }, what: string): void {
  for (const f of [...FIELDS, ...(g.cout === undefined ? [] : ['cout' as const])]) {
    const v = g[f];
    if (!Number.isInteger(v) || (v as number) < 0) throw new RangeError(`${what}: geometry field ${f} must be an integer >= 0, got ${v}`);
  }
  if (g.kh < 1 || g.kw < 1 || g.strideH < 1 || g.strideW < 1) {
    throw new RangeError(`${what}: kernel ${g.kh}x${g.kw} and stride ${g.strideH}x${g.strideW} must be >= 1`);
  }
}

/**
 * checkConvGeom, plus: every pooling window must hold at least one input pixel (padding below
 * the kernel size, and the last window starting inside the input), since max pooling skips
 * padding instead of reading it.
 */
export function checkPoolGeom(g: PoolGeom, what: string): void {
  checkConvGeom(g, what);
  const rows = g.outH === 0 || (g.padH < g.kh && (g.outH - 1) * g.strideH - g.padH < g.h);
  const cols = g.outW === 0 || (g.padW < g.kw && (g.outW - 1) * g.strideW - g.padW < g.w);
  if (!rows || !cols) {
    throw new RangeError(`${what}: a ${g.outH}x${g.outW} output of ${g.kh}x${g.kw} windows (stride ${g.strideH}x${g.strideW}, padding ${g.padH}/${g.padW}) has a window outside the ${g.h}x${g.w} input`);
  }
}

/** Elements of the input, weight and output of a convolution. */
export function convSizes(g: ConvGeom): { x: number; w: number; y: number } {
  return { x: g.n * g.c * g.h * g.w, w: g.cout * g.c * g.kh * g.kw, y: g.n * g.cout * g.outH * g.outW };
}

/** Elements of the input and output of a pooling layer. */
export function poolSizes(g: PoolGeom): { x: number; y: number } {
  return { x: g.n * g.c * g.h * g.w, y: g.n * g.c * g.outH * g.outW };
}

// Output pixels a GEMM of a group should span at least: below a few hundred columns the
// per-call packing of the weights and the 4x8 kernel's tile overhead dominate.
const MIN_GROUP_COLUMNS = 256;

/** The three passes of a convolution, each with its own workspace layout (assembly/conv.ts). */
export type ConvPass = 'forward' | 'backwardData' | 'backwardWeights';

// When the fused routes win (measured on Zen 3, batch 60-64, interleaved best-of-12): packing B
// straight from the images costs more per value than copying a column matrix, so it needs
// >= 32 GEMM rows to reuse each value (it lost at 16->16 28x28, won 5-12% from 32->32 32x32);
// and rows of 8 output pixels must not straddle image rows (it lost at 16->64 14x14, where
// half the panels do), unless a row holds fewer than 8 pixels anyway (won at 4x4).
const FUSED_MIN_ROWS = 32;
const rowsAlign = (w: number): boolean => w % 8 === 0 || w < 8;

// Images per GEMM for planes of `pixels` output pixels.
function groupFor(n: number, pixels: number): number {
  return Math.max(1, Math.min(n, Math.ceil(MIN_GROUP_COLUMNS / Math.max(pixels, 1))));
}

// Bytes of `floats` f32 values rounded up to 16, as the kernels lay workspace parts out.
const aligned = (floats: number): number => Math.ceil((floats * 4) / 16) * 16;

/** How assembly/conv.ts runs one pass: images per GEMM, the route, and workspace bytes. */
export interface ConvPlan {
  group: number;
  /**
   * Forward: B packed from the images; backward-data: a forward conv with the flipped kernel;
   * backward-weights: the transposed product dwᵀ = col · dyᵀ (when K < cout).
   */
  fused: boolean;
  bytes: number;
}

/** The plan of `pass` for geometry g (the workspace layouts are listed in assembly/conv.ts). */
export function convPlan(g: ConvGeom, pass: ConvPass): ConvPlan {
  const p = g.outH * g.outW;
  const k = g.c * g.kh * g.kw;
  const group = groupFor(g.n, p);
  const colPlan = { group, fused: false, bytes: aligned(k * group * p) + (group > 1 ? aligned(g.cout * group * p) : 0) };
  if (pass === 'forward' && g.cout >= FUSED_MIN_ROWS && rowsAlign(g.outW)) return { group, fused: true, bytes: group > 1 ? aligned(g.cout * group * p) : 0 };
  if (pass === 'backwardData' && g.strideH === 1 && g.strideW === 1 && g.c >= FUSED_MIN_ROWS && g.w >= 16 && g.w % 8 === 0) {
    // A forward convolution of dy (h*w output pixels) with the flipped kernel; it lost at
    // 8x8 planes (64->128) and won at 16x16 and 32x32.
    const gd = groupFor(g.n, g.h * g.w);
    return { group: gd, fused: true, bytes: aligned(g.c * g.cout * g.kh * g.kw) + (gd > 1 ? aligned(g.c * gd * g.h * g.w) : 0) };
  }
  if (pass === 'backwardWeights' && k < g.cout) {
    // Pre-broadcast packing quadruples the A operand, so A should be the smaller of dy and col.
    return { ...colPlan, fused: true, bytes: colPlan.bytes + aligned(k * g.cout) };
  }
  return colPlan;
}
