// The small-batch path: y = act(W·x + b) for one input row, with W [rows, cols] packed once
// (per model) into panels of 16 rows, column-major inside a panel:
//
//   packed[p][k][r] = W[16p + r, k]   (r < 16; rows past the last are zeros)
//
// so one mat-vec streams the weights once, in order, and keeps four f32x4 accumulators (16
// outputs) per panel: no packing per call and no wasted micro-kernel rows, unlike the 4x8 GEMM
// at m = 1. src/backend/gemv-layout.ts holds the same layout for the other backends.

import { madd } from './simd';

const PANEL: i32 = 16;

/** Packs row-major w [rows, cols] into `packed` (gemvPackedSize(rows, cols) floats). */
export function gemv_pack_f32(w: usize, rows: i32, cols: i32, packed: usize): void {
  const panels = (rows + PANEL - 1) / PANEL;
  for (let p = 0; p < panels; p++) {
    const base = packed + (<usize>p * <usize>cols * PANEL << 2);
    for (let r = 0; r < PANEL; r++) {
      const row = p * PANEL + r;
      if (row < rows) {
        const src = w + (<usize>row * <usize>cols << 2);
        for (let k = 0; k < cols; k++) store<f32>(base + ((<usize>k * PANEL + r) << 2), load<f32>(src + (<usize>k << 2)));
      } else {
        for (let k = 0; k < cols; k++) store<f32>(base + ((<usize>k * PANEL + r) << 2), 0);
      }
    }
  }
}

/** y[rows] = W·x + bias, then ReLU when relu; W packed by gemv_pack_f32; x [cols]. */
export function gemv_f32(packed: usize, rows: i32, cols: i32, x: usize, bias: usize, relu: bool, y: usize): void {
  const panels = (rows + PANEL - 1) / PANEL;
  const zero = f32x4.splat(0);
  const c2 = cols & ~1;
  for (let p = 0; p < panels; p++) {
    let w = packed + (<usize>p * <usize>cols * PANEL << 2);
    let a0 = zero, a1 = zero, a2 = zero, a3 = zero;
    let k = 0;
    // two k-steps per iteration: 8 loads and two splats in flight, 4 accumulators
    for (; k < c2; k += 2) {
      const x0 = f32x4.splat(load<f32>(x + (<usize>k << 2)));
      const x1 = f32x4.splat(load<f32>(x + (<usize>k << 2), 4));
      a0 = madd(a0, v128.load(w), x0);
      a1 = madd(a1, v128.load(w, 16), x0);
      a2 = madd(a2, v128.load(w, 32), x0);
      a3 = madd(a3, v128.load(w, 48), x0);
      a0 = madd(a0, v128.load(w, 64), x1);
      a1 = madd(a1, v128.load(w, 80), x1);
      a2 = madd(a2, v128.load(w, 96), x1);
      a3 = madd(a3, v128.load(w, 112), x1);
      w += 128;
    }
    if (k < cols) {
      const x0 = f32x4.splat(load<f32>(x + (<usize>k << 2)));
      a0 = madd(a0, v128.load(w), x0);
      a1 = madd(a1, v128.load(w, 16), x0);
      a2 = madd(a2, v128.load(w, 32), x0);
      a3 = madd(a3, v128.load(w, 48), x0);
    }
    const r0 = p * PANEL;
    const yp = y + (<usize>r0 << 2);
    const bp = bias + (<usize>r0 << 2);
    if (r0 + PANEL <= rows) {
      epilogue(yp, a0, bp, relu);
      epilogue(yp + 16, a1, bp + 16, relu);
      epilogue(yp + 32, a2, bp + 32, relu);
      epilogue(yp + 48, a3, bp + 48, relu);
    } else {
      // the last, partial panel: lane by lane
      const n = rows - r0;
      for (let r = 0; r < n; r++) {
        const q = r >> 2;
        const a = q === 0 ? a0 : q === 1 ? a1 : q === 2 ? a2 : a3;
        let v = lane(a, r & 3) + load<f32>(bp + (<usize>r << 2));
        if (relu && !(v > 0)) v = 0;
        store<f32>(yp + (<usize>r << 2), v);
      }
    }
  }
}

@inline
function epilogue(y: usize, a: v128, b: usize, relu: bool): void {
  let v = f32x4.add(a, v128.load(b));
  if (relu) v = v128.and(v, f32x4.gt(v, f32x4.splat(0)));
  v128.store(y, v);
}

@inline
function lane(a: v128, i: i32): f32 {
  return i === 0 ? f32x4.extract_lane(a, 0) : i === 1 ? f32x4.extract_lane(a, 1) : i === 2 ? f32x4.extract_lane(a, 2) : f32x4.extract_lane(a, 3);
}
