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
import { gemm_f32_nn, gemm_f32_nt, gemm_f32_tn } from './gemm';
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
  const k = c * kh * kw;
  const p = oh * ow;
  const xImg = <usize>c * <usize>h * <usize>wd << 2;
  const yImg = <usize>cout * <usize>p << 2;
  const tmp = ws + aligned(k * g * p);
  const dwt = tmp + (g > 1 ? aligned(cout * g * p) : 0);
  const out = transposed ? dwt : dw;
  if ((n == 0 || p == 0) && (transposed || !acc)) zero_span(out, cout * k);
  for (let i0 = 0; i0 < n; i0 += g) {
    const gq = min(g, n - i0);
    const ld = <usize>gq * <usize>p << 2;
    for (let q = 0; q < gq; q++) {
      im2col_f32(x + <usize>(i0 + q) * xImg, c, h, wd, kh, kw, sh, sw, ph, pw, oh, ow, ws + (<usize>(q * p) << 2), ld);
    }
    let dyg = dy + <usize>i0 * yImg;
    if (gq > 1) {
      gatherGroup(dyg, tmp, gq, cout, p);
      dyg = tmp;
    }
    if (transposed) gemm_f32_nt(k, cout, gq * p, ws, dyg, dwt, i0 > 0);
    else gemm_f32_nt(cout, k, gq * p, dyg, ws, dw, acc || i0 > 0);
  }
  if (!transposed) return;
  for (let co = 0; co < cout; co++) {
    for (let r = 0; r < k; r++) {
      const d = dw + (<usize>(co * k + r) << 2);
      const v = load<f32>(dwt + (<usize>(r * cout + co) << 2));
      store<f32>(d, acc ? load<f32>(d) + v : v);
    }
  }
}
