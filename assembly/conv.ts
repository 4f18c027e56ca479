// 2-D convolution over NCHW f32 tensors on the packed 4x8 GEMM. Weight w is [cout, c, kh, kw],
// a row-major [cout, K] matrix with K = c*kh*kw whose column order matches the im2col rows.
// Images are processed in groups of g (chosen by the host, conv-geom.ts): a group's GEMM spans
// g*P columns (P = oh*ow), so small late-layer planes still give long GEMMs. Zero padding:
// pixels outside the image read as 0; (oh, ow) are given, so asymmetric 'same' padding is just
// ph/pw plus an output size. The caller's workspace `ws` holds, per pass:
//   forward, fused          tmp [cout, g*P] (g > 1 only): the group's output, channel-major
//   forward, im2col         col [K, g*P], then tmp [cout, g*P] (g > 1)
//   backward-data, flipped  flipped weights [c, cout, kh, kw], then tmp [c, g*h*w] (g > 1)
//   backward-data, col2im   col [K, g*P], then tmp [cout, g*P] (g > 1)
//   backward-weights        col [K, g*P], then tmp [cout, g*P] (g > 1), then (transposed
//                           route only) dwᵀ [K, cout]
// each part starting 16-byte aligned. With g == 1 the GEMMs read and write y / dy in place.
import { gemm_f32_nn, gemm_f32_part, gemm_f32_tn } from './gemm';
import { col2im_add_f32, copy_span, im2col_f32, zero_span } from './conv_im2col';
import { conv_gemm_f32 } from './conv_gemm';

// Bytes of `floats` f32 values rounded up to 16 (where the next workspace part starts).
@inline
function aligned(floats: i32): usize {
  return ((<usize>floats << 2) + 15) & ~(<usize>15);
}

// tmp[co, q*P + p] = src[img q, co, p] for the gq images of a group (dy regrouped).
function gatherGroup(src: usize, tmp: usize, gq: i32, cout: i32, p: i32): void {
  const ld = <usize>gq * <usize>p << 2;
  for (let q = 0; q < gq; q++) {
    for (let co = 0; co < cout; co++) {
      copy_span(tmp + <usize>co * ld + (<usize>(q * p) << 2), src + (<usize>(q * cout + co) * <usize>p << 2), p);
    }
  }
}

// The adjoint of gatherGroup: dst[img q, co, p] (+)= tmp[co, q*P + p].
function scatterGroup(tmp: usize, dst: usize, gq: i32, cout: i32, p: i32, acc: bool): void {
  const ld = <usize>gq * <usize>p << 2;
  for (let q = 0; q < gq; q++) {
    for (let co = 0; co < cout; co++) {
      const d = dst + (<usize>(q * cout + co) * <usize>p << 2);
      const s = tmp + <usize>co * ld + (<usize>(q * p) << 2);
      if (!acc) {
        copy_span(d, s, p);
        continue;
      }
      let k = 0;
      for (; k + 4 <= p; k += 4) v128.store(d + (<usize>k << 2), f32x4.add(v128.load(d + (<usize>k << 2)), v128.load(s + (<usize>k << 2))));
      for (; k < p; k++) store<f32>(d + (<usize>k << 2), load<f32>(d + (<usize>k << 2)) + load<f32>(s + (<usize>k << 2)));
    }
  }
}

// y (+)= conv(x, wt) by groups of g images through conv_gemm_f32; tmp is the group buffer.
function forward(x: usize, wt: usize, y: usize, tmp: usize, g: i32, n: i32, c: i32, h: i32, wd: i32, cout: i32,
  kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, oh: i32, ow: i32, acc: bool): void {
  const k = c * kh * kw;
  const p = oh * ow;
  const xImg = <usize>c * <usize>h * <usize>wd << 2;
  const yImg = <usize>cout * <usize>p << 2;
  for (let i0 = 0; i0 < n; i0 += g) {
    const gq = min(g, n - i0);
    const yg = y + <usize>i0 * yImg;
    if (gq == 1) {
      conv_gemm_f32(x + <usize>i0 * xImg, xImg, wt, yg, <usize>p << 2, cout, p, k, h, wd, kh, kw, sh, sw, ph, pw, ow, p, acc);
      continue;
    }
    conv_gemm_f32(x + <usize>i0 * xImg, xImg, wt, tmp, <usize>(gq * p) << 2, cout, gq * p, k, h, wd, kh, kw, sh, sw, ph, pw, ow, p, false);
    scatterGroup(tmp, yg, gq, cout, p, acc);
  }
}

/**
 * y[n, cout, oh, ow] = conv(x[n, c, h, w], w) with strides (sh, sw) and top/left zero padding
 * (ph, pw). fused: one GEMM per group with B packed straight from the images (conv_gemm.ts),
 * workspace tmp only; else im2col into col, then a plain NN GEMM, which wins when cout is small
 * (each packed B value then feeds few rows, so the cheaper copy-based packing matters more).
 */
export function conv2d_f32(x: usize, w: usize, y: usize, ws: usize, g: i32,
  n: i32, c: i32, h: i32, wd: i32, cout: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, ph: i32, pw: i32, oh: i32, ow: i32, fused: bool): void {
  if (fused) {
    forward(x, w, y, ws, g, n, c, h, wd, cout, kh, kw, sh, sw, ph, pw, oh, ow, false);
    return;
  }
  const k = c * kh * kw;
  const p = oh * ow;
  const xImg = <usize>c * <usize>h * <usize>wd << 2;
  const yImg = <usize>cout * <usize>p << 2;
  for (let i0 = 0; i0 < n; i0 += g) {
    const gq = min(g, n - i0);
    for (let q = 0; q < gq; q++) {
      im2col_f32(x + <usize>(i0 + q) * xImg, c, h, wd, kh, kw, sh, sw, ph, pw, oh, ow, ws + (<usize>(q * p) << 2), <usize>(gq * p) << 2);
    }
    const yg = y + <usize>i0 * yImg;
    if (gq == 1) {
      gemm_f32_nn(cout, p, k, w, ws, yg, false);
      continue;
    }
    const tmp = ws + aligned(k * g * p);
    gemm_f32_nn(cout, gq * p, k, w, ws, tmp, false);
    scatterGroup(tmp, yg, gq, cout, p, false);
  }
}

/**
 * dx[n, c, h, w] (+)= the input gradient of conv2d_f32 for output gradient dy; accumulate when
 * acc. flip (stride 1 only): a fused forward convolution of dy with the flipped kernel (g
 * groups images of h*w pixels), the faster route when c is large. Else, per group,
 * dcol = wᵀ·dy (a TN GEMM), then col2im.
 */
export function conv2d_backward_data_f32(dy: usize, w: usize, dx: usize, ws: usize, g: i32,
  n: i32, c: i32, h: i32, wd: i32, cout: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, ph: i32, pw: i32, oh: i32, ow: i32, acc: bool, flip: bool): void {
  if (flip) {
    // Stride 1: dx is the 'full' convolution of dy with the flipped, in/out-swapped kernel,
    // wf[ci, co, kh-1-i, kw-1-j] = w[co, ci, i, j], padding (kh-1-ph, kw-1-pw), output h x w.
    for (let co = 0; co < cout; co++) for (let ci = 0; ci < c; ci++) for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) {
      const src = ((co * c + ci) * kh + i) * kw + j;
      const dst = ((ci * cout + co) * kh + (kh - 1 - i)) * kw + (kw - 1 - j);
      store<f32>(ws + (<usize>dst << 2), load<f32>(w + (<usize>src << 2)));
    }
    const tmp = ws + aligned(c * cout * kh * kw);
    forward(dy, ws, dx, tmp, g, n, cout, oh, ow, c, kh, kw, 1, 1, kh - 1 - ph, kw - 1 - pw, h, wd, acc);
    return;
  }
  const k = c * kh * kw;
  const p = oh * ow;
  const xImg = <usize>c * <usize>h * <usize>wd << 2;
  const yImg = <usize>cout * <usize>p << 2;
  if (!acc) memory.fill(dx, 0, <usize>n * xImg);
  for (let i0 = 0; i0 < n; i0 += g) {
    const gq = min(g, n - i0);
    const ld = <usize>gq * <usize>p << 2;
    let dyg = dy + <usize>i0 * yImg;
    if (gq > 1) {
      const tmp = ws + aligned(k * g * p);
      gatherGroup(dyg, tmp, gq, cout, p);
      dyg = tmp;
    }
    gemm_f32_tn(k, gq * p, cout, w, dyg, ws, false);
    for (let q = 0; q < gq; q++) {
      col2im_add_f32(ws + (<usize>(q * p) << 2), ld, c, h, wd, kh, kw, sh, sw, ph, pw, oh, ow, dx + <usize>(i0 + q) * xImg);
    }
  }
}

/**
 * dw[cout, c, kh, kw] (+)= the weight gradient of conv2d_f32: the sum over groups of
 * dy_group · colᵀ (an NT GEMM whose inner dimension is g*P); accumulate when acc. transposed:
 * compute dwᵀ = col · dy_groupᵀ into a [K, cout] workspace part instead and transpose it in at
 * the end, which packs the smaller operand pre-broadcast when K < cout (a first layer: K = 27).
 */
export function conv2d_backward_weights_f32(x: usize, dy: usize, dw: usize, ws: usize, g: i32,
  n: i32, c: i32, h: i32, wd: i32, cout: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, ph: i32, pw: i32, oh: i32, ow: i32, acc: bool, transposed: bool): void {
  conv2d_backward_weights_part_f32(x, dy, dw, ws, g, n, c, h, wd, cout, kh, kw, sh, sw, ph, pw, oh, ow, acc, transposed, 0, c, 0, cout);
}

/**
 * The block of conv2d_backward_weights_f32's dw for output channels [co0, co1) and input
 * channels [ci0, ci1), bit-identical to that block of the whole (the sum over the batch is not
 * split): a kernel-pool thread's share (src/backend/threads/). Only the input channels' rows of
 * the column matrix are built. The workspace is laid out as the whole pass's (no larger).
 */
export function conv2d_backward_weights_part_f32(x: usize, dy: usize, dw: usize, ws: usize, g: i32,
  n: i32, c: i32, h: i32, wd: i32, cout: i32, kh: i32, kw: i32,
  sh: i32, sw: i32, ph: i32, pw: i32, oh: i32, ow: i32, acc: bool, transposed: bool,
  ci0: i32, ci1: i32, co0: i32, co1: i32): void {
  const khw = kh * kw;
  const k = c * khw;
  const kp = (ci1 - ci0) * khw; // this block's columns of dw: [r0, r0 + kp)
  const r0 = ci0 * khw;
  const mo = co1 - co0;
  if (kp <= 0 || mo <= 0) return;
  const p = oh * ow;
  const xImg = <usize>c * <usize>h * <usize>wd << 2;
  const yImg = <usize>cout * <usize>p << 2;
  const ldw = <usize>k << 2;
  const tmp = ws + aligned(kp * g * p);
  const dwt = tmp + (g > 1 ? aligned(cout * g * p) : 0); // [kp, cout], transposed only
  if (n == 0 || p == 0) {
    if (transposed) zero_span(dwt, kp * cout);
    else if (!acc) for (let co = co0; co < co1; co++) zero_span(dw + ((<usize>co * <usize>k + <usize>r0) << 2), kp);
  }
  const xc = <usize>ci0 * <usize>h * <usize>wd << 2;
  for (let i0 = 0; i0 < n; i0 += g) {
    const gq = min(g, n - i0);
    const ld = <usize>gq * <usize>p << 2;
    for (let q = 0; q < gq; q++) {
      im2col_f32(x + <usize>(i0 + q) * xImg + xc, ci1 - ci0, h, wd, kh, kw, sh, sw, ph, pw, oh, ow, ws + (<usize>(q * p) << 2), ld);
    }
    let dyg = dy + <usize>i0 * yImg;
    if (gq > 1) {
      gatherGroup(dyg, tmp, gq, cout, p);
      dyg = tmp;
    }
    const dyc = dyg + <usize>co0 * ld;
    if (transposed) gemm_f32_part(kp, mo, gq * p, ws, ld, 4, dyc, 4, ld, dwt + (<usize>co0 << 2), <usize>cout << 2, i0 > 0);
    else gemm_f32_part(mo, kp, gq * p, dyc, ld, 4, ws, 4, ld, dw + <usize>co0 * ldw + (<usize>r0 << 2), ldw, acc || i0 > 0);
  }
  if (!transposed) return;
  for (let co = co0; co < co1; co++) {
    for (let r = 0; r < kp; r++) {
      const d = dw + (<usize>(co * k + r0 + r) << 2);
      const v = load<f32>(dwt + (<usize>(r * cout + co) << 2));
      store<f32>(d, acc ? load<f32>(d) + v : v);
    }
  }
}
