// Dense f32 GEMM, C[m,n] (+)= op(A)·op(B), row-major, GotoBLAS-style: B is packed into
// KC x NR panels, A into MR x KC pre-broadcast panels, and a 4x8 register-blocked micro-kernel
// (8 f32x4 accumulators) does the arithmetic. TurboFan schedules a loop body's loads before its
// arithmetic, so one k-step per iteration (8 accumulators + 6 loads) is what fits in V8's 15
// usable vector registers without spilling; pre-broadcast A saves an address add per load.
// Measured on a 3.2 GHz Zen 3 whose f32x4 mul+add peak is ~45 GFLOP/s: the micro-kernel alone
// reaches ~39, whole GEMMs at the LeNet-300-100 shapes 33-37 (packing is the rest).
import { MR, NR, gemm_pack_a, gemm_pack_b_cols, gemm_pack_b_rows } from './gemm_pack';
import { madd } from './simd';

// Block sizes chosen by measurement on Zen 3 (32 KiB L1, 512 KiB L2): KC from 128 to 400 was
// within noise at the LeNet shapes, 256 marginally best. Packs are static, below __heap_base.
// Exported so conv_gemm.ts shares the blocking and the pack areas (calls never interleave).
export const KC_MAX: i32 = 256;
export const A_PACK_BYTES: i32 = 256 * 1024;
export const B_PACK_BYTES: i32 = 512 * 1024;
export const A_PACK: usize = memory.data(A_PACK_BYTES, 64);
export const B_PACK: usize = memory.data(B_PACK_BYTES, 64);
// Staging tile for ragged edges (MR x NR floats).
const TILE: usize = memory.data(MR * NR * 4, 16);

// Adds (or stores, when !loadC) one row of two accumulators to C.
@inline
function storeRow(c: usize, x0: v128, x1: v128, loadC: bool): void {
  if (loadC) {
    x0 = f32x4.add(v128.load(c), x0);
    x1 = f32x4.add(v128.load(c, 16), x1);
  }
  v128.store(c, x0);
  v128.store(c, x1, 16);
}

/**
 * 4x8 micro-kernel over packed panels (ap from gemm_pack_a, bp: kc x NR, 32 bytes per k);
 * writes the mr x nr valid corner of the tile to C (rows ldc bytes apart), adding when loadC.
 * Exported for drivers that pack B their own way (conv_gemm.ts packs it straight from images).
 */
export function kernel(ap: usize, bp: usize, kc: i32, c: usize, ldc: usize, mr: i32, nr: i32, loadC: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  const end = bp + (<usize>kc << 5);
  while (bp < end) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a = v128.load(ap);
    c00 = madd(c00, a, b0);
    c01 = madd(c01, a, b1);
    a = v128.load(ap, 16);
    c10 = madd(c10, a, b0);
    c11 = madd(c11, a, b1);
    a = v128.load(ap, 32);
    c20 = madd(c20, a, b0);
    c21 = madd(c21, a, b1);
    a = v128.load(ap, 48);
    c30 = madd(c30, a, b0);
    c31 = madd(c31, a, b1);
    ap += 64;
    bp += 32;
  }
  if (mr == MR && nr == NR) {
    storeRow(c, c00, c01, loadC);
    storeRow(c + ldc, c10, c11, loadC);
    storeRow(c + 2 * ldc, c20, c21, loadC);
    storeRow(c + 3 * ldc, c30, c31, loadC);
    return;
  }
  storeRow(TILE, c00, c01, false);
  storeRow(TILE + 32, c10, c11, false);
  storeRow(TILE + 64, c20, c21, false);
  storeRow(TILE + 96, c30, c31, false);
  for (let i = 0; i < mr; i++) {
    const row = c + <usize>i * ldc;
    const t = TILE + (<usize>i << 5);
    for (let j = 0; j < nr; j++) {
      const dst = row + (<usize>j << 2);
      const v = load<f32>(t + (<usize>j << 2));
      store<f32>(dst, loadC ? load<f32>(dst) + v : v);
    }
  }
}

// Blocked driver. A element (i, p) is at a + i*ars + p*aps; B element (p, j) at b + p*bps + j*bjs
// (bjs == 4 means B rows are contiguous, otherwise B is stored transposed with bps == 4).
function gemm(m: i32, n: i32, k: i32, a: usize, ars: usize, aps: usize,
  b: usize, bps: usize, bjs: usize, c: usize, acc: bool): void {
  if (m <= 0 || n <= 0) return;
  const ldc = <usize>n << 2;
  if (k <= 0) {
    if (!acc) memory.fill(c, 0, <usize>m * ldc);
    return;
  }
  // Equal k blocks (e.g. 784 = 7 x 112) so no block is a short remainder.
  const kBlocks = (k + KC_MAX - 1) / KC_MAX;
  const kcMax = (k + kBlocks - 1) / kBlocks;
  const mcMax = (A_PACK_BYTES / (kcMax * 64)) * MR;
  const ncMax = (B_PACK_BYTES / (kcMax * 32)) * NR;
  for (let jc = 0; jc < n; jc += ncMax) {
    const nc = min(ncMax, n - jc);
    for (let pc = 0; pc < k; pc += kcMax) {
      const kc = min(kcMax, k - pc);
      const bsrc = b + <usize>pc * bps + <usize>jc * bjs;
      if (bjs == 4) gemm_pack_b_rows(bsrc, bps, kc, nc, B_PACK);
      else gemm_pack_b_cols(bsrc, bjs, kc, nc, B_PACK);
      const loadC = acc || pc > 0;
      for (let ic = 0; ic < m; ic += mcMax) {
        const mc = min(mcMax, m - ic);
        gemm_pack_a(a + <usize>ic * ars + <usize>pc * aps, ars, aps, mc, kc, A_PACK);
        // One A panel stays in L1 while the B panels stream past it from L2.
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

/** C[m,n] (+)= A[m,k]·B[k,n]; all row-major f32, any alignment; accumulate when acc != 0. */
export function gemm_f32_nn(m: i32, n: i32, k: i32, a: usize, b: usize, c: usize, acc: bool): void {
  gemm(m, n, k, a, <usize>k << 2, 4, b, <usize>n << 2, 4, c, acc);
}

/** C[m,n] (+)= A[m,k]·B[n,k]ᵀ (B stored as [n,k], e.g. a Linear weight). */
export function gemm_f32_nt(m: i32, n: i32, k: i32, a: usize, b: usize, c: usize, acc: bool): void {
  gemm(m, n, k, a, <usize>k << 2, 4, b, 4, <usize>k << 2, c, acc);
}

/** C[m,n] (+)= A[k,m]ᵀ·B[k,n] (A stored as [k,m], e.g. the weight gradient dYᵀ·X). */
export function gemm_f32_tn(m: i32, n: i32, k: i32, a: usize, b: usize, c: usize, acc: bool): void {
  gemm(m, n, k, a, 4, <usize>m << 2, b, <usize>n << 2, 4, c, acc);
}
