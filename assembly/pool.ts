// Pooling over NCHW f32 planes (nc = batch * channels planes of h x w).
// Max pool: window (kh, kw), stride (sh, sw), top/left padding (ph, pw) that is skipped rather
// than read as 0 (PyTorch's -inf padding); the caller guarantees ph < kh and pw < kw, so every
// window holds at least one pixel. The maximum is the first strictly greater value in window
// row-major order (v > best), and the backward routes each gradient to that same pixel.
// The 2x2 stride-2 unpadded case, every pooling layer of the paper's models, has an f32x4 path.

// Max of four 2x2 windows (output columns ox..ox+3) whose rows start at r0 and r1 of an
// unpadded plane. pmax(a, b) = a < b ? b : a is the scalar `if (v > best) best = v`; chained in
// scan order it agrees with the scalar path bit for bit, NaN and -0 included.
@inline
function max2x2x4(r0: usize, r1: usize): v128 {
  const a0 = v128.load(r0), a1 = v128.load(r0, 16), b0 = v128.load(r1), b1 = v128.load(r1, 16);
  let m = f32x4.pmax(v128.shuffle<f32>(a0, a1, 0, 2, 4, 6), v128.shuffle<f32>(a0, a1, 1, 3, 5, 7));
  m = f32x4.pmax(m, v128.shuffle<f32>(b0, b1, 0, 2, 4, 6));
  return f32x4.pmax(m, v128.shuffle<f32>(b0, b1, 1, 3, 5, 7));
}

// The scalar window scan: byte offset (within the plane) of the first maximum of output (oy, ox).
@inline
function argmaxAt(plane: usize, h: i32, w: i32, kh: i32, kw: i32, y0: i32, x0: i32): usize {
  const i0 = max(0, y0), i1 = min(h, y0 + kh), j0 = max(0, x0), j1 = min(w, x0 + kw);
  let best = <usize>(i0 * w + j0) << 2;
  let bv = load<f32>(plane + best);
  for (let i = i0; i < i1; i++) {
    for (let j = j0; j < j1; j++) {
      const o = <usize>(i * w + j) << 2;
      const v = load<f32>(plane + o);
      if (v > bv) {
        bv = v;
        best = o;
      }
    }
  }
  return best;
}

/** y[nc, oh, ow] = max over each window of x[nc, h, w]. */
export function maxpool2d_f32(x: usize, y: usize, nc: i32, h: i32, w: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, ph: i32, pw: i32, oh: i32, ow: i32): void {
  const fast = kh == 2 && kw == 2 && sh == 2 && sw == 2 && ph == 0 && pw == 0;
  const ow4 = fast ? ow & ~3 : 0;
  for (let pl = 0; pl < nc; pl++) {
    const xp = x + (<usize>pl * <usize>h * <usize>w << 2);
    const yp = y + (<usize>pl * <usize>oh * <usize>ow << 2);
    for (let oy = 0; oy < oh; oy++) {
      const yr = yp + (<usize>(oy * ow) << 2);
      let ox = 0;
      if (fast) {
        const r0 = xp + (<usize>(2 * oy * w) << 2);
        for (; ox < ow4; ox += 4) v128.store(yr + (<usize>ox << 2), max2x2x4(r0 + (<usize>(2 * ox) << 2), r0 + (<usize>(2 * ox + w) << 2)));
      }
      for (; ox < ow; ox++) {
        store<f32>(yr + (<usize>ox << 2), load<f32>(xp + argmaxAt(xp, h, w, kh, kw, oy * sh - ph, ox * sw - pw)));
      }
    }
  }
}

/**
 * dx (+)= the max-pool gradient: each dy goes to its window's first maximum in x (recomputed,
 * so no index buffer is kept). Overlapping windows add up. Accumulate into dx when acc.
 */
export function maxpool2d_backward_f32(x: usize, dy: usize, dx: usize, nc: i32, h: i32, w: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, ph: i32, pw: i32, oh: i32, ow: i32, acc: bool): void {
  if (!acc) memory.fill(dx, 0, <usize>nc * <usize>h * <usize>w << 2);
  const fast = kh == 2 && kw == 2 && sh == 2 && sw == 2 && ph == 0 && pw == 0;
  const ow4 = fast ? ow & ~3 : 0;
  for (let pl = 0; pl < nc; pl++) {
    const xp = x + (<usize>pl * <usize>h * <usize>w << 2);
    const dxp = dx + (<usize>pl * <usize>h * <usize>w << 2);
    const dyp = dy + (<usize>pl * <usize>oh * <usize>ow << 2);
    for (let oy = 0; oy < oh; oy++) {
      const dyr = dyp + (<usize>(oy * ow) << 2);
      let ox = 0;
      if (fast) {
        for (; ox < ow4; ox += 4) {
          const o0 = <usize>(2 * oy * w + 2 * ox) << 2;
          const o1 = o0 + (<usize>w << 2);
          const m = max2x2x4(xp + o0, xp + o1);
          const g = v128.load(dyr + (<usize>ox << 2));
          // The four window positions in scan order (even/odd columns of rows 0 and 1).
          const a0 = v128.load(xp + o0), a1 = v128.load(xp + o0, 16), b0 = v128.load(xp + o1), b1 = v128.load(xp + o1, 16);
          const p0 = v128.shuffle<f32>(a0, a1, 0, 2, 4, 6), p1 = v128.shuffle<f32>(a0, a1, 1, 3, 5, 7);
          const p2 = v128.shuffle<f32>(b0, b1, 0, 2, 4, 6), p3 = v128.shuffle<f32>(b0, b1, 1, 3, 5, 7);
          // First position equal to the max wins; a NaN first pixel is the max (nothing beats it).
          const s0 = v128.or(f32x4.eq(p0, m), f32x4.ne(p0, p0));
          const s1 = v128.andnot(f32x4.eq(p1, m), s0);
          const t01 = v128.or(s0, s1);
          const s2 = v128.andnot(f32x4.eq(p2, m), t01);
          const s3 = v128.andnot(f32x4.eq(p3, m), v128.or(t01, s2));
          const g0 = v128.and(g, s0), g1 = v128.and(g, s1), g2 = v128.and(g, s2), g3 = v128.and(g, s3);
          // Interleave back to pixel order and add (dx windows do not overlap at stride 2).
          v128.store(dxp + o0, f32x4.add(v128.load(dxp + o0), v128.shuffle<f32>(g0, g1, 0, 4, 1, 5)));
          v128.store(dxp + o0, f32x4.add(v128.load(dxp + o0, 16), v128.shuffle<f32>(g0, g1, 2, 6, 3, 7)), 16);
          v128.store(dxp + o1, f32x4.add(v128.load(dxp + o1), v128.shuffle<f32>(g2, g3, 0, 4, 1, 5)));
          v128.store(dxp + o1, f32x4.add(v128.load(dxp + o1, 16), v128.shuffle<f32>(g2, g3, 2, 6, 3, 7)), 16);
        }
      }
      for (; ox < ow; ox++) {
        const d = dxp + argmaxAt(xp, h, w, kh, kw, oy * sh - ph, ox * sw - pw);
        store<f32>(d, load<f32>(d) + load<f32>(dyr + (<usize>ox << 2)));
      }
    }
  }
}

/** y[nc] = mean of each plane of x[nc, plane]. */
export function global_avg_pool_f32(x: usize, y: usize, nc: i32, plane: i32): void {
  const inv: f32 = plane > 0 ? <f32>1 / <f32>plane : 0;
  for (let pl = 0; pl < nc; pl++) {
    const xp = x + (<usize>pl * <usize>plane << 2);
    let acc = f32x4.splat(0);
    let k = 0;
    for (; k + 4 <= plane; k += 4) acc = f32x4.add(acc, v128.load(xp + (<usize>k << 2)));
    let s = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
    for (; k < plane; k++) s += load<f32>(xp + (<usize>k << 2));
    store<f32>(y + (<usize>pl << 2), s * inv);
  }
}

/** dx[nc, plane] (+)= dy[nc] / plane, broadcast over each plane; accumulate when acc. */
export function global_avg_pool_backward_f32(dy: usize, dx: usize, nc: i32, plane: i32, acc: bool): void {
  const inv: f32 = plane > 0 ? <f32>1 / <f32>plane : 0;
  for (let pl = 0; pl < nc; pl++) {
    const dp = dx + (<usize>pl * <usize>plane << 2);
    const gs = load<f32>(dy + (<usize>pl << 2)) * inv;
    const g = f32x4.splat(gs);
    let k = 0;
    for (; k + 4 <= plane; k += 4) {
      const o = <usize>k << 2;
      v128.store(dp + o, acc ? f32x4.add(v128.load(dp + o), g) : g);
    }
    for (; k < plane; k++) {
      const o = <usize>k << 2;
      store<f32>(dp + o, acc ? load<f32>(dp + o) + gs : gs);
    }
  }
}
