// im2col and its adjoint col2im for one CHW image, the data movement of the GEMM convolution in
// conv.ts. Row r = (ci*kh + i)*kw + j of the column matrix holds, at column oy*ow + ox, the
// input pixel x[ci, oy*sh - ph + i, ox*sw - pw + j] (0 where that falls outside the image).
// Pointers need no alignment; column-matrix rows are `ld` bytes apart.

// ceil(a / b) for b > 0 and any sign of a (i32 division truncates toward zero).
@inline
function ceilDiv(a: i32, b: i32): i32 {
  return a > 0 ? (a + b - 1) / b : -(-a / b);
}

/** dst[0..n) = 0 (f32x4 body, scalar tail). */
@inline
export function zero_span(dst: usize, n: i32): void {
  const z = f32x4.splat(0);
  let k = 0;
  for (; k + 4 <= n; k += 4) v128.store(dst + (<usize>k << 2), z);
  for (; k < n; k++) store<f32>(dst + (<usize>k << 2), 0);
}

/** dst[0..n) = src[0..n), no overlap; inline SIMD because spans are short (one output row). */
@inline
export function copy_span(dst: usize, src: usize, n: i32): void {
  let k = 0;
  for (; k + 4 <= n; k += 4) v128.store(dst + (<usize>k << 2), v128.load(src + (<usize>k << 2)));
  for (; k < n; k++) store<f32>(dst + (<usize>k << 2), load<f32>(src + (<usize>k << 2)));
}

// dst[0..n) += src[0..n).
@inline
function add_span(dst: usize, src: usize, n: i32): void {
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    const o = <usize>k << 2;
    v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
  }
  for (; k < n; k++) {
    const o = <usize>k << 2;
    store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
  }
}

/**
 * Writes the c*kh*kw x oh*ow column matrix of the image at `x` ([c, h, w] f32) to `col`, rows
 * `ld` bytes apart. Stride-1 rows are span copies; other strides gather.
 */
export function im2col_f32(x: usize, c: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32,
  ph: i32, pw: i32, oh: i32, ow: i32, col: usize, ld: usize): void {
  let row = col;
  for (let ci = 0; ci < c; ci++) {
    const plane = x + ((<usize>ci * <usize>h * <usize>w) << 2);
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        // Output columns whose input column lies inside the image: [ox0, ox1).
        const ox0 = min(ow, max(0, ceilDiv(pw - j, sw)));
        const ox1 = max(ox0, min(ow, ceilDiv(w + pw - j, sw)));
        for (let oy = 0; oy < oh; oy++) {
          const dst = row + ((<usize>oy * <usize>ow) << 2);
          const iy = oy * sh - ph + i;
          if (iy < 0 || iy >= h) {
            zero_span(dst, ow);
            continue;
          }
          const src = plane + ((<usize>iy * <usize>w) << 2);
          zero_span(dst, ox0);
          if (sw == 1) {
            copy_span(dst + (<usize>ox0 << 2), src + (<usize>(ox0 - pw + j) << 2), ox1 - ox0);
          } else {
            for (let ox = ox0; ox < ox1; ox++) {
              store<f32>(dst + (<usize>ox << 2), load<f32>(src + (<usize>(ox * sw - pw + j) << 2)));
            }
          }
          zero_span(dst + (<usize>ox1 << 2), ow - ox1);
        }
        row += ld;
      }
    }
  }
}

/**
 * The adjoint of im2col_f32: adds every entry of the column matrix at `col` (rows `ld` bytes
 * apart) into the pixel of the image at `dx` it was read from. Padding entries are dropped.
 */
export function col2im_add_f32(col: usize, ld: usize, c: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32,
  ph: i32, pw: i32, oh: i32, ow: i32, dx: usize): void {
  let row = col;
  for (let ci = 0; ci < c; ci++) {
    const plane = dx + ((<usize>ci * <usize>h * <usize>w) << 2);
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        const ox0 = min(ow, max(0, ceilDiv(pw - j, sw)));
        const ox1 = max(ox0, min(ow, ceilDiv(w + pw - j, sw)));
        for (let oy = 0; oy < oh; oy++) {
          const iy = oy * sh - ph + i;
          if (iy < 0 || iy >= h) continue;
          const src = row + ((<usize>oy * <usize>ow) << 2);
          const dst = plane + ((<usize>iy * <usize>w) << 2);
          if (sw == 1) {
            add_span(dst + (<usize>(ox0 - pw + j) << 2), src + (<usize>ox0 << 2), ox1 - ox0);
          } else {
            for (let ox = ox0; ox < ox1; ox++) {
              const d = dst + (<usize>(ox * sw - pw + j) << 2);
              store<f32>(d, load<f32>(d) + load<f32>(src + (<usize>ox << 2)));
            }
          }
        }
        row += ld;
      }
    }
  }
}
