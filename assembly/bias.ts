// Bias and bias-gradient kernels for a row-major [m,n] activation with a bias of length n.

/** y[i,j] = x[i,j] + bias[j], then max(., 0) when relu (y may alias x). */
export function bias_act_f32(x: usize, bias: usize, y: usize, m: i32, n: i32, relu: bool): void {
  const zero = f32x4.splat(0);
  const n4 = n & ~3;
  const rowBytes = <usize>n << 2;
  for (let i = 0; i < m; i++) {
    const xr = x + <usize>i * rowBytes;
    const yr = y + <usize>i * rowBytes;
    let j = 0;
    for (; j < n4; j += 4) {
      const o = <usize>j << 2;
      let v = f32x4.add(v128.load(xr + o), v128.load(bias + o));
      if (relu) v = v128.and(v, f32x4.gt(v, zero));
      v128.store(yr + o, v);
    }
    for (; j < n; j++) {
      const o = <usize>j << 2;
      let v = load<f32>(xr + o) + load<f32>(bias + o);
      if (relu && !(v > 0)) v = 0;
      store<f32>(yr + o, v);
    }
  }
}

/** db[j] (+)= sum over i of dy[i,j]; accumulate into db when acc. */
export function col_sum_f32(dy: usize, db: usize, m: i32, n: i32, acc: bool): void {
  col_sum_part_f32(dy, db, m, n, acc, 0, n);
}

/**
 * col_sum_f32 for the columns [j0, j1) only (a kernel-pool share): each column's sum runs over
 * the rows in the same order whatever the range, so a split is bit-identical to the whole.
 */
export function col_sum_part_f32(dy: usize, db: usize, m: i32, n: i32, acc: bool, j0: i32, j1: i32): void {
  if (j1 <= j0) return;
  if (!acc) memory.fill(db + (<usize>j0 << 2), 0, <usize>(j1 - j0) << 2);
  const rowBytes = <usize>n << 2;
  // Row-outer keeps both streams contiguous; m is a batch size, so f32 sums are accurate enough.
  for (let i = 0; i < m; i++) {
    const r = dy + <usize>i * rowBytes;
    let j = j0;
    for (; j + 4 <= j1; j += 4) {
      const o = <usize>j << 2;
      v128.store(db + o, f32x4.add(v128.load(db + o), v128.load(r + o)));
    }
    for (; j < j1; j++) {
      const o = <usize>j << 2;
      store<f32>(db + o, load<f32>(db + o) + load<f32>(r + o));
    }
  }
}
