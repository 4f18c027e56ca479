// The register-blocked micro-kernel of the dense GEMM (gemm.ts) and its static pack areas,
// shared with the GEMM convolution (conv_gemm.ts): a 4x8 tile of C from packed panels, 8 f32x4
// accumulators, one k-step per iteration (TurboFan schedules a loop body's loads before its
// arithmetic, so 8 accumulators + 6 loads is what fits in V8's 15 usable vector registers).
import { MR, NR } from './gemm_pack';
import { madd } from './simd';

// Block sizes chosen by measurement on Zen 3 (32 KiB L1, 512 KiB L2): KC from 128 to 400 was
// within noise at the LeNet shapes, 256 marginally best. Shared by gemm.ts and conv_gemm.ts:
// the same blocking and pack areas (calls on one thread never interleave).
export const KC_MAX: i32 = 256;
export const A_PACK_BYTES: i32 = 256 * 1024;
export const B_PACK_BYTES: i32 = 512 * 1024;
// Small per-thread areas after the packs: the staging tile for ragged edges (MR x NR floats,
// 128 bytes) and conv_gemm.ts's column table (NR x 12 bytes).
const SMALL_BYTES: i32 = 256;
/** Bytes of one thread's areas: the A and B packs, then the tile and column table. */
export const THREAD_AREA_BYTES: i32 = A_PACK_BYTES + B_PACK_BYTES + SMALL_BYTES;
// The main instance's areas are static, below __heap_base. A kernel-pool thread (the threads
// build, src/backend/threads/) shares linear memory with every other instance, so it moves its
// own areas to a block the host allocated for it (thread_areas, heap.ts); globals are per instance.
const STATIC_AREAS: usize = memory.data(THREAD_AREA_BYTES, 64);
export let A_PACK: usize = STATIC_AREAS;
export let B_PACK: usize = STATIC_AREAS + <usize>A_PACK_BYTES;
let TILE: usize = STATIC_AREAS + <usize>(A_PACK_BYTES + B_PACK_BYTES);
/** conv_gemm.ts's column table (NR x 12 bytes) of this instance. */
export let COLS: usize = TILE + 128;

/** Moves this instance's pack areas to `base` (64-byte aligned, THREAD_AREA_BYTES long). */
export function setThreadAreas(base: usize): void {
  A_PACK = base;
  B_PACK = base + <usize>A_PACK_BYTES;
  TILE = base + <usize>(A_PACK_BYTES + B_PACK_BYTES);
  COLS = TILE + 128;
}

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
