// Dense f32 GEMM, C[m,n] (+)= op(A)·op(B), row-major, GotoBLAS-style: B is packed into
// KC x NR panels, A into MR x KC pre-broadcast panels, and a 4x8 register-blocked micro-kernel
// (8 f32x4 accumulators, gemm_kernel.ts) does the arithmetic. TurboFan schedules a loop body's loads before its
// arithmetic, so one k-step per iteration (8 accumulators + 6 loads) is what fits in V8's 15
// usable vector registers without spilling; pre-broadcast A saves an address add per load.
// Measured on a 3.2 GHz Zen 3 whose f32x4 mul+add peak is ~45 GFLOP/s: the micro-kernel alone
// reaches ~39, whole GEMMs at the LeNet-300-100 shapes 33-37 (packing is the rest).
import { A_PACK, A_PACK_BYTES, B_PACK, B_PACK_BYTES, KC_MAX, kernel } from './gemm_kernel';
import { MR, NR, gemm_pack_a, gemm_pack_b_cols, gemm_pack_b_rows } from './gemm_pack';

// Blocked driver. A element (i, p) is at a + i*ars + p*aps; B element (p, j) at b + p*bps + j*bjs
// (bjs == 4 means B rows are contiguous, otherwise B is stored transposed with bps == 4); C rows
// are ldc bytes apart. Each element of C is the same sum in the same order whatever m and n
// are (the k blocking depends on k alone), so any block of C computed on its own (a kernel-pool
// thread's share, gemm_f32_part) is bit-identical to that block of the whole product.
function gemm(m: i32, n: i32, k: i32, a: usize, ars: usize, aps: usize,
  b: usize, bps: usize, bjs: usize, c: usize, ldc: usize, acc: bool): void {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    if (!acc) for (let r = 0; r < m; r++) memory.fill(c + <usize>r * ldc, 0, <usize>n << 2);
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
  gemm(m, n, k, a, <usize>k << 2, 4, b, <usize>n << 2, 4, c, <usize>n << 2, acc);
}

/** C[m,n] (+)= A[m,k]·B[n,k]ᵀ (B stored as [n,k], e.g. a Linear weight). */
export function gemm_f32_nt(m: i32, n: i32, k: i32, a: usize, b: usize, c: usize, acc: bool): void {
  gemm(m, n, k, a, <usize>k << 2, 4, b, 4, <usize>k << 2, c, <usize>n << 2, acc);
}

/** C[m,n] (+)= A[k,m]ᵀ·B[k,n] (A stored as [k,m], e.g. the weight gradient dYᵀ·X). */
export function gemm_f32_tn(m: i32, n: i32, k: i32, a: usize, b: usize, c: usize, acc: bool): void {
  gemm(m, n, k, a, 4, <usize>m << 2, b, <usize>n << 2, 4, c, <usize>n << 2, acc);
}

/**
 * A block of any of the three products above with explicit byte strides (see gemm): C rows ldc
 * bytes apart. The kernel pool (src/backend/threads/) runs one per thread over a block of rows
 * or columns of C.
 */
export function gemm_f32_part(m: i32, n: i32, k: i32, a: usize, ars: usize, aps: usize,
  b: usize, bps: usize, bjs: usize, c: usize, ldc: usize, acc: bool): void {
  gemm(m, n, k, a, ars, aps, b, bps, bjs, c, ldc, acc);
}
