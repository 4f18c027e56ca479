// Batch normalisation over NCHW f32 tensors: per channel c, statistics over the n*plane values
// x[i, c, :] of every image i. Sums run in f32x4 lanes within a plane, then in f64 across
// planes, so a 60 x 32 x 32 channel keeps ~1e-7 relative error. Buffers need no alignment.

// Byte address of the plane of image i, channel ci.
@inline
function planeBase(x: usize, i: i32, ci: i32, c: i32, plane: i32): usize {
  return x + (<usize>(i * c + ci) * <usize>plane << 2);
}

// Lane-sum of an f32x4 as f64.
@inline
function hsum(v: v128): f64 {
  return <f64>f32x4.extract_lane(v, 0) + <f64>f32x4.extract_lane(v, 1) + <f64>f32x4.extract_lane(v, 2) + <f64>f32x4.extract_lane(v, 3);
}

/**
 * Batch statistics: mean[c] and the biased variance var[c] = mean((x - mean)^2) over the
 * images and pixels of channel c (two passes, so no cancellation). Zero when n*plane == 0.
 */
export function batchnorm_stats_f32(x: usize, mean: usize, variance: usize, n: i32, c: i32, plane: i32): void {
  batchnorm_stats_part_f32(x, mean, variance, n, c, plane, 0, c);
}

/** batchnorm_stats_f32 for the channels [c0, c1) only (a kernel-pool share; channels are independent). */
export function batchnorm_stats_part_f32(x: usize, mean: usize, variance: usize, n: i32, c: i32, plane: i32, c0: i32, c1: i32): void {
  const count = <f64>n * <f64>plane;
  for (let ci = c0; ci < c1; ci++) {
    let s: f64 = 0;
    for (let i = 0; i < n; i++) {
      const p = planeBase(x, i, ci, c, plane);
      let acc = f32x4.splat(0);
      let k = 0;
      for (; k + 4 <= plane; k += 4) acc = f32x4.add(acc, v128.load(p + (<usize>k << 2)));
      s += hsum(acc);
      for (; k < plane; k++) s += <f64>load<f32>(p + (<usize>k << 2));
    }
    const m = count > 0 ? s / count : 0;
    const mv = f32x4.splat(<f32>m);
    let s2: f64 = 0;
    for (let i = 0; i < n; i++) {
      const p = planeBase(x, i, ci, c, plane);
      let acc = f32x4.splat(0);
      let k = 0;
      for (; k + 4 <= plane; k += 4) {
        const d = f32x4.sub(v128.load(p + (<usize>k << 2)), mv);
        acc = f32x4.add(acc, f32x4.mul(d, d));
      }
      s2 += hsum(acc);
      for (; k < plane; k++) {
        const d = <f64>load<f32>(p + (<usize>k << 2)) - m;
        s2 += d * d;
      }
    }
    store<f32>(mean + (<usize>ci << 2), <f32>m);
    store<f32>(variance + (<usize>ci << 2), count > 0 ? <f32>(s2 / count) : 0);
  }
}

/**
 * y = gamma[c] * (x - mean[c]) / sqrt(var[c] + eps) + beta[c], computed as (x - mean)*scale +
 * beta (not x*scale + shift, which cancels when |mean| >> std). Training passes the batch
 * statistics, evaluation the running ones. y may alias x.
 */
export function batchnorm_forward_f32(x: usize, mean: usize, variance: usize, gamma: usize, beta: usize, y: usize,
  n: i32, c: i32, plane: i32, eps: f32): void {
  batchnorm_forward_part_f32(x, mean, variance, gamma, beta, y, n, c, plane, eps, 0, c);
}

/** batchnorm_forward_f32 for the channels [c0, c1) only (a kernel-pool share). */
export function batchnorm_forward_part_f32(x: usize, mean: usize, variance: usize, gamma: usize, beta: usize, y: usize,
  n: i32, c: i32, plane: i32, eps: f32, c0: i32, c1: i32): void {
  for (let ci = c0; ci < c1; ci++) {
    const o = <usize>ci << 2;
    const scale = load<f32>(gamma + o) / <f32>Math.sqrt(<f64>load<f32>(variance + o) + <f64>eps);
    const m = load<f32>(mean + o), shift = load<f32>(beta + o);
    const vs = f32x4.splat(scale), vb = f32x4.splat(shift), vm = f32x4.splat(m);
    for (let i = 0; i < n; i++) {
      const xp = planeBase(x, i, ci, c, plane), yp = planeBase(y, i, ci, c, plane);
      let k = 0;
      for (; k + 4 <= plane; k += 4) {
        const b = <usize>k << 2;
        v128.store(yp + b, f32x4.add(f32x4.mul(f32x4.sub(v128.load(xp + b), vm), vs), vb));
      }
      for (; k < plane; k++) {
        const b = <usize>k << 2;
        store<f32>(yp + b, (load<f32>(xp + b) - m) * scale + shift);
      }
    }
  }
}

/**
 * Gradients of batchnorm_forward_f32 for upstream dy. dgamma[c] = sum(dy * xhat) and
 * dbeta[c] = sum(dy) are overwritten. dx (+= when acc): with batch statistics (training),
 *   dx = gamma*inv * (dy - mean(dy) - xhat * mean(dy * xhat)),  inv = 1/sqrt(var + eps),
 * folded into dx = a*dy + b*(x - mean) + k per channel; with fixed statistics, dx = gamma*inv*dy.
 */
export function batchnorm_backward_f32(x: usize, dy: usize, mean: usize, variance: usize, gamma: usize,
  dx: usize, dgamma: usize, dbeta: usize, n: i32, c: i32, plane: i32, eps: f32, batchStats: bool, acc: bool): void {
  batchnorm_backward_part_f32(x, dy, mean, variance, gamma, dx, dgamma, dbeta, n, c, plane, eps, batchStats, acc, 0, c);
}

/** batchnorm_backward_f32 for the channels [c0, c1) only (a kernel-pool share; channels are independent). */
export function batchnorm_backward_part_f32(x: usize, dy: usize, mean: usize, variance: usize, gamma: usize,
  dx: usize, dgamma: usize, dbeta: usize, n: i32, c: i32, plane: i32, eps: f32, batchStats: bool, acc: bool, c0: i32, c1: i32): void {
  const count = <f64>n * <f64>plane;
  for (let ci = c0; ci < c1; ci++) {
    const o = <usize>ci << 2;
    const m = load<f32>(mean + o);
    const inv = 1 / Math.sqrt(<f64>load<f32>(variance + o) + <f64>eps);
    const mv = f32x4.splat(m);
    let sdy: f64 = 0;
    let sdyx: f64 = 0;
    for (let i = 0; i < n; i++) {
      const xp = planeBase(x, i, ci, c, plane), gp = planeBase(dy, i, ci, c, plane);
      let a1 = f32x4.splat(0), a2 = f32x4.splat(0);
      let k = 0;
      for (; k + 4 <= plane; k += 4) {
        const b = <usize>k << 2;
        const g = v128.load(gp + b);
        a1 = f32x4.add(a1, g);
        a2 = f32x4.add(a2, f32x4.mul(g, f32x4.sub(v128.load(xp + b), mv)));
      }
      sdy += hsum(a1);
      sdyx += hsum(a2);
      for (; k < plane; k++) {
        const b = <usize>k << 2;
        const g = <f64>load<f32>(gp + b);
        sdy += g;
        sdyx += g * (<f64>load<f32>(xp + b) - <f64>m);
      }
    }
    store<f32>(dgamma + o, <f32>(sdyx * inv));
    store<f32>(dbeta + o, <f32>sdy);
    const k1 = <f64>load<f32>(gamma + o) * inv;
    let ca: f64 = k1, cb: f64 = 0, ck: f64 = 0;
    if (batchStats && count > 0) {
      cb = -k1 * inv * inv * sdyx / count;
      ck = -k1 * sdy / count;
    }
    const va = f32x4.splat(<f32>ca), vb = f32x4.splat(<f32>cb), vk = f32x4.splat(<f32>ck);
    const fa = <f32>ca, fb = <f32>cb, fk = <f32>ck;
    for (let i = 0; i < n; i++) {
      const xp = planeBase(x, i, ci, c, plane), gp = planeBase(dy, i, ci, c, plane), dp = planeBase(dx, i, ci, c, plane);
      let k = 0;
      for (; k + 4 <= plane; k += 4) {
        const b = <usize>k << 2;
        const d = f32x4.sub(v128.load(xp + b), mv);
        let v = f32x4.add(f32x4.add(f32x4.mul(va, v128.load(gp + b)), f32x4.mul(vb, d)), vk);
        if (acc) v = f32x4.add(v128.load(dp + b), v);
        v128.store(dp + b, v);
      }
      for (; k < plane; k++) {
        const b = <usize>k << 2;
        const v = fa * load<f32>(gp + b) + fb * (load<f32>(xp + b) - m) + fk;
        store<f32>(dp + b, acc ? load<f32>(dp + b) + v : v);
      }
    }
  }
}
