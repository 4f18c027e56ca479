// Elementwise f32 kernels over n elements: f32x4 body, scalar tail. Pointers need no alignment.
// "May alias" below means exactly the same buffer; partial overlap is not supported.

/** y[i] = value. */
export function fill_f32(y: usize, value: f32, n: i32): void {
  const v = f32x4.splat(value);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) v128.store(y + (<usize>i << 2), v);
  for (; i < n; i++) store<f32>(y + (<usize>i << 2), value);
}

/** y[i] = x[i] (memmove semantics, so overlap is fine here). */
export function copy_f32(x: usize, y: usize, n: i32): void {
  if (n > 0) memory.copy(y, x, <usize>n << 2);
}

/** y[i] += a * x[i]. */
export function axpy_f32(a: f32, x: usize, y: usize, n: i32): void {
  const va = f32x4.splat(a);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, f32x4.add(v128.load(y + o), f32x4.mul(va, v128.load(x + o))));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, load<f32>(y + o) + a * load<f32>(x + o));
  }
}

/** y[i] = x[i] * s (y may alias x). */
export function scale_f32(x: usize, s: f32, y: usize, n: i32): void {
  const vs = f32x4.splat(s);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, f32x4.mul(v128.load(x + o), vs));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, load<f32>(x + o) * s);
  }
}

/** z[i] = x[i] * y[i] (z may alias x or y). */
export function mul_f32(x: usize, y: usize, z: usize, n: i32): void {
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    v128.store(z + o, f32x4.mul(v128.load(x + o), v128.load(y + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(z + o, load<f32>(x + o) * load<f32>(y + o));
  }
}

/** z[i] = x[i] + y[i] (z may alias x or y). */
export function add_f32(x: usize, y: usize, z: usize, n: i32): void {
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    v128.store(z + o, f32x4.add(v128.load(x + o), v128.load(y + o)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(z + o, load<f32>(x + o) + load<f32>(y + o));
  }
}

/** y[i] = x[i] > 0 ? x[i] : 0 (y may alias x; NaN and -0 become +0, as in the js backend). */
export function relu_f32(x: usize, y: usize, n: i32): void {
  const zero = f32x4.splat(0);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    const v = v128.load(x + o);
    v128.store(y + o, v128.and(v, f32x4.gt(v, zero)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(x + o);
    store<f32>(y + o, v > 0 ? v : 0);
  }
}

/** dx[i] (+)= y[i] > 0 ? dy[i] : 0, where y is the ReLU output; accumulate when acc. */
export function relu_backward_f32(y: usize, dy: usize, dx: usize, n: i32, acc: bool): void {
  const zero = f32x4.splat(0);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    let g = v128.and(v128.load(dy + o), f32x4.gt(v128.load(y + o), zero));
    if (acc) g = f32x4.add(v128.load(dx + o), g);
    v128.store(dx + o, g);
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const g: f32 = load<f32>(y + o) > 0 ? load<f32>(dy + o) : 0;
    store<f32>(dx + o, acc ? load<f32>(dx + o) + g : g);
  }
}
