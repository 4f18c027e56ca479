// GraSP: exact θ ⊙ Hg on a hand-checked one-layer network, and the finite-difference
// Hessian-vector product against a float64 reference (exact backprop, tiny step) on a ReLU MLP.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Backend } from '../../src/backend/backend.ts';
import { createBackend } from '../../src/backend/index.ts';
import { Linear, Sequential } from '../../src/nn/layers.ts';
import { applyMasks } from '../../src/prune/apply.ts';
import { graspScores, hessianVectorProduct, maskFromScores } from '../../src/prune/at-init/index.ts';
import { Rng } from '../../src/util/rng.ts';

const backends = [await createBackend('js'), await createBackend('wasm')];

/** Float64 copy of a two-layer ReLU MLP: W1 [h,k], b1 [h], W2 [c,h], b2 [c]. */
interface Mlp2 { k: number; h: number; c: number; W1: Float64Array; b1: Float64Array; W2: Float64Array; b2: Float64Array }

/** Gradient of the mean cross-entropy of softmax(z / T) w.r.t. W1 and W2, by backprop in float64. */
function refGrad(net: Mlp2, x: Float32Array, y: Float32Array, n: number, T: number): Float64Array[] {
  const { k, h, c, W1, b1, W2, b2 } = net;
  const gW1 = new Float64Array(h * k);
  const gW2 = new Float64Array(c * h);
  for (let r = 0; r < n; r++) {
    const xr = x.subarray(r * k, r * k + k);
    const a = Array.from({ length: h }, (_, j) => b1[j] + xr.reduce((s, v, i) => s + W1[j * k + i] * v, 0));
    const hv = a.map((v) => Math.max(v, 0));
    const z = Array.from({ length: c }, (_, q) => (b2[q] + hv.reduce((s, v, j) => s + W2[q * h + j] * v, 0)) / T);
    const e = z.map((v) => Math.exp(v - Math.max(...z)));
    const sum = e.reduce((s, v) => s + v, 0);
    const d = e.map((v, q) => (v / sum - (q === y[r] ? 1 : 0)) / (n * T)); // d(mean loss)/d(raw logit)
    for (let q = 0; q < c; q++) for (let j = 0; j < h; j++) gW2[q * h + j] += d[q] * hv[j];
    for (let j = 0; j < h; j++) {
      if (a[j] <= 0) continue;
      let dh = 0;
      for (let q = 0; q < c; q++) dh += W2[q * h + j] * d[q];
      for (let i = 0; i < k; i++) gW1[j * k + i] += dh * xr[i];
    }
  }
  return [gW1, gW2];
}

/** H·v by a central difference of the exact float64 gradient with a tiny step. */
function refHvp(net: Mlp2, v: Float64Array[], x: Float32Array, y: Float32Array, n: number, T: number): Float64Array[] {
  const step = 1e-6;
  const at = (s: number): Mlp2 => ({ ...net, W1: net.W1.map((w, i) => w + s * v[0][i]), W2: net.W2.map((w, i) => w + s * v[1][i]) });
  const p = refGrad(at(step), x, y, n, T);
  const m = refGrad(at(-step), x, y, n, T);
  return p.map((g, j) => g.map((gi, i) => (gi - m[j][i]) / (2 * step)));
}

/** ‖a − b‖ / ‖b‖ over paired arrays. */
function relErr(a: ArrayLike<number>[], b: ArrayLike<number>[]): number {
  let num = 0;
  let den = 0;
  a.forEach((ai, j) => {
    for (let i = 0; i < ai.length; i++) {
      num += (ai[i] - b[j][i]) ** 2;
      den += b[j][i] ** 2;
    }
  });
  return Math.sqrt(num / den);
}

/** A random 6-8-3 ReLU MLP with small nonzero biases, its float64 copy, and a batch of 7. */
function randomSetup(b: Backend, seed: number) {
  const rng = new Rng(seed);
  const [k, h, c, n] = [6, 8, 3, 7];
  const model = new Sequential([new Linear(b, 'fc1', k, h, true), new Linear(b, 'fc2', h, c, false)]);
  const params = model.parameters();
  const vals = [h * k, h, c * h, c].map((len) => Float32Array.from({ length: len }, () => rng.normal() * 0.7));
  params.forEach((p, i) => b.write(p.tensor.buf, vals[i]));
  const ref: Mlp2 = { k, h, c, W1: Float64Array.from(vals[0]), b1: Float64Array.from(vals[1]), W2: Float64Array.from(vals[2]), b2: Float64Array.from(vals[3]) };
  const x = Float32Array.from({ length: n * k }, () => rng.normal());
  const y = Float32Array.from({ length: n }, () => rng.int(c));
  return { net: { model, params }, ref, x, y, n, k, rng };
}

for (const b of backends) {
  test(`${b.name}: GraSP θ ⊙ Hg on a hand-checked 2-2 linear layer (and the temperature's 1/T³)`, () => {
    // x = [1, 2], W = [[1, 0], [-1, 1]] -> logits [1, 1], p = [.5, .5]; label 0.
    // g = (p - e0) xᵀ = [[-.5, -1], [.5, 1]];  H[V] = S (V x) xᵀ, S = diag(p) - ppᵀ = .25 [[1,-1],[-1,1]]
    // g x = [-2.5, 2.5];  S g x = [-1.25, 1.25];  Hg = [[-1.25, -2.5], [1.25, 2.5]]
    // θ ⊙ Hg = [[-1.25, 0], [-1.25, 2.5]].  With logits / T every factor of 1/T compounds: 1/T³.
    const model = new Sequential([new Linear(b, 'fc', 2, 2, false)]);
    const net = { model, params: model.parameters() };
    b.write(net.params[0].tensor.buf, [1, 0, -1, 1]);
    const batch = [{ x: Float32Array.from([1, 2]), y: Float32Array.from([0]), n: 1 }];
    for (const T of [1, 2]) {
      const s = graspScores(b, net, batch, 2, { temperature: T })['fc.weight'];
      const want = [-1.25, 0, -1.25, 2.5].map((v) => v / T ** 3);
      s.forEach((v, i) => assert.ok(Math.abs(v - want[i]) <= 2e-4 * Math.abs(want[i]) + 1e-7, `T=${T} [${i}]: ${v} vs ${want[i]}`));
    }
    assert.equal(Array.from(b.read(net.params[0].tensor.buf)), [1, 0, -1, 1], 'weights restored exactly');
    // keep-the-highest orientation: GraSP removes the largest -θ⊙Hg, i.e. the two -1.25s here
    const m = maskFromScores(graspScores(b, net, batch, 2, { temperature: 1 }), { 'fc.weight': new Uint8Array(4).fill(1) }, 0.5);
    assert.equal(Array.from(m['fc.weight']), [0, 1, 0, 1]);
  });

  test(`${b.name}: the finite-difference Hessian-vector product matches a float64 reference`, () => {
    const s = randomSetup(b, 11);
    const batches = [{ x: s.x.slice(0, 3 * s.k), y: s.y.slice(0, 3), n: 3 }, { x: s.x.slice(3 * s.k), y: s.y.slice(3), n: 4 }];
    for (const T of [1, 200]) {
      const v = { 'fc1.weight': Float64Array.from({ length: 48 }, () => s.rng.normal()), 'fc2.weight': Float64Array.from({ length: 24 }, () => s.rng.normal()) };
      const { hv, eps } = hessianVectorProduct(b, s.net, batches, s.k, v, { temperature: T });
      assert.ok(eps > 0);
      const want = refHvp(s.ref, [v['fc1.weight'], v['fc2.weight']], s.x, s.y, s.n, T);
      const err = relErr([hv['fc1.weight'], hv['fc2.weight']], want);
      assert.ok(err < 1e-3, `T=${T}: relative error ${err}`);
    }
  });

  test(`${b.name}: GraSP scores are θ ⊙ Hg of the float64 reference; pruned weights stay out`, () => {
    const s = randomSetup(b, 12);
    const batches = [{ x: s.x, y: s.y, n: s.n }];
    const g = refGrad(s.ref, s.x, s.y, s.n, 200);
    const hg = refHvp(s.ref, g, s.x, s.y, s.n, 200);
    const got = graspScores(b, s.net, batches, s.k);
    const want = [s.ref.W1.map((w, i) => w * hg[0][i]), s.ref.W2.map((w, i) => w * hg[1][i])];
    const err = relErr([got['fc1.weight'], got['fc2.weight']], want);
    assert.ok(err < 1e-3, `relative error ${err}`);
    // with a mask installed, the masked weights are zero and the direction g skips them
    const mask1 = Uint8Array.from({ length: 48 }, (_, i) => (i % 3 === 0 ? 0 : 1));
    applyMasks(b, s.net.params, { 'fc1.weight': mask1, 'fc2.weight': new Uint8Array(24).fill(1) });
    const masked = graspScores(b, s.net, batches, s.k);
    mask1.forEach((m, i) => {
      if (m === 0) assert.is(masked['fc1.weight'][i], 0);
    });
    assert.ok(b.read(s.net.params[0].tensor.buf).every((w, i) => mask1[i] === 1 || w === 0), 'pruned weights still zero');
  });
}

test.run();
