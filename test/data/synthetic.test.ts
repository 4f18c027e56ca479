import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { classCounts, type Split } from '../../src/data/dataset.ts';
import { makeSyntheticDataset } from '../../src/data/synthetic.ts';
import { UserError } from '../../src/util/errors.ts';

const F = 784;

/** Accuracy on `test` of the nearest-class-mean classifier fitted on `train`. */
function nearestMeanAccuracy(train: Split, test: Split): number {
  const means = Array.from({ length: 10 }, () => new Float64Array(F));
  const counts = new Array<number>(10).fill(0);
  for (let i = 0; i < train.n; i++) {
    const c = train.y[i];
    counts[c]++;
    for (let f = 0; f < F; f++) means[c][f] += train.x[i * F + f];
  }
  means.forEach((m, c) => m.forEach((v, f) => (m[f] = v / counts[c])));
  let correct = 0;
  for (let i = 0; i < test.n; i++) {
    let best = -1;
    let bestD = Infinity;
    for (let c = 0; c < 10; c++) {
      let d = 0;
      for (let f = 0; f < F; f++) d += (test.x[i * F + f] - means[c][f]) ** 2;
      if (d < bestD) [best, bestD] = [c, d];
    }
    if (best === test.y[i]) correct++;
  }
  return correct / test.n;
}

test('shapes, balance, value range', () => {
  const ds = makeSyntheticDataset({ train: 1000, val: 100, test: 300 });
  assert.equal(ds.inputShape, [1, 28, 28]);
  assert.is(ds.numClasses, 10);
  assert.equal([ds.train.n, ds.val.n, ds.test.n], [1000, 100, 300]);
  assert.is(ds.train.x.length, 1000 * F);
  assert.equal(classCounts(ds.train, 10), new Array(10).fill(100));
  assert.ok(ds.test.x.every((v) => v >= 0 && v <= 1));
  // the order is shuffled, not round-robin
  assert.not.equal(Array.from(ds.train.y.subarray(0, 10)), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

test('learnable: nearest class mean > 90% on test; not trivially noiseless', () => {
  const ds = makeSyntheticDataset({ train: 1000, val: 100, test: 500 });
  const acc = nearestMeanAccuracy(ds.train, ds.test);
  assert.ok(acc > 0.9, `accuracy ${acc}`);
  // two examples of one class are not identical
  const a = ds.train.x.subarray(0, F);
  const j = ds.train.y.findIndex((c, i) => i > 0 && c === ds.train.y[0]);
  assert.not.equal(Array.from(a), Array.from(ds.train.x.subarray(j * F, j * F + F)));
});

test('deterministic in the seed', () => {
  const a = makeSyntheticDataset({ train: 50, val: 10, test: 10, seed: 4 });
  const b = makeSyntheticDataset({ train: 50, val: 10, test: 10, seed: 4 });
  const c = makeSyntheticDataset({ train: 50, val: 10, test: 10, seed: 5 });
  assert.equal(Array.from(a.train.x), Array.from(b.train.x));
  assert.equal(Array.from(a.test.y), Array.from(b.test.y));
  assert.not.equal(Array.from(a.train.x), Array.from(c.train.x));
  // splits are different draws
  assert.not.equal(Array.from(a.val.x), Array.from(a.test.x));
});

test('bad options are user errors', () => {
  assert.throws(() => makeSyntheticDataset({ train: 0 }), (e: unknown) => e instanceof UserError && /train/.test((e as Error).message));
  assert.throws(() => makeSyntheticDataset({ noise: -1 }), (e: unknown) => e instanceof UserError);
  assert.throws(() => makeSyntheticDataset({ shift: 1.5 }), (e: unknown) => e instanceof UserError && /shift/.test((e as Error).message));
});

test.run();
