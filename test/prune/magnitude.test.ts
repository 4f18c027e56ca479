import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { magnitudeScores, pruneCount, pruneGlobal, pruneLayerwise, pruneLowest } from '../../src/prune/magnitude.ts';
import { countOnes, density, fullMasks, maskTotals } from '../../src/prune/masks.ts';
import { randomMasksLike } from '../../src/prune/random.ts';
import { resolveRates } from '../../src/prune/rates.ts';
import { Rng } from '../../src/util/rng.ts';

function randomWeights(sizes: Record<string, number>, seed: number): Record<string, Float32Array> {
  const r = new Rng(seed);
  return Object.fromEntries(Object.entries(sizes).map(([k, n]) => [k, Float32Array.from({ length: n }, () => r.normal())]));
}

test('pruneLowest removes exactly k of the survivors, the smallest, ties by index', () => {
  const scores = Float32Array.from([5, 1, 3, 1, 0, 2]);
  const mask = Uint8Array.from([1, 1, 1, 1, 0, 1]);
  pruneLowest(scores, mask, 2);
  // index 4 was already pruned; the two 1s (indices 1, 3) go
  assert.equal(Array.from(mask), [1, 0, 1, 0, 0, 1]);
  pruneLowest(scores, mask, 1);
  assert.equal(Array.from(mask), [1, 0, 1, 0, 0, 0]);
  pruneLowest(scores, mask, 10);
  assert.equal(countOnes(mask), 0);
});

test('layer-wise IMP: LeNet-300-100 sizes, fc 20% / output 10% of the remaining, exact counts over 5 rounds', () => {
  const sizes = { 'fc1.weight': 235200, 'fc2.weight': 30000, 'fc3.weight': 1000 };
  const shapes = Object.entries(sizes).map(([name, n]) => ({ name, shape: name === 'fc3.weight' ? [10, 100] : [n / 10, 10] }));
  const rates = resolveRates({ default: 0.2, output: 0.1 }, shapes);
  assert.equal(rates, { 'fc1.weight': 0.2, 'fc2.weight': 0.2, 'fc3.weight': 0.1 });
  const w = randomWeights(sizes, 1);
  let masks = fullMasks(sizes);
  const expected = { ...sizes };
  for (let round = 1; round <= 5; round++) {
    masks = pruneLayerwise(magnitudeScores(w, masks), masks, rates);
    for (const name of Object.keys(sizes) as (keyof typeof sizes)[]) {
      expected[name] -= Math.round(rates[name] * expected[name]);
      assert.is(countOnes(masks[name]), expected[name], `${name} after round ${round}`);
    }
  }
  // 0.8^5 of fc1 remains
  assert.is(expected['fc1.weight'], 77070);
  // every surviving weight is larger in magnitude than every pruned one, per layer
  for (const name of Object.keys(sizes)) {
    let minKept = Infinity;
    let maxPruned = 0;
    w[name].forEach((v, i) => {
      if (masks[name][i]) minKept = Math.min(minKept, Math.abs(v));
      else maxPruned = Math.max(maxPruned, Math.abs(v));
    });
    assert.ok(maxPruned <= minKept, name);
  }
});

test('global pruning removes round(rate * remaining) across layers by one threshold', () => {
  const sizes = { a: 1000, b: 301, c: 17 };
  const w = randomWeights(sizes, 2);
  w.b = w.b.map((v) => v * 0.1); // layer b has small weights: global pruning hits it hardest
  let masks = fullMasks(sizes);
  masks = pruneGlobal(magnitudeScores(w, masks), masks, 0.2);
  assert.is(maskTotals(masks).remaining, 1318 - pruneCount(1318, 0.2));
  assert.ok(countOnes(masks.b) < 301 * 0.5);
  const kept: number[] = [];
  const pruned: number[] = [];
  for (const name of Object.keys(sizes)) w[name].forEach((v, i) => (masks[name][i] ? kept : pruned).push(Math.abs(v)));
  assert.ok(Math.max(...pruned) <= Math.min(...kept));
  // excluded layers keep their masks
  const m2 = pruneGlobal(magnitudeScores(w, masks), masks, 0.5, (n) => n !== 'c');
  assert.equal(Array.from(m2.c), Array.from(masks.c));
  const inc = countOnes(masks.a) + countOnes(masks.b);
  assert.is(countOnes(m2.a) + countOnes(m2.b), inc - pruneCount(inc, 0.5));
});

test('random masks keep each layer\'s count and differ from the ticket', () => {
  const sizes = { a: 500, b: 33 };
  const w = randomWeights(sizes, 3);
  let masks = fullMasks(sizes);
  masks = pruneLayerwise(magnitudeScores(w, masks), masks, { a: 0.7, b: 0.5 });
  const r1 = randomMasksLike(masks, new Rng(9));
  const r2 = randomMasksLike(masks, new Rng(9));
  for (const name of Object.keys(sizes)) {
    assert.is(countOnes(r1[name]), countOnes(masks[name]));
    assert.equal(Array.from(r1[name]), Array.from(r2[name]));
  }
  assert.not.equal(Array.from(r1.a), Array.from(masks.a));
  assert.ok(Math.abs(density(r1) - density(masks)) < 1e-12);
});

test('rates: most specific key wins; a missing rate names the keys to use', () => {
  const params = [
    { name: 'conv1.weight', shape: [64, 3, 3, 3] },
    { name: 'fc1.weight', shape: [256, 1024] },
    { name: 'fc2.weight', shape: [10, 256] },
  ];
  assert.equal(resolveRates({ conv: 0.1, fc: 0.2, output: 0.1 }, params), { 'conv1.weight': 0.1, 'fc1.weight': 0.2, 'fc2.weight': 0.1 });
  assert.equal(resolveRates({ default: 0.3, fc1: 0.5 }, params), { 'conv1.weight': 0.3, 'fc1.weight': 0.5, 'fc2.weight': 0.3 });
  assert.throws(() => resolveRates({ fc: 0.2 }, params), /conv1\.weight.*"default"/);
});

test.run();
