// Direct sparse convolution over NCHW f32 tensors, with the weight W [cout, c, kh, kw] as a CSR
// over [cout, K = c*kh*kw] (column (ci*kh + ki)*kw + kj, values in CSR order): no im2col. Each
// nonzero W[co, ci, ki, kj] = v adds v times a shifted window of input plane ci to output plane
// co. One image at a time is zero-padded into the workspace, laid out so that every window row is
// contiguous: a padded row is stored as sw column phases (phase b holds columns b, b + sw, ...),
// so output columns ox, ox + 1, ... of tap kj read consecutive floats of phase kj % sw. A
// nonzero's window is then one byte offset into the padded image (precomputed per call), and one
// output row of a channel is, with f32x4 over its columns, the sum over the channel's nonzeros of
// v * padded[row base + offset ..] (sparse_conv_rows.ts, the inner loop of the CSR SpMM in
// sparse.ts). The padded image stays in L2 while every output channel reads it (Conv-2's
// 64 x 34 x 34 is 296 KB).
//
// The input gradient is the same sum over the padded (and, for strides > 1, zero-dilated) output
// gradient with the kernel flipped, over a transposed index (rows ci) built per call in the
// workspace; the weight gradient (sparse_conv_grad.ts) is a dot product per nonzero (sparse_grad.ts's
// SDDMM with the windows as operands). Workspace layouts (each part 16-byte aligned, host: wasm-sparse-conv.ts):
//   forward, weights  off [nnz] i32, padded image [c, hp, sw*wph] + 4 floats
//   data              rowPtrT [c + 1], next [c], offT [nnz] i32, valsT [nnz], dilated dy [cout, hd, wd] + 4 floats
// with hp = (oh-1)*sh + kh, wph = ow - 1 + ceil(kw / sw), hd = h + kh - 1, wd = w + kw - 1.
// The 4 floats of slack let the last vector of a row read past the row's end (its extra lanes
// are never stored). Pointers need no alignment.
import { copy_span, zero_span } from './conv_im2col';
import { aligned, padImage, phaseWidth, windowOffsets } from './sparse_conv_pad';
import { convRows } from './sparse_conv_rows';

/**
 * y[n, cout, oh, ow] (+)= conv(x, W) for x [n, c, h, w] and a CSR W over [cout, c*kh*kw]
 * (rowPtr [cout + 1], colIdx [nnz] i32, vals [nnz] f32; columns not checked), stride (sh, sw),
 * leading zero padding (ph, pw); then + bias[co] when bias != 0 and ReLU when relu. `ws` is the
 * workspace (file comment).
 */
export function spconv2d_f32(cout: i32, rowPtr: usize, colIdx: usize, vals: usize, x: usize, y: usize, ws: usize,
  n: i32, c: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, oh: i32, ow: i32,
  acc: bool, bias: usize, relu: bool): void {
  if (n <= 0 || cout <= 0 || oh <= 0 || ow <= 0) return;
  const nnz = load<i32>(rowPtr + (<usize>cout << 2));
  const hp = (oh - 1) * sh + kh;
  const wph = phaseWidth(ow, kw, sw);
  const off = ws;
  const xp = ws + aligned(nnz);
  windowOffsets(colIdx, nnz, kh, kw, sw, hp, wph, off);
  const xImg = (<usize>c * <usize>h * <usize>w) << 2;
  const yImg = (<usize>cout * <usize>oh * <usize>ow) << 2;
  for (let i = 0; i < n; i++) {
    padImage(x + <usize>i * xImg, c, h, w, xp, hp, wph, sw, ph, pw);
    convRows(cout, rowPtr, off, vals, xp, sw * wph, sh, oh, ow, y + <usize>i * yImg, acc, bias, relu);
  }
}

// Dilates and pads one image's output gradient dy [cout, oh, ow] into dst [cout, hd, wd]:
// dst[co, t + oy*sh, l + ox*sw] = dy[co, oy, ox] (entries outside dst dropped), zeros elsewhere.
function dilateImage(dy: usize, cout: i32, oh: i32, ow: i32, dst: usize, hd: i32, wd: i32, t: i32, l: i32, sh: i32, sw: i32): void {
  zero_span(dst, cout * hd * wd);
  // Output columns that land inside a row of dst: l + ox*sw in [0, wd).
  const ox0 = l >= 0 ? 0 : (-l + sw - 1) / sw;
  const ox1 = min(ow, wd - l > 0 ? (wd - l + sw - 1) / sw : 0);
  if (ox1 <= ox0) return;
  for (let co = 0; co < cout; co++) {
    for (let oy = 0; oy < oh; oy++) {
      const u = t + oy * sh;
      if (u < 0 || u >= hd) continue;
      const src = dy + ((<usize>(co * oh + oy) * <usize>ow) << 2);
      const d = dst + ((<usize>(co * hd + u) * <usize>wd) << 2);
      if (sw == 1) {
        copy_span(d + (<usize>(l + ox0) << 2), src + (<usize>ox0 << 2), ox1 - ox0);
        continue;
      }
      for (let ox = ox0; ox < ox1; ox++) store<f32>(d + (<usize>(l + ox * sw) << 2), load<f32>(src + (<usize>ox << 2)));
    }
  }
}

/**
 * dx[n, c, h, w] (+)= the gradient of spconv2d_f32 with respect to x, for output gradient dy
 * [n, cout, oh, ow]: a stride-1 convolution of dy (dilated by the stride, padded by kh-1-ph and
 * kw-1-pw) with the flipped kernel, over W's transpose [c, cout*kh*kw] built in `ws`.
 */
export function spconv2d_backward_data_f32(cout: i32, rowPtr: usize, colIdx: usize, vals: usize, dy: usize, dx: usize, ws: usize,
  n: i32, c: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, oh: i32, ow: i32, acc: bool): void {
  if (n <= 0 || c <= 0 || h <= 0 || w <= 0) return;
  const nnz = cout > 0 ? load<i32>(rowPtr + (<usize>cout << 2)) : 0;
  const hd = h + kh - 1;
  const wd = w + kw - 1;
  const rowPtrT = ws;
  const next = rowPtrT + aligned(c + 1);
  const offT = next + aligned(c);
  const valsT = offT + aligned(nnz);
  const dyd = valsT + aligned(nnz);
  // Counting sort of the nonzeros by input channel; entry t of row ci reads the dilated dy plane
  // co at the flipped tap (kh-1-ki, kw-1-kj).
  const taps = kh * kw;
  for (let ci = 0; ci <= c; ci++) store<i32>(rowPtrT + (<usize>ci << 2), 0);
  for (let j = 0; j < nnz; j++) {
    const p = rowPtrT + (<usize>(load<i32>(colIdx + (<usize>j << 2)) / taps + 1) << 2);
    store<i32>(p, load<i32>(p) + 1);
  }
  for (let ci = 0; ci < c; ci++) {
    const s = load<i32>(rowPtrT + (<usize>ci << 2));
    const p = rowPtrT + (<usize>(ci + 1) << 2);
    store<i32>(p, load<i32>(p) + s);
    store<i32>(next + (<usize>ci << 2), s);
  }
  for (let co = 0; co < cout; co++) {
    const j1 = load<i32>(rowPtr + (<usize>(co + 1) << 2));
    for (let j = load<i32>(rowPtr + (<usize>co << 2)); j < j1; j++) {
      const col = load<i32>(colIdx + (<usize>j << 2));
      const ci = col / taps;
      const tap = col - ci * taps;
      const ki = tap / kw;
      const kj = tap - ki * kw;
      const np = next + (<usize>ci << 2);
      const t = load<i32>(np);
      store<i32>(np, t + 1);
      store<u32>(offT + (<usize>t << 2), <u32>(((co * hd + kh - 1 - ki) * wd + kw - 1 - kj) << 2));
      store<f32>(valsT + (<usize>t << 2), load<f32>(vals + (<usize>j << 2)));
    }
  }
  const dyImg = (<usize>cout * <usize>oh * <usize>ow) << 2;
  const dxImg = (<usize>c * <usize>h * <usize>w) << 2;
  for (let i = 0; i < n; i++) {
    dilateImage(dy + <usize>i * dyImg, cout, oh, ow, dyd, hd, wd, kh - 1 - ph, kw - 1 - pw, sh, sw);
    convRows(c, rowPtrT, offT, valsT, dyd, wd, 1, h, w, dx + <usize>i * dxImg, acc, 0, false);
  }
}
