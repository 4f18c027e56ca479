import { existsSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { classCounts } from '../../src/data/dataset.ts';
import { FASHION_MNIST_DIR, loadDataset } from '../../src/data/registry.ts';
import { rejectsUser } from '../fixtures/user-error.ts';

// The real files come from Debian's dataset-fashion-mnist; without them only the error is checked.
const installed = existsSync(FASHION_MNIST_DIR);

test('fashion-mnist: the real files load as 55000 / 5000 / 10000, balanced, pixels in [0, 1]', async () => {
  if (!installed) {
    console.log(`  (${FASHION_MNIST_DIR} not found: apt-get install dataset-fashion-mnist to run this check)`);
    await rejectsUser(loadDataset('fashion-mnist'), ['fashion-mnist', 'not available', FASHION_MNIST_DIR]);
    return;
  }
  const ds = await loadDataset('fashion-mnist');
  assert.equal([ds.train.n, ds.val.n, ds.test.n], [55000, 5000, 10000]);
  assert.equal(ds.inputShape, [1, 28, 28]);
  assert.is(ds.numClasses, 10);
  assert.is(ds.train.x.length, 55000 * 784);
  // Fashion-MNIST has exactly 6000 train and 1000 test images per class.
  assert.equal(classCounts(ds.test, 10), new Array(10).fill(1000));
  const train = classCounts(ds.train, 10);
  const val = classCounts(ds.val, 10);
  assert.equal(train.map((t, c) => t + val[c]), new Array(10).fill(6000));
  for (const v of val) assert.ok(v > 400 && v < 600, `validation class sizes ${val}`);
  for (const split of [ds.train, ds.val, ds.test]) {
    let min = Infinity;
    let max = -Infinity;
    let sum = 0;
    const x = split.x;
    for (let k = 0; k < x.length; k++) {
      const v = x[k];
      if (v < min) min = v;
      if (v > max) max = v;
      sum += v;
    }
    assert.equal([min, max], [0, 1]);
    // Fashion-MNIST's mean pixel is about 0.286 (0.2860 train); a wrong offset or scale would miss it.
    const mean = sum / split.x.length;
    assert.ok(Math.abs(mean - 0.286) < 0.01, `mean pixel ${mean}`);
  }
});

test.run();
