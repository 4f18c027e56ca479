import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CIFAR10_ENV, cifar10Dir, FASHION_MNIST_DIR, isDatasetName, listDatasets, loadDataset } from '../../src/data/registry.ts';
import { writeCifarDir } from '../fixtures/cifar.ts';
import { writeIdxDir } from '../fixtures/idx.ts';
import { rejectsUser } from '../fixtures/user-error.ts';

const dir = writeIdxDir({ train: 48, test: 10, rows: 3, cols: 3, gzip: true });
const cifarDir = writeCifarDir(4, 3);

/** Runs fn with $LTH_CIFAR10_DIR set to `value` (unset for undefined), restoring it afterwards. */
async function withCifarEnv<T>(value: string | undefined, fn: () => Promise<T> | T): Promise<T> {
  const saved = process.env[CIFAR10_ENV];
  if (value === undefined) delete process.env[CIFAR10_ENV];
  else process.env[CIFAR10_ENV] = value;
  try {
    return await fn();
  } finally {
    if (saved === undefined) delete process.env[CIFAR10_ENV];
    else process.env[CIFAR10_ENV] = saved;
  }
}

test('listDatasets: names, descriptions, availability', () => {
  const rows = listDatasets();
  assert.equal(rows.map((r) => r.name), ['mnist', 'fashion-mnist', 'cifar10', 'synthetic', 'spam', 'spam-mlm', 'idx:<dir>', 'cifar10:<dir>']);
  const byName = Object.fromEntries(rows.map((r) => [r.name, r]));
  assert.ok(byName.mnist.available);
  assert.ok(byName.synthetic.available);
  assert.ok(byName.spam.available && byName['spam-mlm'].available);
  assert.is(byName['fashion-mnist'].available, existsSync(FASHION_MNIST_DIR));
  assert.ok(byName['cifar10:<dir>'].description.includes('data_batch_1.bin'));
  for (const r of rows) assert.ok(r.description.length > 10);
});

test('unknown names are user errors listing the valid ones', async () => {
  await rejectsUser(loadDataset('cifar-100'), ["'cifar-100'", 'mnist', 'fashion-mnist', 'synthetic', 'idx:<dir>', 'cifar10:<dir>']);
  await rejectsUser(loadDataset('idx:'), ['idx:', 'directory', 'idx:./data/mnist']);
  await rejectsUser(loadDataset('cifar10:'), ['cifar10:', 'directory', 'cifar10:./data/cifar-10-batches-bin']);
  assert.ok(isDatasetName('mnist') && isDatasetName('idx:/x') && isDatasetName('cifar10') && isDatasetName('cifar10:/x'));
  assert.not.ok(isDatasetName('idx:') || isDatasetName('cifar10:') || isDatasetName('toString'));
  await rejectsUser(loadDataset('toString'), ["'toString'"]);
});

test('idx:<dir> loads a directory and names missing ones', async () => {
  const ds = await loadDataset(`idx:${dir}`);
  assert.is(ds.name, `idx:${dir}`);
  assert.equal(ds.inputShape, [1, 3, 3]);
  assert.equal([ds.train.n, ds.val.n, ds.test.n], [44, 4, 10]);
  await rejectsUser(loadDataset(`idx:${join(dir, 'missing')}`), [join(dir, 'missing'), 'train-images-idx3-ubyte[.gz]']);
});

test('cifar10:<dir> loads a directory; normalize: true is per channel there', async () => {
  const ds = await loadDataset(`cifar10:${cifarDir}`);
  assert.is(ds.name, `cifar10:${cifarDir}`);
  assert.equal(ds.inputShape, [3, 32, 32]);
  assert.equal([ds.train.n, ds.val.n, ds.test.n, ds.numClasses], [18, 2, 3, 10]);
  const norm = await loadDataset(`cifar10:${cifarDir}`, { normalize: true });
  assert.ok(norm.description.includes('per channel'));
  for (let c = 0; c < 3; c++) {
    let s = 0;
    for (let i = 0; i < norm.train.n; i++) for (let p = 0; p < 1024; p++) s += norm.train.x[i * 3072 + c * 1024 + p];
    assert.ok(Math.abs(s / (norm.train.n * 1024)) < 1e-5, `channel ${c} mean`);
  }
  await rejectsUser(loadDataset(`cifar10:${join(cifarDir, 'missing')}`), [join(cifarDir, 'missing'), 'does not exist', 'test_batch.bin']);
});

test('cifar10 looks in $LTH_CIFAR10_DIR, else ./data/cifar-10-batches-bin', async () => {
  await withCifarEnv(undefined, () => assert.is(cifar10Dir(), './data/cifar-10-batches-bin'));
  await withCifarEnv(cifarDir, async () => {
    assert.ok(listDatasets().find((r) => r.name === 'cifar10')?.available);
    const ds = await loadDataset('cifar10');
    assert.equal([ds.name, ds.train.n], ['cifar10', 18]);
  });
  const nowhere = join(cifarDir, 'nowhere');
  await withCifarEnv(nowhere, async () => {
    const row = listDatasets().find((r) => r.name === 'cifar10');
    assert.is(row?.available, false);
    await rejectsUser(loadDataset('cifar10'), ["'cifar10'", 'not available', nowhere, 'LTH_CIFAR10_DIR']);
  });
});

test('synthetic with options, and normalize applies to any dataset', async () => {
  const ds = await loadDataset('synthetic', { synthetic: { train: 200, val: 20, test: 20 } });
  assert.equal([ds.train.n, ds.val.n, ds.test.n], [200, 20, 20]);
  const norm = await loadDataset('synthetic', { normalize: true, synthetic: { train: 200, val: 20, test: 20 } });
  let s = 0;
  for (let i = 0; i < 200; i++) s += norm.train.x[i * 784 + 400];
  assert.ok(Math.abs(s / 200) < 1e-4);
  assert.ok(norm.train.x.some((v) => v < 0));
  const idx = await loadDataset(`idx:${dir}`, { normalize: true });
  assert.ok(idx.train.x.some((v) => v < 0));
});

test('mnist loads through the registry; per-channel mode leaves the shared cache intact', async () => {
  const ds = await loadDataset('mnist');
  assert.equal([ds.train.n, ds.val.n, ds.test.n], [7001, 999, 2000]);
  const first = ds.train.x.slice(0, 784);
  const chan = await loadDataset('mnist', { normalize: 'channel' });
  assert.ok(chan.description.includes('per channel'));
  assert.ok(chan.train.x.some((v) => v < 0));
  assert.equal(Array.from((await loadDataset('mnist')).train.x.subarray(0, 784)), Array.from(first));
  assert.ok((await loadDataset('mnist', { normalize: true })).description.includes('per feature'));
});

test.after(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(cifarDir, { recursive: true, force: true });
});

test.run();
