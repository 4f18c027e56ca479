// SynFlow: exact saliencies of a hand-checked two-layer linear net (R = 1ᵀ|W2||W1|1), the
// overflow rescaling (a uniform factor), and the iterative pruner's exact counts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Backend } from '../../src/backend/backend.ts';
import { createBackend } from '../../src/backend/index.ts';
import { Linear, Sequential } from '../../src/nn/layers.ts';
import { initParameters } from '../../src/nn/module.ts';
import { applyMasks } from '../../src/prune/apply.ts';
import { maskFromScores, synflowSaliency, synflowScores } from '../../src/prune/at-init/index.ts';
import { countOnes, fullMasks, maskTotals } from '../../src/prune/masks.ts';
import { Rng } from '../../src/util/rng.ts';

const backends = [await createBackend('js'), await createBackend('wasm')];

function chain(b: Backend, sizes: number[]) {
  const model = new Sequential(sizes.slice(1).map((n, i) => new Linear(b, `fc${i + 1}`, sizes[i], n, i + 2 < sizes.length)));
  const params = model.parameters();
  const full = fullMasks(Object.fromEntries(params.filter((p) => p.prunable).map((p) => [p.name, p.size])));
  return { model, params, full };
}

function randomChain(b: Backend, sizes: number[], seed: number) {
  const net = chain(b, sizes);
  const rng = new Rng(seed);
  for (const p of net.params) b.write(p.tensor.buf, Float32Array.from({ length: p.size }, () => rng.normal() * 0.5));
  return net;
}

// W1 = [[1,-2,0],[.5,1,-1]], W2 = [[2,-1],[0,3]], biases 0. With |W| and x = 1:
// h = |W1|1 = [3, 2.5], R = 1ᵀ|W2|h = 16.  dR/dW1[j,i] = colsum(|W2|)_j = [2, 4]_j, so
// score W1 = |W1| scaled by row: [[2,4,0],[2,4,4]];  dR/dW2[k,j] = h_j: score W2 = [[6,2.5],[0,7.5]].
// Each layer's scores sum to R (Euler: R is degree-1 homogeneous in each layer).
const W1 = [1, -2, 0, 0.5, 1, -1];
const W2 = [2, -1, 0, 3];

for (const b of backends) {
  test(`${b.name}: SynFlow saliency of the hand-checked 3-2-2 linear net is exact, weights restored`, () => {
    const net = chain(b, [3, 2, 2]);
    b.write(net.params[0].tensor.buf, W1);
    b.write(net.params[2].tensor.buf, W2);
    const s = synflowSaliency(b, net, [3], net.full, { rescale: false });
    assert.equal(Array.from(s['fc1.weight']), [2, 4, 0, 2, 4, 4]);
    assert.equal(Array.from(s['fc2.weight']), [6, 2.5, 0, 7.5]);
    // biases count as |b| (reference implementation): b1 = [1, -1] -> h = [4, 3.5]; W1's scores unchanged
    b.write(net.params[1].tensor.buf, [1, -1]);
    const sb = synflowSaliency(b, net, [3], net.full, { rescale: false });
    assert.equal(Array.from(sb['fc1.weight']), [2, 4, 0, 2, 4, 4]);
    assert.equal(Array.from(sb['fc2.weight']), [8, 3.5, 0, 10.5]);
    // a mask zeroes the weight in the flow: pruning W2[1,1] leaves colsum(|W2|) = [2, 1]
    const masked = synflowSaliency(b, net, [3], { 'fc1.weight': new Uint8Array(6).fill(1), 'fc2.weight': Uint8Array.from([1, 1, 1, 0]) }, { rescale: false });
    assert.equal(Array.from(masked['fc1.weight']), [2, 4, 0, 0.5, 1, 1]);
    assert.equal(Array.from(masked['fc2.weight']), [8, 3.5, 0, 0]);
    assert.equal(Array.from(b.read(net.params[0].tensor.buf)), W1, 'weights restored, signs included');
    assert.equal(Array.from(b.read(net.params[1].tensor.buf)), [1, -1], 'biases restored');
  });

  test(`${b.name}: SynFlow rescaling multiplies every score by one factor`, () => {
    const net = randomChain(b, [7, 9, 8, 4], 3);
    const raw = synflowSaliency(b, net, [7], net.full, { rescale: false });
    const scaled = synflowSaliency(b, net, [7], net.full);
    const ratio = scaled['fc1.weight'][0] / raw['fc1.weight'][0];
    assert.ok(Math.abs(ratio - 1) > 1e-3, 'the rescaling did change the scale');
    for (const name of Object.keys(raw)) {
      raw[name].forEach((v, i) => assert.ok(Math.abs(scaled[name][i] - ratio * v) <= 1e-5 * ratio * v + 1e-30, `${name}[${i}]`));
    }
  });

  test(`${b.name}: SynFlow rescaling keeps a deep, wide net from overflowing f32`, () => {
    const net = chain(b, [32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 32, 4]);
    for (const p of net.params) b.write(p.tensor.buf, new Float32Array(p.size).fill(p.prunable ? -100 : 0));
    assert.throws(() => synflowSaliency(b, net, [32], net.full, { rescale: false }), /overflowed/);
    const s = synflowSaliency(b, net, [32], net.full);
    for (const [name, v] of Object.entries(s)) {
      // all weights equal and the net symmetric: every score of a layer is the same finite value
      assert.ok(v.every((x) => Number.isFinite(x) && x > 0 && x === v[0]), name);
    }
  });

  test(`${b.name}: iterative SynFlow ends at exact counts, global and per layer; one iteration = one scoring`, () => {
    const net = randomChain(b, [20, 30, 10, 5], 4);
    const total = maskTotals(net.full).total;
    const g = synflowScores(b, net, [20], 0.1, 10);
    assert.is(maskTotals(g).remaining, Math.round(0.1 * total));
    const l = synflowScores(b, net, [20], 0.1, 10, { mode: 'layerwise' });
    for (const [name, m] of Object.entries(l)) assert.is(countOnes(m), Math.round(0.1 * m.length), name);
    const once = synflowScores(b, net, [20], 0.25, 1);
    assert.equal(once, maskFromScores(synflowSaliency(b, net, [20], net.full), net.full, 0.25));
    assert.equal(synflowScores(b, net, [20], 0.1, 10), g, 'deterministic');
    // starts from the installed masks: a layer pruned beforehand stays pruned
    const start = { ...net.full, 'fc2.weight': Uint8Array.from({ length: 300 }, (_, i) => (i < 150 ? 1 : 0)) };
    applyMasks(b, net.params, start);
    const fromInstalled = synflowScores(b, net, [20], 0.1, 5);
    fromInstalled['fc2.weight'].forEach((m, i) => assert.ok(i < 150 || m === 0));
    assert.is(maskTotals(fromInstalled).remaining, Math.round(0.1 * total));
  });
}

test('iterative SynFlow avoids the layer collapse of one-shot pruning (Tanaka et al. Fig. 1)', () => {
  // Glorot init, 1% density: one-shot global pruning by the same saliency empties the wide
  // layers (the flow concentrates in the narrow output layer); 100 iterations keep all alive.
  const b = backends[1];
  const net = chain(b, [64, 128, 64, 10]);
  initParameters(b, net.params, new Rng(6));
  const d = 0.01;
  const it = synflowScores(b, net, [64], d, 100);
  for (const [name, m] of Object.entries(it)) assert.ok(countOnes(m) > 0, `${name} kept weights`);
  const oneShot = maskFromScores(synflowSaliency(b, net, [64], net.full), net.full, d);
  assert.is(countOnes(oneShot['fc1.weight']), 0, 'one-shot collapses fc1');
  assert.is(maskTotals(oneShot).remaining, maskTotals(it).remaining);
});

test.run();
