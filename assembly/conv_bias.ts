// Per-channel bias for NCHW activations: the bias+ReLU epilogue of a convolution and the
// bias gradient. An activation is n images of c planes of `plane` f32 values.

/** y[i, ci, :] = x[i, ci, :] + bias[ci], then max(., 0) when relu (y may alias x). */
export function channel_bias_act_f32(x: usize, bias: usize, y: usize, n: i32, c: i32, plane: i32, relu: bool): void {
  const zero = f32x4.splat(0);
  for (let i = 0; i < n; i++) {
    for (let ci = 0; ci < c; ci++) {
      const off = <usize>(i * c + ci) * <usize>plane << 2;
      const xp = x + off, yp = y + off;
      const bs = load<f32>(bias + (<usize>ci << 2));
      const bv = f32x4.splat(bs);
      let k = 0;
      for (; k + 4 <= plane; k += 4) {
        const o = <usize>k << 2;
        let v = f32x4.add(v128.load(xp + o), bv);
        if (relu) v = v128.and(v, f32x4.gt(v, zero));
        v128.store(yp + o, v);
      }
      for (; k < plane; k++) {
        const o = <usize>k << 2;
        let v = load<f32>(xp + o) + bs;
        if (relu && !(v > 0)) v = 0;
        store<f32>(yp + o, v);
      }
    }
  }
}

/** db[ci] (+)= sum over images and pixels of dy[i, ci, :]; accumulate into db when acc. */
export function channel_sum_f32(dy: usize, db: usize, n: i32, c: i32, plane: i32, acc: bool): void {
  channel_sum_part_f32(dy, db, n, c, plane, acc, 0, c);
}

/**
 * Channels [c0, c1) of channel_sum_f32, each the same sum as in the whole: a kernel-pool
 * thread's share (src/backend/threads/).
 */
export function channel_sum_part_f32(dy: usize, db: usize, n: i32, c: i32, plane: i32, acc: bool, c0: i32, c1: i32): void {
  for (let ci = c0; ci < c1; ci++) {
    // f64 across planes: a channel of a batch sums up to ~60K values.
    let s: f64 = 0;
    for (let i = 0; i < n; i++) {
      const p = dy + (<usize>(i * c + ci) * <usize>plane << 2);
      let a = f32x4.splat(0);
      let k = 0;
      for (; k + 4 <= plane; k += 4) a = f32x4.add(a, v128.load(p + (<usize>k << 2)));
      s += <f64>f32x4.extract_lane(a, 0) + <f64>f32x4.extract_lane(a, 1) + <f64>f32x4.extract_lane(a, 2) + <f64>f32x4.extract_lane(a, 3);
      for (; k < plane; k++) s += <f64>load<f32>(p + (<usize>k << 2));
    }
    const o = <usize>ci << 2;
    store<f32>(db + o, acc ? load<f32>(db + o) + <f32>s : <f32>s);
  }
}
