// The weight gradient of the direct sparse convolution (sparse_conv.ts): for each nonzero of the
// CSR filter bank, the sum over images and output pixels of dy times its window in the padded
// input, computed only at the nonzeros (an SDDMM whose operands are windows). Same workspace as
// the forward kernel: window offsets [nnz] u32, then one padded image.
import { zero_span } from './conv_im2col';
import { aligned, padImage, phaseWidth, windowOffsets } from './sparse_conv_pad';
import { madd, hsum4 } from './simd';

// Sum over the output plane dy [oh, ow] of dy * the window of the nonzero at byte offset o.
function windowDot(dy: usize, src: usize, o: u32, rowStep: usize, oh: i32, ow: i32): f32 {
  const ow4 = ow & ~3;
  let s = f32x4.splat(0);
  let t: f32 = 0;
  for (let oy = 0; oy < oh; oy++) {
    const d = dy + ((<usize>oy * <usize>ow) << 2);
    const x = src + <usize>oy * rowStep + <usize>o;
    let q = 0;
    for (; q < ow4; q += 4) s = madd(s, v128.load(d + (<usize>q << 2)), v128.load(x + (<usize>q << 2)));
    for (; q < ow; q++) t += load<f32>(d + (<usize>q << 2)) * load<f32>(x + (<usize>q << 2));
  }
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + (f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3)) + t;
}

/**
 * dv[j] (+)= the gradient of spconv2d_f32 with respect to nonzero j of W: the sum over images
 * and output pixels of dy[i, co, oy, ox] * x[i, ci, oy*sh - ph + ki, ox*sw - pw + kj] for
 * j = (co, (ci*kh + ki)*kw + kj). Four nonzeros of a channel share each load of dy.
 */
export function spconv2d_backward_weights_f32(cout: i32, rowPtr: usize, colIdx: usize, x: usize, dy: usize, dv: usize, ws: usize,
  n: i32, c: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, oh: i32, ow: i32, acc: bool): void {
  spconv2d_backward_weights_part_f32(cout, rowPtr, colIdx, x, dy, dv, ws, n, c, h, w, kh, kw, sh, sw, ph, pw, oh, ow, acc, 0, cout);
}

/**
 * The nonzeros of output channels [r0, r1) of spconv2d_backward_weights_f32, bit-identical to
 * those of the whole (each nonzero's sum over images is not split): a kernel-pool thread's share
 * (src/backend/threads/). Same workspace layout as the whole; only this block's window offsets
 * are written.
 */
export function spconv2d_backward_weights_part_f32(cout: i32, rowPtr: usize, colIdx: usize, x: usize, dy: usize, dv: usize, ws: usize,
  n: i32, c: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, oh: i32, ow: i32, acc: bool,
  r0: i32, r1: i32): void {
  if (cout <= 0 || r1 <= r0) return;
  const nnz = load<i32>(rowPtr + (<usize>cout << 2));
  const j0 = load<i32>(rowPtr + (<usize>r0 << 2));
  const jn = load<i32>(rowPtr + (<usize>r1 << 2));
  if (jn <= j0) return;
  if (n <= 0 || oh <= 0 || ow <= 0) {
    if (!acc) zero_span(dv + (<usize>j0 << 2), jn - j0);
    return;
  }
  const hp = (oh - 1) * sh + kh;
  const wph = phaseWidth(ow, kw, sw);
  const off = ws;
  const xp = ws + aligned(nnz);
  windowOffsets(colIdx + (<usize>j0 << 2), jn - j0, kh, kw, sw, hp, wph, off + (<usize>j0 << 2));
  const rowStep = (<usize>sh * <usize>(sw * wph)) << 2;
  const ow4 = ow & ~3;
  const xImg = (<usize>c * <usize>h * <usize>w) << 2;
  const plane = (<usize>oh * <usize>ow) << 2;
  for (let i = 0; i < n; i++) {
    padImage(x + <usize>i * xImg, c, h, w, xp, hp, wph, sw, ph, pw);
    const add = acc || i > 0;
    const dyImg = dy + <usize>i * <usize>cout * plane;
    for (let r = r0; r < r1; r++) {
      const dyr = dyImg + <usize>r * plane;
      const j1 = load<i32>(rowPtr + (<usize>(r + 1) << 2));
      let j = load<i32>(rowPtr + (<usize>r << 2));
      for (; j + 4 <= j1; j += 4) {
        const o = off + (<usize>j << 2);
        const o0 = <usize>load<u32>(o), o1 = <usize>load<u32>(o, 4), o2 = <usize>load<u32>(o, 8), o3 = <usize>load<u32>(o, 12);
        let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
        let t0: f32 = 0, t1: f32 = 0, t2: f32 = 0, t3: f32 = 0;
        for (let oy = 0; oy < oh; oy++) {
          const d = dyr + ((<usize>oy * <usize>ow) << 2);
          const xr = xp + <usize>oy * rowStep;
          const x0 = xr + o0, x1 = xr + o1, x2 = xr + o2, x3 = xr + o3;
          let q = 0;
          for (; q < ow4; q += 4) {
            const b = <usize>q << 2;
            const dv4 = v128.load(d + b);
            s0 = madd(s0, dv4, v128.load(x0 + b));
            s1 = madd(s1, dv4, v128.load(x1 + b));
            s2 = madd(s2, dv4, v128.load(x2 + b));
            s3 = madd(s3, dv4, v128.load(x3 + b));
          }
          for (; q < ow; q++) {
            const b = <usize>q << 2;
            const g = load<f32>(d + b);
            t0 += g * load<f32>(x0 + b);
            t1 += g * load<f32>(x1 + b);
            t2 += g * load<f32>(x2 + b);
            t3 += g * load<f32>(x3 + b);
          }
        }
        const tail = f32x4.replace_lane(f32x4.replace_lane(f32x4.replace_lane(f32x4.splat(t0), 1, t1), 2, t2), 3, t3);
        const sums = f32x4.add(hsum4(s0, s1, s2, s3), tail);
        const out = dv + (<usize>j << 2);
        v128.store(out, add ? f32x4.add(v128.load(out), sums) : sums);
      }
      for (; j < j1; j++) {
        const s = windowDot(dyr, xp, load<u32>(off + (<usize>j << 2)), rowStep, oh, ow);
        const out = dv + (<usize>j << 2);
        store<f32>(out, add ? load<f32>(out) + s : s);
      }
    }
  }
}
