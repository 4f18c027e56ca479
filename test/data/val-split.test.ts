// Seeded validation splits: which training examples validate depends on the split seed (an
// experiment's base seed), stratified as before for the embedded MNIST; no seed keeps each
// loader's fixed split; the test split never changes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildCifar10Dataset } from '../../src/data/cifar.ts';
import { type Dataset, type Split, classCounts } from '../../src/data/dataset.ts';
import { loadIdxDataset } from '../../src/data/idx-file.ts';
import { embeddedSplitIndices } from '../../src/data/mnist-embedded.ts';
import { loadDataset } from '../../src/data/registry.ts';
import { resolveConfig } from '../../src/experiment/config.ts';
import { datasetOptions } from '../../src/experiment/pieces.ts';
import { cifarRecords } from '../fixtures/cifar.ts';
import { writeIdxDir } from '../fixtures/idx.ts';

const CLASS_SIZES = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];
const sorted = (a: ArrayLike<number>) => Array.from(a).sort((x, y) => x - y);
/** Whether two float arrays hold the same bits. */
const same = (a: Float32Array, b: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

/** The source index each row of a fixture split encodes in its first pixel (mod 256). */
function sources(s: Split, features: number): number[] {
  return Array.from({ length: s.n }, (_, i) => Math.round(s.x[i * features] * 255));
}

test('embedded MNIST indices: seeds give different stratified validation sets, the same test split', () => {
  const fixed = embeddedSplitIndices(CLASS_SIZES);
  const s1 = embeddedSplitIndices(CLASS_SIZES, 1);
  const s2 = embeddedSplitIndices(CLASS_SIZES, 2);
  assert.equal(Array.from(embeddedSplitIndices(CLASS_SIZES, 1).val), Array.from(s1.val), 'deterministic');
  assert.not.equal(sorted(s1.val), sorted(s2.val));
  assert.not.equal(sorted(s1.val), sorted(fixed.val));
  const starts = CLASS_SIZES.map((_, c) => CLASS_SIZES.slice(0, c).reduce((a, b) => a + b, 0));
  const perClass = (a: Int32Array) => CLASS_SIZES.map((_, c) => a.filter((i) => i >= starts[c] && i < starts[c] + CLASS_SIZES[c]).length);
  for (const s of [s1, s2]) {
    assert.equal(Array.from(s.test), Array.from(fixed.test), 'test split: same images, same order');
    assert.equal(perClass(s.val), perClass(fixed.val), 'stratified as the fixed split');
    assert.equal(perClass(s.train), perClass(fixed.train));
    assert.equal(sorted([...s.train, ...s.val]), sorted([...fixed.train, ...fixed.val]), 'drawn from the same train+val pool');
  }
});

test("mnist through the registry: the config's valSplit and base seed choose the split", async () => {
  const load = (c: object) => loadDataset('mnist', datasetOptions(resolveConfig(c)));
  const [a, b, fixedA, fixedB] = await Promise.all([
    load({ seed: 1 }),
    load({ seed: 2 }),
    load({ seed: 1, valSplit: 'fixed' }),
    load({ seed: 2, valSplit: 'fixed' }),
  ]);
  assert.not.ok(same(a.val.x, b.val.x));
  assert.equal(classCounts(a.val, 10), classCounts(b.val, 10));
  assert.equal([a.train.n, a.val.n, a.test.n], [7001, 999, 2000]);
  assert.is(fixedA, fixedB, "valSplit: 'fixed' ignores the seed (the same cached dataset)");
  assert.equal(Array.from(fixedA.val.y), Array.from((await loadDataset('mnist')).val.y));
  for (const d of [a, b, fixedA] as Dataset[]) {
    assert.ok(same(d.test.x, fixedB.test.x) && same(d.test.y, fixedB.test.y), 'the test split never changes');
  }
  assert.match(a.description, 'seed 1');
});

test('IDX: the validation rows follow the split seed; t10k stays the test split', () => {
  const dir = writeIdxDir({ train: 120, test: 12, rows: 5, cols: 4 });
  const fixed = loadIdxDataset(dir, 'x');
  const [s1, s1again, s2] = [1, 1, 2].map((seed) => loadIdxDataset(dir, 'x', seed));
  assert.equal(sources(s1.val, 20), sources(s1again.val, 20));
  assert.not.equal(sources(s1.val, 20), sources(s2.val, 20));
  assert.not.equal(sources(s1.val, 20), sources(fixed.val, 20));
  for (const s of [s1, s2]) {
    assert.equal([s.train.n, s.val.n], [fixed.train.n, fixed.val.n]);
    assert.equal(sorted([...sources(s.train, 20), ...sources(s.val, 20)]), Array.from({ length: 120 }, (_, i) => i));
    assert.ok(same(s.test.x, fixed.test.x));
  }
  assert.match(s2.description, 'split seed 2');
});

test('CIFAR-10: the validation records follow the split seed; test_batch stays the test split', () => {
  const train = [{ bytes: cifarRecords(60), file: 'a' }, { bytes: cifarRecords(60, 60), file: 'b' }];
  const testFile = { bytes: cifarRecords(5, 200), file: 't' };
  const fixed = buildCifar10Dataset('c', train, testFile);
  const s1 = buildCifar10Dataset('c', train, testFile, 1);
  const s2 = buildCifar10Dataset('c', train, testFile, 2);
  const f = 3072;
  assert.not.equal(sources(s1.val, f), sources(s2.val, f));
  assert.not.equal(sources(s1.val, f), sources(fixed.val, f));
  for (const s of [s1, s2]) {
    assert.is(s.val.n, fixed.val.n);
    assert.equal(sorted([...sources(s.train, f), ...sources(s.val, f)]), Array.from({ length: 120 }, (_, i) => i));
    assert.ok(same(s.test.x, fixed.test.x));
  }
});

test.run();
