// Sparse x dense products for pruned Linear layers, vectorised over the batch. Activations are
// feature-major (transposed): xT[k, m] holds feature c of all m examples in one contiguous row,
// so one nonzero W[r, c] = v adds v * xT[c, :] to yT[r, :] with f32x4 over the batch. The
// sparse operand is CSR: rowPtr[rows + 1] and colIdx[nnz] (i32), values f32. An optional perm
// (i32, 0 = none) reads value t as vals[perm[t]]: the transposed CSR (CSC) of a weight then
// shares the weight's value vector, so W^T x needs no copy of the values.

@inline
function madd(acc: v128, a: v128, b: v128): v128 {
  return f32x4.add(acc, f32x4.mul(a, b));
}

// Byte offset of the value of nonzero j.
@inline
function valueAt(vals: usize, perm: usize, j: i32): usize {
  const v = perm == 0 ? j : load<i32>(perm + (<usize>j << 2));
  return vals + (<usize>v << 2);
}

// Stores (or adds into y, when acc) one accumulator, then adds the row's bias vector b and
// applies ReLU when relu (the fused epilogue of a Linear layer).
@inline
function put(y: usize, o: usize, a: v128, acc: bool, b: v128, relu: bool): void {
  let v = f32x4.add(acc ? f32x4.add(v128.load(y + o), a) : a, b);
  if (relu) v = v128.and(v, f32x4.gt(v, f32x4.splat(0)));
  v128.store(y + o, v);
}

// The scalar epilogue: s (+ y when acc) + bias, then ReLU when relu.
@inline
function finish(y: usize, s: f32, acc: bool, bias: f32, relu: bool): void {
  let v = (acc ? load<f32>(y) + s : s) + bias;
  if (relu && !(v > 0)) v = 0;
  store<f32>(y, v);
}

// nv (1..8, a compile-time constant at every call) vectors of batch columns of one output row,
// accumulated across the row's nonzeros; unused accumulators fold away after inlining. At nv = 8
// TurboFan (which issues a loop body's loads first) spills one accumulator, yet 8 + 7 was as
// fast at batch 60 as every no-spill split tried (7+4+4, 5+5+5), and as pointer-bump loops over
// precomputed row offsets: the loop is bound by instruction count (wasm's 32-bit addressing
// costs V8 an extra add per access), not by memory, and the row's nonzeros are read once per pass.
@inline
function block(nv: i32, j0: i32, j1: i32, colIdx: usize, vals: usize, perm: usize, x: usize, ld: usize, y: usize, acc: bool, b: v128, relu: bool): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  let a4 = f32x4.splat(0), a5 = f32x4.splat(0), a6 = f32x4.splat(0), a7 = f32x4.splat(0);
  for (let j = j0; j < j1; j++) {
    const v = v128.load32_splat(valueAt(vals, perm, j));
    const xr = x + <usize>load<i32>(colIdx + (<usize>j << 2)) * ld;
    a0 = madd(a0, v, v128.load(xr));
    if (nv > 1) a1 = madd(a1, v, v128.load(xr, 16));
    if (nv > 2) a2 = madd(a2, v, v128.load(xr, 32));
    if (nv > 3) a3 = madd(a3, v, v128.load(xr, 48));
    if (nv > 4) a4 = madd(a4, v, v128.load(xr, 64));
    if (nv > 5) a5 = madd(a5, v, v128.load(xr, 80));
    if (nv > 6) a6 = madd(a6, v, v128.load(xr, 96));
    if (nv > 7) a7 = madd(a7, v, v128.load(xr, 112));
  }
  put(y, 0, a0, acc, b, relu);
  if (nv > 1) put(y, 16, a1, acc, b, relu);
  if (nv > 2) put(y, 32, a2, acc, b, relu);
  if (nv > 3) put(y, 48, a3, acc, b, relu);
  if (nv > 4) put(y, 64, a4, acc, b, relu);
  if (nv > 5) put(y, 80, a5, acc, b, relu);
  if (nv > 6) put(y, 96, a6, acc, b, relu);
  if (nv > 7) put(y, 112, a7, acc, b, relu);
}

// The last nv < 8 vectors of a row in one pass (one specialised copy of block per count).
function blockTail(nv: i32, j0: i32, j1: i32, colIdx: usize, vals: usize, perm: usize, x: usize, ld: usize, y: usize, acc: bool, b: v128, relu: bool): void {
  switch (nv) {
    case 1: block(1, j0, j1, colIdx, vals, perm, x, ld, y, acc, b, relu); break;
    case 2: block(2, j0, j1, colIdx, vals, perm, x, ld, y, acc, b, relu); break;
    case 3: block(3, j0, j1, colIdx, vals, perm, x, ld, y, acc, b, relu); break;
    case 4: block(4, j0, j1, colIdx, vals, perm, x, ld, y, acc, b, relu); break;
    case 5: block(5, j0, j1, colIdx, vals, perm, x, ld, y, acc, b, relu); break;
    case 6: block(6, j0, j1, colIdx, vals, perm, x, ld, y, acc, b, relu); break;
    case 7: block(7, j0, j1, colIdx, vals, perm, x, ld, y, acc, b, relu); break;
  }
}

// Eight vectors (32 batch columns) of one output row.
function block8(j0: i32, j1: i32, colIdx: usize, vals: usize, perm: usize, x: usize, ld: usize, y: usize, acc: bool, b: v128, relu: bool): void {
  block(8, j0, j1, colIdx, vals, perm, x, ld, y, acc, b, relu);
}

// One batch column of one output row (the m % 4 tail).
function column(j0: i32, j1: i32, colIdx: usize, vals: usize, perm: usize, x: usize, ld: usize, y: usize, acc: bool, bias: f32, relu: bool): void {
  let s: f32 = 0;
  for (let j = j0; j < j1; j++) {
    s += load<f32>(valueAt(vals, perm, j)) * load<f32>(x + <usize>load<i32>(colIdx + (<usize>j << 2)) * ld);
  }
  finish(y, s, acc, bias, relu);
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
    finish(y + (<usize>r << 2), t, acc, bias == 0 ? 0 : load<f32>(bias + (<usize>r << 2)), relu);
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
    finish(y + (<usize>r << 2), (s0 + s1) + (s2 + s3), acc, bias == 0 ? 0 : load<f32>(bias + (<usize>r << 2)), relu);
  }
}

/**
 * yT[rows, m] (+)= A · xT[cols, m] for a CSR A (rowPtr[rows + 1], colIdx[nnz], values through
 * perm when perm != 0); activations feature-major, rows of m f32 with no padding, any alignment.
 * Epilogue: + bias[r] on row r when bias != 0, then ReLU when relu (a Linear layer in one pass).
 * Column indices must lie in [0, cols): they are not checked here. m == 1 is a plain CSR mat-vec.
 */
export function spmm_csr_f32(rows: i32, m: i32, rowPtr: usize, colIdx: usize, vals: usize, perm: usize,
  xT: usize, yT: usize, acc: bool, bias: usize, relu: bool): void {
  if (rows <= 0 || m <= 0) return;
  if (m == 1) {
    if (perm == 0) spmvSimd(rows, rowPtr, colIdx, vals, xT, yT, acc, bias, relu);
    else spmv(rows, rowPtr, colIdx, vals, perm, xT, yT, acc, bias, relu);
    return;
  }
  const ld = <usize>m << 2;
  const m32 = m & ~31;
  const m4 = m & ~3;
  for (let r = 0; r < rows; r++) {
    const j0 = load<i32>(rowPtr + (<usize>r << 2));
    const j1 = load<i32>(rowPtr + (<usize>(r + 1) << 2));
    const y = yT + <usize>r * ld;
    const bs: f32 = bias == 0 ? 0 : load<f32>(bias + (<usize>r << 2));
    const b = f32x4.splat(bs);
    let q = 0;
    for (; q < m32; q += 32) block8(j0, j1, colIdx, vals, perm, xT + (<usize>q << 2), ld, y + (<usize>q << 2), acc, b, relu);
    if (q < m4) {
      blockTail((m4 - q) >> 2, j0, j1, colIdx, vals, perm, xT + (<usize>q << 2), ld, y + (<usize>q << 2), acc, b, relu);
      q = m4;
    }
    for (; q < m; q++) column(j0, j1, colIdx, vals, perm, xT + (<usize>q << 2), ld, y + (<usize>q << 2), acc, bs, relu);
  }
}
