// DEEP R: a hand-checked update (shrinkage, death, re-activation with the fixed sign), then
// training runs: the connection budget is exact, signs never flip, pruned weights are 0,
// mask buffers stay in sync, and the same seed gives the same run.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Backend } from '../../src/backend/backend.ts';
import { createBackend } from '../../src/backend/index.ts';
import { trainCtx } from '../../src/autograd/tape.ts';
import { Batcher } from '../../src/data/batcher.ts';
import { makeSyntheticDataset } from '../../src/data/synthetic.ts';
import { Linear } from '../../src/nn/layers.ts';
import { makeOptimizer } from '../../src/optim/optimizer.ts';
import { layerCounts, maskFromScores, randomScores } from '../../src/prune/at-init/index.ts';
import { type DeepROptions, deepRRewirer } from '../../src/prune/dynamic/index.ts';
import { fullMasks, maskTotals } from '../../src/prune/masks.ts';
import { buildNetwork } from '../../src/train/setup.ts';
import { snapshotWeights } from '../../src/train/state.ts';
import { trainStep } from '../../src/train/trainer.ts';
import { Rng } from '../../src/util/rng.ts';

const js = await createBackend('js');
const wasm = await createBackend('wasm');
const data = makeSyntheticDataset({ train: 600, val: 10, test: 10 });

test('DEEP R by hand: θ shrinks by ηα, θ < 0 dies, as many dormant ones revive with their sign', () => {
  const layer = new Linear(js, 'fc', 4, 2);
  const params = layer.parameters();
  const p = params[0];
  const w0 = [0.1, -3, 0.2, 4, -0.05, 0, 0, 0];
  js.write(p.tensor.buf, w0);
  const r = deepRRewirer({ 'fc.weight': Uint8Array.from([1, 1, 1, 1, 1, 0, 0, 0]) }, { alpha: 1, temperature: 0, theta0: 0.5, rng: new Rng(3) });
  r.start(js, params);
  // η = 0.1, α = 1: θ = [~0, 2.9, 0.1, 3.9, -0.05] (~0: f32(0.1) - 0.1 = 1.5e-9 >= 0, active):
  // only index 4 dies
  const c = r.afterStep(1, js, params, 0.1)!['fc.weight'];
  assert.equal(Array.from(c.pruned), [4]);
  assert.is(c.grown.length, 1);
  assert.ok(c.grown[0] >= 5);
  const w = js.read(p.tensor.buf);
  const f = (x: number) => Math.fround(x);
  assert.equal(Array.from(w.slice(0, 5)), [f(0.1) - 0.1, f(-(3 - 0.1)), f(f(0.2) - 0.1), f(4 - 0.1), 0].map(f));
  assert.is(Math.abs(w[c.grown[0]]), 0.5, 'revived at θ0 with its drawn sign');
  assert.equal(Array.from(js.read(p.mask!)), Array.from(r.masks()['fc.weight']));
  assert.is(maskTotals(r.masks()).remaining, 5);
  // next step: index 0 (θ ~ 0) dies; the revived one shrinks to 0.4 with its sign
  const sign = Math.sign(w[c.grown[0]]);
  const c2 = r.afterStep(2, js, params, 0.1)!['fc.weight'];
  assert.ok(Array.from(c2.pruned).includes(0));
  assert.is(js.read(p.tensor.buf)[c.grown[0]], f(sign * f(0.5 - 0.1)));
  assert.is(maskTotals(r.masks()).remaining, 5);
});

test('DEEP R rejects negative hyperparameters', () => {
  assert.throws(() => deepRRewirer({}, { alpha: -1, temperature: 0, rng: new Rng(1) }), /alpha/);
  assert.throws(() => deepRRewirer({}, { alpha: 0, temperature: 0, theta0: -1, rng: new Rng(1) }), /theta0/);
});

/** Trains a 784-30-10-10 MLP at 15% density per layer under DEEP R, checking invariants every step. */
function run(b: Backend, seed: number, steps: number, opts: Omit<DeepROptions, 'rng'>) {
  const rng = new Rng(seed);
  const net = buildNetwork(b, 'lenet300', data, rng.split('init'), { widthMultiplier: 0.1 });
  const prunable = net.params.filter((p) => p.prunable);
  const full = fullMasks(Object.fromEntries(prunable.map((p) => [p.name, p.size])));
  const start = maskFromScores(randomScores(full, rng.split('mask')), full, 0.15, 'layerwise');
  const r = deepRRewirer(start, { ...opts, rng: rng.split('deep-r') });
  r.start(b, net.params);
  // the sign each position showed first; it must never show the other one
  const seen = Object.fromEntries(prunable.map((p) => [p.name, new Int8Array(p.size)]));
  const opt = makeOptimizer(b, net.params, { kind: 'adam', lr: 1e-2 });
  const ctx = trainCtx(b, rng.split('dropout'));
  const batcher = new Batcher(data.train, 30, rng.split('data'));
  let deaths = 0;
  for (let it = 1; it <= steps; it++) {
    const batch = batcher.next();
    trainStep(ctx, net.model, net.params, opt, batch.x, batch.y, batch.n, 784, 1e-2);
    const changed = r.afterStep(it, b, net.params, 1e-2);
    for (const c of Object.values(changed ?? {})) deaths += c.pruned.length;
    const masks = r.masks();
    if (opts.scope === 'global') assert.is(maskTotals(masks).remaining, maskTotals(start).remaining);
    else assert.equal(layerCounts(masks), layerCounts(start));
    for (const p of prunable) {
      const w = b.read(p.tensor.buf);
      const f = b.read(p.mask!);
      const m = masks[p.name];
      const s = seen[p.name];
      for (let i = 0; i < w.length; i++) {
        if (f[i] !== m[i]) assert.unreachable(`${p.name}[${i}]: mask buffer out of sync`);
        if (m[i] === 0 && w[i] !== 0) assert.unreachable(`${p.name}[${i}] dormant but ${w[i]}`);
        const sg = Math.sign(w[i]);
        if (sg === 0) continue;
        if (s[i] === 0) s[i] = sg;
        else if (s[i] !== sg) assert.unreachable(`${p.name}[${i}] flipped sign at iteration ${it}`);
      }
    }
  }
  return { masks: r.masks(), weights: snapshotWeights(b, net.params), deaths, start };
}

const hyper = { alpha: 0.1, temperature: 1e-5 };

test('wasm: DEEP R per layer: exact per-layer budget, fixed signs, deterministic per seed', () => {
  const a = run(wasm, 1, 120, hyper);
  assert.ok(a.deaths > 50, `only ${a.deaths} connections died`);
  const again = run(wasm, 1, 120, hyper);
  assert.equal(again.masks, a.masks);
  for (const k of Object.keys(a.weights)) assert.equal(again.weights[k], a.weights[k], k);
  assert.not.equal(run(wasm, 2, 40, hyper).masks, run(wasm, 3, 40, hyper).masks);
});

test('js: DEEP R with one global budget: the total is exact while layers trade connections', () => {
  const g = run(js, 4, 100, { ...hyper, scope: 'global' });
  assert.ok(g.deaths > 50, `only ${g.deaths} connections died`);
  assert.not.equal(layerCounts(g.masks), layerCounts(g.start), 'the per-layer allocation moved');
});

test.run();
