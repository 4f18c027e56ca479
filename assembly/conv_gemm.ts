// The forward convolution as one GEMM whose B operand is packed straight from the images:
// C[cout, cols] = W[cout, K] · im2col(x), with the same blocking and 4x8 micro-kernel as
// gemm.ts, but pack_b_im2col writes the packed panels from the (L2-resident) images instead of
// materialising the K x cols column matrix and packing it again. On the 64->64 channel 32x32
// layer (batch 60) that round trip through memory cost about a quarter of the forward time.
import { A_PACK, A_PACK_BYTES, B_PACK, B_PACK_BYTES, COLS, KC_MAX, kernel } from './gemm_kernel';
import { MR, NR, gemm_pack_a } from './gemm_pack';

// COLS (gemm_kernel.ts), per column of a ragged panel: image byte offset, first input row,
// first input column (i32).
// Marks a padding column of a ragged panel: every row it asks for is far above the image.
const NO_ROW: i32 = -0x40000000;

/**
 * Packs rows [p0, p0 + kc) x columns [j0, j0 + nc) of the im2col matrix of images at x (each
 * imgBytes long; column j is pixel j % P of image j / P) into NR-column panels, 32 bytes per
 * row, zero outside the images and past nc. Row (ci, i, j) of column (oy, ox) reads
 * x[ci, oy*sh - ph + i, ox*sw - pw + j].
 */
function pack_b_im2col(x: usize, imgBytes: usize, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32,
  ph: i32, pw: i32, ow: i32, pl: i32, p0: i32, kc: i32, j0: i32, nc: i32, dst: usize): void {
  const khw = kh * kw;
  const plane = h * w;
  const zero = f32x4.splat(0);
  for (let jr = 0; jr < nc; jr += NR) {
    const cols = min(NR, nc - jr);
    const ja = j0 + jr;
    const q0 = ja / pl;
    const oy0 = (ja - q0 * pl) / ow;
    const ox0 = ja - q0 * pl - oy0 * ow;
    // Eight stride-1 columns on one output row read eight adjacent input pixels.
    const run = cols == NR && sw == 1 && ox0 + NR <= ow;
    if (!run) {
      for (let t = 0; t < NR; t++) {
        const jt = ja + t;
        const q = jt / pl;
        const oy = (jt - q * pl) / ow;
        const ox = jt - q * pl - oy * ow;
        const e = COLS + (<usize>t * 12);
        store<i32>(e, q * <i32>imgBytes);
        store<i32>(e, t < cols ? oy * sh - ph : NO_ROW, 4);
        store<i32>(e, ox * sw - pw, 8);
      }
    }
    let ci = p0 / khw;
    let i = (p0 - ci * khw) / kw;
    let j = p0 - ci * khw - i * kw;
    if (run) {
      // Walk the source pixel with the kernel tap: j steps one pixel, i one row, ci one plane.
      let iy = oy0 * sh - ph + i;
      let ix = ox0 - pw + j;
      let src = x + <usize>q0 * imgBytes + (<usize>(ci * plane + iy * w + ix) << 2);
      const lastX = <u32>(w - NR);
      for (let p = 0; p < kc; p++) {
        if (<u32>iy < <u32>h && <u32>ix <= lastX) {
          v128.store(dst, v128.load(src));
          v128.store(dst, v128.load(src, 16), 16);
        } else if (<u32>iy >= <u32>h) {
          v128.store(dst, zero);
          v128.store(dst, zero, 16);
        } else {
          for (let t = 0; t < NR; t++) {
            const xx = ix + t;
            store<f32>(dst + (<usize>t << 2), <u32>xx < <u32>w ? load<f32>(src + (<usize>t << 2)) : 0);
          }
        }
        dst += 32;
        src += 4;
        ix++;
        if (++j == kw) {
          j = 0;
          ix -= kw;
          iy++;
          src += <usize>(w - kw) << 2;
          if (++i == kh) {
            i = 0;
            iy -= kh;
            src += <usize>(plane - kh * w) << 2;
          }
        }
      }
      continue;
    }
    for (let p = 0; p < kc; p++) {
      for (let t = 0; t < NR; t++) {
        const e = COLS + (<usize>t * 12);
        const iy = load<i32>(e, 4) + i;
        const ix = load<i32>(e, 8) + j;
        const inside = <u32>iy < <u32>h && <u32>ix < <u32>w;
        store<f32>(dst + (<usize>t << 2), inside ? load<f32>(x + <usize>load<i32>(e) + (<usize>(ci * plane + iy * w + ix) << 2)) : 0);
      }
      dst += 32;
      if (++j == kw) {
        j = 0;
        if (++i == kh) {
          i = 0;
          ci++;
        }
      }
    }
  }
}

/**
 * C (+)= W · im2col(images): W is row-major [m, k] (a conv weight [cout, c, kh, kw]), the
 * images are consecutive [c, h, w] blocks of imgBytes at x, and C is [m, n] with rows ldc bytes
 * apart, n = images * oh*ow (pl = oh*ow). Accumulates into C when acc.
 */
export function conv_gemm_f32(x: usize, imgBytes: usize, wt: usize, c: usize, ldc: usize, m: i32, n: i32, k: i32,
  h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32, ph: i32, pw: i32, ow: i32, pl: i32, acc: bool): void {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    if (!acc) for (let r = 0; r < m; r++) memory.fill(c + <usize>r * ldc, 0, <usize>n << 2);
    return;
  }
  // The blocking of gemm.ts: equal k blocks, A blocks of mcMax rows, B blocks of ncMax columns.
  const kBlocks = (k + KC_MAX - 1) / KC_MAX;
  const kcMax = (k + kBlocks - 1) / kBlocks;
  const mcMax = (A_PACK_BYTES / (kcMax * 64)) * MR;
  const ncMax = (B_PACK_BYTES / (kcMax * 32)) * NR;
  for (let jc = 0; jc < n; jc += ncMax) {
    const nc = min(ncMax, n - jc);
    for (let pc = 0; pc < k; pc += kcMax) {
      const kc = min(kcMax, k - pc);
      pack_b_im2col(x, imgBytes, h, w, kh, kw, sh, sw, ph, pw, ow, pl, pc, kc, jc, nc, B_PACK);
      const loadC = acc || pc > 0;
      for (let ic = 0; ic < m; ic += mcMax) {
        const mc = min(mcMax, m - ic);
        gemm_pack_a(wt + ((<usize>ic * <usize>k + <usize>pc) << 2), <usize>k << 2, 4, mc, kc, A_PACK);
        for (let ir = 0; ir < mc; ir += MR) {
          const ap = A_PACK + <usize>ir * <usize>kc * 16;
          const crow = c + <usize>(ic + ir) * ldc + (<usize>jc << 2);
          const mr = min(MR, mc - ir);
          for (let jr = 0; jr < nc; jr += NR) {
            kernel(ap, B_PACK + <usize>jr * <usize>kc * 4, kc, crow + (<usize>jr << 2), ldc, mr, min(NR, nc - jr), loadC);
          }
        }
      }
    }
  }
}
