// Sparse x dense products for pruned Linear layers, vectorised over the batch. Activations are
// feature-major (transposed): xT[k, m] holds feature c of all m examples in one contiguous row,
// so one nonzero W[r, c] = v adds v * xT[c, :] to yT[r, :] with f32x4 over the batch. The
// sparse operand is CSR: rowPtr[rows + 1] and colIdx[nnz] (i32), values f32. An optional perm
// (i32, 0 = none) reads value t as vals[perm[t]]: the transposed CSR (CSC) of a weight then
// shares the weight's value vector, so W^T x needs no copy of the values. For m > 1 the kernel
// reads each nonzero's xT row through `off`, its column index pre-scaled to a byte offset
// (colIdx[j] * m * 4, scale_index_i32): one load per nonzero instead of a load and a multiply,
// measured 5-10% faster at LeNet's 784 x 300 layer, batch 60, 10% density.
import { madd, storeBiasAct, storeBiasActScalar } from './simd';

// Byte offset of the value of nonzero j.
@inline
function valueAt(vals: usize, perm: usize, j: i32): usize {
  const v = perm == 0 ? j : load<i32>(perm + (<usize>j << 2));
  return vals + (<usize>v << 2);
}

// nv (1..6, a compile-time constant at every call) vectors of batch columns of one output row,
// accumulated across the row's nonzeros; unused accumulators fold away after inlining. The loop
// is bound by instruction count, not memory (the xT rows in use stay in L2), and V8 keeps at most
// six accumulators plus the value and a product in registers: at seven or eight it spills (TurboFan
// issues the loop body's loads first). Measured at LeNet's 784 -> 300 layer, batch 60, 10%
// density: passes of 5+5+5 or 6+5+4 vectors ran 1.2x faster than 8+7, 7+7+1 1.13x; a single
// 15-accumulator pass 1.4x slower; two nonzeros per trip 1.15x slower; tiling the input
// features for L1 (128-392 per tile) no faster.
@inline
function block(nv: i32, j0: i32, j1: i32, off: usize, vals: usize, perm: usize, x: usize, y: usize, acc: bool, b: v128, relu: bool): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0);
  let a3 = f32x4.splat(0), a4 = f32x4.splat(0), a5 = f32x4.splat(0);
  for (let j = j0; j < j1; j++) {
    const v = v128.load32_splat(valueAt(vals, perm, j));
    const xr = x + <usize>load<u32>(off + (<usize>j << 2));
    a0 = madd(a0, v, v128.load(xr));
    if (nv > 1) a1 = madd(a1, v, v128.load(xr, 16));
    if (nv > 2) a2 = madd(a2, v, v128.load(xr, 32));
    if (nv > 3) a3 = madd(a3, v, v128.load(xr, 48));
    if (nv > 4) a4 = madd(a4, v, v128.load(xr, 64));
    if (nv > 5) a5 = madd(a5, v, v128.load(xr, 80));
  }
  storeBiasAct(y, a0, acc, b, relu);
  if (nv > 1) storeBiasAct(y + 16, a1, acc, b, relu);
  if (nv > 2) storeBiasAct(y + 32, a2, acc, b, relu);
  if (nv > 3) storeBiasAct(y + 48, a3, acc, b, relu);
  if (nv > 4) storeBiasAct(y + 64, a4, acc, b, relu);
  if (nv > 5) storeBiasAct(y + 80, a5, acc, b, relu);
}

// Most vectors one pass holds (see block).
const PASS_MAX: i32 = 6;

// One pass over a row's nonzeros for nv <= PASS_MAX vectors: a function per count and per value
// access (direct, or through perm), each holding one inlined copy of block. One function
// switching over inlined copies measured as slow as 8 + 7: V8 allocates registers per function,
// and the big one spilled its loop state.
function direct1(j0: i32, j1: i32, off: usize, vals: usize, x: usize, y: usize, acc: bool, b: v128, relu: bool): void { block(1, j0, j1, off, vals, 0, x, y, acc, b, relu); }
function direct2(j0: i32, j1: i32, off: usize, vals: usize, x: usize, y: usize, acc: bool, b: v128, relu: bool): void { block(2, j0, j1, off, vals, 0, x, y, acc, b, relu); }
function direct3(j0: i32, j1: i32, off: usize, vals: usize, x: usize, y: usize, acc: bool, b: v128, relu: bool): void { block(3, j0, j1, off, vals, 0, x, y, acc, b, relu); }
function direct4(j0: i32, j1: i32, off: usize, vals: usize, x: usize, y: usize, acc: bool, b: v128, relu: bool): void { block(4, j0, j1, off, vals, 0, x, y, acc, b, relu); }
function direct5(j0: i32, j1: i32, off: usize, vals: usize, x: usize, y: usize, acc: bool, b: v128, relu: bool): void { block(5, j0, j1, off, vals, 0, x, y, acc, b, relu); }
function direct6(j0: i32, j1: i32, off: usize, vals: usize, x: usize, y: usize, acc: bool, b: v128, relu: bool): void { block(6, j0, j1, off, vals, 0, x, y, acc, b, relu); }
function viaPerm1(j0: i32, j1: i32, off: usize, vals: usize, perm: usize, x: usize, y: usize, acc: bool, b: v128, relu: bool): void { block(1, j0, j1, off, vals, perm, x, y, acc, b, relu); }
function viaPerm2(j0: i32, j1: i32, off: usize, vals: usize, perm: usize, x: usize, y: usize, acc: bool, b: v128, relu: bool): void { block(2, j0, j1, off, vals, perm, x, y, acc, b, relu); }
function viaPerm3(j0: i32, j1: i32, off: usize, vals: usize, perm: usize, x: usize, y: usize, acc: bool, b: v128, relu: bool): void { block(3, j0, j1, off, vals, perm, x, y, acc, b, relu); }
function viaPerm4(j0: i32, j1: i32, off: usize, vals: usize, perm: usize, x: usize, y: usize, acc: bool, b: v128, relu: bool): void { block(4, j0, j1, off, vals, perm, x, y, acc, b, relu); }
function viaPerm5(j0: i32, j1: i32, off: usize, vals: usize, perm: usize, x: usize, y: usize, acc: bool, b: v128, relu: bool): void { block(5, j0, j1, off, vals, perm, x, y, acc, b, relu); }
function viaPerm6(j0: i32, j1: i32, off: usize, vals: usize, perm: usize, x: usize, y: usize, acc: bool, b: v128, relu: bool): void { block(6, j0, j1, off, vals, perm, x, y, acc, b, relu); }

function passDirect(nv: i32, j0: i32, j1: i32, off: usize, vals: usize, x: usize, y: usize, acc: bool, b: v128, relu: bool): void {
  switch (nv) {
    case 1: direct1(j0, j1, off, vals, x, y, acc, b, relu); break;
    case 2: direct2(j0, j1, off, vals, x, y, acc, b, relu); break;
    case 3: direct3(j0, j1, off, vals, x, y, acc, b, relu); break;
    case 4: direct4(j0, j1, off, vals, x, y, acc, b, relu); break;
    case 5: direct5(j0, j1, off, vals, x, y, acc, b, relu); break;
    case 6: direct6(j0, j1, off, vals, x, y, acc, b, relu); break;
  }
}

function passPerm(nv: i32, j0: i32, j1: i32, off: usize, vals: usize, perm: usize, x: usize, y: usize, acc: bool, b: v128, relu: bool): void {
  switch (nv) {
    case 1: viaPerm1(j0, j1, off, vals, perm, x, y, acc, b, relu); break;
    case 2: viaPerm2(j0, j1, off, vals, perm, x, y, acc, b, relu); break;
    case 3: viaPerm3(j0, j1, off, vals, perm, x, y, acc, b, relu); break;
    case 4: viaPerm4(j0, j1, off, vals, perm, x, y, acc, b, relu); break;
    case 5: viaPerm5(j0, j1, off, vals, perm, x, y, acc, b, relu); break;
    case 6: viaPerm6(j0, j1, off, vals, perm, x, y, acc, b, relu); break;
  }
}

// One batch column of one output row (the m % 4 tail).
function column(j0: i32, j1: i32, off: usize, vals: usize, perm: usize, x: usize, y: usize, acc: bool, bias: f32, relu: bool): void {
  let s: f32 = 0;
  for (let j = j0; j < j1; j++) {
    s += load<f32>(valueAt(vals, perm, j)) * load<f32>(x + <usize>load<u32>(off + (<usize>j << 2)));
  }
  storeBiasActScalar(y, s, acc, bias, relu);
}

// Batch 1 without perm: y[r] = sum_j v_j x[c_j], four nonzeros per f32x4 (their x values
// gathered by lane inserts), two vector sums to hide the add latency.
function spmvSimd(rows: i32, rowPtr: usize, colIdx: usize, vals: usize, x: usize, y: usize, acc: bool, bias: usize, relu: bool): void {
  for (let r = 0; r < rows; r++) {
    const j1 = load<i32>(rowPtr + (<usize>(r + 1) << 2));
    let j = load<i32>(rowPtr + (<usize>r << 2));
    let s0 = f32x4.splat(0), s1 = f32x4.splat(0);
    for (; j + 8 <= j1; j += 8) {
      const c = colIdx + (<usize>j << 2);
      s0 = madd(s0, v128.load(vals + (<usize>j << 2)), gather4(x, c));
      s1 = madd(s1, v128.load(vals + (<usize>j << 2), 16), gather4(x, c + 16));
    }
    if (j + 4 <= j1) {
      s0 = madd(s0, v128.load(vals + (<usize>j << 2)), gather4(x, colIdx + (<usize>j << 2)));
      j += 4;
    }
    const s = f32x4.add(s0, s1);
    let t = (f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1)) + (f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3));
    for (; j < j1; j++) t += load<f32>(vals + (<usize>j << 2)) * load<f32>(x + (<usize>load<i32>(colIdx + (<usize>j << 2)) << 2));
    storeBiasActScalar(y + (<usize>r << 2), t, acc, bias == 0 ? 0 : load<f32>(bias + (<usize>r << 2)), relu);
  }
}

// x[c[0]], x[c[1]], x[c[2]], x[c[3]] as one vector (i32 indices at c).
@inline
function gather4(x: usize, c: usize): v128 {
  let v = f32x4.splat(load<f32>(x + (<usize>load<i32>(c) << 2)));
  v = f32x4.replace_lane(v, 1, load<f32>(x + (<usize>load<i32>(c, 4) << 2)));
  v = f32x4.replace_lane(v, 2, load<f32>(x + (<usize>load<i32>(c, 8) << 2)));
  return f32x4.replace_lane(v, 3, load<f32>(x + (<usize>load<i32>(c, 12) << 2)));
}

// Batch 1 through perm (the transposed index): four independent scalar sums.
function spmv(rows: i32, rowPtr: usize, colIdx: usize, vals: usize, perm: usize, x: usize, y: usize, acc: bool, bias: usize, relu: bool): void {
  for (let r = 0; r < rows; r++) {
    const j1 = load<i32>(rowPtr + (<usize>(r + 1) << 2));
    let j = load<i32>(rowPtr + (<usize>r << 2));
    let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0;
    for (; j + 4 <= j1; j += 4) {
      const c = colIdx + (<usize>j << 2);
      s0 += load<f32>(valueAt(vals, perm, j)) * load<f32>(x + (<usize>load<i32>(c) << 2));
      s1 += load<f32>(valueAt(vals, perm, j + 1)) * load<f32>(x + (<usize>load<i32>(c, 4) << 2));
      s2 += load<f32>(valueAt(vals, perm, j + 2)) * load<f32>(x + (<usize>load<i32>(c, 8) << 2));
      s3 += load<f32>(valueAt(vals, perm, j + 3)) * load<f32>(x + (<usize>load<i32>(c, 12) << 2));
    }
    for (; j < j1; j++) s0 += load<f32>(valueAt(vals, perm, j)) * load<f32>(x + (<usize>load<i32>(colIdx + (<usize>j << 2)) << 2));
    storeBiasActScalar(y + (<usize>r << 2), (s0 + s1) + (s2 + s3), acc, bias == 0 ? 0 : load<f32>(bias + (<usize>r << 2)), relu);
  }
}

/** dst[j] = src[j] * factor for j < n (i32; column indices to byte offsets, see spmm_csr_f32). */
export function scale_index_i32(src: usize, dst: usize, n: i32, factor: i32): void {
  const f = i32x4.splat(factor);
  let j = 0;
  for (; j + 4 <= n; j += 4) v128.store(dst + (<usize>j << 2), i32x4.mul(v128.load(src + (<usize>j << 2)), f));
  for (; j < n; j++) store<i32>(dst + (<usize>j << 2), load<i32>(src + (<usize>j << 2)) * factor);
}

/**
 * yT[rows, m] (+)= A · xT[cols, m] for a CSR A (rowPtr[rows + 1], colIdx[nnz], values through
 * perm when perm != 0); activations feature-major, rows of m f32 with no padding, any alignment.
 * `off` holds colIdx[j] * m * 4 (scale_index_i32) and is read only when m > 1; colIdx only when m == 1.
 * Epilogue: + bias[r] on row r when bias != 0, then ReLU when relu (a Linear layer in one pass).
 * Column indices must lie in [0, cols): they are not checked here. m == 1 is a plain CSR mat-vec.
 */
export function spmm_csr_f32(rows: i32, m: i32, rowPtr: usize, colIdx: usize, off: usize, vals: usize, perm: usize,
  xT: usize, yT: usize, acc: bool, bias: usize, relu: bool): void {
  if (rows <= 0 || m <= 0) return;
  if (m == 1) {
    if (perm == 0) spmvSimd(rows, rowPtr, colIdx, vals, xT, yT, acc, bias, relu);
    else spmv(rows, rowPtr, colIdx, vals, perm, xT, yT, acc, bias, relu);
    return;
  }
  const ld = <usize>m << 2;
  const m4 = m & ~3;
  // The row's m / 4 vectors in as few passes as hold them, split evenly (15 -> 5 + 5 + 5).
  const vecs = m4 >> 2;
  const passes = (vecs + PASS_MAX - 1) / PASS_MAX;
  for (let r = 0; r < rows; r++) {
    const j0 = load<i32>(rowPtr + (<usize>r << 2));
    const j1 = load<i32>(rowPtr + (<usize>(r + 1) << 2));
    const y = yT + <usize>r * ld;
    const bs: f32 = bias == 0 ? 0 : load<f32>(bias + (<usize>r << 2));
    const b = f32x4.splat(bs);
    let q = 0;
    for (let p = 0; p < passes; p++) {
      const nv = ((m4 - q) >> 2) / (passes - p);
      const xq = xT + (<usize>q << 2), yq = y + (<usize>q << 2);
      if (perm == 0) passDirect(nv, j0, j1, off, vals, xq, yq, acc, b, relu);
      else passPerm(nv, j0, j1, off, vals, perm, xq, yq, acc, b, relu);
      q += nv << 2;
    }
    for (; q < m; q++) column(j0, j1, off, vals, perm, xT + (<usize>q << 2), y + (<usize>q << 2), acc, bs, relu);
  }
}
