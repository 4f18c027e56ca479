// Exact-size masks from scores (global, per layer, a ticket's counts), the fast selection
// against the pruneGlobal / pruneLowest helpers, and the random-at-init control.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { layerCounts, maskFromScores, randomScores } from '../../src/prune/at-init/index.ts';
import { clearLowest } from '../../src/prune/magnitude.ts';
import { pruneGlobal, pruneLowest } from '../../src/prune/magnitude.ts';
import { type Masks, countOnes, fullMasks, maskTotals } from '../../src/prune/masks.ts';
import { Rng } from '../../src/util/rng.ts';

const u8 = (a: number[]) => Uint8Array.from(a);
const f32 = (a: number[]) => Float32Array.from(a);

test('maskFromScores by hand: global keeps the highest across layers, pruned stay pruned', () => {
  const scores = { a: f32([5, 1, 9, 3]), b: f32([2, 8, 7]) };
  const current = { a: u8([1, 1, 0, 1]), b: u8([1, 1, 1]) };
  // 7 weights in all; density 3/7 keeps 3 of the 6 alive: 8, 7, 5 (9 is already pruned)
  const g = maskFromScores(scores, current, 3 / 7);
  assert.equal([Array.from(g.a), Array.from(g.b)], [[1, 0, 0, 0], [0, 1, 1]]);
  // layerwise at 0.5: a keeps round(2) -> 5, 3; b keeps round(1.5) = 2 -> 8, 7
  const l = maskFromScores(scores, current, 0.5, 'layerwise');
  assert.equal([Array.from(l.a), Array.from(l.b)], [[1, 0, 0, 1], [0, 1, 1]]);
  // per-layer counts: a keeps 1, b keeps 2
  const c = maskFromScores(scores, current, { a: 1, b: 2 });
  assert.equal([Array.from(c.a), Array.from(c.b)], [[1, 0, 0, 0], [0, 1, 1]]);
  assert.equal(current, { a: u8([1, 1, 0, 1]), b: u8([1, 1, 1]) }, 'inputs untouched');
});

test('maskFromScores: ties go to the lower layer and index; bad targets throw', () => {
  const scores = { a: f32([1, 1, 1]), b: f32([1, 1]) };
  const full = { a: u8([1, 1, 1]), b: u8([1, 1]) };
  // prune 3 of 5 equal scores: the first three in (layer, index) order go
  const g = maskFromScores(scores, full, 0.4);
  assert.equal([Array.from(g.a), Array.from(g.b)], [[0, 0, 0], [1, 1]]);
  assert.throws(() => maskFromScores(scores, { a: u8([1, 0, 0]), b: u8([0, 0]) }, 0.6), /only 1 remain/);
  assert.throws(() => maskFromScores(scores, full, { a: 4, b: 0 }), /cannot keep 4/);
  assert.throws(() => maskFromScores(scores, full, { a: 1 }), /no count for 'b'/);
  assert.throws(() => maskFromScores(scores, full, { a: 1, b: 1 }, 'global'), /layerwise/);
  assert.throws(() => maskFromScores(scores, full, 1.5), /\[0, 1\]/);
  assert.throws(() => maskFromScores({ a: f32([1, 1, 1]) }, full, 0.5), /'b'/);
  assert.throws(() => maskFromScores({ a: f32([1, NaN, 1]), b: f32([1, 1]) }, full, 0.5), /NaN/);
});

test('the same sparsities as an IMP ticket: its total exactly (global), or its per-layer counts', () => {
  const rng = new Rng(1);
  const sizes = { 'fc1.weight': 23520, 'fc2.weight': 3000, 'fc3.weight': 1000 };
  const full = fullMasks(sizes);
  for (let t = 0; t < 5; t++) {
    // a ticket with an uneven allocation, as layerwise IMP with an output rate leaves
    const ticket: Masks = {};
    for (const [name, n] of Object.entries(sizes)) ticket[name] = Uint8Array.from({ length: n }, () => (rng.next() < 0.02 + 0.3 * t * rng.next() ? 1 : 0));
    const scores = randomScores(full, rng);
    const { remaining, total } = maskTotals(ticket);
    assert.is(maskTotals(maskFromScores(scores, full, remaining / total)).remaining, remaining);
    assert.equal(layerCounts(maskFromScores(scores, full, layerCounts(ticket))), layerCounts(ticket));
  }
});

/** The obviously-correct reference: sort every survivor by (score, layer, index), clear the first k. */
function referenceClear(layers: { scores: Float32Array; mask: Uint8Array }[], k: number): void {
  const refs: [number, number, number][] = [];
  layers.forEach(({ scores, mask }, l) => mask.forEach((on, i) => on && refs.push([scores[i], l, i])));
  refs.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
  for (const [, l, i] of refs.slice(0, k)) layers[l].mask[i] = 0;
}

test('clearLowest (behind pruneGlobal / pruneLowest) matches a comparator-sort reference, ties and zeros included', () => {
  const rng = new Rng(2);
  for (let t = 0; t < 20; t++) {
    const names = ['x', 'y', 'z'];
    const scores: Record<string, Float32Array> = {};
    const masks: Masks = {};
    for (const name of names) {
      const n = 1 + rng.int(300);
      // few distinct values, with +0 and -0, so that ties decide most of the selection
      scores[name] = Float32Array.from({ length: n }, () => [0, -0, 1, 2, 2.5, 3][rng.int(6)] * (rng.next() < 0.5 ? 1 : -1));
      masks[name] = Uint8Array.from({ length: n }, () => (rng.next() < 0.8 ? 1 : 0));
    }
    const alive = maskTotals(masks).remaining;
    const k = rng.int(alive + 1);
    const want: Masks = Object.fromEntries(names.map((n) => [n, masks[n].slice()]));
    referenceClear(names.map((n) => ({ scores: scores[n], mask: want[n] })), k);
    assert.equal(pruneGlobal(scores, masks, k / alive), want, `pruneGlobal trial ${t}`);
    const got: Masks = Object.fromEntries(names.map((n) => [n, masks[n].slice()]));
    clearLowest(names.map((n) => ({ scores: scores[n], mask: got[n] })), k);
    assert.equal(got, want, `trial ${t}`);
    const one = masks.y.slice();
    const kk = rng.int(countOnes(one) + 1);
    clearLowest([{ scores: scores.y, mask: one }], kk);
    const ref = masks.y.slice();
    referenceClear([{ scores: scores.y, mask: ref }], kk);
    assert.equal(one, ref, `layer trial ${t}`);
    const viaLowest = masks.y.slice();
    pruneLowest(scores.y, viaLowest, kk);
    assert.equal(viaLowest, ref, `pruneLowest trial ${t}`);
  }
});

test('random scores: deterministic per seed; per-layer and global counts exact', () => {
  const full = fullMasks({ a: 1000, b: 300 });
  const s1 = randomScores(full, new Rng(7));
  assert.equal(s1, randomScores(full, new Rng(7)));
  assert.not.equal(s1, randomScores(full, new Rng(8)));
  assert.ok(Object.values(s1).every((s) => s.every((v) => v >= 0 && v < 1)));
  const l = maskFromScores(s1, full, 0.1, 'layerwise');
  assert.equal(layerCounts(l), { a: 100, b: 30 });
  const g = maskFromScores(s1, full, 0.1);
  assert.is(maskTotals(g).remaining, 130);
  // a uniform subset: the global allocation follows layer size, roughly 100 / 30
  assert.ok(Math.abs(countOnes(g.a) - 100) < 25, `a kept ${countOnes(g.a)}`);
});

test.run();
