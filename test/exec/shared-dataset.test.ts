import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Worker } from 'node:worker_threads';
import { makeSyntheticDataset } from '../../src/data/synthetic.ts';
import { isShared, shareDataset } from '../../src/exec/shared-dataset.ts';

test('a shared dataset holds the same values in shared memory; sharing it again copies nothing', () => {
  const data = makeSyntheticDataset();
  assert.not.ok(isShared(data));
  const shared = shareDataset(data);
  assert.ok(isShared(shared));
  for (const s of ['train', 'val', 'test'] as const) {
    assert.equal(Array.from(shared[s].x.subarray(0, 50)), Array.from(data[s].x.subarray(0, 50)));
    assert.equal(shared[s].y, data[s].y);
    assert.is(shared[s].n, data[s].n);
  }
  assert.is(shareDataset(shared).train.x, shared.train.x);
});

test('a worker thread given the shared dataset reads the parent memory, not a copy', async () => {
  const shared = shareDataset(makeSyntheticDataset());
  // The worker writes through its view; a copy would leave the parent's value as it was.
  const w = new Worker("const { workerData, parentPort } = require('node:worker_threads'); workerData.train.x[0] = 42; parentPort.postMessage('done');", { eval: true, workerData: shared });
  await new Promise((resolve, reject) => {
    w.once('message', resolve);
    w.once('error', reject);
  });
  await w.terminate();
  assert.is(shared.train.x[0], 42);
});

test.run();
