// The padded-image layout of the direct sparse convolution (sparse_conv.ts, sparse_conv_grad.ts):
// one image zero-padded so every window row is contiguous (a padded row stored as sw column
// phases), and each nonzero's window as one byte offset into it.
import { copy_span, zero_span } from './conv_im2col';

// Bytes of `floats` 4-byte values rounded up to 16 (where the next workspace part starts).
@inline
export function aligned(floats: i32): usize {
  return ((<usize>floats << 2) + 15) & ~(<usize>15);
}

// Width of one column phase of a padded row: output column ow - 1 of the last tap must fit.
@inline
export function phaseWidth(ow: i32, kw: i32, sw: i32): i32 {
  return ow - 1 + (kw + sw - 1) / sw;
}

// Zero-pads image x [c, h, w] into dst [c, hp, sw*wph]: dst[ci, u, b*wph + v] is
// x[ci, u - ph, v*sw + b - pw], or 0 outside the image.
export function padImage(x: usize, c: i32, h: i32, w: i32, dst: usize, hp: i32, wph: i32, sw: i32, ph: i32, pw: i32): void {
  const pitch = sw * wph;
  for (let ci = 0; ci < c; ci++) {
    const plane = x + ((<usize>ci * <usize>h * <usize>w) << 2);
    for (let u = 0; u < hp; u++) {
      const d = dst + ((<usize>(ci * hp + u) * <usize>pitch) << 2);
      const iy = u - ph;
      if (iy < 0 || iy >= h) {
        zero_span(d, pitch);
        continue;
      }
      const src = plane + ((<usize>iy * <usize>w) << 2);
      if (sw == 1) {
        const lead = min(pw, wph);
        const n = max(0, min(w, wph - pw));
        zero_span(d, lead);
        copy_span(d + (<usize>lead << 2), src, n);
        zero_span(d + (<usize>(lead + n) << 2), wph - lead - n);
        continue;
      }
      for (let b = 0; b < sw; b++) {
        for (let v = 0; v < wph; v++) {
          const ix = v * sw + b - pw;
          store<f32>(d + (<usize>(b * wph + v) << 2), ix >= 0 && ix < w ? load<f32>(src + (<usize>ix << 2)) : 0);
        }
      }
    }
  }
}

// off[j] = byte offset of nonzero j's window in a padded image [c, hp, sw*wph] (see padImage).
export function windowOffsets(colIdx: usize, nnz: i32, kh: i32, kw: i32, sw: i32, hp: i32, wph: i32, off: usize): void {
  const taps = kh * kw;
  const pitch = sw * wph;
  for (let j = 0; j < nnz; j++) {
    const col = load<i32>(colIdx + (<usize>j << 2));
    const ci = col / taps;
    const t = col - ci * taps;
    const ki = t / kw;
    const kj = t - ki * kw;
    store<u32>(off + (<usize>j << 2), <u32>(((ci * hp + ki) * pitch + (kj % sw) * wph + kj / sw) << 2));
  }
}
