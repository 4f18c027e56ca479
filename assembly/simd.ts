// Small f32x4 helpers shared by the kernels (inlined at every call).

/** acc + a * b (no FMA in wasm SIMD without relaxed SIMD). */
@inline
export function madd(acc: v128, a: v128, b: v128): v128 {
  return f32x4.add(acc, f32x4.mul(a, b));
}

/** Horizontal sums of four vectors, as one vector [sum(a), sum(b), sum(c), sum(d)]. */
@inline
export function hsum4(a: v128, b: v128, c: v128, d: v128): v128 {
  const ab = f32x4.add(v128.shuffle<f32>(a, b, 0, 4, 1, 5), v128.shuffle<f32>(a, b, 2, 6, 3, 7));
  const cd = f32x4.add(v128.shuffle<f32>(c, d, 0, 4, 1, 5), v128.shuffle<f32>(c, d, 2, 6, 3, 7));
  return f32x4.add(v128.shuffle<f32>(ab, cd, 0, 1, 4, 5), v128.shuffle<f32>(ab, cd, 2, 3, 6, 7));
}

/** The fused epilogue of a layer, one vector: (a, + the vector at y when acc) + b, then ReLU when relu, stored at y. */
@inline
export function storeBiasAct(y: usize, a: v128, acc: bool, b: v128, relu: bool): void {
  let v = f32x4.add(acc ? f32x4.add(v128.load(y), a) : a, b);
  if (relu) v = v128.and(v, f32x4.gt(v, f32x4.splat(0)));
  v128.store(y, v);
}

/** The scalar form of storeBiasAct: (s, + y when acc) + bias, then ReLU when relu. */
@inline
export function storeBiasActScalar(y: usize, s: f32, acc: bool, bias: f32, relu: bool): void {
  let v = (acc ? load<f32>(y) + s : s) + bias;
  if (relu && !(v > 0)) v = 0;
  store<f32>(y, v);
}
