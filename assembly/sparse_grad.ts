// Weight gradient of a CSR-sparse Linear layer, computed only where the mask is 1 (sampled
// dense-dense product, SDDMM): dv[j] = dyT[r, :] · xT[c, :] for nonzero j = (r, c), with both
// activations feature-major (rows of m f32, any alignment).
import { madd, hsum4 } from './simd';

// Dot product of two rows of m floats.
@inline
function dot(a: usize, b: usize, m: i32): f32 {
  const m4 = m & ~3;
  let s = f32x4.splat(0);
  let q = 0;
  for (; q < m4; q += 4) {
    const o = <usize>q << 2;
    s = madd(s, v128.load(a + o), v128.load(b + o));
  }
  let t = f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + (f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3));
  for (; q < m; q++) t += load<f32>(a + (<usize>q << 2)) * load<f32>(b + (<usize>q << 2));
  return t;
}

/**
 * dv[j] (+)= dyT[r, :] · xT[colIdx[j], :] for every nonzero j of row r of a CSR (rowPtr[rows + 1],
 * colIdx[nnz], i32); dyT is [rows, m], xT is [cols, m]. Four nonzeros of a row share each load
 * of dyT, and their four sums leave as one vector store. Column indices are not checked here.
 */
export function sddmm_csr_f32(rows: i32, m: i32, rowPtr: usize, colIdx: usize, dyT: usize, xT: usize,
  dv: usize, acc: bool): void {
  const ld = <usize>max(m, 0) << 2;
  const m4 = m & ~3;
  for (let r = 0; r < rows; r++) {
    const j1 = load<i32>(rowPtr + (<usize>(r + 1) << 2));
    let j = load<i32>(rowPtr + (<usize>r << 2));
    const dy = dyT + <usize>r * ld;
    for (; j + 4 <= j1; j += 4) {
      const c = colIdx + (<usize>j << 2);
      const x0 = xT + <usize>load<i32>(c) * ld;
      const x1 = xT + <usize>load<i32>(c, 4) * ld;
      const x2 = xT + <usize>load<i32>(c, 8) * ld;
      const x3 = xT + <usize>load<i32>(c, 12) * ld;
      let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
      let q = 0;
      for (; q < m4; q += 4) {
        const o = <usize>q << 2;
        const d = v128.load(dy + o);
        s0 = madd(s0, d, v128.load(x0 + o));
        s1 = madd(s1, d, v128.load(x1 + o));
        s2 = madd(s2, d, v128.load(x2 + o));
        s3 = madd(s3, d, v128.load(x3 + o));
      }
      let sums = hsum4(s0, s1, s2, s3);
      if (q < m) {
        let t0: f32 = 0, t1: f32 = 0, t2: f32 = 0, t3: f32 = 0;
        for (; q < m; q++) {
          const o = <usize>q << 2;
          const d = load<f32>(dy + o);
          t0 += d * load<f32>(x0 + o);
          t1 += d * load<f32>(x1 + o);
          t2 += d * load<f32>(x2 + o);
          t3 += d * load<f32>(x3 + o);
        }
        const tail = f32x4.replace_lane(f32x4.replace_lane(f32x4.replace_lane(f32x4.splat(t0), 1, t1), 2, t2), 3, t3);
        sums = f32x4.add(sums, tail);
      }
      const out = dv + (<usize>j << 2);
      v128.store(out, acc ? f32x4.add(v128.load(out), sums) : sums);
    }
    for (; j < j1; j++) {
      const s = dot(dy, xT + <usize>load<i32>(colIdx + (<usize>j << 2)) * ld, m);
      const out = dv + (<usize>j << 2);
      store<f32>(out, acc ? load<f32>(out) + s : s);
    }
  }
}
