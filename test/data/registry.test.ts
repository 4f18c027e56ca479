import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FASHION_MNIST_DIR, isDatasetName, listDatasets, loadDataset } from '../../src/data/registry.ts';
import { UserError } from '../../src/util/errors.ts';
import { writeIdxDir } from '../fixtures/idx.ts';

/** Awaits p, expecting a UserError whose message contains every one of `parts`. */
async function rejectsUser(p: Promise<unknown>, parts: string[]): Promise<void> {
  try {
    await p;
  } catch (e) {
    assert.instance(e, UserError);
    for (const part of parts) assert.ok((e as Error).message.includes(part), `${(e as Error).message} lacks ${part}`);
    return;
  }
  assert.unreachable('expected a UserError');
}

const dir = writeIdxDir({ train: 48, test: 10, rows: 3, cols: 3, gzip: true });

test('listDatasets: names, descriptions, availability', () => {
  const rows = listDatasets();
  assert.equal(rows.map((r) => r.name), ['mnist', 'fashion-mnist', 'synthetic', 'idx:<dir>']);
  const byName = Object.fromEntries(rows.map((r) => [r.name, r]));
  assert.ok(byName.mnist.available);
  assert.ok(byName.synthetic.available);
  assert.is(byName['fashion-mnist'].available, existsSync(FASHION_MNIST_DIR));
  for (const r of rows) assert.ok(r.description.length > 10);
});

test('unknown names are user errors listing the valid ones', async () => {
  await rejectsUser(loadDataset('cifar-100'), ["'cifar-100'", 'mnist', 'fashion-mnist', 'synthetic', 'idx:<dir>']);
  await rejectsUser(loadDataset('idx:'), ['idx:', 'directory']);
  assert.ok(isDatasetName('mnist') && isDatasetName('idx:/x'));
  assert.not.ok(isDatasetName('idx:') || isDatasetName('toString'));
  await rejectsUser(loadDataset('toString'), ["'toString'"]);
});

test('idx:<dir> loads a directory and names missing ones', async () => {
  const ds = await loadDataset(`idx:${dir}`);
  assert.is(ds.name, `idx:${dir}`);
  assert.equal(ds.inputShape, [1, 3, 3]);
  assert.equal([ds.train.n, ds.val.n, ds.test.n], [44, 4, 10]);
  await rejectsUser(loadDataset(`idx:${join(dir, 'missing')}`), [join(dir, 'missing'), 'train-images-idx3-ubyte[.gz]']);
});

test('fashion-mnist: loads when installed, a clear error otherwise', async () => {
  if (existsSync(FASHION_MNIST_DIR)) {
    const ds = await loadDataset('fashion-mnist');
    assert.equal([ds.train.n, ds.val.n, ds.test.n], [55000, 5000, 10000]);
  } else {
    await rejectsUser(loadDataset('fashion-mnist'), ['fashion-mnist', 'not available', FASHION_MNIST_DIR]);
  }
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

test('mnist loads through the registry', async () => {
  const ds = await loadDataset('mnist');
  assert.equal([ds.train.n, ds.val.n, ds.test.n], [7001, 999, 2000]);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
