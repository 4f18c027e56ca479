import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Dataset, Split } from '../../src/data/dataset.ts';
import { channelStats, defaultNormalizeMode, normalizeAs, normalizeChannels } from '../../src/data/normalize.ts';
import { Rng } from '../../src/util/rng.ts';
import { throwsUser } from '../fixtures/user-error.ts';

const SHAPE = [3, 4, 5];
const PLANE = 20;

/** n images of SHAPE; channel c is uniform noise scaled by (c + 1) around 0.2 c (channel 2 is constant when `flat`). */
function split(n: number, rng: Rng, flat = false): Split {
  const x = new Float32Array(n * 60);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) {
      for (let p = 0; p < PLANE; p++) x[(i * 3 + c) * PLANE + p] = flat && c === 2 ? 0.7 : 0.2 * c + (c + 1) * rng.next();
    }
  }
  return { x, y: Float32Array.from({ length: n }, (_, i) => i % 10), n };
}

function dataset(flat = false): Dataset {
  const rng = new Rng(5);
  return {
    name: 'toy',
    inputShape: SHAPE,
    numClasses: 10,
    train: split(40, rng, flat),
    val: split(7, rng, flat),
    test: split(9, rng, flat),
    description: 'toy',
  };
}

/** Mean and population std of channel c over a split. */
function moments(s: Split, c: number): [number, number] {
  let sum = 0;
  let sq = 0;
  for (let i = 0; i < s.n; i++) {
    for (let p = 0; p < PLANE; p++) {
      const v = s.x[(i * 3 + c) * PLANE + p];
      sum += v;
      sq += v * v;
    }
  }
  const m = sum / (s.n * PLANE);
  return [m, Math.sqrt(sq / (s.n * PLANE) - m * m)];
}

test('per channel: train has mean 0 and std 1 in every channel', () => {
  const ds = dataset();
  const raw = moments(ds.train, 2);
  assert.ok(raw[0] > 1 && raw[1] > 0.5, 'the fixture is far from standardised to begin with');
  const norm = normalizeChannels(ds);
  for (let c = 0; c < 3; c++) {
    const [m, s] = moments(norm.train, c);
    assert.ok(Math.abs(m) < 1e-5, `channel ${c} mean ${m}`);
    assert.ok(Math.abs(s - 1) < 1e-4, `channel ${c} std ${s}`);
  }
  assert.ok(norm.description.startsWith('toy; standardised per channel (train mean '));
});

test('val and test use the train statistics; inputs are left untouched', () => {
  const ds = dataset();
  const before = Array.from(ds.val.x);
  const stats = channelStats(ds.train, SHAPE);
  const norm = normalizeChannels(ds);
  assert.equal(Array.from(ds.val.x), before);
  assert.is.not(norm.val.x, ds.val.x);
  assert.is.not(norm.train.x, ds.train.x);
  for (const k of [0, 25, 59, 3 * 60 + 41]) {
    const c = Math.floor((k % 60) / PLANE);
    const want = (ds.val.x[k] - stats.mean[c]) / stats.std[c];
    assert.ok(Math.abs(norm.val.x[k] - want) < 1e-5, `val[${k}]`);
  }
  // val was not used for the statistics, so its own moments are only near 0 / 1
  assert.ok(Math.abs(moments(norm.val, 1)[0]) > 1e-6);
  assert.equal(Array.from(norm.test.y), Array.from(ds.test.y));
});

test('a constant channel is centred, not divided by ~0', () => {
  const norm = normalizeChannels(dataset(true));
  const stats = channelStats(dataset(true).train, SHAPE);
  assert.ok(Math.abs(stats.mean[2] - 0.7) < 1e-6 && stats.std[2] < 1e-6);
  for (let i = 0; i < PLANE; i++) assert.ok(Math.abs(norm.test.x[2 * PLANE + i]) < 1e-6);
  assert.ok(Math.abs(moments(norm.train, 0)[1] - 1) < 1e-4);
});

test('normalize modes: true is per channel for colour, per feature for one channel', () => {
  assert.is(defaultNormalizeMode([3, 32, 32]), 'channel');
  assert.is(defaultNormalizeMode([1, 28, 28]), 'feature');
  assert.is(defaultNormalizeMode([784]), 'feature');
  const ds = dataset();
  assert.is(normalizeAs(ds, false), ds);
  assert.is(normalizeAs(ds, undefined), ds);
  assert.equal(Array.from(normalizeAs(ds, true).train.x), Array.from(normalizeChannels(ds).train.x));
  // per feature: every single position has train mean 0 (per channel only guarantees the plane's mean)
  const feat = normalizeAs(ds, 'feature');
  let s = 0;
  for (let i = 0; i < 40; i++) s += feat.train.x[i * 60 + 7];
  assert.ok(Math.abs(s / 40) < 1e-5);
  assert.ok(feat.description.includes('per feature'));
  throwsUser(() => normalizeAs(ds, 'pixel' as never), ['"pixel"', "'feature'", "'channel'"]);
  throwsUser(() => normalizeChannels({ ...ds, inputShape: [60] }), ['[channels, height, width]', '[60]']);
});

test.run();
