// Optimizer updates over n parameters. mask == 0 (null) means dense; otherwise a weight whose
// mask element is 0 is written as exactly +0 and so is its optimizer state, every step, so
// pruned weights can never drift back (the and-with-compare also clears -0 and NaN).

// All-ones lanes where mask != 0, or all ones when there is no mask.
@inline
function keepLanes(mask: usize, o: usize): v128 {
  return mask == 0 ? i32x4.splat(-1) : f32x4.ne(v128.load(mask + o), f32x4.splat(0));
}

/**
 * Adam with L2 weight decay added to the gradient (not AdamW):
 * g' = g + wd*w; m1 = b1*m1 + (1-b1)*g'; m2 = b2*m2 + (1-b2)*g'^2;
 * w -= lr * (m1/bc1) / (sqrt(m2/bc2) + eps).
 */
export function adam_f32(w: usize, g: usize, m1: usize, m2: usize, mask: usize, n: i32,
  lr: f32, beta1: f32, beta2: f32, eps: f32, bc1: f32, bc2: f32, wd: f32): void {
  const vb1 = f32x4.splat(beta1), vc1 = f32x4.splat(1 - beta1);
  const vb2 = f32x4.splat(beta2), vc2 = f32x4.splat(1 - beta2);
  const vstep = f32x4.splat(lr / bc1), vinv2 = f32x4.splat(1 / bc2);
  const veps = f32x4.splat(eps), vwd = f32x4.splat(wd);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    const keep = keepLanes(mask, o);
    const wv = v128.load(w + o);
    const gv = f32x4.add(v128.load(g + o), f32x4.mul(vwd, wv));
    const a = v128.and(f32x4.add(f32x4.mul(vb1, v128.load(m1 + o)), f32x4.mul(vc1, gv)), keep);
    const b = v128.and(f32x4.add(f32x4.mul(vb2, v128.load(m2 + o)), f32x4.mul(vc2, f32x4.mul(gv, gv))), keep);
    const upd = f32x4.div(f32x4.mul(vstep, a), f32x4.add(f32x4.sqrt(f32x4.mul(b, vinv2)), veps));
    v128.store(m1 + o, a);
    v128.store(m2 + o, b);
    v128.store(w + o, v128.and(f32x4.sub(wv, upd), keep));
  }
  const step = lr / bc1, inv2: f32 = 1 / bc2;
  for (; i < n; i++) {
    const o = <usize>i << 2;
    if (mask != 0 && load<f32>(mask + o) == 0) {
      store<f32>(w + o, 0);
      store<f32>(m1 + o, 0);
      store<f32>(m2 + o, 0);
      continue;
    }
    const wv = load<f32>(w + o);
    const gv = load<f32>(g + o) + wd * wv;
    const a = beta1 * load<f32>(m1 + o) + (1 - beta1) * gv;
    const b = beta2 * load<f32>(m2 + o) + (1 - beta2) * gv * gv;
    store<f32>(m1 + o, a);
    store<f32>(m2 + o, b);
    store<f32>(w + o, wv - (step * a) / (Mathf.sqrt(b * inv2) + eps));
  }
}

/**
 * SGD, PyTorch semantics (dampening 0): g' = g + wd*w; v = mu*v + g';
 * w -= lr * (nesterov ? g' + mu*v : v). With mu == 0 this is plain SGD (v holds g').
 */
export function sgd_f32(w: usize, g: usize, vel: usize, mask: usize, n: i32,
  lr: f32, momentum: f32, wd: f32, nesterov: bool): void {
  const vlr = f32x4.splat(lr), vmu = f32x4.splat(momentum), vwd = f32x4.splat(wd);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i << 2;
    const keep = keepLanes(mask, o);
    const wv = v128.load(w + o);
    const gv = f32x4.add(v128.load(g + o), f32x4.mul(vwd, wv));
    const v = v128.and(f32x4.add(f32x4.mul(vmu, v128.load(vel + o)), gv), keep);
    const d = nesterov ? f32x4.add(gv, f32x4.mul(vmu, v)) : v;
    v128.store(vel + o, v);
    v128.store(w + o, v128.and(f32x4.sub(wv, f32x4.mul(vlr, d)), keep));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    if (mask != 0 && load<f32>(mask + o) == 0) {
      store<f32>(w + o, 0);
      store<f32>(vel + o, 0);
      continue;
    }
    const wv = load<f32>(w + o);
    const gv = load<f32>(g + o) + wd * wv;
    const v = momentum * load<f32>(vel + o) + gv;
    store<f32>(vel + o, v);
    store<f32>(w + o, wv - lr * (nesterov ? gv + momentum * v : v));
  }
}
