// Transformer kernels (issue 16): embedding gather and scatter-add, batched GEMM, axis swap,
// padding mask, masked attention softmax and its gradient, LayerNorm, GELU and tanh. f32x4 bodies;
// a row's or array's last 1-3 elements run through the same vector code (loaded lane by lane),
// so every element gets the same arithmetic whatever its position. Ids are token indices stored
// as f32 and checked by the host (src/backend/wasm-seq.ts). Row ranges let the kernel pool split
// an op over its outputs (rows, batches, columns of a scatter), never inside a reduction.
import { gemm_f32_part } from './gemm';

// ---- vector math ----

// Lanes [0, r) of the vector at p (r in 1..3), the others `fill`.
@inline
function loadPart(p: usize, r: i32, fill: f32): v128 {
  let v = f32x4.splat(fill);
  v = f32x4.replace_lane(v, 0, load<f32>(p));
  if (r > 1) v = f32x4.replace_lane(v, 1, load<f32>(p + 4));
  if (r > 2) v = f32x4.replace_lane(v, 2, load<f32>(p + 8));
  return v;
}

// Stores lanes [0, r) of v at p (r in 1..3).
@inline
function storePart(p: usize, v: v128, r: i32): void {
  store<f32>(p, f32x4.extract_lane(v, 0));
  if (r > 1) store<f32>(p + 4, f32x4.extract_lane(v, 1));
  if (r > 2) store<f32>(p + 8, f32x4.extract_lane(v, 2));
}

@inline
function hsum(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}

@inline
function hmax(v: v128): f32 {
  return max(max(f32x4.extract_lane(v, 0), f32x4.extract_lane(v, 1)), max(f32x4.extract_lane(v, 2), f32x4.extract_lane(v, 3)));
}

// Lanes of x clamped to [lo, hi] by pmin/pmax (one instruction each on x64, unlike min/max);
// a NaN lane stays NaN.
@inline
function clamp4(x: v128, lo: f32, hi: f32): v128 {
  return f32x4.pmin(f32x4.pmax(x, f32x4.splat(lo)), f32x4.splat(hi));
}

// 1.5 * 2^23: adding it rounds a float below 2^22 to an integer (nearest, ties to even) held in
// the low mantissa bits, which saves a nearest and a float-to-int conversion.
const ROUND_MAGIC: f32 = 12582912.0;

// e^x per lane (Cephes expf: 2^n times a degree-6 polynomial on [-ln2/2, ln2/2], ~1 ulp).
// Inputs are clamped to [-87.3, 88]: below, 2^-126 times the polynomial (~1e-38) instead of 0.
@inline
function exp4(x0: v128): v128 {
  const x = clamp4(x0, -87.33654, 88.0);
  const t = f32x4.add(f32x4.mul(x, f32x4.splat(1.44269504088896341)), f32x4.splat(ROUND_MAGIC));
  const fx = f32x4.sub(t, f32x4.splat(ROUND_MAGIC)); // n = round(x / ln 2)
  const r = f32x4.sub(f32x4.sub(x, f32x4.mul(fx, f32x4.splat(0.693359375))), f32x4.mul(fx, f32x4.splat(-2.12194440e-4)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  p = f32x4.add(f32x4.add(f32x4.mul(p, f32x4.mul(r, r)), r), f32x4.splat(1));
  // 2^n: n + 127 in the exponent field (t's bits minus the magic's are n)
  const pow2 = i32x4.shl(i32x4.add(i32x4.sub(t, f32x4.splat(ROUND_MAGIC)), i32x4.splat(127)), 23);
  return f32x4.mul(p, pow2);
}

// tanh per lane (Cephes tanhf): an odd polynomial below |x| 0.625, else 1 - 2/(e^2|x| + 1) with x's sign.
@inline
function tanh4(x: v128): v128 {
  const a = f32x4.abs(x);
  const z = f32x4.mul(x, x);
  let p = f32x4.splat(-5.70498872745e-3);
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(2.06390887954e-2));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(-5.37397155531e-2));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(1.33314422036e-1));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(-3.33332819422e-1));
  p = f32x4.add(f32x4.mul(f32x4.mul(p, z), x), x);
  const e = exp4(f32x4.add(a, a));
  const big = f32x4.sub(f32x4.splat(1), f32x4.div(f32x4.splat(2), f32x4.add(e, f32x4.splat(1))));
  const signed = v128.or(big, v128.and(x, i32x4.splat(0x80000000)));
  return v128.bitselect(p, signed, f32x4.lt(a, f32x4.splat(0.625)));
}

const GELU_C: f32 = 0.7978845608028654; // sqrt(2/pi)
const GELU_A: f32 = 0.044715;

// GELU (tanh approximation) of v, and its tanh term when wanted by the caller.
@inline
function geluTanh(v: v128): v128 {
  const u = f32x4.mul(f32x4.mul(v, f32x4.splat(GELU_C)), f32x4.add(f32x4.splat(1), f32x4.mul(f32x4.splat(GELU_A), f32x4.mul(v, v))));
  return tanh4(u);
}

@inline
function gelu4(v: v128): v128 {
  return f32x4.mul(f32x4.mul(f32x4.splat(0.5), v), f32x4.add(f32x4.splat(1), geluTanh(v)));
}

// d GELU / dx = 0.5(1 + t) + 0.5x(1 - t^2) sqrt(2/pi)(1 + 3A x^2). Past |x| 20 it is exactly
// 0 or 1 in f32 (t = +-1), so x is clamped there: x^2 would overflow and make 0 * inf = NaN.
@inline
function geluGrad4(x: v128): v128 {
  const v = clamp4(x, -20, 20);
  const t = geluTanh(v);
  const half = f32x4.splat(0.5);
  const one = f32x4.splat(1);
  const du = f32x4.mul(f32x4.splat(GELU_C), f32x4.add(one, f32x4.mul(f32x4.splat(3 * GELU_A), f32x4.mul(v, v))));
  const left = f32x4.mul(half, f32x4.add(one, t));
  return f32x4.add(left, f32x4.mul(f32x4.mul(f32x4.mul(half, v), f32x4.sub(one, f32x4.mul(t, t))), du));
}

// ---- embedding ----

/** out[i, :] = table[ids[i], :] for i < n, rows of dim floats (ids checked by the host). */
export function embed_gather_f32(table: usize, ids: usize, out: usize, n: i32, dim: i32): void {
  const row = <usize>dim << 2;
  for (let i = 0; i < n; i++) {
    const id = <usize>(<i32>load<f32>(ids + (<usize>i << 2)));
    memory.copy(out + <usize>i * row, table + id * row, row);
  }
}

/**
 * dTable[ids[i], j] += dOut[i, j] for i < n (in order) and columns j0 <= j < j1 of rows of dim:
 * the kernel pool splits the columns, so repeated ids still add up in index order.
 */
export function embed_scatter_add_f32(dOut: usize, ids: usize, dTable: usize, n: i32, dim: i32, j0: i32, j1: i32): void {
  const row = <usize>dim << 2;
  const w = j1 - j0;
  const w4 = w & ~3;
  for (let i = 0; i < n; i++) {
    const id = <usize>(<i32>load<f32>(ids + (<usize>i << 2)));
    const src = dOut + <usize>i * row + (<usize>j0 << 2);
    const dst = dTable + id * row + (<usize>j0 << 2);
    let j = 0;
    for (; j < w4; j += 4) {
      const o = <usize>j << 2;
      v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
    }
    for (; j < w; j++) {
      const o = <usize>j << 2;
      store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
    }
  }
}

// ---- batched GEMM and layout ----

/**
 * C_t (+)= op(A_t)·op(B_t) for t < batch, each by the packed SIMD GEMM (gemm_f32_part) with the
 * byte strides of its layout; A_t, B_t, C_t are consecutive blocks of m*k, k*n and m*n floats.
 */
export function bmm_f32(batch: i32, m: i32, n: i32, k: i32, a: usize, ars: usize, aps: usize,
  b: usize, bps: usize, bjs: usize, c: usize, acc: bool): void {
  const sa = <usize>m * <usize>k << 2, sb = <usize>k * <usize>n << 2, sc = <usize>m * <usize>n << 2;
  for (let t = 0; t < batch; t++) {
    gemm_f32_part(m, n, k, a + <usize>t * sa, ars, aps, b + <usize>t * sb, bps, bjs, c + <usize>t * sc, <usize>n << 2, acc);
  }
}

/** y[i, k, j, :] = x[i, j, k, :] for x [d0, d1, d2, d3] (y [d0, d2, d1, d3]). */
export function swap_axes12_f32(x: usize, y: usize, d0: i32, d1: i32, d2: i32, d3: i32): void {
  const row = <usize>d3 << 2;
  for (let i = 0; i < d0; i++) {
    const xi = x + <usize>i * <usize>d1 * <usize>d2 * row;
    const yi = y + <usize>i * <usize>d1 * <usize>d2 * row;
    for (let j = 0; j < d1; j++) {
      for (let k = 0; k < d2; k++) {
        const src = xi + (<usize>j * <usize>d2 + <usize>k) * row;
        const dst = yi + (<usize>k * <usize>d1 + <usize>j) * row;
        if (d3 == 1) store<f32>(dst, load<f32>(src));
        else memory.copy(dst, src, row);
      }
    }
  }
}

/** mask[i] = ids[i] != 0 ? 1 : 0. */
export function pad_mask_f32(ids: usize, mask: usize, n: i32): void {
  const one = f32x4.splat(1);
  const zero = f32x4.splat(0);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    v128.store(mask + o, v128.and(one, f32x4.ne(v128.load(ids + o), zero)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(mask + o, load<f32>(ids + o) != 0 ? 1 : 0);
  }
}

// ---- attention softmax ----

/**
 * Rows r0 <= r < r1 of the attention softmax over x [batch, heads, sq, sk] (rows of sk; a sequence
 * holds `perSeq` = heads * sq rows): y = softmax(scale * x) over the keys j with
 * mask[(r / perSeq) * sk + j] != 0 (mask 0: every key), excluded keys exactly 0, a row with no
 * key left all 0.
 */
export function attn_softmax_f32(x: usize, mask: usize, y: usize, r0: i32, r1: i32, perSeq: i32, sk: i32, scale: f32): void {
  const row = <usize>sk << 2;
  const n4 = sk & ~3;
  const rest = sk - n4;
  const vs = f32x4.splat(scale);
  const ninf = f32x4.splat(-Infinity);
  const zero = f32x4.splat(0);
  const allOn = i32x4.splat(-1);
  for (let r = r0; r < r1; r++) {
    const xr = x + <usize>r * row;
    const yr = y + <usize>r * row;
    const mr: usize = mask == 0 ? <usize>0 : mask + <usize>(r / perSeq) * row;
    // pass 1: the largest kept scaled score
    let vmax = ninf;
    for (let j = 0; j < n4; j += 4) {
      const o = <usize>j << 2;
      const keep = mr == 0 ? allOn : f32x4.ne(v128.load(mr + o), zero);
      // pmax skips a NaN score here, but its exponential (pass 2) still makes the row NaN
      vmax = f32x4.pmax(vmax, v128.bitselect(f32x4.mul(v128.load(xr + o), vs), ninf, keep));
    }
    let mx = hmax(vmax);
    for (let j = n4; j < sk; j++) {
      const o = <usize>j << 2;
      if (mr == 0 || load<f32>(mr + o) != 0) mx = max(mx, load<f32>(xr + o) * scale);
    }
    if (mx == -Infinity) {
      memory.fill(yr, 0, row);
      continue;
    }
    // pass 2: exponentials (excluded keys 0) and their sum
    const vm = f32x4.splat(mx);
    let vsum = zero;
    for (let j = 0; j < n4; j += 4) {
      const o = <usize>j << 2;
      let e = exp4(f32x4.sub(f32x4.mul(v128.load(xr + o), vs), vm));
      if (mr != 0) e = v128.and(e, f32x4.ne(v128.load(mr + o), zero));
      v128.store(yr + o, e);
      vsum = f32x4.add(vsum, e);
    }
    if (rest > 0) {
      const o = <usize>n4 << 2;
      let e = exp4(f32x4.sub(f32x4.mul(loadPart(xr + o, rest, 0), vs), vm));
      e = v128.and(e, mr != 0 ? f32x4.ne(loadPart(mr + o, rest, 0), zero) : allOn);
      e = v128.and(e, i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(rest))); // lanes past the row
      storePart(yr + o, e, rest);
      vsum = f32x4.add(vsum, e);
    }
    // pass 3: normalise
    const inv = f32x4.splat(<f32>1 / hsum(vsum));
    for (let j = 0; j < n4; j += 4) {
      const o = <usize>j << 2;
      v128.store(yr + o, f32x4.mul(v128.load(yr + o), inv));
    }
    if (rest > 0) {
      const o = <usize>n4 << 2;
      storePart(yr + o, f32x4.mul(loadPart(yr + o, rest, 0), inv), rest);
    }
  }
}

/** dx (+)= scale * y * (dy - sum_j dy*y) per row of cols, for `rows` rows. */
export function softmax_backward_f32(y: usize, dy: usize, dx: usize, rows: i32, cols: i32, scale: f32, acc: bool): void {
  const row = <usize>cols << 2;
  const n4 = cols & ~3;
  const vs = f32x4.splat(scale);
  for (let r = 0; r < rows; r++) {
    const yr = y + <usize>r * row, dr = dy + <usize>r * row, xr = dx + <usize>r * row;
    let vdot = f32x4.splat(0);
    for (let j = 0; j < n4; j += 4) {
      const o = <usize>j << 2;
      vdot = f32x4.add(vdot, f32x4.mul(v128.load(dr + o), v128.load(yr + o)));
    }
    let dot = hsum(vdot);
    for (let j = n4; j < cols; j++) dot += load<f32>(dr + (<usize>j << 2)) * load<f32>(yr + (<usize>j << 2));
    const vd = f32x4.splat(dot);
    for (let j = 0; j < n4; j += 4) {
      const o = <usize>j << 2;
      let g = f32x4.mul(f32x4.mul(vs, v128.load(yr + o)), f32x4.sub(v128.load(dr + o), vd));
      if (acc) g = f32x4.add(v128.load(xr + o), g);
      v128.store(xr + o, g);
    }
    for (let j = n4; j < cols; j++) {
      const o = <usize>j << 2;
      const g = scale * load<f32>(yr + o) * (load<f32>(dr + o) - dot);
      store<f32>(xr + o, acc ? load<f32>(xr + o) + g : g);
    }
  }
}

// ---- LayerNorm ----

// Sum of the cols floats at p.
@inline
function rowSum(p: usize, cols: i32): f32 {
  const n4 = cols & ~3;
  let v = f32x4.splat(0);
  for (let j = 0; j < n4; j += 4) v = f32x4.add(v, v128.load(p + (<usize>j << 2)));
  let s = hsum(v);
  for (let j = n4; j < cols; j++) s += load<f32>(p + (<usize>j << 2));
  return s;
}

/**
 * LayerNorm of `rows` rows of cols: y = gamma * (x - mean) * rstd + beta with the biased variance
 * (two passes), rstd = 1/sqrt(var + eps); writes mean[r] and rstd[r]. y may be x.
 */
export function layer_norm_f32(x: usize, gamma: usize, beta: usize, y: usize, mean: usize, rstd: usize, rows: i32, cols: i32, eps: f32): void {
  const row = <usize>cols << 2;
  const n4 = cols & ~3;
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * row, yr = y + <usize>r * row;
    const mu: f32 = cols > 0 ? rowSum(xr, cols) / <f32>cols : 0;
    const vmu = f32x4.splat(mu);
    let vv = f32x4.splat(0);
    for (let j = 0; j < n4; j += 4) {
      const d = f32x4.sub(v128.load(xr + (<usize>j << 2)), vmu);
      vv = f32x4.add(vv, f32x4.mul(d, d));
    }
    let v = hsum(vv);
    for (let j = n4; j < cols; j++) {
      const d = load<f32>(xr + (<usize>j << 2)) - mu;
      v += d * d;
    }
    const rs: f32 = <f32>1 / Mathf.sqrt((cols > 0 ? v / <f32>cols : 0) + eps);
    const vrs = f32x4.splat(rs);
    for (let j = 0; j < n4; j += 4) {
      const o = <usize>j << 2;
      const xh = f32x4.mul(f32x4.sub(v128.load(xr + o), vmu), vrs);
      v128.store(yr + o, f32x4.add(f32x4.mul(v128.load(gamma + o), xh), v128.load(beta + o)));
    }
    for (let j = n4; j < cols; j++) {
      const o = <usize>j << 2;
      store<f32>(yr + o, load<f32>(gamma + o) * ((load<f32>(xr + o) - mu) * rs) + load<f32>(beta + o));
    }
    store<f32>(mean + (<usize>r << 2), mu);
    store<f32>(rstd + (<usize>r << 2), rs);
  }
}

/**
 * One row of LayerNorm's input gradient once the row's sums are known (sg = mean of dy*gamma,
 * sgx = mean of dy*gamma*xhat): dx (+)= rstd * (dy*gamma - sg - xhat*sgx). Shared by the whole
 * backward and its row-split half, so the two write the same values.
 */
@inline
function layerNormDxRow(xr: usize, dr: usize, gamma: usize, xo: usize, mu: f32, rs: f32, sg: f32, sgx: f32, n4: i32, cols: i32, acc: bool): void {
  const vmu = f32x4.splat(mu), vrs = f32x4.splat(rs);
  const vsg = f32x4.splat(sg), vsgx = f32x4.splat(sgx);
  for (let j = 0; j < n4; j += 4) {
    const o = <usize>j << 2;
    const xh = f32x4.mul(f32x4.sub(v128.load(xr + o), vmu), vrs);
    const g = f32x4.mul(v128.load(dr + o), v128.load(gamma + o));
    let v = f32x4.mul(vrs, f32x4.sub(f32x4.sub(g, vsg), f32x4.mul(xh, vsgx)));
    if (acc) v = f32x4.add(v128.load(xo + o), v);
    v128.store(xo + o, v);
  }
  for (let j = n4; j < cols; j++) {
    const o = <usize>j << 2;
    const xh = (load<f32>(xr + o) - mu) * rs;
    const v = rs * (load<f32>(dr + o) * load<f32>(gamma + o) - sg - xh * sgx);
    store<f32>(xo + o, acc ? load<f32>(xo + o) + v : v);
  }
}

/**
 * Gradients of layer_norm_f32 over `rows` rows of cols, xhat = (x - mean) * rstd, g = dy * gamma:
 * dx (+)= rstd * (g - mean(g) - xhat * mean(g * xhat)); dgamma (+)= sum over rows of dy * xhat;
 * dbeta (+)= sum over rows of dy (all three overwritten unless acc).
 */
export function layer_norm_backward_f32(x: usize, dy: usize, mean: usize, rstd: usize, gamma: usize,
  dx: usize, dgamma: usize, dbeta: usize, rows: i32, cols: i32, acc: bool): void {
  const row = <usize>cols << 2;
  const n4 = cols & ~3;
  if (!acc) {
    memory.fill(dgamma, 0, row);
    memory.fill(dbeta, 0, row);
  }
  const invC: f32 = cols > 0 ? <f32>1 / <f32>cols : 0;
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * row, dr = dy + <usize>r * row, xo = dx + <usize>r * row;
    const mu = load<f32>(mean + (<usize>r << 2)), rs = load<f32>(rstd + (<usize>r << 2));
    const vmu = f32x4.splat(mu), vrs = f32x4.splat(rs);
    let vg = f32x4.splat(0), vgx = f32x4.splat(0);
    for (let j = 0; j < n4; j += 4) {
      const o = <usize>j << 2;
      const d = v128.load(dr + o);
      const xh = f32x4.mul(f32x4.sub(v128.load(xr + o), vmu), vrs);
      const g = f32x4.mul(d, v128.load(gamma + o));
      vg = f32x4.add(vg, g);
      vgx = f32x4.add(vgx, f32x4.mul(g, xh));
      v128.store(dgamma + o, f32x4.add(v128.load(dgamma + o), f32x4.mul(d, xh)));
      v128.store(dbeta + o, f32x4.add(v128.load(dbeta + o), d));
    }
    let sg = hsum(vg), sgx = hsum(vgx);
    for (let j = n4; j < cols; j++) {
      const o = <usize>j << 2;
      const d = load<f32>(dr + o);
      const xh = (load<f32>(xr + o) - mu) * rs;
      const g = d * load<f32>(gamma + o);
      sg += g;
      sgx += g * xh;
      store<f32>(dgamma + o, load<f32>(dgamma + o) + d * xh);
      store<f32>(dbeta + o, load<f32>(dbeta + o) + d);
    }
    layerNormDxRow(xr, dr, gamma, xo, mu, rs, sg * invC, sgx * invC, n4, cols, acc);
  }
}

/**
 * The input-gradient half of layer_norm_backward_f32, for `rows` rows: dx (+)= the same values,
 * computed the same way (the kernel pool splits rows; layer_norm_backward_params_f32 does the rest).
 */
export function layer_norm_backward_dx_f32(x: usize, dy: usize, mean: usize, rstd: usize, gamma: usize, dx: usize, rows: i32, cols: i32, acc: bool): void {
  const row = <usize>cols << 2;
  const n4 = cols & ~3;
  const invC: f32 = cols > 0 ? <f32>1 / <f32>cols : 0;
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * row, dr = dy + <usize>r * row, xo = dx + <usize>r * row;
    const mu = load<f32>(mean + (<usize>r << 2)), rs = load<f32>(rstd + (<usize>r << 2));
    const vmu = f32x4.splat(mu), vrs = f32x4.splat(rs);
    let vg = f32x4.splat(0), vgx = f32x4.splat(0);
    for (let j = 0; j < n4; j += 4) {
      const o = <usize>j << 2;
      const xh = f32x4.mul(f32x4.sub(v128.load(xr + o), vmu), vrs);
      const g = f32x4.mul(v128.load(dr + o), v128.load(gamma + o));
      vg = f32x4.add(vg, g);
      vgx = f32x4.add(vgx, f32x4.mul(g, xh));
    }
    let sg = hsum(vg), sgx = hsum(vgx);
    for (let j = n4; j < cols; j++) {
      const o = <usize>j << 2;
      const xh = (load<f32>(xr + o) - mu) * rs;
      const g = load<f32>(dr + o) * load<f32>(gamma + o);
      sg += g;
      sgx += g * xh;
    }
    layerNormDxRow(xr, dr, gamma, xo, mu, rs, sg * invC, sgx * invC, n4, cols, acc);
  }
}

/**
 * The parameter-gradient half of layer_norm_backward_f32 for columns j0 <= j < j1: dgamma[j] (+)=
 * sum over rows of dy * xhat, dbeta[j] (+)= sum over rows of dy, rows in order as there.
 */
export function layer_norm_backward_params_f32(x: usize, dy: usize, mean: usize, rstd: usize, dgamma: usize, dbeta: usize,
  rows: i32, cols: i32, j0: i32, j1: i32, acc: bool): void {
  const row = <usize>cols << 2;
  const base = <usize>j0 << 2;
  const w = j1 - j0;
  const w4 = w & ~3;
  if (!acc) {
    memory.fill(dgamma + base, 0, <usize>w << 2);
    memory.fill(dbeta + base, 0, <usize>w << 2);
  }
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * row + base, dr = dy + <usize>r * row + base;
    const mu = load<f32>(mean + (<usize>r << 2)), rs = load<f32>(rstd + (<usize>r << 2));
    const vmu = f32x4.splat(mu), vrs = f32x4.splat(rs);
    for (let j = 0; j < w4; j += 4) {
      const o = <usize>j << 2;
      const d = v128.load(dr + o);
      const xh = f32x4.mul(f32x4.sub(v128.load(xr + o), vmu), vrs);
      v128.store(dgamma + base + o, f32x4.add(v128.load(dgamma + base + o), f32x4.mul(d, xh)));
      v128.store(dbeta + base + o, f32x4.add(v128.load(dbeta + base + o), d));
    }
    for (let j = w4; j < w; j++) {
      const o = <usize>j << 2;
      const d = load<f32>(dr + o);
      const xh = (load<f32>(xr + o) - mu) * rs;
      store<f32>(dgamma + base + o, load<f32>(dgamma + base + o) + d * xh);
      store<f32>(dbeta + base + o, load<f32>(dbeta + base + o) + d);
    }
  }
}

// ---- GELU and tanh (elementwise) ----

/** y = GELU(x), the tanh approximation (y may alias x). */
export function gelu_f32(x: usize, y: usize, n: i32): void {
  const n4 = n & ~3;
  for (let i = 0; i < n4; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, gelu4(v128.load(x + o)));
  }
  if (n > n4) storePart(y + (<usize>n4 << 2), gelu4(loadPart(x + (<usize>n4 << 2), n - n4, 0)), n - n4);
}

/** dx (+)= dy * GELU'(x). */
export function gelu_backward_f32(x: usize, dy: usize, dx: usize, n: i32, acc: bool): void {
  const n4 = n & ~3;
  for (let i = 0; i < n4; i += 4) {
    const o = <usize>i << 2;
    let g = f32x4.mul(v128.load(dy + o), geluGrad4(v128.load(x + o)));
    if (acc) g = f32x4.add(v128.load(dx + o), g);
    v128.store(dx + o, g);
  }
  if (n > n4) {
    const o = <usize>n4 << 2, r = n - n4;
    let g = f32x4.mul(loadPart(dy + o, r, 0), geluGrad4(loadPart(x + o, r, 0)));
    if (acc) g = f32x4.add(loadPart(dx + o, r, 0), g);
    storePart(dx + o, g, r);
  }
}

/** y = tanh(x) (y may alias x). */
export function tanh_f32(x: usize, y: usize, n: i32): void {
  const n4 = n & ~3;
  for (let i = 0; i < n4; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, tanh4(v128.load(x + o)));
  }
  if (n > n4) storePart(y + (<usize>n4 << 2), tanh4(loadPart(x + (<usize>n4 << 2), n - n4, 0)), n - n4);
}

/** dx (+)= dy * (1 - y^2) for y = tanh(x). */
export function tanh_backward_f32(y: usize, dy: usize, dx: usize, n: i32, acc: bool): void {
  const one = f32x4.splat(1);
  const n4 = n & ~3;
  for (let i = 0; i < n4; i += 4) {
    const o = <usize>i << 2;
    const v = v128.load(y + o);
    let g = f32x4.mul(v128.load(dy + o), f32x4.sub(one, f32x4.mul(v, v)));
    if (acc) g = f32x4.add(v128.load(dx + o), g);
    v128.store(dx + o, g);
  }
  for (let i = n4; i < n; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(y + o);
    const g = load<f32>(dy + o) * (1 - v * v);
    store<f32>(dx + o, acc ? load<f32>(dx + o) + g : g);
  }
}
