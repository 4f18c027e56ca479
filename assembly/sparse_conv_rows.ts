// The row kernels of the direct sparse convolution (sparse_conv.ts): output rows of one image's
// channels as sums over each channel's nonzeros of v * (the nonzero's window in a padded source),
// with f32x4 over the row's columns. A window is a byte offset per nonzero (off, u32) into the
// source; values are f32 in the index's order. Rows of more than three vectors run in passes of
// at most six; narrower rows go several to a pass. The last vector of a row may read up to three
// floats past the row's end (its extra lanes are never stored), so the source needs 4 floats of
// slack after it.
import { madd, storeBiasAct, storeBiasActScalar } from './simd';

// The epilogue of one vector of `lanes` (1..4) valid output columns: (+ y when acc) + bias, then
// ReLU when relu; a partial vector stores only its valid lanes.
@inline
function put(y: usize, a: v128, lanes: i32, acc: bool, b: v128, relu: bool): void {
  if (lanes == 4) {
    storeBiasAct(y, a, acc, b, relu);
    return;
  }
  const bs = f32x4.extract_lane(b, 0);
  storeBiasActScalar(y, f32x4.extract_lane(a, 0), acc, bs, relu);
  if (lanes > 1) storeBiasActScalar(y + 4, f32x4.extract_lane(a, 1), acc, bs, relu);
  if (lanes > 2) storeBiasActScalar(y + 8, f32x4.extract_lane(a, 2), acc, bs, relu);
}

// nv (1..6, a compile-time constant at every call) vectors of one output row, accumulated over
// the nonzeros j0..j1 of its channel; the last vector has `lanes` valid columns. Six
// accumulators at most: V8 spills at seven (see sparse.ts, measured on the same loop).
@inline
function block(nv: i32, j0: i32, j1: i32, off: usize, vals: usize, x: usize, y: usize, lanes: i32, acc: bool, b: v128, relu: bool): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0);
  let a3 = f32x4.splat(0), a4 = f32x4.splat(0), a5 = f32x4.splat(0);
  for (let j = j0; j < j1; j++) {
    const v = v128.load32_splat(vals + (<usize>j << 2));
    const xr = x + <usize>load<u32>(off + (<usize>j << 2));
    a0 = madd(a0, v, v128.load(xr));
    if (nv > 1) a1 = madd(a1, v, v128.load(xr, 16));
    if (nv > 2) a2 = madd(a2, v, v128.load(xr, 32));
    if (nv > 3) a3 = madd(a3, v, v128.load(xr, 48));
    if (nv > 4) a4 = madd(a4, v, v128.load(xr, 64));
    if (nv > 5) a5 = madd(a5, v, v128.load(xr, 80));
  }
  put(y, a0, nv == 1 ? lanes : 4, acc, b, relu);
  if (nv > 1) put(y + 16, a1, nv == 2 ? lanes : 4, acc, b, relu);
  if (nv > 2) put(y + 32, a2, nv == 3 ? lanes : 4, acc, b, relu);
  if (nv > 3) put(y + 48, a3, nv == 4 ? lanes : 4, acc, b, relu);
  if (nv > 4) put(y + 64, a4, nv == 5 ? lanes : 4, acc, b, relu);
  if (nv > 5) put(y + 80, a5, lanes, acc, b, relu);
}

// Most vectors one pass holds (see block).
const PASS_MAX: i32 = 6;

// One pass over a channel's nonzeros for nv <= PASS_MAX vectors (a specialised copy per count).
function pass(nv: i32, j0: i32, j1: i32, off: usize, vals: usize, x: usize, y: usize, lanes: i32, acc: bool, b: v128, relu: bool): void {
  switch (nv) {
    case 1: block(1, j0, j1, off, vals, x, y, lanes, acc, b, relu); break;
    case 2: block(2, j0, j1, off, vals, x, y, lanes, acc, b, relu); break;
    case 3: block(3, j0, j1, off, vals, x, y, lanes, acc, b, relu); break;
    case 4: block(4, j0, j1, off, vals, x, y, lanes, acc, b, relu); break;
    case 5: block(5, j0, j1, off, vals, x, y, lanes, acc, b, relu); break;
    case 6: block(6, j0, j1, off, vals, x, y, lanes, acc, b, relu); break;
  }
}

// nr rows (a compile-time constant, 1..6) of one vector each (ow <= 4): row k reads x + k*xs
// and writes y + k*ys.
@inline
function rows1(nr: i32, j0: i32, j1: i32, off: usize, vals: usize, x: usize, xs: usize, y: usize, ys: usize, lanes: i32, acc: bool, b: v128, relu: bool): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0);
  let a3 = f32x4.splat(0), a4 = f32x4.splat(0), a5 = f32x4.splat(0);
  for (let j = j0; j < j1; j++) {
    const v = v128.load32_splat(vals + (<usize>j << 2));
    let p = x + <usize>load<u32>(off + (<usize>j << 2));
    a0 = madd(a0, v, v128.load(p));
    if (nr > 1) { p += xs; a1 = madd(a1, v, v128.load(p)); }
    if (nr > 2) { p += xs; a2 = madd(a2, v, v128.load(p)); }
    if (nr > 3) { p += xs; a3 = madd(a3, v, v128.load(p)); }
    if (nr > 4) { p += xs; a4 = madd(a4, v, v128.load(p)); }
    if (nr > 5) { p += xs; a5 = madd(a5, v, v128.load(p)); }
  }
  put(y, a0, lanes, acc, b, relu);
  if (nr > 1) put(y + ys, a1, lanes, acc, b, relu);
  if (nr > 2) put(y + 2 * ys, a2, lanes, acc, b, relu);
  if (nr > 3) put(y + 3 * ys, a3, lanes, acc, b, relu);
  if (nr > 4) put(y + 4 * ys, a4, lanes, acc, b, relu);
  if (nr > 5) put(y + 5 * ys, a5, lanes, acc, b, relu);
}

// nr rows (1..3) of two vectors each (4 < ow <= 8).
@inline
function rows2(nr: i32, j0: i32, j1: i32, off: usize, vals: usize, x: usize, xs: usize, y: usize, ys: usize, lanes: i32, acc: bool, b: v128, relu: bool): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0);
  let a3 = f32x4.splat(0), a4 = f32x4.splat(0), a5 = f32x4.splat(0);
  for (let j = j0; j < j1; j++) {
    const v = v128.load32_splat(vals + (<usize>j << 2));
    let p = x + <usize>load<u32>(off + (<usize>j << 2));
    a0 = madd(a0, v, v128.load(p));
    a1 = madd(a1, v, v128.load(p, 16));
    if (nr > 1) { p += xs; a2 = madd(a2, v, v128.load(p)); a3 = madd(a3, v, v128.load(p, 16)); }
    if (nr > 2) { p += xs; a4 = madd(a4, v, v128.load(p)); a5 = madd(a5, v, v128.load(p, 16)); }
  }
  put(y, a0, 4, acc, b, relu);
  put(y + 16, a1, lanes, acc, b, relu);
  if (nr > 1) { put(y + ys, a2, 4, acc, b, relu); put(y + ys + 16, a3, lanes, acc, b, relu); }
  if (nr > 2) { put(y + 2 * ys, a4, 4, acc, b, relu); put(y + 2 * ys + 16, a5, lanes, acc, b, relu); }
}

// nr rows (1..2) of three vectors each (8 < ow <= 12).
@inline
function rows3(nr: i32, j0: i32, j1: i32, off: usize, vals: usize, x: usize, xs: usize, y: usize, ys: usize, lanes: i32, acc: bool, b: v128, relu: bool): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0);
  let a3 = f32x4.splat(0), a4 = f32x4.splat(0), a5 = f32x4.splat(0);
  for (let j = j0; j < j1; j++) {
    const v = v128.load32_splat(vals + (<usize>j << 2));
    let p = x + <usize>load<u32>(off + (<usize>j << 2));
    a0 = madd(a0, v, v128.load(p));
    a1 = madd(a1, v, v128.load(p, 16));
    a2 = madd(a2, v, v128.load(p, 32));
    if (nr > 1) { p += xs; a3 = madd(a3, v, v128.load(p)); a4 = madd(a4, v, v128.load(p, 16)); a5 = madd(a5, v, v128.load(p, 32)); }
  }
  put(y, a0, 4, acc, b, relu);
  put(y + 16, a1, 4, acc, b, relu);
  put(y + 32, a2, lanes, acc, b, relu);
  if (nr > 1) { put(y + ys, a3, 4, acc, b, relu); put(y + ys + 16, a4, 4, acc, b, relu); put(y + ys + 32, a5, lanes, acc, b, relu); }
}

// One pass over nr whole rows of vecs <= 3 vectors each (vecs * nr <= PASS_MAX), one
// specialised copy per shape: narrow planes (16x16 and below) fill the six accumulators with
// several rows instead of running one or two vectors per pass over the nonzeros.
function rowsPass(vecs: i32, nr: i32, j0: i32, j1: i32, off: usize, vals: usize, x: usize, xs: usize, y: usize, ys: usize, lanes: i32, acc: bool, b: v128, relu: bool): void {
  switch (vecs * 8 + nr) {
    case 9: rows1(1, j0, j1, off, vals, x, xs, y, ys, lanes, acc, b, relu); break;
    case 10: rows1(2, j0, j1, off, vals, x, xs, y, ys, lanes, acc, b, relu); break;
    case 11: rows1(3, j0, j1, off, vals, x, xs, y, ys, lanes, acc, b, relu); break;
    case 12: rows1(4, j0, j1, off, vals, x, xs, y, ys, lanes, acc, b, relu); break;
    case 13: rows1(5, j0, j1, off, vals, x, xs, y, ys, lanes, acc, b, relu); break;
    case 14: rows1(6, j0, j1, off, vals, x, xs, y, ys, lanes, acc, b, relu); break;
    case 17: rows2(1, j0, j1, off, vals, x, xs, y, ys, lanes, acc, b, relu); break;
    case 18: rows2(2, j0, j1, off, vals, x, xs, y, ys, lanes, acc, b, relu); break;
    case 19: rows2(3, j0, j1, off, vals, x, xs, y, ys, lanes, acc, b, relu); break;
    case 25: rows3(1, j0, j1, off, vals, x, xs, y, ys, lanes, acc, b, relu); break;
    case 26: rows3(2, j0, j1, off, vals, x, xs, y, ys, lanes, acc, b, relu); break;
  }
}

/**
 * The output planes y [rows, oh, ow] of one image from the padded source `src` (rows `pitch`
 * floats apart; output row oy starts at source row oy*sh): rowPtr [rows + 1] i32 and off/vals
 * index the nonzeros; + bias[r] when bias != 0, then ReLU when relu; y (+)= when acc.
 */
export function convRows(rows: i32, rowPtr: usize, off: usize, vals: usize, src: usize, pitch: i32, sh: i32,
  oh: i32, ow: i32, y: usize, acc: bool, bias: usize, relu: bool): void {
  if (ow <= 0) return;
  const vecs = (ow + 3) >> 2;
  const lastLanes = ow - ((vecs - 1) << 2);
  // The row's vectors in as few passes as hold them, split evenly (8 -> 4 + 4).
  const passes = (vecs + PASS_MAX - 1) / PASS_MAX;
  const rowStep = (<usize>sh * <usize>pitch) << 2;
  const yRow = <usize>ow << 2;
  for (let r = 0; r < rows; r++) {
    const j0 = load<i32>(rowPtr + (<usize>r << 2));
    const j1 = load<i32>(rowPtr + (<usize>(r + 1) << 2));
    const b = f32x4.splat(bias == 0 ? 0 : load<f32>(bias + (<usize>r << 2)));
    if (vecs <= 3) {
      const most = PASS_MAX / vecs;
      for (let oy = 0; oy < oh; oy += most) {
        const nr = min(most, oh - oy);
        rowsPass(vecs, nr, j0, j1, off, vals, src + <usize>oy * rowStep, rowStep, y + <usize>(r * oh + oy) * yRow, yRow, lastLanes, acc, b, relu);
      }
      continue;
    }
    for (let oy = 0; oy < oh; oy++) {
      const yr = y + ((<usize>(r * oh + oy) * <usize>ow) << 2);
      const xr = src + <usize>oy * rowStep;
      let q = 0;
      for (let p = 0; p < passes; p++) {
        const nv = (vecs - q) / (passes - p);
        const lanes = q + nv == vecs ? lastLanes : 4;
        pass(nv, j0, j1, off, vals, xr + (<usize>q << 4), yr + (<usize>q << 4), lanes, acc, b, relu);
        q += nv;
      }
    }
  }
}
