// The small-batch path: y = act(W·x + b) for one input row, with W [rows, cols] packed once
// (per model) into panels of 16 rows, column-major inside a panel:
//
//   packed[p][k][r] = W[16p + r, k]   (r < 16; rows past the last are zeros)
//
// so one mat-vec streams the weights once, in order, and keeps four f32x4 accumulators (16
// outputs) per panel: no packing per call and no wasted micro-kernel rows, unlike the 4x8 GEMM
// at m = 1. src/backend/gemv-layout.ts holds the same layout for the other backends.

import { hsum4, madd } from './simd';

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

// The trainer's m = 1 GEMMs (one row of activations against an unpacked weight): the backend's
// gemm routes them here instead of the 4x8 micro-kernel, which would pack all of B per call and
// fill 1 of its 4 rows.

/** c[j] (+)= sum_p a[p]·b[j, p] for j < n: one row times row-major b [n, k] transposed (gemm NT at m = 1). */
export function gemv_nt_f32(n: i32, k: i32, a: usize, b: usize, c: usize, acc: bool): void {
  const k4 = k & ~3;
  const rowBytes = <usize>k << 2;
  let j = 0;
  // four rows of b at a time: four independent f32x4 dot products, one horizontal sum
  for (; j + 4 <= n; j += 4) {
    const r0 = b + <usize>j * rowBytes;
    const r1 = r0 + rowBytes;
    const r2 = r1 + rowBytes;
    const r3 = r2 + rowBytes;
    let s0 = f32x4.splat(0), s1 = s0, s2 = s0, s3 = s0;
    let p = 0;
    for (; p < k4; p += 4) {
      const o = <usize>p << 2;
      const x = v128.load(a + o);
      s0 = madd(s0, v128.load(r0 + o), x);
      s1 = madd(s1, v128.load(r1 + o), x);
      s2 = madd(s2, v128.load(r2 + o), x);
      s3 = madd(s3, v128.load(r3 + o), x);
    }
    let v = hsum4(s0, s1, s2, s3);
    if (p < k) {
      let t0: f32 = 0, t1: f32 = 0, t2: f32 = 0, t3: f32 = 0;
      for (; p < k; p++) {
        const o = <usize>p << 2;
        const x = load<f32>(a + o);
        t0 += load<f32>(r0 + o) * x;
        t1 += load<f32>(r1 + o) * x;
        t2 += load<f32>(r2 + o) * x;
        t3 += load<f32>(r3 + o) * x;
      }
      v = f32x4.add(v, f32x4(t0, t1, t2, t3));
    }
    const cp = c + (<usize>j << 2);
    v128.store(cp, acc ? f32x4.add(v128.load(cp), v) : v);
  }
  for (; j < n; j++) {
    const r = b + <usize>j * rowBytes;
    let s = f32x4.splat(0);
    let p = 0;
    for (; p < k4; p += 4) {
      const o = <usize>p << 2;
      s = madd(s, v128.load(r + o), v128.load(a + o));
    }
    let t = f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3);
    for (; p < k; p++) t += load<f32>(r + (<usize>p << 2)) * load<f32>(a + (<usize>p << 2));
    const cp = c + (<usize>j << 2);
    store<f32>(cp, acc ? load<f32>(cp) + t : t);
  }
}

/** c[j] (+)= sum_p a[p]·b[p, j] for j < n: one row times row-major b [k, n] (gemm NN, or TN, at m = 1). */
export function gemv_nn_f32(n: i32, k: i32, a: usize, b: usize, c: usize, acc: bool): void {
  if (!acc) memory.fill(c, 0, <usize>n << 2);
  const n4 = n & ~3;
  const rowBytes = <usize>n << 2;
  // c stays in L1 (n is a layer width); each row of b is read once, in order
  for (let p = 0; p < k; p++) {
    const r = b + <usize>p * rowBytes;
    const xs = load<f32>(a + (<usize>p << 2));
    const x = f32x4.splat(xs);
    let j = 0;
    for (; j < n4; j += 4) {
      const o = <usize>j << 2;
      v128.store(c + o, madd(v128.load(c + o), v128.load(r + o), x));
    }
    for (; j < n; j++) {
      const o = <usize>j << 2;
      store<f32>(c + o, load<f32>(c + o) + load<f32>(r + o) * xs);
    }
  }
}
