/** labelWidth (issue 16): several labels per example through gather, batching, checks, sharing. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Batcher, evalBatches } from '../../src/data/batcher.ts';
import { checkSplits } from '../../src/data/check-splits.ts';
import { classCounts, gatherSplit, splitLabelWidth, type Dataset, type Split } from '../../src/data/dataset.ts';
import { normalizeAs } from '../../src/data/normalize.ts';
import { isShared, shareDataset } from '../../src/exec/shared-dataset.ts';
import { Rng } from '../../src/util/rng.ts';
import { throwsUser } from '../fixtures/user-error.ts';

const W = 3;

/** n examples of 2 features [i, -i] with labels [i, i + 1000, -1]: every row and label says which example it is. */
function split(n: number): Split {
  const x = new Float32Array(2 * n);
  const y = new Float32Array(W * n);
  for (let i = 0; i < n; i++) {
    x.set([i, -i], 2 * i);
    y.set([i, i + 1000, -1], W * i);
  }
  return { x, y, n };
}

function dataset(n: number): Dataset {
  return { name: 'multi', inputShape: [2], numClasses: 2000, labelWidth: W, train: split(n), val: split(4), test: split(5), description: 'test', text: { vocabSize: 2000, seqLen: 2, maskedPositions: 0 } };
}

test('splitLabelWidth reads y.length / n', () => {
  assert.is(splitLabelWidth(split(7)), W);
  assert.is(splitLabelWidth({ x: new Float32Array(0), y: new Float32Array(0), n: 0 }), 1);
});

test('gatherSplit moves each example\'s labels with it', () => {
  const s = split(6);
  const g = gatherSplit(s.x, s.y, 2, [4, 1], W);
  assert.equal(Array.from(g.x), [4, -4, 1, -1]);
  assert.equal(Array.from(g.y), [4, 1004, -1, 1, 1001, -1]);
  // one label per example by default, as before
  assert.equal(Array.from(gatherSplit([1, 2, 3], [7, 8, 9], 1, [2, 0]).y), [9, 7]);
});

test('Batcher: batch.y holds n x labelWidth labels, each row\'s own', () => {
  const b = new Batcher(split(10), 4, new Rng(3));
  assert.is(b.labelWidth, W);
  for (let it = 0; it < 7; it++) {
    const batch = b.next();
    assert.is(batch.y.length, 4 * W);
    for (let i = 0; i < batch.n; i++) {
      const id = batch.x[2 * i];
      assert.equal(Array.from(batch.y.subarray(i * W, i * W + W)), [id, id + 1000, -1]);
    }
  }
});

test('evalBatches: y views of n x labelWidth, short last batch', () => {
  const batches = [...evalBatches(split(7), 3)];
  assert.equal(batches.map((b) => b.y.length), [9, 9, 3]);
  assert.equal(Array.from(batches[2].y), [6, 1006, -1]);
});

test('classCounts counts every label slot and skips -1', () => {
  const s = split(3);
  const c = classCounts(s, 1003);
  assert.equal([c[0], c[1], c[2], c[1000], c[1002]], [1, 1, 1, 1, 1]);
  assert.is(c.reduce((a, b) => a + b, 0), 6);
});

test('checkSplits: labels must number n x labelWidth', () => {
  assert.is(checkSplits('multi', dataset(5)).labelWidth, W);
  const bad = { ...dataset(5), labelWidth: 2 };
  throwsUser(() => checkSplits('multi', bad), ["'multi'", 'train', '15 labels', 'labelWidth']);
  throwsUser(() => checkSplits('multi', { ...dataset(5), inputShape: [3] }), ["'multi'", '10 inputs', 'shape [3]']);
});

test('token data is never standardised', () => {
  const ds = dataset(5);
  assert.is(normalizeAs(ds, false), ds);
  throwsUser(() => normalizeAs(ds, true), ["'multi'", 'token ids', 'normalize']);
  throwsUser(() => normalizeAs(ds, 'feature'), ['token ids']);
});

test('shareDataset keeps labelWidth and text', () => {
  const shared = shareDataset(dataset(5));
  assert.ok(isShared(shared));
  assert.is(shared.labelWidth, W);
  assert.equal(shared.text, { vocabSize: 2000, seqLen: 2, maskedPositions: 0 });
  assert.equal(Array.from(shared.train.y.subarray(0, 3)), [0, 1000, -1]);
});

test.run();
