// Packing for the blocked GEMM in gemm.ts. Operands are described by byte strides so one
// routine serves every layout; packed panels are zero-padded so the micro-kernel never sees
// a ragged edge.

/** Rows per A panel (micro-kernel height). */
export const MR: i32 = 4;
/** Columns per B panel (micro-kernel width). */
export const NR: i32 = 8;

/**
 * Packs an mc x kc block of A (element (i, p) at `a + i*rs + p*ps`, byte strides) into panels
 * of MR rows, each element pre-broadcast to a full f32x4: panel-major, then p, then row, so the
 * micro-kernel reads A with plain 16-byte loads at immediate offsets (64 bytes per p).
 * Rows past mc are zero. `dst` must be 16-byte aligned and hold ceil(mc/4)*kc*64 bytes.
 */
export function gemm_pack_a(a: usize, rs: usize, ps: usize, mc: i32, kc: i32, dst: usize): void {
  const zero = f32x4.splat(0);
  for (let ir = 0; ir < mc; ir += MR) {
    const rows = min(MR, mc - ir);
    let src = a + <usize>ir * rs;
    if (rows == MR) {
      for (let p = 0; p < kc; p++) {
        v128.store(dst, v128.load32_splat(src), 0);
        v128.store(dst, v128.load32_splat(src + rs), 16);
        v128.store(dst, v128.load32_splat(src + 2 * rs), 32);
        v128.store(dst, v128.load32_splat(src + 3 * rs), 48);
        src += ps;
        dst += 64;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        for (let r = 0; r < MR; r++) {
          v128.store(dst + (<usize>r << 4), r < rows ? v128.load32_splat(src + <usize>r * rs) : zero);
        }
        src += ps;
        dst += 64;
      }
    }
  }
}

/**
 * Packs a kc x nc block of a B whose rows are contiguous (element (p, j) at `b + p*ps + j*4`)
 * into panels of NR columns: panel-major, then p (32 bytes per p). Columns past nc are zero.
 */
export function gemm_pack_b_rows(b: usize, ps: usize, kc: i32, nc: i32, dst: usize): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const cols = min(NR, nc - jr);
    let src = b + (<usize>jr << 2);
    if (cols == NR) {
      for (let p = 0; p < kc; p++) {
        v128.store(dst, v128.load(src), 0);
        v128.store(dst, v128.load(src, 16), 16);
        src += ps;
        dst += 32;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        for (let j = 0; j < NR; j++) {
          store<f32>(dst + (<usize>j << 2), j < cols ? load<f32>(src + (<usize>j << 2)) : 0);
        }
        src += ps;
        dst += 32;
      }
    }
  }
}

// Transposes four f32x4 rows (a 4x4 block) in registers and stores its columns at stride 32.
@inline
function transpose4_store(r0: v128, r1: v128, r2: v128, r3: v128, dst: usize): void {
  const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
  const t1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
  const t2 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
  const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
  v128.store(dst, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5), 0);
  v128.store(dst, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7), 32);
  v128.store(dst, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5), 64);
  v128.store(dst, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7), 96);
}

/**
 * Packs a kc x nc block of a B stored transposed (element (p, j) at `b + j*js + p*4`, the NT
 * layout) into the same NR-column panels as gemm_pack_b_rows, transposing 4x4 blocks in SIMD.
 */
export function gemm_pack_b_cols(b: usize, js: usize, kc: i32, nc: i32, dst: usize): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const cols = min(NR, nc - jr);
    const src = b + <usize>jr * js;
    let p = 0;
    if (cols == NR) {
      for (; p + 4 <= kc; p += 4) {
        const s = src + (<usize>p << 2);
        const d = dst + (<usize>p << 5);
        transpose4_store(v128.load(s), v128.load(s + js), v128.load(s + 2 * js), v128.load(s + 3 * js), d);
        const s4 = s + 4 * js;
        transpose4_store(v128.load(s4), v128.load(s4 + js), v128.load(s4 + 2 * js), v128.load(s4 + 3 * js), d + 16);
      }
    }
    // Scalar path: the k tail of full panels and every element of a ragged last panel.
    for (; p < kc; p++) {
      const d = dst + (<usize>p << 5);
      const s = src + (<usize>p << 2);
      for (let j = 0; j < NR; j++) {
        store<f32>(d + (<usize>j << 2), j < cols ? load<f32>(s + <usize>j * js) : 0);
      }
    }
    dst += <usize>kc << 5;
  }
}
