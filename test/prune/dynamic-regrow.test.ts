// SET and RigL: hand-checked updates on one small layer, then training runs with the
// invariants (per-layer counts fixed, pruned weights exactly 0, mask buffers in sync,
// determinism per seed).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Backend } from '../../src/backend/backend.ts';
import { createBackend } from '../../src/backend/index.ts';
import { trainCtx } from '../../src/autograd/tape.ts';
import { Batcher } from '../../src/data/batcher.ts';
import { makeSyntheticDataset } from '../../src/data/synthetic.ts';
import { Linear } from '../../src/nn/layers.ts';
import type { Parameter } from '../../src/nn/module.ts';
import { makeOptimizer } from '../../src/optim/optimizer.ts';
import { layerCounts, maskFromScores, randomScores } from '../../src/prune/at-init/index.ts';
import { type Rewirer, type Rewiring, cosineFraction, riglRewirer, setRewirer } from '../../src/prune/dynamic/index.ts';
import { fullMasks, type Masks } from '../../src/prune/masks.ts';
import { buildNetwork } from '../../src/train/setup.ts';
import { snapshotWeights } from '../../src/train/state.ts';
import { trainStep } from '../../src/train/trainer.ts';
import { Rng } from '../../src/util/rng.ts';

const js = await createBackend('js');
const wasm = await createBackend('wasm');
const data = makeSyntheticDataset({ train: 600, val: 10, test: 10 });

/** One 2x4 layer with chosen weights, and a mask for it. */
function oneLayer(b: Backend, w: number[], mask: number[]) {
  const layer = new Linear(b, 'fc', 4, 2);
  const params = layer.parameters();
  b.write(params[0].tensor.buf, w);
  return { params, masks: { 'fc.weight': Uint8Array.from(mask) } as Masks, p: params[0] };
}

const W = [0.1, -3, 0.2, 4, 0.5, 0, 0, 0];
const M = [1, 1, 1, 1, 1, 0, 0, 0];

test('SET by hand: the 2 smallest |w| of 5 go, 2 of the 3 dormant grow at 0 or at their initial value', () => {
  const { params, masks, p } = oneLayer(js, W, M);
  const r = setRewirer(masks, { interval: 2, fraction: 0.4, rng: new Rng(1) });
  r.start(js, params);
  assert.is(r.afterStep(1, js, params, 0.1), null, 'not an update step');
  const c = r.afterStep(2, js, params, 0.1)!['fc.weight'];
  assert.equal(Array.from(c.pruned), [0, 2]);
  assert.is(c.grown.length, 2);
  assert.ok(c.grown.every((i) => i >= 5), 'grown among the positions dormant before');
  const m = r.masks()['fc.weight'];
  assert.equal(Array.from(m), Array.from(js.read(p.mask!)), 'mask buffer in sync');
  assert.is(m.reduce((a, v) => a + v, 0), 5);
  const w = js.read(p.tensor.buf);
  assert.equal([w[0], w[2], w[c.grown[0]], w[c.grown[1]]], [0, 0, 0, 0]);
  assert.equal([w[1], w[3], w[4]], [-3, 4, 0.5]);
  // growing at the initial value
  const init = { 'fc.weight': Float32Array.from([9, 9, 9, 9, 9, 5, 6, 7]) };
  const s2 = oneLayer(js, W, M);
  const r2 = setRewirer(s2.masks, { interval: 1, fraction: 0.4, rng: new Rng(1), initialWeights: init });
  r2.start(js, s2.params);
  const g2 = r2.afterStep(1, js, s2.params, 0.1)!['fc.weight'].grown;
  const w2 = js.read(s2.p.tensor.buf);
  for (const i of g2) assert.is(w2[i], init['fc.weight'][i]);
});

test('RigL by hand: grows where the dense |gradient| is largest; cosine ζ; refuses a masked gradient', () => {
  const { params, masks, p } = oneLayer(js, W, M);
  const r = riglRewirer(masks, { interval: 1, fraction: 0.4, endIteration: 100 });
  r.start(js, params);
  js.write(p.tensor.grad!, [1, 1, 1, 1, 1, -0.5, 2, -3]);
  p.tensor.gradWritten = true;
  // at t = 0 ζ = 0.4 would replace 2; at t = 1 ζ is just below 0.4 and round(ζ·5) is still 2
  const c = r.afterStep(1, js, params, 0.1)!['fc.weight'];
  assert.equal(Array.from(c.pruned), [0, 2]);
  assert.equal(Array.from(c.grown), [6, 7]);
  assert.equal(Array.from(r.masks()['fc.weight']), [0, 1, 0, 1, 1, 0, 1, 1]);
  const f = cosineFraction(0.3, 1000);
  assert.is(f(0), 0.3);
  assert.ok(Math.abs(f(500) - 0.15) < 1e-12);
  assert.ok(Math.abs(f(1000)) < 1e-12);
  assert.is(f(1001), 0);
  assert.is(r.afterStep(101, js, params, 0.1), null, 'no updates after endIteration');
  // a gradient that is zero wherever the mask is 0 (a sampled sparse gradient): refuse
  const s = oneLayer(js, W, M);
  const r2 = riglRewirer(s.masks, { interval: 1, endIteration: 100 });
  r2.start(js, s.params);
  js.write(s.p.tensor.grad!, [1, 1, 1, 1, 1, 0, 0, 0]);
  s.p.tensor.gradWritten = true;
  assert.throws(() => r2.afterStep(1, js, s.params, 0.1), /dense gradient/);
});

test('rewirers reject masks that do not fit the network', () => {
  const { params } = oneLayer(js, W, M);
  assert.throws(() => setRewirer({}, { interval: 1, rng: new Rng(1) }).start(js, params), /no mask for 'fc.weight'/);
  assert.throws(() => setRewirer({ 'fc.weight': new Uint8Array(3) }, { interval: 1, rng: new Rng(1) }).start(js, params), /expected 8/);
  assert.throws(() => setRewirer({ 'fc.weight': new Uint8Array(8), 'fc.bias': new Uint8Array(2) }, { interval: 1, rng: new Rng(1) }).start(js, params), /fc.bias/);
  assert.throws(() => setRewirer({ 'fc.weight': new Uint8Array(8) }, { interval: 0, rng: new Rng(1) }), /interval/);
  assert.throws(() => setRewirer({ 'fc.weight': new Uint8Array(8) }, { interval: 1, rng: new Rng(1) }).afterStep(1, js, params, 0.1), /start\(\)/);
  // a weight training in CSR form has no dense buffers to rewire
  const csr = oneLayer(js, W, M);
  csr.p.sparse = {} as never;
  assert.throws(() => setRewirer(csr.masks, { interval: 1, rng: new Rng(1) }).start(js, csr.params), /CSR/);
});

/** Trains a 784-30-10-10 MLP at 20% density per layer with `make`'s rewirer, checking invariants every step. */
function trainWith(b: Backend, seed: number, steps: number, make: (masks: Masks) => Rewirer) {
  const rng = new Rng(seed);
  const net = buildNetwork(b, 'lenet300', data, rng.split('init'), { widthMultiplier: 0.1 });
  const prunable = net.params.filter((p) => p.prunable);
  const full = fullMasks(Object.fromEntries(prunable.map((p) => [p.name, p.size])));
  const start = maskFromScores(randomScores(full, rng.split('mask')), full, 0.2, 'layerwise');
  const counts = layerCounts(start);
  const rewirer = make(start);
  rewirer.start(b, net.params);
  const opt = makeOptimizer(b, net.params, { kind: 'adam', lr: 1e-2 });
  const ctx = trainCtx(b, rng.split('dropout'));
  const batcher = new Batcher(data.train, 30, rng.split('data'));
  let updates = 0;
  let moved = 0;
  for (let it = 1; it <= steps; it++) {
    const batch = batcher.next();
    const before = rewirer.masks();
    trainStep(ctx, net.model, net.params, opt, batch.x, batch.y, batch.n, 784, 1e-2);
    const changed: Rewiring | null = rewirer.afterStep(it, b, net.params, 1e-2);
    if (changed !== null) updates++;
    checkInvariants(b, prunable, rewirer.masks(), before, changed, counts);
    for (const c of Object.values(changed ?? {})) moved += c.grown.length;
  }
  return { weights: snapshotWeights(b, net.params), masks: rewirer.masks(), updates, moved };
}

function checkInvariants(b: Backend, prunable: Parameter[], masks: Masks, before: Masks, changed: Rewiring | null, counts: Record<string, number>): void {
  assert.equal(layerCounts(masks), counts, 'per-layer counts fixed');
  for (const p of prunable) {
    const m = masks[p.name];
    const w = b.read(p.tensor.buf);
    const f = b.read(p.mask!);
    for (let i = 0; i < m.length; i++) {
      if (f[i] !== m[i]) assert.unreachable(`${p.name}[${i}]: mask buffer ${f[i]}, mask ${m[i]}`);
      if (m[i] === 0 && w[i] !== 0) assert.unreachable(`${p.name}[${i}] is pruned but holds ${w[i]}`);
    }
    const c = changed?.[p.name];
    if (c === undefined) {
      assert.equal(m, before[p.name], `${p.name} unchanged when not reported`);
      continue;
    }
    for (const i of c.grown) if (before[p.name][i] !== 0 || m[i] !== 1 || w[i] !== 0) assert.unreachable(`${p.name}[${i}] grown wrongly`);
    for (const i of c.pruned) if (before[p.name][i] !== 1 || m[i] !== 0) assert.unreachable(`${p.name}[${i}] pruned wrongly`);
  }
}

for (const [b, kind] of [[wasm, 'set'], [js, 'set'], [wasm, 'rigl']] as const) {
  test(`${b.name}: ${kind} over 150 steps keeps every invariant, rewires, and is deterministic per seed`, () => {
    const make = (seed: number) => (masks: Masks) =>
      kind === 'set' ? setRewirer(masks, { interval: 10, rng: new Rng(seed, 'set') }) : riglRewirer(masks, { interval: 10, endIteration: 120 });
    const a = trainWith(b, 1, 150, make(1));
    // RigL's update at T_end has ζ = 0 and changes nothing
    assert.is(a.updates, kind === 'set' ? 15 : 11);
    assert.ok(a.moved > 100, `moved ${a.moved}`);
    const again = trainWith(b, 1, 150, make(1));
    assert.equal(again.masks, a.masks);
    for (const k of Object.keys(a.weights)) assert.equal(again.weights[k], a.weights[k], k);
    if (kind === 'set') assert.not.equal(trainWith(b, 1, 150, make(2)).masks, a.masks, 'another rewiring seed, other masks');
  });
}

test.run();
